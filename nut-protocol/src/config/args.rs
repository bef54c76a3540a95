//! Small helpers shared by the config parsers: reading a directive's arguments with
//! diagnostics that name the line and the word.

use alloc::string::String;

use super::{DiagnosticSink, parse_bool};
use crate::tokenizer::Line;

/// One directive line being read: its words and where to report problems.
pub(crate) struct Args<'a> {
    pub(crate) line: &'a Line,
    pub(crate) sink: &'a mut DiagnosticSink,
}

impl<'a> Args<'a> {
    pub(crate) fn new(line: &'a Line, sink: &'a mut DiagnosticSink) -> Self {
        Args { line, sink }
    }

    /// The directive word.
    pub(crate) fn keyword(&self) -> &'a str {
        self.word(0).unwrap_or("")
    }

    pub(crate) fn word(&self, index: usize) -> Option<&'a str> {
        self.line.words.get(index).map(String::as_str)
    }

    pub(crate) fn count(&self) -> usize {
        self.line.words.len()
    }

    pub(crate) fn error(&mut self, word: &str, message: impl Into<String>) {
        self.sink.error(self.line.line, word, message);
    }

    pub(crate) fn warning(&mut self, word: &str, message: impl Into<String>) {
        self.sink.warning(self.line.line, word, message);
    }

    /// Argument `index` (1 = first after the keyword), or an error naming the keyword.
    pub(crate) fn required(&mut self, index: usize, what: &str) -> Option<&'a str> {
        let word = self.word(index);
        if word.is_none() {
            let keyword = self.keyword();
            self.error(keyword, alloc::format!("{keyword} needs {what}"));
        }
        word
    }

    /// Warns about words after the `expected` last argument, which NUT ignores.
    pub(crate) fn extra_ignored(&mut self, expected: usize) {
        if let Some(extra) = self.word(expected + 1) {
            self.warning(extra, "extra words on the line are ignored");
        }
    }

    /// A whole number argument within `min..=max`.
    pub(crate) fn int(&mut self, index: usize, min: i64, max: i64) -> Option<i64> {
        let word = self.required(index, "a number")?;
        match word.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            Ok(_) => {
                self.error(word, alloc::format!("must be between {min} and {max}"));
                None
            }
            Err(_) => {
                self.error(word, "not a whole number");
                None
            }
        }
    }

    /// A boolean argument (`true`/`yes`/`on`/`1`, `false`/`no`/`off`/`0`, any integer).
    pub(crate) fn bool(&mut self, index: usize) -> Option<bool> {
        let word = self.required(index, "a boolean (yes/no, on/off, true/false, 1/0)")?;
        let value = parse_bool(word);
        if value.is_none() {
            self.error(word, "not a boolean (yes/no, on/off, true/false, 1/0)");
        }
        value
    }

    /// A text argument.
    pub(crate) fn text(&mut self, index: usize, what: &str) -> Option<String> {
        self.required(index, what).map(String::from)
    }
}
