#![no_main]
//! Fuzzes the APC Smart reply handling: framing a byte stream into replies with each alert
//! filter (fed in arbitrary chunks), then the status byte, conversions, the `a` command-set
//! and `^Z` capability parsers on every reply. Nothing may panic, whatever the bytes, and a
//! framed reply never holds an ignored character nor exceeds the reply limit.

use libfuzzer_sys::fuzz_target;
use nut_drivers::apcsmart::parse::{
    self, Filter, LineReader, MAX_REPLY, leading_integer, locale_of, parse_capabilities,
    parse_command_set, parse_status, reason_text, status_words,
};

fn check(reply: &str, filter: Filter) {
    assert!(reply.chars().count() <= MAX_REPLY + 1, "reply too long");
    assert!(!reply.contains(['\r', '|', '&']), "ignored char kept");
    if filter != Filter::CommandSet {
        assert!(
            !reply.contains(['!', '$', '%', '+', '?', '=']),
            "alert kept"
        );
    }
    if let Ok(bits) = parse_status(reply) {
        let _ = status_words(bits);
    }
    let _ = leading_integer(reply);
    for def in nut_drivers::apcsmart::tables::VARS {
        let _ = parse::convert(def, reply);
    }
    let _ = reason_text(reply);
    let _ = parse::is_na(reply);
    let _ = parse::latin1(reply);
    let _ = locale_of(reply);
    if let Ok(set) = parse_command_set(reply) {
        assert!(set.version <= 9);
    }
    let _ = parse_capabilities(reply);
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    for filter in [Filter::Normal, Filter::Capabilities, Filter::CommandSet] {
        let mut reader = LineReader::default();
        for piece in stream.chunks(chunk) {
            if let Some(reply) = reader.push(piece, filter) {
                check(&reply, filter);
            }
            while let Some(reply) = reader.next_reply(filter) {
                check(&reply, filter);
            }
        }
        let _ = reader.take_alerts();
        reader.flush();
    }
    // Whole input as one reply too, for the parsers' own sake.
    let text: String = stream.iter().map(|&b| char::from(b)).collect();
    let _ = parse_command_set(&text);
    let _ = parse_capabilities(&text);
    let _ = parse_status(&text);
});
