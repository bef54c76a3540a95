//! Why a response line could not be read.

use alloc::string::String;

use super::tracking::TrackingIdError;
use crate::tokenizer::TokenizeError;

/// A server line that is not a valid response. Word indices count the keyword as word 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The line does not tokenize.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// The line has no words.
    #[error("word 0: empty response")]
    Empty,
    /// The first word(s) are no response this crate knows; free text (`VER`, `NETVER`,
    /// `HELP` answers) needs [`crate::net::Response::parse_for`].
    #[error("word {word}: unknown response keyword {keyword:?}")]
    UnknownKeyword {
        /// Index of the unknown word.
        word: usize,
        /// The word.
        keyword: String,
    },
    /// A word the response needs is missing.
    #[error("word {word}: missing {expected}")]
    MissingWord {
        /// Index of the first missing word.
        word: usize,
        /// What should be there.
        expected: &'static str,
    },
    /// The response has more words than it may.
    #[error("word {word}: unexpected word {found:?}")]
    UnexpectedWord {
        /// Index of the first extra word.
        word: usize,
        /// The word.
        found: String,
    },
    /// A word that must be a number is not.
    #[error("word {word}: {found:?} is not a valid {expected}")]
    InvalidNumber {
        /// Index of the word.
        word: usize,
        /// The word.
        found: String,
        /// What kind of number.
        expected: &'static str,
    },
    /// A `TYPE` line with an unknown or repeated flag, or without `STRING:<n>`/`NUMBER` last.
    #[error("word {word}: invalid TYPE flag {found:?}")]
    InvalidTypeFlag {
        /// Index of the word.
        word: usize,
        /// The word.
        found: String,
    },
    /// `OK TRACKING <id>` with an id that is not a UUIDv4.
    #[error("word {word}: invalid tracking id: {source}")]
    InvalidTrackingId {
        /// Index of the id.
        word: usize,
        /// Why it is invalid.
        source: TrackingIdError,
    },
    /// Free text (a `VER`/`NETVER`/`HELP` answer) that is not UTF-8, holds a control character
    /// or more than one line.
    #[error("byte {byte}: free-text response holds a control character or invalid UTF-8")]
    InvalidText {
        /// 0-based byte offset of the first bad byte.
        byte: usize,
    },
}
