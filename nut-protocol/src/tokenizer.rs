//! The NUT tokenizer ("parseconf") and its encoder.
//!
//! One state machine reads every config file, every `.dev` file, every line a client sends to
//! upsd, every driver-socket line and every server response. It splits a line into words:
//!
//! * words are separated by white space (space, TAB, CR, VT, FF); a line ends at LF;
//! * `"…"` quotes a word (which may be empty); inside quotes `\` takes the next byte verbatim
//!   and an unescaped `#` is an error;
//! * outside quotes `\` takes the next byte verbatim, and `\` before LF continues the line;
//! * `#` starts a comment; `=` is always a word of its own;
//! * a `"` in the middle of a bare word is an ordinary character;
//! * only bytes 0x20..=0x7F are kept in words; every other byte is dropped (CVE-2012-2944);
//! * at most [`Limits::max_words`] words of [`Limits::max_word_len`] bytes each are kept; the
//!   rest is dropped, never allocated.
//!
//! After an error the tokenizer starts a fresh line with the next byte, as NUT's state machine
//! does. (The real upsd, seen from a client, also throws away the rest of the 512-byte read
//! chunk that held the error, so what follows in the same TCP segment is never answered; that
//! is a server concern, not the tokenizer's.)
//!
//! Checked against the real upsd 2.8.0: an empty or comment-only line is a line with no words
//! (upsd answers it `ERR UNKNOWN-COMMAND`); `\` + LF between words yields an empty word; an LF
//! inside quotes does not end the line.
//!
//! ```
//! use nut_protocol::tokenizer::{tokenize_line, encode};
//!
//! let line = tokenize_line(br#"SET VAR ups ups.id "a \"b\"""#).unwrap();
//! assert_eq!(line.words, ["SET", "VAR", "ups", "ups.id", "a \"b\""]);
//! assert_eq!(encode("a \"b\""), r#"a \"b\""#);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

/// NUT's default maximum number of words in one line (`PCONF_DEFAULT_ARG_LIMIT`).
pub const DEFAULT_MAX_WORDS: usize = 32;
/// NUT's default maximum length in bytes of one word (`PCONF_DEFAULT_WORDLEN_LIMIT`).
pub const DEFAULT_MAX_WORD_LEN: usize = 512;

/// How much of a line the tokenizer keeps. Defaults are NUT's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Words beyond this count are dropped.
    pub max_words: usize,
    /// Bytes of a word beyond this length are dropped.
    pub max_word_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_words: DEFAULT_MAX_WORDS,
            max_word_len: DEFAULT_MAX_WORD_LEN,
        }
    }
}

/// What went wrong while tokenizing a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenizeErrorKind {
    /// An unescaped `#` inside a quoted word (NUT: "Unbalanced word due to unescaped # in
    /// quotes").
    UnescapedHashInQuotes,
}

/// A line that could not be tokenized, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, byte {column}: {}", match .kind {
    TokenizeErrorKind::UnescapedHashInQuotes => "unbalanced word due to unescaped # in quotes",
})]
pub struct TokenizeError {
    /// What went wrong.
    pub kind: TokenizeErrorKind,
    /// 1-based physical line number (in file mode; 1 for a single line).
    pub line: usize,
    /// 1-based byte position within the logical line where the error was seen.
    pub column: usize,
    /// The words completed before the error, including the partial word NUT still emits.
    pub words: Vec<String>,
}

/// One tokenized logical line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    /// The words, decoded.
    pub words: Vec<String>,
    /// 1-based physical line number where this logical line started.
    pub line: usize,
    /// Bytes outside 0x20..=0x7F that were dropped from words.
    pub dropped_bytes: usize,
    /// Bytes dropped because a word was longer than [`Limits::max_word_len`].
    pub truncated_bytes: usize,
    /// Words dropped because the line had more than [`Limits::max_words`].
    pub dropped_words: usize,
}

impl Line {
    /// True when something of the line was dropped (filtered bytes, long words, extra words).
    pub fn was_altered(&self) -> bool {
        self.dropped_bytes + self.truncated_bytes + self.dropped_words > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FindWordStart,
    FindEol,
    QuoteCollect,
    QuoteLiteral,
    Collect,
    CollectLiteral,
}

/// The incremental (byte mode) tokenizer. Feed it bytes; it yields a result per completed line.
///
/// ```
/// use nut_protocol::tokenizer::Tokenizer;
///
/// let mut t = Tokenizer::new();
/// let lines: Vec<_> = t.feed(b"VER\nGET VAR ups ups.status\n").collect();
/// assert_eq!(lines.len(), 2);
/// assert_eq!(lines[1].as_ref().unwrap().words, ["GET", "VAR", "ups", "ups.status"]);
/// ```
#[derive(Debug, Clone)]
pub struct Tokenizer {
    limits: Limits,
    state: State,
    words: Vec<String>,
    word: String,
    /// True once the current word has been started (distinguishes `""` from no word).
    in_word: bool,
    current: Line,
    physical_line: usize,
    column: usize,
    /// True when the current logical line has seen any byte.
    started: bool,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// A tokenizer with NUT's default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A tokenizer with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Tokenizer {
            limits,
            state: State::FindWordStart,
            words: Vec::new(),
            word: String::new(),
            in_word: false,
            current: Line {
                line: 1,
                ..Line::default()
            },
            physical_line: 1,
            column: 0,
            started: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// True when a line has been started but not completed (bytes are buffered).
    pub fn has_partial_line(&self) -> bool {
        self.started
    }

