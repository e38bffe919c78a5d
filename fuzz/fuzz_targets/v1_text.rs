//! The v1 answer decoder (raw text and SSE): chunking invariance, lossless UTF-8, invalid UTF-8 as an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    bytes: Vec<u8>,
    splits: Vec<u16>,
}

fuzz_target!(|input: Input| {
    chatbase::fuzzing::check_v1_text(&input.bytes, &input.splits);
});
