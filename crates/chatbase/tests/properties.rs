//! Property tests over untrusted input (the same `chatbase::fuzzing` checks the cargo-fuzz targets run): any
//! chunking of a stream decodes the same, LF/CRLF/CR are equivalent, and no input panics the SSE framer, the event
//! decoder, the v1 text decoder, the error-envelope parser or the header-number parser. A fixed seed and 256 cases
//! by default; `PROPTEST_CASES=100000` (and `PROPTEST_RNG_SEED=n`) for a longer run.

use chatbase::fuzzing::{
    check_chat_chunking, check_chat_line_endings, check_error_envelope, check_event_decoder,
    check_header_numbers, check_v1_text,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

fn config() -> ProptestConfig {
    // `default()` reads PROPTEST_CASES and PROPTEST_RNG_SEED; without them, a fixed seed and a bounded run.
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = 256;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x00C4_A7BA_5E00);
    }
    c.failure_persistence = None;
    c
}

/// Pieces that make stream-shaped input: field names, separators, comments, JSON events, multi-byte text, a BOM.
const FRAGMENTS: &[&str] = &[
    "data: ",
    "data:",
    "data",
    "event: ",
    "event: text-delta",
    "id: 7",
    "id",
    "retry: 10",
    "retry: 99999999999999999999999",
    ": ping",
    ":",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " ",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"Grüße 🚀\"}",
    "{\"delta\":\"x\",\"type\":\"text-delta\"}",
    "{\"type\":\"reasoning-delta\",\"delta\":\"\\u00e9\"}",
    "{\"type\":\"finish\",\"messageMetadata\":{\"finishReason\":\"stop\"}}",
    "{\"type\":\"error\",\"errorText\":\"boom\"}",
    "{\"type\":\"tool-input-available\",\"toolCallId\":\"c\",\"input\":{\"a\":1}}",
    "{\"type\":\"brand-new\",\"x\":[1,2]}",
    "{\"type\":\"text-del",
    "[DONE]",
    "\u{feff}",
    "é",
    "x",
    "{",
];

fn stream_shaped() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40)
        .prop_map(|parts| parts.concat().into_bytes())
}

/// Stream-shaped input with the odd raw byte (invalid UTF-8 included) mixed in.
fn stream_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => stream_shaped(),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => (stream_shaped(), any::<u8>(), any::<prop::sample::Index>()).prop_map(|(mut v, b, at)| {
            let i = at.index(v.len() + 1);
            v.insert(i, b);
            v
        }),
    ]
}

fn splits() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(any::<u16>(), 0..12)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_chunking_of_a_chat_stream_decodes_the_same(bytes in stream_like(), cuts in splits()) {
        check_chat_chunking(&bytes, &cuts);
    }

    #[test]
    fn lf_crlf_and_cr_line_endings_are_equivalent(bytes in stream_shaped(), cuts in splits()) {
        // LF-only input, so every case is compared (the check skips input that already holds a CR).
        let lf: Vec<u8> = bytes.into_iter().filter(|&b| b != b'\r').collect();
        check_chat_line_endings(&lf, &cuts);
    }

    #[test]
    fn no_payload_panics_the_event_decoder(
        data in prop_oneof![stream_like(), any::<String>().prop_map(String::into_bytes)],
        event in prop_oneof![Just(b"error".to_vec()), Just(b"message".to_vec()), prop::collection::vec(any::<u8>(), 0..12)],
    ) {
        check_event_decoder(&data, &event);
    }

    #[test]
    fn the_v1_decoder_is_chunking_invariant_and_lossless(
        bytes in prop_oneof![stream_like(), any::<String>().prop_map(String::into_bytes)],
        cuts in splits(),
    ) {
        check_v1_text(&bytes, &cuts);
    }

    #[test]
    fn no_body_panics_the_error_envelope_parser(
        status in any::<u16>(),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(b"{\"error\":{\"code\":7,\"message\":null,\"details\":[]}}".to_vec()),
            Just(b"{\"error\":\"text\"}".to_vec()),
            Just(b"{\"message\":{\"nested\":true},\"issues\":1}".to_vec()),
            Just(b"[1,2]".to_vec()),
        ],
    ) {
        check_error_envelope(status, &body);
    }

    #[test]
    fn no_header_value_panics_the_number_parsers(
        raw in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            any::<f64>().prop_map(|x| x.to_string().into_bytes()),
            any::<u64>().prop_map(|x| x.to_string().into_bytes()),
            any::<i64>().prop_map(|x| format!("{x}.5").into_bytes()),
            prop::sample::select(&["inf", "NaN", "-5", "1e400", "18446744073709551616", " 3 ", "1e-400", "0.0"][..])
                .prop_map(|s| s.as_bytes().to_vec()),
        ],
        now in any::<u64>(),
    ) {
        check_header_numbers(&raw, now);
    }
}

#[test]
fn known_edge_cases_hold() {
    // Splits inside a CRLF and inside a UTF-8 sequence, empty chunks, a BOM split across reads.
    let sse = "\u{feff}data: {\"type\":\"text-delta\",\"delta\":\"é\"}\r\n\r\ndata: [DONE]\r\n\r\n";
    for at in 0..=sse.len() as u16 {
        check_chat_chunking(sse.as_bytes(), &[at, at, 1, 2]);
        check_v1_text(sse.as_bytes(), &[at, 3]);
    }
    check_chat_line_endings(
        b"data: {\"type\":\"text-delta\",\"delta\":\"a\"}\n\n: c\n\ndata: [DONE]\n\n",
        &[5],
    );
    check_header_numbers(b"\xff", 0);
    check_error_envelope(0, b"");
}