    /// Feeds one byte. Returns `Some` when a logical line completes (or fails).
    pub fn push_byte(&mut self, byte: u8) -> Option<Result<Line, TokenizeError>> {
        self.started = true;
        self.column += 1;
        if byte == b'\n' {
            self.physical_line += 1;
        }
        self.step(byte)
    }

    /// Feeds many bytes; the iterator yields one result per completed line. Bytes after the
    /// last completed line stay buffered for the next call.
    pub fn feed<'t, 'b>(&'t mut self, input: &'b [u8]) -> Feed<'t, 'b> {
        Feed {
            tokenizer: self,
            input,
        }
    }

    /// Ends the input: a started line is completed as if a newline followed (file and string
    /// mode). Returns `None` when nothing was buffered.
    pub fn finish(&mut self) -> Option<Result<Line, TokenizeError>> {
        if !self.started {
            return None;
        }
        match self.state {
            State::Collect | State::CollectLiteral | State::QuoteCollect | State::QuoteLiteral => {
                self.end_word();
            }
            State::FindWordStart | State::FindEol => {}
        }
        Some(Ok(self.complete_line()))
    }

    fn step(&mut self, byte: u8) -> Option<Result<Line, TokenizeError>> {
        match self.state {
            State::FindWordStart => match byte {
                b'\n' => return Some(Ok(self.complete_line())),
                b'#' => self.state = State::FindEol,
                b'\\' => {
                    self.in_word = true;
                    self.state = State::CollectLiteral;
                }
                b'"' => {
                    self.in_word = true;
                    self.state = State::QuoteCollect;
                }
                b'=' => self.emit_equals(),
                b if is_c_space(b) => {}
                b => {
                    self.in_word = true;
                    self.append(b);
                    self.state = State::Collect;
                }
            },
            State::FindEol => {
                if byte == b'\n' {
                    return Some(Ok(self.complete_line()));
                }
            }
            State::Collect => match byte {
                b'#' => {
                    self.end_word();
                    self.state = State::FindEol;
                }
                b'\n' => {
                    self.end_word();
                    return Some(Ok(self.complete_line()));
                }
                b'=' => {
                    self.end_word();
                    self.emit_equals();
                    self.state = State::FindWordStart;
                }
                b'\\' => self.state = State::CollectLiteral,
                b if is_c_space(b) => {
                    self.end_word();
                    self.state = State::FindWordStart;
                }
                b => self.append(b),
            },
            State::CollectLiteral => {
                if byte != b'\n' {
                    self.append(byte);
                }
                self.state = State::Collect;
            }
            State::QuoteCollect => match byte {
                b'"' => {
                    self.end_word();
                    self.state = State::FindWordStart;
                }
                b'\\' => self.state = State::QuoteLiteral,
                b'#' => return Some(Err(self.fail(TokenizeErrorKind::UnescapedHashInQuotes))),
                b => self.append(b),
            },
            State::QuoteLiteral => {
                if byte != b'\n' {
                    self.append(byte);
                }
                self.state = State::QuoteCollect;
            }
        }
        None
    }

    /// The fast path for the common request: at the start of a line, when the whole line
    /// up to its LF is plain words (printable ASCII without `#`, `\\`, `"` and `=`)
    /// separated by spaces, within the limits, it is split at once (one exact allocation a
    /// word) and consumed from `input`. Anything else is left to the byte-by-byte state
    /// machine, which gives the same result (a proptest compares the two).
    fn plain_line(&mut self, input: &mut &[u8]) -> Option<Line> {
        if self.started || self.state != State::FindWordStart {
            return None;
        }
        let end = input.iter().position(|&byte| byte == b'\n')?;
        let text = input.get(..end)?;
        let plain = |byte: u8| {
            byte == b' '
                || ((0x21..=0x7e).contains(&byte) && !matches!(byte, b'#' | b'\\' | b'"' | b'='))
        };
        if !text.iter().all(|&byte| plain(byte)) {
            return None;
        }
        let mut words = Vec::with_capacity(4);
        for word in text
            .split(|&byte| byte == b' ')
            .filter(|word| !word.is_empty())
        {
            if word.len() > self.limits.max_word_len || words.len() >= self.limits.max_words {
                return None;
            }
            words.push(String::from(core::str::from_utf8(word).ok()?));
        }
        *input = input.get(end + 1..).unwrap_or_default();
        let line = Line {
            words,
            line: self.current.line,
            ..Line::default()
        };
        self.physical_line += 1;
        self.current.line = self.physical_line;
        Some(line)
    }

