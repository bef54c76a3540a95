//! NUT's tokenizer quirks (NUT-REFERENCE.md §1.2) as named tests, plus round-trip properties.

use super::*;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

fn words(input: &str) -> Vec<String> {
    tokenize_line(input.as_bytes()).expect("tokenizes").words
}

#[test]
fn equals_is_its_own_word_with_or_without_spaces() {
    assert_eq!(words("a=b"), ["a", "=", "b"]);
    assert_eq!(words("a = b"), ["a", "=", "b"]);
    assert_eq!(words("a= b"), ["a", "=", "b"]);
    assert_eq!(words("a =b"), ["a", "=", "b"]);
}

#[test]
fn quoted_equals_stays_in_the_word() {
    assert_eq!(words("\"a=b\""), ["a=b"]);
}

#[test]
fn closing_quote_ends_the_word_and_the_next_starts_at_once() {
    assert_eq!(words("\"abc\"def"), ["abc", "def"]);
}

#[test]
fn quote_inside_a_bare_word_is_literal() {
    assert_eq!(words("ab\"cd"), ["ab\"cd"]);
}

#[test]
fn empty_quotes_give_one_empty_word() {
    assert_eq!(words("SET VAR ups x \"\""), ["SET", "VAR", "ups", "x", ""]);
    assert_eq!(words("\"\""), [""]);
}

