//! The driver-socket protocol: text lines between a driver (the listener, on
//! `<statepath>/<driver>-<ups>`) and upsd or tools such as `upsdrvctl`.
//!
//! * [`DriverMessage`] — what a driver sends: state changes (`SETINFO` … `DELCMD`, `DATAOK`,
//!   `DATASTALE`, carried as [`nut_core::StateChange`]), `DUMPDONE`, `PONG`, `TRACKING`
//!   results, `PID`, `OK Goodbye`.
//! * [`ServerMessage`] — what upsd or a tool sends: `DUMPALL`, `DUMPVALUE`, `DUMPSTATUS`,
//!   `PING`, `GETPID`, `NOBROADCAST`, `BROADCAST`, `LOGOUT`, `INSTCMD`, `SET`.
//! * [`SockReader`] — turns arbitrary chunks of bytes into typed messages.
//! * [`dump_reply`] — NUT's framing of a `DUMPALL` reply.
//!
//! Values are always escaped and quoted when written, including incremental `SETINFO` and the
//! `INSTCMD` parameter, which NUT writes unescaped or unquoted **[bug]** (docs/DIFFERENCES.md).
//! Parsing accepts NUT's forms. Verbs are matched case-insensitively and written in upper
//! case; numbers (`ADDRANGE`, `DELRANGE`, `SETAUX`, `BROADCAST`, `TRACKING` results) are read
//! like C's `atoi`, as upsd and the drivers do.
//!
//! ```
//! use nut_core::StateChange;
//! use nut_protocol::sock::{DriverMessage, SockMessage};
//!
//! let msg = DriverMessage::parse_line(br#"SETINFO ups.mfr "A \"B\" \#1""#).unwrap();
//! assert_eq!(msg, DriverMessage::Change(StateChange::SetInfo {
//!     name: "ups.mfr".into(),
//!     value: "A \"B\" #1".into(),
//! }));
//! assert_eq!(msg.to_line(), r#"SETINFO ups.mfr "A \"B\" \#1""#);
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nut_core::StateChange;

use crate::tokenizer::{TokenizeError, tokenize_line};

mod driver;
mod reader;
mod server;
#[cfg(test)]
mod tests;

pub use driver::{DriverMessage, TrackingResult};
pub use reader::SockReader;
pub use server::ServerMessage;

/// Longest line NUT writes on the driver socket (its 512-byte buffer, less the terminator).
pub const MAX_LINE_LEN: usize = 511;

/// What is wrong with a driver-socket line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockErrorKind {
    /// The line has no words.
    Empty,
    /// The first word is no known verb (upsd ignores such lines).
    UnknownVerb,
    /// The verb needs more words than the line has.
    MissingArgument,
    /// The words do not fit any accepted form (e.g. `INSTCMD` with a fourth word that is not
    /// `TRACKING`).
    Malformed,
    /// The line could not be tokenized.
    Tokenize(TokenizeError),
}

/// A line that is not a valid message, with the word where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("driver socket: {kind:?} at word {index} ({word:?})")]
pub struct SockError {
    /// What is wrong.
    pub kind: SockErrorKind,
    /// 0-based index of the offending word (the verb is 0).
    pub index: usize,
    /// The offending word (empty when the word is missing).
    pub word: String,
}

impl SockError {
    fn new<S: AsRef<str>>(kind: SockErrorKind, words: &[S], index: usize) -> Self {
        SockError {
            kind,
            index,
            word: words
                .get(index)
                .map(|w| String::from(w.as_ref()))
                .unwrap_or_default(),
        }
    }
}

/// A message type of the driver socket: parse from words, write as a line.
pub trait SockMessage: Sized + fmt::Display {
    /// Parses a tokenized line.
    fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Self, SockError>;

    /// Parses one raw line (without or with its LF).
    fn parse_line(line: &[u8]) -> Result<Self, SockError> {
        let words = tokenize_line(line)
            .map_err(|e| SockError {
                kind: SockErrorKind::Tokenize(e),
                index: 0,
                word: String::new(),
            })?
            .words;
        Self::from_words(&words)
    }

    /// The wire line with its LF.
    fn to_wire(&self) -> String {
        let mut line = alloc::string::ToString::to_string(self);
        line.push('\n');
        line
    }
}

/// The reply to `DUMPALL` as NUT frames it: `DATASTALE` first when the data is stale, then
/// `changes` (pass [`nut_core::StateTree::dump`]), then `DATAOK` when it is not, then
/// `DUMPDONE`.
pub fn dump_reply(
    changes: impl IntoIterator<Item = StateChange>,
    data_ok: bool,
) -> Vec<DriverMessage> {
    let mut out = Vec::new();
    if !data_ok {
        out.push(DriverMessage::Change(StateChange::DataStale));
    }
    out.extend(changes.into_iter().map(DriverMessage::Change));
    if data_ok {
        out.push(DriverMessage::Change(StateChange::DataOk));
    }
    out.push(DriverMessage::DumpDone);
    out
}

fn arg<S: AsRef<str>>(words: &[S], index: usize) -> Result<String, SockError> {
    words
        .get(index)
        .map(|w| String::from(w.as_ref()))
        .ok_or_else(|| SockError::new(SockErrorKind::MissingArgument, words, index))
}

fn int_arg<S: AsRef<str>>(words: &[S], index: usize) -> Result<i64, SockError> {
    arg(words, index).map(|w| nut_core::value::parse_c_int(&w))
}
