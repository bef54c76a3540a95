//! Server responses and how upsd writes them.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nut_core::Range;

use super::error_code::ErrorCode;
use super::list::ListQuery;
use super::tracking::{TrackingId, TrackingStatus};
use super::{push_name, push_sp_name, push_sp_value};

/// The forms of an `OK` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OkReply {
    /// `OK` (USERNAME, PASSWORD, LOGIN, SET, INSTCMD, SET TRACKING).
    Plain,
    /// `OK Goodbye` (LOGOUT; older servers said `Goodbye...`).
    Goodbye,
    /// `OK PRIMARY-GRANTED` (PRIMARY).
    PrimaryGranted,
    /// `OK MASTER-GRANTED` (MASTER).
    MasterGranted,
    /// `OK FSD-SET` (FSD).
    FsdSet,
    /// `OK STARTTLS` (STARTTLS; TLS starts right after this line).
    StartTls,
    /// `OK TRACKING <id>` (SET VAR / INSTCMD with tracking on).
    Tracking(TrackingId),
    /// `OK` followed by anything else, kept word by word (clients are told to accept any reply
    /// starting with `OK`). Not canonical when the words spell one of the forms above.
    Other(Vec<String>),
}

/// How a variable's value is typed, from a `TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `STRING:<n>`: a string of at most `max_len` bytes (upsd prints the aux value with
    /// `%ld`; a driver may set it to 0 or less, which makes every SET fail).
    String {
        /// The aux value.
        max_len: i64,
    },
    /// `NUMBER`: anything without the STRING flag.
    Number,
}

/// The answer to `GET TYPE`: flags and value kind. Written as `[RW] [ENUM] [RANGE]` then
/// `STRING:<n>` or `NUMBER`, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VarType {
    /// `RW`: clients may `SET` it.
    pub writable: bool,
    /// `ENUM`: it has a list of allowed values (`LIST ENUM`).
    pub enumerated: bool,
    /// `RANGE`: it has allowed ranges (`LIST RANGE`).
    pub ranged: bool,
    /// `STRING:<n>` or `NUMBER`.
    pub kind: ValueKind,
}

