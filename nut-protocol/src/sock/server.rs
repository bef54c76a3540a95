//! Messages upsd (or a tool) sends to a driver.

use alloc::string::String;
use core::fmt;

use super::{SockError, SockErrorKind, SockMessage, arg, int_arg};
use crate::net::{push_sp_name, push_sp_value};

/// One line to a driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// `DUMPALL`: send the whole state, then `DUMPDONE`.
    DumpAll,
    /// `DUMPVALUE <var>`: send one variable (NUT 2.8.1+; 2.8.0 drivers do not answer).
    DumpValue(String),
    /// `DUMPSTATUS`: `DUMPVALUE ups.status` (NUT 2.8.1+).
    DumpStatus,
    /// `PING`: answer `PONG`.
    Ping,
    /// `GETPID`: answer `PID <pid>` (NUT 2.8.1+).
    GetPid,
    /// `NOBROADCAST`: stop sending updates on this connection.
    NoBroadcast,
    /// `BROADCAST [n]`: start (n > 0 or absent) or stop (n ≤ 0) sending updates.
    Broadcast(Option<i64>),
    /// `LOGOUT`: answer `OK Goodbye` and close.
    Logout,
    /// `INSTCMD <cmd> [<param>] [TRACKING <id>]`.
    InstCmd {
        /// The command.
        cmd: String,
        /// Its parameter, if any.
        param: Option<String>,
        /// The tracking id, if the client tracks it.
        tracking: Option<String>,
    },
    /// `SET <var> "<value>" [TRACKING <id>]`.
    Set {
        /// The variable.
        var: String,
        /// The new value.
        value: String,
        /// The tracking id, if the client tracks it.
        tracking: Option<String>,
    },
}

fn is_tracking(word: Option<&str>) -> bool {
    word.is_some_and(|w| w.eq_ignore_ascii_case("TRACKING"))
}

impl SockMessage for ServerMessage {
    fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Self, SockError> {
        let verb = words
            .first()
            .map(|w| w.as_ref().to_ascii_uppercase())
            .ok_or_else(|| SockError::new(SockErrorKind::Empty, words, 0))?;
        let word = |i: usize| words.get(i).map(AsRef::as_ref);
        let malformed = |i: usize| SockError::new(SockErrorKind::Malformed, words, i);
        match verb.as_str() {
            "DUMPALL" => Ok(ServerMessage::DumpAll),
            "DUMPVALUE" => Ok(ServerMessage::DumpValue(arg(words, 1)?)),
            "DUMPSTATUS" => Ok(ServerMessage::DumpStatus),
            "PING" => Ok(ServerMessage::Ping),
            "GETPID" => Ok(ServerMessage::GetPid),
            "NOBROADCAST" => Ok(ServerMessage::NoBroadcast),
            "BROADCAST" => Ok(ServerMessage::Broadcast(if words.len() > 1 {
                Some(int_arg(words, 1)?)
            } else {
                None
            })),
            "LOGOUT" => Ok(ServerMessage::Logout),
            "INSTCMD" => {
                let cmd = arg(words, 1)?;
                let (param, tracking) = match words.len() {
                    2 => (None, None),
                    3 => (Some(arg(words, 2)?), None),
                    4 if is_tracking(word(2)) => (None, Some(arg(words, 3)?)),
                    5 if is_tracking(word(3)) => (Some(arg(words, 2)?), Some(arg(words, 4)?)),
                    4 => return Err(malformed(2)),
                    5 => return Err(malformed(3)),
                    _ => return Err(malformed(words.len().saturating_sub(1))),
                };
                Ok(ServerMessage::InstCmd {
                    cmd,
                    param,
                    tracking,
                })
            }
            "SET" => {
                let var = arg(words, 1)?;
                let value = arg(words, 2)?;
                let tracking = match words.len() {
                    3 => None,
                    5 if is_tracking(word(3)) => Some(arg(words, 4)?),
                    5 => return Err(malformed(3)),
                    _ => return Err(malformed(words.len().saturating_sub(1))),
                };
                Ok(ServerMessage::Set {
                    var,
                    value,
                    tracking,
                })
            }
            _ => Err(SockError::new(SockErrorKind::UnknownVerb, words, 0)),
        }
    }
}

impl ServerMessage {
    /// The wire line, without LF.
    pub fn to_line(&self) -> String {
        let mut out = String::new();
        match self {
            ServerMessage::DumpAll => out.push_str("DUMPALL"),
            ServerMessage::DumpValue(var) => {
                out.push_str("DUMPVALUE");
                push_sp_name(&mut out, var);
            }
            ServerMessage::DumpStatus => out.push_str("DUMPSTATUS"),
            ServerMessage::Ping => out.push_str("PING"),
            ServerMessage::GetPid => out.push_str("GETPID"),
            ServerMessage::NoBroadcast => out.push_str("NOBROADCAST"),
            ServerMessage::Broadcast(None) => out.push_str("BROADCAST"),
            ServerMessage::Broadcast(Some(n)) => out.push_str(&alloc::format!("BROADCAST {n}")),
            ServerMessage::Logout => out.push_str("LOGOUT"),
            ServerMessage::InstCmd {
                cmd,
                param,
                tracking,
            } => {
                out.push_str("INSTCMD");
                push_sp_name(&mut out, cmd);
                if let Some(param) = param {
                    push_sp_value(&mut out, param);
                }
                push_tracking(&mut out, tracking.as_deref());
            }
            ServerMessage::Set {
                var,
                value,
                tracking,
            } => {
                out.push_str("SET");
                push_sp_name(&mut out, var);
                push_sp_value(&mut out, value);
                push_tracking(&mut out, tracking.as_deref());
            }
        }
        out
    }
}

fn push_tracking(out: &mut String, tracking: Option<&str>) {
    if let Some(id) = tracking {
        out.push_str(" TRACKING");
        push_sp_name(out, id);
    }
}

impl fmt::Display for ServerMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
