//! What was said on a serial line, and its text form.
//!
//! One exchange per line: `> ` then hex bytes for what the host wrote, `< ` then hex bytes for
//! what it read, `< timeout` for a read that timed out. `#` starts a comment line; blank lines
//! are ignored.
//!
//! ```text
//! # Megatec status query
//! > 51 31 0d
//! < 28 32 33 30 2e 30 0d
//! < timeout
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::error::{Error, ErrorKind};

/// One event on the line, as seen by the host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// The host wrote these bytes.
    Write(Vec<u8>),
    /// The host read these bytes (one `read` call).
    Read(Vec<u8>),
    /// A `read` ended with a timeout.
    ReadTimeout,
}

/// A capture line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capture line {line}: {reason}")]
pub struct CaptureParseError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub reason: &'static str,
}

impl Error for CaptureParseError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

fn hex(out: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
}

/// The text form of a capture (see the module docs).
pub fn write_capture(exchanges: &[Exchange]) -> String {
    let mut out = String::new();
    for e in exchanges {
        match e {
            Exchange::Write(b) => {
                out.push_str("> ");
                hex(&mut out, b);
            }
            Exchange::Read(b) => {
                out.push_str("< ");
                hex(&mut out, b);
            }
            Exchange::ReadTimeout => out.push_str("< timeout"),
        }
        out.push('\n');
    }
    out
}

/// Parse the text form of a capture (see the module docs).
pub fn parse_capture(text: &str) -> Result<Vec<Exchange>, CaptureParseError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason| CaptureParseError {
            line: i + 1,
            reason,
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (dir, rest) = line.split_at_checked(1).ok_or(err("empty"))?;
        let rest = rest.trim();
        if dir == "<" && rest == "timeout" {
            out.push(Exchange::ReadTimeout);
            continue;
        }
        let bytes = rest
            .split_ascii_whitespace()
            .map(|h| {
                if h.len() == 2 {
                    u8::from_str_radix(h, 16).map_err(|_| err("bad hex byte"))
                } else {
                    Err(err("hex bytes are two digits each"))
                }
            })
            .collect::<Result<Vec<u8>, _>>()?;
        match dir {
            ">" => out.push(Exchange::Write(bytes)),
            "<" => out.push(Exchange::Read(bytes)),
            _ => return Err(err("a line starts with '>', '<' or '#'")),
        }
    }
    Ok(out)
}