/// One line a server sends.
///
/// Write with [`Response::to_line`] / `Display` (exact upsd bytes, no trailing LF); read with
/// [`Response::parse`] (context-free) or [`Response::parse_for`] (given the request).
///
/// ```
/// use nut_protocol::net::{Response, Request};
///
/// let line = br#"VAR pyups outlet.1.desc "PowerShare \"Outlet\" \#1""#;
/// let response = Response::parse(line).unwrap();
/// assert_eq!(
///     response,
///     Response::Var {
///         ups: "pyups".into(),
///         var: "outlet.1.desc".into(),
///         value: r#"PowerShare "Outlet" #1"#.into(),
///     }
/// );
/// assert_eq!(response.to_line().as_bytes(), line);
///
/// let version = Response::parse_for(&Request::NetVer, b"1.3").unwrap();
/// assert_eq!(version, Response::ProtocolVersion { text: "1.3".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Response {
    /// `OK …`.
    Ok(OkReply),
    /// `ERR <code> [extra…]`. Extra words only come with TLS failures
    /// (`ERR ACCESS-DENIED "SSL handshake failed"`); they are written quoted.
    Err {
        /// The code.
        code: ErrorCode,
        /// Words after the code (decoded).
        extra: Vec<String>,
    },
    /// `VAR <ups> <var> "<value>"` (GET VAR and LIST VAR items).
    Var {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Value (decoded).
        value: String,
    },
    /// `RW <ups> <var> "<value>"` (LIST RW items).
    Rw {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Value (decoded).
        value: String,
    },
    /// `ENUM <ups> <var> "<value>"` (LIST ENUM items).
    Enum {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// One allowed value (decoded).
        value: String,
    },
    /// `RANGE <ups> <var> "<min>" "<max>"` (LIST RANGE items).
    Range {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// The range.
        range: Range,
    },
    /// `CMD <ups> <cmd>` (LIST CMD items).
    Cmd {
        /// UPS name.
        ups: String,
        /// Command name.
        cmd: String,
    },
    /// `CLIENT <ups> <address>` (LIST CLIENT items).
    Client {
        /// UPS name.
        ups: String,
        /// Client address (numeric IP).
        address: String,
    },
    /// `UPS <ups> "<description>"` (LIST UPS items; [`crate::net::DESCRIPTION_UNAVAILABLE`]
    /// when the UPS has no `desc`).
    Ups {
        /// UPS name.
        ups: String,
        /// Description (decoded).
        description: String,
    },
    /// `TYPE <ups> <var> [RW] [ENUM] [RANGE] STRING:<n>|NUMBER`.
    Type {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Flags and kind.
        var_type: VarType,
    },
    /// `DESC <ups> <var> "<text>"`. upsd quotes but does not encode this text **\[quirk\]**; we
    /// always encode. That is byte-identical for every text in NUT's `cmdvartab` (none has
    /// `"`, `\` or `#`), and for other texts it is the only form a client can read back.
    Desc {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Description (decoded).
        description: String,
    },
    /// `CMDDESC <ups> <cmd> "<text>"` (same quoting quirk as [`Response::Desc`]).
    CmdDesc {
        /// UPS name.
        ups: String,
        /// Command name.
        cmd: String,
        /// Description (decoded).
        description: String,
    },
    /// `UPSDESC <ups> "<text>"` ([`crate::net::UPSDESC_UNAVAILABLE`] without `desc`).
    UpsDesc {
        /// UPS name.
        ups: String,
        /// Description (decoded).
        description: String,
    },
    /// `NUMLOGINS <ups> <n>`.
    NumLogins {
        /// UPS name.
        ups: String,
        /// Number of connections logged into the UPS.
        count: u32,
    },
    /// `BEGIN LIST <query>`.
    BeginList(ListQuery),
    /// `END LIST <query>`.
    EndList(ListQuery),
    /// `ON` / `OFF`: the answer to `GET TRACKING`.
    TrackingMode {
        /// `true` for `ON`.
        enabled: bool,
    },
    /// The answer to `GET TRACKING <id>` (`PENDING`, `SUCCESS`, or `ERR UNKNOWN` /
    /// `ERR INVALID-ARGUMENT` / `ERR FAILED`, which are results, not errors).
    TrackingResult(TrackingStatus),
    /// Free text answering `VER` (e.g. [`crate::net::UPSD_2_8_0_VERSION_TEXT`]).
    Version {
        /// The whole line.
        text: String,
    },
    /// Free text answering `NETVER` / `PROTVER` ([`crate::net::PROTOCOL_VERSION`]).
    ProtocolVersion {
        /// The whole line.
        text: String,
    },
    /// Free text answering `HELP` (e.g. [`crate::net::UPSD_2_8_0_HELP_TEXT`]).
    Help {
        /// The whole line.
        text: String,
    },
}

impl Response {
    /// `OK`.
    pub fn ok() -> Response {
        Response::Ok(OkReply::Plain)
    }

    /// `ERR <code>` without extra words.
    pub fn error(code: ErrorCode) -> Response {
        Response::Err {
            code,
            extra: Vec::new(),
        }
    }

