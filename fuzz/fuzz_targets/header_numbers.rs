//! The header-number parsers (Retry-After, retry-after-ms, X-RateLimit-Reset, counts) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    raw: Vec<u8>,
    now: u64,
}

fuzz_target!(|input: Input| {
    chatbase::fuzzing::check_header_numbers(&input.raw, input.now);
});
