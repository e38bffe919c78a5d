//! The v2 chat stream framer and decoder: chunking invariance and LF/CRLF/CR equivalence.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    bytes: Vec<u8>,
    splits: Vec<u16>,
}

fuzz_target!(|input: Input| {
    chatbase::fuzzing::check_chat_chunking(&input.bytes, &input.splits);
    chatbase::fuzzing::check_chat_line_endings(&input.bytes, &input.splits);
});
