//! Messages a driver sends.

use alloc::string::String;
use core::fmt;

use nut_core::{Range, StateChange, VarFlags};

use super::{SockError, SockErrorKind, SockMessage, arg, int_arg};
use crate::net::{TrackingStatus, push_sp_name, push_sp_value};

/// The result code a driver reports for a tracked `SET` or `INSTCMD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackingResult(pub i64);

impl TrackingResult {
    /// Handled (`STAT_INSTCMD_HANDLED`).
    pub const HANDLED: TrackingResult = TrackingResult(0);
    /// Unknown command or variable.
    pub const UNKNOWN: TrackingResult = TrackingResult(1);
    /// Invalid argument.
    pub const INVALID: TrackingResult = TrackingResult(2);
    /// Failed.
    pub const FAILED: TrackingResult = TrackingResult(3);
    /// The parameter could not be converted.
    pub const CONVERSION_FAILED: TrackingResult = TrackingResult(4);

    /// What a client reads with `GET TRACKING <id>`, as upsd 2.8.0 answers (checked with a
    /// driver sending each code): 0 → `SUCCESS`, 2 → `ERR INVALID-ARGUMENT`, 3 →
    /// `ERR FAILED`, 1 and every code above 3 (conversion failed included) → `ERR UNKNOWN`;
    /// a negative code → `None` (upsd keeps the entry `PENDING`).
    pub fn status(self) -> Option<TrackingStatus> {
        match self.0 {
            0 => Some(TrackingStatus::Success),
            2 => Some(TrackingStatus::InvalidArgument),
            3 => Some(TrackingStatus::Failed),
            n if n < 0 => None,
            _ => Some(TrackingStatus::Unknown),
        }
    }
}

/// One line from a driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverMessage {
    /// A state change: `SETINFO`, `DELINFO`, `ADDENUM`, `DELENUM`, `ADDRANGE`, `DELRANGE`,
    /// `SETAUX`, `SETFLAGS`, `ADDCMD`, `DELCMD`, `DATAOK`, `DATASTALE`.
    Change(StateChange),
    /// `DUMPDONE`: the end of a dump.
    DumpDone,
    /// `PONG`: the answer to `PING`.
    Pong,
    /// `TRACKING <id> <code>`: the result of a tracked command.
    Tracking {
        /// The tracking id as the server sent it.
        id: String,
        /// The result code.
        result: TrackingResult,
    },
    /// `PID <pid>`: the answer to `GETPID` (opaque text).
    Pid(String),
    /// `OK Goodbye`: the answer to `LOGOUT`.
    Goodbye,
}

impl SockMessage for DriverMessage {
    fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Self, SockError> {
        let verb = words
            .first()
            .map(|w| w.as_ref().to_ascii_uppercase())
            .ok_or_else(|| SockError::new(SockErrorKind::Empty, words, 0))?;
        let name = || arg(words, 1);
        let change = |c: StateChange| Ok(DriverMessage::Change(c));
        match verb.as_str() {
            "SETINFO" => change(StateChange::SetInfo {
                name: name()?,
                value: arg(words, 2)?,
            }),
            "DELINFO" => change(StateChange::DelInfo { name: name()? }),
            "ADDENUM" => change(StateChange::AddEnum {
                name: name()?,
                value: arg(words, 2)?,
            }),
            "DELENUM" => change(StateChange::DelEnum {
                name: name()?,
                value: arg(words, 2)?,
            }),
            "ADDRANGE" => change(StateChange::AddRange {
                name: name()?,
                range: range(words)?,
            }),
            "DELRANGE" => change(StateChange::DelRange {
                name: name()?,
                range: range(words)?,
            }),
            "SETAUX" => change(StateChange::SetAux {
                name: name()?,
                aux: int_arg(words, 2)?,
            }),
            "SETFLAGS" => change(StateChange::SetFlags {
                name: name()?,
                flags: words
                    .iter()
                    .skip(2)
                    .filter_map(|w| VarFlags::from_wire_word(w.as_ref()))
                    .fold(VarFlags::empty(), |acc, f| acc | f),
            }),
            "ADDCMD" => change(StateChange::AddCmd { name: name()? }),
            "DELCMD" => change(StateChange::DelCmd { name: name()? }),
            "DATAOK" => change(StateChange::DataOk),
            "DATASTALE" => change(StateChange::DataStale),
            "DUMPDONE" => Ok(DriverMessage::DumpDone),
            "PONG" => Ok(DriverMessage::Pong),
            "TRACKING" => Ok(DriverMessage::Tracking {
                id: name()?,
                result: TrackingResult(int_arg(words, 2)?),
            }),
            "PID" => Ok(DriverMessage::Pid(name()?)),
            "OK" if words.get(1).is_some_and(|w| w.as_ref() == "Goodbye") => {
                Ok(DriverMessage::Goodbye)
            }
            _ => Err(SockError::new(SockErrorKind::UnknownVerb, words, 0)),
        }
    }
}

fn range<S: AsRef<str>>(words: &[S]) -> Result<Range, SockError> {
    Ok(Range {
        min: int_arg(words, 2)?,
        max: int_arg(words, 3)?,
    })
}

impl DriverMessage {
    /// The wire line, without LF.
    pub fn to_line(&self) -> String {
        let mut out = String::new();
        self.write_line(&mut out);
        out
    }

    /// Appends the wire line (without LF) to `out`.
    pub fn write_line(&self, out: &mut String) {
        let named = |out: &mut String, verb: &str, name: &str| {
            out.push_str(verb);
            push_sp_name(out, name);
        };
        match self {
            DriverMessage::Change(change) => match change {
                StateChange::SetInfo { name, value } => {
                    named(out, "SETINFO", name);
                    push_sp_value(out, value);
                }
                StateChange::DelInfo { name } => named(out, "DELINFO", name),
                StateChange::AddEnum { name, value } => {
                    named(out, "ADDENUM", name);
                    push_sp_value(out, value);
                }
                StateChange::DelEnum { name, value } => {
                    named(out, "DELENUM", name);
                    push_sp_value(out, value);
                }
                StateChange::AddRange { name, range } => {
                    named(out, "ADDRANGE", name);
                    push_range(out, range);
                }
                StateChange::DelRange { name, range } => {
                    named(out, "DELRANGE", name);
                    push_range(out, range);
                }
                StateChange::SetAux { name, aux } => {
                    named(out, "SETAUX", name);
                    out.push_str(&alloc::format!(" {aux}"));
                }
                StateChange::SetFlags { name, flags } => {
                    named(out, "SETFLAGS", name);
                    for word in flags.wire_words() {
                        out.push(' ');
                        out.push_str(word);
                    }
                }
                StateChange::AddCmd { name } => named(out, "ADDCMD", name),
                StateChange::DelCmd { name } => named(out, "DELCMD", name),
                StateChange::DataOk => out.push_str("DATAOK"),
                StateChange::DataStale => out.push_str("DATASTALE"),
            },
            DriverMessage::DumpDone => out.push_str("DUMPDONE"),
            DriverMessage::Pong => out.push_str("PONG"),
            DriverMessage::Tracking { id, result } => {
                named(out, "TRACKING", id);
                out.push_str(&alloc::format!(" {}", result.0));
            }
            DriverMessage::Pid(pid) => named(out, "PID", pid),
            DriverMessage::Goodbye => out.push_str("OK Goodbye"),
        }
    }
}

fn push_range(out: &mut String, range: &Range) {
    out.push_str(&alloc::format!(" {} {}", range.min, range.max));
}

impl fmt::Display for DriverMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
