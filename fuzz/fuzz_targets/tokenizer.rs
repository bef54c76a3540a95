#![no_main]
//! Fuzzes the NUT tokenizer in byte mode and file mode: never panics, limits always hold, and
//! feeding byte by byte equals feeding at once.

use libfuzzer_sys::fuzz_target;
use nut_protocol::tokenizer::{DEFAULT_MAX_WORD_LEN, DEFAULT_MAX_WORDS, Tokenizer, tokenize_file};

fuzz_target!(|data: &[u8]| {
    let whole = tokenize_file(data);
    for result in &whole {
        let words = match result {
            Ok(line) => &line.words,
            Err(error) => &error.words,
        };
        assert!(words.len() <= DEFAULT_MAX_WORDS);
        assert!(words.iter().all(|w| w.len() <= DEFAULT_MAX_WORD_LEN));
    }
    let mut tokenizer = Tokenizer::new();
    let mut piecewise = Vec::new();
    for &byte in data {
        piecewise.extend(tokenizer.push_byte(byte));
    }
    piecewise.extend(tokenizer.finish());
    assert_eq!(whole, piecewise);
});
