//! The error-envelope parser (v2 `{error:{…}}`, v1 `{message}`, anything else) on any body.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    status: u16,
    body: Vec<u8>,
}

fuzz_target!(|input: Input| {
    chatbase::fuzzing::check_error_envelope(input.status, &input.body);
});