    /// The error code, for an `ERR` line.
    pub fn error_code(&self) -> Option<&ErrorCode> {
        match self {
            Response::Err { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The wire line, without the trailing LF.
    pub fn to_line(&self) -> String {
        let mut out = String::new();
        self.write_line(&mut out);
        out
    }

    /// [`Response::to_line`] appending to `out` (a server can reuse one buffer).
    pub fn write_line(&self, out: &mut String) {
        match self {
            Response::Ok(reply) => write_ok(reply, out),
            Response::Err { code, extra } => {
                out.push_str("ERR");
                push_sp_name(out, code.as_str());
                for word in extra {
                    push_sp_value(out, word);
                }
            }
            Response::Var { ups, var, value } => write_item(out, "VAR", ups, var, value),
            Response::Rw { ups, var, value } => write_item(out, "RW", ups, var, value),
            Response::Enum { ups, var, value } => write_item(out, "ENUM", ups, var, value),
            Response::Desc {
                ups,
                var,
                description,
            } => write_item(out, "DESC", ups, var, description),
            Response::CmdDesc {
                ups,
                cmd,
                description,
            } => write_item(out, "CMDDESC", ups, cmd, description),
            Response::Range { ups, var, range } => {
                out.push_str("RANGE");
                push_sp_name(out, ups);
                push_sp_name(out, var);
                let _ = fmt::Write::write_fmt(
                    out,
                    format_args!(" \"{}\" \"{}\"", range.min, range.max),
                );
            }
            Response::Cmd { ups, cmd } => write_names(out, "CMD", ups, cmd),
            Response::Client { ups, address } => write_names(out, "CLIENT", ups, address),
            Response::Ups { ups, description } => {
                out.push_str("UPS");
                push_sp_name(out, ups);
                push_sp_value(out, description);
            }
            Response::UpsDesc { ups, description } => {
                out.push_str("UPSDESC");
                push_sp_name(out, ups);
                push_sp_value(out, description);
            }
            Response::Type { ups, var, var_type } => {
                out.push_str("TYPE");
                push_sp_name(out, ups);
                push_sp_name(out, var);
                write_var_type(var_type, out);
            }
            Response::NumLogins { ups, count } => {
                out.push_str("NUMLOGINS");
                push_sp_name(out, ups);
                let _ = fmt::Write::write_fmt(out, format_args!(" {count}"));
            }
            Response::BeginList(query) => {
                out.push_str("BEGIN LIST ");
                query.push_words(out);
            }
            Response::EndList(query) => {
                out.push_str("END LIST ");
                query.push_words(out);
            }
            Response::TrackingMode { enabled } => out.push_str(if *enabled { "ON" } else { "OFF" }),
            Response::TrackingResult(status) => out.push_str(status.as_line()),
            Response::Version { text }
            | Response::ProtocolVersion { text }
            | Response::Help { text } => out.push_str(text),
        }
    }
}

fn write_ok(reply: &OkReply, out: &mut String) {
    out.push_str("OK");
    match reply {
        OkReply::Plain => {}
        OkReply::Goodbye => out.push_str(" Goodbye"),
        OkReply::PrimaryGranted => out.push_str(" PRIMARY-GRANTED"),
        OkReply::MasterGranted => out.push_str(" MASTER-GRANTED"),
        OkReply::FsdSet => out.push_str(" FSD-SET"),
        OkReply::StartTls => out.push_str(" STARTTLS"),
        OkReply::Tracking(id) => {
            let _ = fmt::Write::write_fmt(out, format_args!(" TRACKING {id}"));
        }
        OkReply::Other(words) => {
            for word in words {
                push_sp_name(out, word);
            }
        }
    }
}

fn write_var_type(var_type: &VarType, out: &mut String) {
    if var_type.writable {
        out.push_str(" RW");
    }
    if var_type.enumerated {
        out.push_str(" ENUM");
    }
    if var_type.ranged {
        out.push_str(" RANGE");
    }
    match var_type.kind {
        ValueKind::String { max_len } => {
            let _ = fmt::Write::write_fmt(out, format_args!(" STRING:{max_len}"));
        }
        ValueKind::Number => out.push_str(" NUMBER"),
    }
}

/// `<keyword> <ups> <name> "<value>"`.
fn write_item(out: &mut String, keyword: &str, ups: &str, name: &str, value: &str) {
    out.push_str(keyword);
    push_sp_name(out, ups);
    push_sp_name(out, name);
    push_sp_value(out, value);
}

/// `<keyword> <ups> <name>`.
fn write_names(out: &mut String, keyword: &str, ups: &str, name: &str) {
    out.push_str(keyword);
    out.push(' ');
    push_name(out, ups);
    push_sp_name(out, name);
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