    fn append(&mut self, byte: u8) {
        if !(0x20..=0x7f).contains(&byte) {
            self.current.dropped_bytes += 1;
        } else if self.word.len() >= self.limits.max_word_len {
            self.current.truncated_bytes += 1;
        } else {
            self.word.push(char::from(byte));
        }
    }

    fn end_word(&mut self) {
        if !self.in_word {
            return;
        }
        self.in_word = false;
        let word = core::mem::take(&mut self.word);
        self.push_word(word);
    }

    fn emit_equals(&mut self) {
        self.push_word(String::from("="));
    }

    fn push_word(&mut self, word: String) {
        if self.words.len() >= self.limits.max_words {
            self.current.dropped_words += 1;
        } else {
            self.words.push(word);
        }
    }

    fn complete_line(&mut self) -> Line {
        let mut line = core::mem::take(&mut self.current);
        line.words = core::mem::take(&mut self.words);
        self.reset_line();
        line
    }

    fn fail(&mut self, kind: TokenizeErrorKind) -> TokenizeError {
        self.end_word();
        let error = TokenizeError {
            kind,
            line: self.current.line,
            column: self.column,
            words: core::mem::take(&mut self.words),
        };
        self.current = Line::default();
        self.reset_line();
        error
    }

    fn reset_line(&mut self) {
        self.state = State::FindWordStart;
        self.word.clear();
        self.in_word = false;
        self.column = 0;
        self.started = false;
        // `physical_line` already counts an LF that ended this line.
        self.current.line = self.physical_line;
    }
}

/// Iterator returned by [`Tokenizer::feed`].
#[derive(Debug)]
pub struct Feed<'t, 'b> {
    tokenizer: &'t mut Tokenizer,
    input: &'b [u8],
}

impl Iterator for Feed<'_, '_> {
    type Item = Result<Line, TokenizeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(line) = self.tokenizer.plain_line(&mut self.input) {
            return Some(Ok(line));
        }
        while let Some((&byte, rest)) = self.input.split_first() {
            self.input = rest;
            if let Some(result) = self.tokenizer.push_byte(byte) {
                return Some(result);
            }
        }
        None
    }
}

/// `isspace` in the C locale, less LF (which ends a line before this is asked).
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// String mode: tokenizes one line. Input ends the line even without LF; bytes after the first
/// complete line are ignored, as NUT's `pconf_line` does.
pub fn tokenize_line(input: &[u8]) -> Result<Line, TokenizeError> {
    tokenize_line_with(input, Limits::default())
}

/// [`tokenize_line`] with explicit limits.
pub fn tokenize_line_with(input: &[u8], limits: Limits) -> Result<Line, TokenizeError> {
    let mut tokenizer = Tokenizer::with_limits(limits);
    if let Some(result) = tokenizer.feed(input).next() {
        return result;
    }
    Ok(tokenizer.finish().and_then(Result::ok).unwrap_or(Line {
        line: 1,
        ..Line::default()
    }))
}

/// File mode: tokenizes every logical line of a whole file, including empty and comment-only
/// lines (with no words). EOF ends the last line even without LF. Errors do not stop the walk.
pub fn tokenize_file(input: &[u8]) -> Vec<Result<Line, TokenizeError>> {
    tokenize_file_with(input, Limits::default())
}

/// [`tokenize_file`] with explicit limits.
pub fn tokenize_file_with(input: &[u8], limits: Limits) -> Vec<Result<Line, TokenizeError>> {
    let mut tokenizer = Tokenizer::with_limits(limits);
    let mut lines: Vec<_> = tokenizer.feed(input).collect();
    lines.extend(tokenizer.finish());
    lines
}

/// NUT's encoder (`pconf_encode`): prefixes `#`, `\` and `"` with a backslash, nothing else.
/// Wrap the result in double quotes to send it as one word.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    encode_into(value, &mut out);
    out
}

/// [`encode`] appending to `out`.
pub fn encode_into(value: &str, out: &mut String) {
    for ch in value.chars() {
        if matches!(ch, '#' | '\\' | '"') {
            out.push('\\');
        }
        out.push(ch);
    }
}

/// `"` + [`encode`] + `"`: the quoted form NUT puts on the wire for values.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    quote_into(value, &mut out);
    out
}

/// [`quote`] appending to `out`.
pub fn quote_into(value: &str, out: &mut String) {
    out.push('"');
    encode_into(value, out);
    out.push('"');
}

#[cfg(test)]
mod tests;