#[test]
fn backslash_escapes_outside_quotes() {
    assert_eq!(words(r"a\#b"), ["a#b"]);
    assert_eq!(words(r#"a\"b"#), ["a\"b"]);
    assert_eq!(words(r"a\\b"), [r"a\b"]);
    assert_eq!(words(r"a\ b"), ["a b"]);
    assert_eq!(words(r"\=x"), ["=x"]);
}

#[test]
fn backslash_escapes_inside_quotes() {
    assert_eq!(words(r#""a\"b\\c\#d""#), [r#"a"b\c#d"#]);
    assert_eq!(words(r#""\x""#), ["x"]);
}

#[test]
fn unescaped_hash_inside_quotes_is_an_error_with_the_partial_word() {
    let error = tokenize_line(br#"SET VAR u x "a#b""#).unwrap_err();
    assert_eq!(error.kind, TokenizeErrorKind::UnescapedHashInQuotes);
    assert_eq!(error.words, ["SET", "VAR", "u", "x", "a"]);
    assert_eq!(error.column, 15);
}

#[test]
fn after_an_error_the_rest_of_the_line_is_a_new_line() {
    let mut t = Tokenizer::new();
    let results: Vec<_> = t.feed(b"SET VAR u x \"a#b\"\nVER\n").collect();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_err());
    assert_eq!(results[1].as_ref().unwrap().words, ["b\""]);
    assert_eq!(results[2].as_ref().unwrap().words, ["VER"]);
}

#[test]
fn comments_end_the_line_outside_quotes() {
    assert_eq!(words("a b # c d"), ["a", "b"]);
    assert_eq!(words("ab#cd"), ["ab"]);
    assert_eq!(words("# only a comment"), Vec::<String>::new());
}

#[test]
fn backslash_newline_continues_the_line() {
    let lines = tokenize_file(b"MONITOR ups@host 1 us\\\ner pass primary\nNEXT\n");
    let first = lines[0].as_ref().unwrap();
    assert_eq!(
        first.words,
        ["MONITOR", "ups@host", "1", "user", "pass", "primary"]
    );
    assert_eq!(first.line, 1);
    assert_eq!(lines[1].as_ref().unwrap().line, 3);
}

#[test]
fn backslash_newline_between_words_starts_an_empty_word() {
    // The backslash starts a word; the continuation leaves it empty, and the space ends it.
    let lines = tokenize_file(b"a \\\n b\n");
    assert_eq!(lines[0].as_ref().unwrap().words, ["a", "", "b"]);
}

#[test]
fn backslash_newline_inside_quotes_is_dropped() {
    assert_eq!(words("\"ab\\\ncd\""), ["abcd"]);
}

#[test]
fn newline_inside_quotes_does_not_end_the_line_and_is_dropped() {
    let lines = tokenize_file(b"a \"b\nc\" d\n");
    assert_eq!(lines.len(), 1);
    let line = lines[0].as_ref().unwrap();
    assert_eq!(line.words, ["a", "bc", "d"]);
    assert_eq!(line.dropped_bytes, 1);
}

#[test]
fn crlf_line_endings_work() {
    let lines = tokenize_file(b"a b\r\nc\r\n");
    assert_eq!(lines[0].as_ref().unwrap().words, ["a", "b"]);
    assert_eq!(lines[1].as_ref().unwrap().words, ["c"]);
}

#[test]
fn byte_filter_drops_non_printable_and_non_ascii_but_keeps_del() {
    let line = tokenize_line("\"a\tb\rc\u{e9}d\u{7f}\"".as_bytes()).unwrap();
    assert_eq!(line.words, ["abcd\u{7f}"]);
    assert_eq!(line.dropped_bytes, 4); // TAB, CR, and the two UTF-8 bytes of é
}

#[test]
fn tab_vt_ff_cr_separate_words() {
    assert_eq!(words("a\tb\x0bc\x0cd\re"), ["a", "b", "c", "d", "e"]);
}

#[test]
fn at_most_32_words_are_kept() {
    let input: Vec<String> = (0..40).map(|i| alloc::format!("w{i}")).collect();
    let line = tokenize_line(input.join(" ").as_bytes()).unwrap();
    assert_eq!(line.words.len(), 32);
    assert_eq!(line.words[31], "w31");
    assert_eq!(line.dropped_words, 8);
}

#[test]
fn at_most_512_bytes_per_word_are_kept() {
    let long = "x".repeat(600);
    let line = tokenize_line(long.as_bytes()).unwrap();
    assert_eq!(line.words[0].len(), 512);
    assert_eq!(line.truncated_bytes, 88);
}

#[test]
fn limits_are_configurable() {
    let limits = Limits {
        max_words: 2,
        max_word_len: 3,
    };
    let line = tokenize_line_with(b"abcdef gh ij", limits).unwrap();
    assert_eq!(line.words, ["abc", "gh"]);
}

#[test]
fn word_buffer_never_grows_past_the_limit() {
    let mut t = Tokenizer::new();
    for _ in 0..100_000 {
        assert!(t.push_byte(b'x').is_none());
    }
    assert!(t.word.capacity() <= 1024);
    let line = t.push_byte(b'\n').unwrap().unwrap();
    assert_eq!(line.words[0].len(), 512);
}

#[test]
fn file_mode_ends_the_last_line_at_eof() {
    let lines = tokenize_file(b"a b\nc d");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].as_ref().unwrap().words, ["c", "d"]);
    assert_eq!(lines[1].as_ref().unwrap().line, 2);
}

#[test]
fn file_mode_reports_empty_and_comment_lines_without_words() {
    let lines = tokenize_file(b"\n# c\nx\n");
    assert_eq!(lines.len(), 3);
    assert!(lines[0].as_ref().unwrap().words.is_empty());
    assert_eq!(lines[2].as_ref().unwrap().line, 3);
}

#[test]
fn string_mode_stops_at_the_first_newline() {
    assert_eq!(words("a b\nc d"), ["a", "b"]);
}

#[test]
fn encoder_escapes_exactly_hash_backslash_quote() {
    assert_eq!(encode(r#"a#b\c"d = e"#), r#"a\#b\\c\"d = e"#);
    assert_eq!(quote("x y"), "\"x y\"");
}

#[test]
fn partial_line_stays_buffered_across_feeds() {
    let mut t = Tokenizer::new();
    assert_eq!(t.feed(b"GET VA").count(), 0);
    assert!(t.has_partial_line());
    let lines: Vec<_> = t.feed(b"R u x\n").collect();
    assert_eq!(lines[0].as_ref().unwrap().words, ["GET", "VAR", "u", "x"]);
    assert!(!t.has_partial_line());
}

#[test]
fn nothing_is_returned_for_no_input() {
    assert_eq!(tokenize_file(b""), vec![]);
}

proptest! {
    #[test]
    fn quoted_encoding_round_trips_every_printable_string(s in "[\\x20-\\x7f]{0,600}") {
        let encoded = quote(&s);
        let line = tokenize_line(encoded.as_bytes()).unwrap();
        let mut expected = s.clone();
        expected.truncate(DEFAULT_MAX_WORD_LEN);
        prop_assert_eq!(line.words, vec![expected]);
    }

    #[test]
    fn any_bytes_never_panic_and_respect_the_limits(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for result in tokenize_file(&bytes) {
            let words = match result { Ok(line) => line.words, Err(e) => e.words };
            prop_assert!(words.len() <= DEFAULT_MAX_WORDS);
            for w in words {
                prop_assert!(w.len() <= DEFAULT_MAX_WORD_LEN);
                prop_assert!(w.bytes().all(|b| (0x20..=0x7f).contains(&b)));
            }
        }
    }

    /// `feed` splits plain lines at once; byte by byte every line goes through the state
    /// machine. Both must agree on every input: requests, quotes, escapes, `#`, `=`, odd
    /// spacing, control bytes, over-long words and too many words.
    #[test]
    fn the_plain_line_fast_path_equals_the_state_machine(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just(&b"GET"[..]), Just(&b" "[..]), Just(&b"  "[..]), Just(&b"\n"[..]),
                Just(&b"ups.status"[..]), Just(&b"\""[..]), Just(&b"\\"[..]), Just(&b"#"[..]),
                Just(&b"="[..]), Just(&b"\t"[..]), Just(&b"\r"[..]), Just(&b"\x01"[..]),
                Just(&b"\x7f"[..]), Just(&b"\xe9"[..]), Just(&b"x"[..]),
            ],
            0..80,
        ),
        long_word in 0usize..2,
    ) {
        let mut bytes: Vec<u8> = pieces.concat();
        if long_word == 1 {
            bytes.extend(std::iter::repeat_n(b'w', DEFAULT_MAX_WORD_LEN + 1));
            bytes.extend(b" a b c d e f g h i j k l m n o p q r s t u v w x y z\n");
        }
        let mut fast = Tokenizer::new();
        let by_feed: Vec<_> = fast.feed(&bytes).collect();
        let mut slow = Tokenizer::new();
        let by_byte: Vec<_> = bytes.iter().filter_map(|&byte| slow.push_byte(byte)).collect();
        prop_assert_eq!(by_feed, by_byte);
        prop_assert_eq!(fast.has_partial_line(), slow.has_partial_line());
    }

    #[test]
    fn feeding_in_pieces_equals_feeding_at_once(bytes in proptest::collection::vec(any::<u8>(), 0..512), cut in 0usize..512) {
        let cut = cut.min(bytes.len());
        let whole = tokenize_file(&bytes);
        let mut t = Tokenizer::new();
        let mut pieces: Vec<_> = t.feed(&bytes[..cut]).collect();
        pieces.extend(t.feed(&bytes[cut..]));
        pieces.extend(t.finish());
        prop_assert_eq!(whole, pieces);
    }
}
