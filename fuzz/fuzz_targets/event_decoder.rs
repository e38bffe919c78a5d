//! One SSE payload through the event decoder, with and without an SSE event name.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    data: Vec<u8>,
    event: Vec<u8>,
}

fuzz_target!(|input: Input| {
    chatbase::fuzzing::check_event_decoder(&input.data, &input.event);
});
