//! Client requests: parsed as upsd 2.8.0 accepts them, written as wire lines.

use alloc::string::String;
use core::fmt;

use super::command::Command;
use super::list::ListQuery;
use super::request_error::{ArgumentProblem, Leniency, ParseLineError, RequestError};
use super::secret::Secret;
use super::tracking::TrackingId;
use super::{push_sp_name, push_sp_value};
use crate::tokenizer::tokenize_line;

/// What a `GET` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GetQuery {
    /// `GET VAR <ups> <var>` → `VAR <ups> <var> "<value>"`.
    Var {
        /// UPS name, as sent.
        ups: String,
        /// Variable name, as sent.
        var: String,
    },
    /// `GET TYPE <ups> <var>` → `TYPE <ups> <var> [RW] [ENUM] [RANGE] STRING:<n>|NUMBER`.
    Type {
        /// UPS name, as sent.
        ups: String,
        /// Variable name, as sent.
        var: String,
    },
    /// `GET DESC <ups> <var>` → `DESC <ups> <var> "<text>"`.
    Desc {
        /// UPS name, as sent.
        ups: String,
        /// Variable name, as sent.
        var: String,
    },
    /// `GET CMDDESC <ups> <cmd>` → `CMDDESC <ups> <cmd> "<text>"`.
    CmdDesc {
        /// UPS name, as sent.
        ups: String,
        /// Command name, as sent.
        cmd: String,
    },
    /// `GET UPSDESC <ups>` → `UPSDESC <ups> "<text>"`.
    UpsDesc {
        /// UPS name, as sent.
        ups: String,
    },
    /// `GET NUMLOGINS <ups>` → `NUMLOGINS <ups> <n>`.
    NumLogins {
        /// UPS name, as sent.
        ups: String,
    },
    /// `GET TRACKING` → `ON` / `OFF` (this connection's tracking mode).
    TrackingMode,
    /// `GET TRACKING <id>` → a [`crate::net::TrackingStatus`]. upsd takes any word as the id
    /// (an id that is not a UUID is simply unknown: `ERR UNKNOWN`), so it is kept as sent;
    /// [`GetQuery::tracking_id`] reads it as a [`TrackingId`].
    TrackingResult {
        /// The id, as sent.
        id: String,
    },
}

impl GetQuery {
    /// The id of a [`GetQuery::TrackingResult`], when it is a valid [`TrackingId`].
    pub fn tracking_id(&self) -> Option<TrackingId> {
        match self {
            GetQuery::TrackingResult { id } => TrackingId::parse(id).ok(),
            _ => None,
        }
    }

    /// The sub-word (`VAR`, `TYPE`, `DESC`, `CMDDESC`, `UPSDESC`, `NUMLOGINS`, `TRACKING`).
    pub fn kind(&self) -> &'static str {
        match self {
            GetQuery::Var { .. } => "VAR",
            GetQuery::Type { .. } => "TYPE",
            GetQuery::Desc { .. } => "DESC",
            GetQuery::CmdDesc { .. } => "CMDDESC",
            GetQuery::UpsDesc { .. } => "UPSDESC",
            GetQuery::NumLogins { .. } => "NUMLOGINS",
            GetQuery::TrackingMode | GetQuery::TrackingResult { .. } => "TRACKING",
        }
    }

    /// Reads the words after `GET` in upsd's order of checks (`net_get`), returning the query
    /// and the number of words used.
    fn from_args<S: AsRef<str>>(args: &[S]) -> Result<(GetQuery, usize), (ArgumentProblem, usize)> {
        let word = |index: usize| args.get(index).map(|w| String::from(w.as_ref()));
        let Some(kind) = args.first().map(AsRef::as_ref) else {
            return Err((ArgumentProblem::MissingSubcommand, 0));
        };
        let is = |name: &str| kind.eq_ignore_ascii_case(name);
        if is("TRACKING") {
            return Ok(match word(1) {
                None => (GetQuery::TrackingMode, 1),
                Some(id) => (GetQuery::TrackingResult { id }, 2),
            });
        }
        let one_name = is("NUMLOGINS") || is("UPSDESC");
        let two_names = ["VAR", "TYPE", "DESC", "CMDDESC"].into_iter().any(is);
        if !one_name && !two_names {
            return Err((ArgumentProblem::UnknownSubcommand, 0));
        }
        let Some(ups) = word(1) else {
            return Err((ArgumentProblem::MissingArgument, 1));
        };
        if one_name {
            let query = if is("NUMLOGINS") {
                GetQuery::NumLogins { ups }
            } else {
                GetQuery::UpsDesc { ups }
            };
            return Ok((query, 2));
        }
        let Some(name) = word(2) else {
            return Err((ArgumentProblem::MissingArgument, 2));
        };
        let query = if is("VAR") {
            GetQuery::Var { ups, var: name }
        } else if is("TYPE") {
            GetQuery::Type { ups, var: name }
        } else if is("DESC") {
            GetQuery::Desc { ups, var: name }
        } else {
            GetQuery::CmdDesc { ups, cmd: name }
        };
        Ok((query, 3))
    }

    fn push_words(&self, out: &mut String) {
        out.push_str(self.kind());
        match self {
            GetQuery::Var { ups, var }
            | GetQuery::Type { ups, var }
            | GetQuery::Desc { ups, var } => {
                push_sp_name(out, ups);
                push_sp_name(out, var);
            }
            GetQuery::CmdDesc { ups, cmd } => {
                push_sp_name(out, ups);
                push_sp_name(out, cmd);
            }
            GetQuery::UpsDesc { ups } | GetQuery::NumLogins { ups } => push_sp_name(out, ups),
            GetQuery::TrackingMode => {}
            GetQuery::TrackingResult { id } => push_sp_name(out, id),
        }
    }
}

/// One client request, as upsd 2.8.0 understands it.
///
/// Parse with [`Request::parse`] (tokenized words), [`Request::parse_line`] (raw bytes) or the
/// two steps [`Command::split`] + [`Request::from_args`] (servers, see the
/// [module docs](crate::net)). Write with [`Request::to_line`] / `Display` (no trailing LF).
/// UPS, variable and command names are kept exactly as sent (upsd echoes them; it compares
/// them case-insensitively).
///
/// ```
/// use nut_protocol::net::{GetQuery, Request};
///
/// let request = Request::parse_line(b"get var myups ups.status").unwrap();
/// assert_eq!(
///     request,
///     Request::Get(GetQuery::Var { ups: "myups".into(), var: "ups.status".into() })
/// );
/// assert_eq!(request.to_line(), "GET VAR myups ups.status");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// `VER` (no arguments).
    Ver,
    /// `NETVER` (no arguments).
    NetVer,
    /// `PROTVER` (no arguments).
    ProtVer,
    /// `HELP` (no arguments).
    Help,
    /// `STARTTLS`. upsd ignores any arguments **\[quirk\]** ([`Leniency::ExtraWordsIgnored`]).
    StartTls,
    /// `LOGOUT` (no arguments) → `OK Goodbye`, then the server closes.
    Logout,
    /// `USERNAME <name>` (exactly one argument).
    Username {
        /// The user name, as sent.
        username: String,
    },
    /// `PASSWORD <password>` (exactly one argument).
    Password {
        /// The password (hidden from `Debug`).
        password: Secret,
    },
    /// `LOGIN <ups>` (exactly one argument; needs a user).
    Login {
        /// UPS name, as sent.
        ups: String,
    },
    /// `PRIMARY <ups>` (exactly one argument; needs a user) → `OK PRIMARY-GRANTED`.
    Primary {
        /// UPS name, as sent.
        ups: String,
    },
    /// `MASTER <ups>` (exactly one argument; needs a user) → `OK MASTER-GRANTED`.
    Master {
        /// UPS name, as sent.
        ups: String,
    },
    /// `FSD <ups>` (exactly one argument; needs a user) → `OK FSD-SET`.
    Fsd {
        /// UPS name, as sent.
        ups: String,
    },
    /// `GET …`.
    Get(GetQuery),
    /// `LIST …`.
    List(ListQuery),
    /// `SET VAR <ups> <var> <value>` (needs a user). Words after the value are ignored
    /// **\[quirk\]**: `SET VAR ups ups.mfr Two Words` sets `Two`.
    SetVar {
        /// UPS name, as sent.
        ups: String,
        /// Variable name, as sent.
        var: String,
        /// The new value (decoded).
        value: String,
    },
    /// `SET TRACKING ON|OFF` (case-insensitive; needs a user, but no right).
    SetTracking {
        /// `true` for `ON`.
        enabled: bool,
    },
    /// `INSTCMD <ups> <cmd> [<param>]` (needs a user). See
    /// [`Leniency::InstCmdParamDropped`] for `INSTCMD ups cmd p1 p2` **\[quirk\]**.
    InstCmd {
        /// UPS name, as sent.
        ups: String,
        /// Command name, as sent.
        cmd: String,
        /// The parameter (decoded), if exactly one was given.
        param: Option<String>,
    },
}

impl Request {
    /// Parses a tokenized request line (both steps at once) as upsd does.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<Request, RequestError> {
        Request::parse_lenient(words).map(|(request, _)| request)
    }

    /// [`Request::parse`], also telling which words upsd would ignore.
    pub fn parse_lenient<S: AsRef<str>>(
        words: &[S],
    ) -> Result<(Request, Option<Leniency>), RequestError> {
        let (command, args) = Command::split(words)?;
        Request::from_args(command, args)
    }

    /// Tokenizes one line (a trailing LF is optional) and parses it.
    pub fn parse_line(line: &[u8]) -> Result<Request, ParseLineError> {
        let tokenized = tokenize_line(line)?;
        Ok(Request::parse(&tokenized.words)?)
    }

    /// Step 2 of parsing: the arguments (the words after the verb) of `command`, checked as
    /// upsd's handler for it does. Error word indices count the verb as word 0.
    pub fn from_args<S: AsRef<str>>(
        command: Command,
        args: &[S],
    ) -> Result<(Request, Option<Leniency>), RequestError> {
        let invalid = |problem: ArgumentProblem, arg_index: usize| RequestError::InvalidArgument {
            command,
            problem,
            word: arg_index + 1,
        };
        let word = |index: usize| args.get(index).map(|w| String::from(w.as_ref()));
        // Commands with a fixed argument count that upsd checks exactly (`numarg != n`).
        let exact = |count: usize| -> Result<(), RequestError> {
            if args.len() < count {
                Err(invalid(ArgumentProblem::MissingArgument, args.len()))
            } else if args.len() > count {
                Err(invalid(ArgumentProblem::UnexpectedArgument, count))
            } else {
                Ok(())
            }
        };
        let one_name = || -> Result<String, RequestError> {
            exact(1)?;
            word(0).ok_or_else(|| invalid(ArgumentProblem::MissingArgument, 0))
        };
        let (request, used) = match command {
            Command::Ver => (exact(0).map(|()| Request::Ver)?, 0),
            Command::NetVer => (exact(0).map(|()| Request::NetVer)?, 0),
            Command::ProtVer => (exact(0).map(|()| Request::ProtVer)?, 0),
            Command::Help => (exact(0).map(|()| Request::Help)?, 0),
            Command::Logout => (exact(0).map(|()| Request::Logout)?, 0),
            Command::StartTls => (Request::StartTls, 0),
            Command::Username => (
                Request::Username {
                    username: one_name()?,
                },
                1,
            ),
            Command::Password => (
                Request::Password {
                    password: Secret::new(one_name()?),
                },
                1,
            ),
            Command::Login => (Request::Login { ups: one_name()? }, 1),
            Command::Primary => (Request::Primary { ups: one_name()? }, 1),
            Command::Master => (Request::Master { ups: one_name()? }, 1),
            Command::Fsd => (Request::Fsd { ups: one_name()? }, 1),
            Command::Get => {
                let (query, used) =
                    GetQuery::from_args(args).map_err(|(problem, at)| invalid(problem, at))?;
                (Request::Get(query), used)
            }
            Command::List => {
                let (query, used) =
                    ListQuery::from_words(args).map_err(|(problem, at)| invalid(problem, at))?;
                (Request::List(query), used)
            }
            Command::Set => Request::set_from_args(args).map_err(|(p, at)| invalid(p, at))?,
            Command::InstCmd => {
                let (Some(ups), Some(cmd)) = (word(0), word(1)) else {
                    return Err(invalid(ArgumentProblem::MissingArgument, args.len()));
                };
                if args.len() > 3 {
                    let request = Request::InstCmd {
                        ups,
                        cmd,
                        param: None,
                    };
                    return Ok((request, Some(Leniency::InstCmdParamDropped { first: 3 })));
                }
                let param = word(2);
                let used = if param.is_some() { 3 } else { 2 };
                (Request::InstCmd { ups, cmd, param }, used)
            }
        };
        let leniency =
            (args.len() > used).then_some(Leniency::ExtraWordsIgnored { first: used + 1 });
        Ok((request, leniency))
    }

    /// `SET …` in upsd's order of checks (`net_set`).
    fn set_from_args<S: AsRef<str>>(
        args: &[S],
    ) -> Result<(Request, usize), (ArgumentProblem, usize)> {
        let word = |index: usize| args.get(index).map(|w| String::from(w.as_ref()));
        let Some(kind) = args.first().map(AsRef::as_ref) else {
            return Err((ArgumentProblem::MissingSubcommand, 0));
        };
        if kind.eq_ignore_ascii_case("VAR") {
            let (Some(ups), Some(var), Some(value)) = (word(1), word(2), word(3)) else {
                return Err((ArgumentProblem::MissingArgument, args.len()));
            };
            return Ok((Request::SetVar { ups, var, value }, 4));
        }
        if kind.eq_ignore_ascii_case("TRACKING") {
            let Some(mode) = args.get(1).map(AsRef::as_ref) else {
                return Err((ArgumentProblem::MissingArgument, 1));
            };
            let enabled = if mode.eq_ignore_ascii_case("ON") {
                true
            } else if mode.eq_ignore_ascii_case("OFF") {
                false
            } else {
                return Err((ArgumentProblem::InvalidTrackingMode, 1));
            };
            return Ok((Request::SetTracking { enabled }, 2));
        }
        Err((ArgumentProblem::UnknownSubcommand, 0))
    }

    /// `GET TRACKING <id>` for an id (what a client sends after `OK TRACKING <id>`).
    pub fn get_tracking(id: TrackingId) -> Request {
        Request::Get(GetQuery::TrackingResult {
            id: alloc::format!("{id}"),
        })
    }

    /// The command (verb) of this request.
    pub fn command(&self) -> Command {
        match self {
            Request::Ver => Command::Ver,
            Request::NetVer => Command::NetVer,
            Request::ProtVer => Command::ProtVer,
            Request::Help => Command::Help,
            Request::StartTls => Command::StartTls,
            Request::Logout => Command::Logout,
            Request::Username { .. } => Command::Username,
            Request::Password { .. } => Command::Password,
            Request::Login { .. } => Command::Login,
            Request::Primary { .. } => Command::Primary,
            Request::Master { .. } => Command::Master,
            Request::Fsd { .. } => Command::Fsd,
            Request::Get(_) => Command::Get,
            Request::List(_) => Command::List,
            Request::SetVar { .. } | Request::SetTracking { .. } => Command::Set,
            Request::InstCmd { .. } => Command::InstCmd,
        }
    }

    /// The wire line, without the trailing LF. Names are bare unless they need quoting; the
    /// `SET VAR` value and the `INSTCMD` parameter are always quoted and encoded.
    pub fn to_line(&self) -> String {
        let mut out = String::new();
        self.write_line(&mut out);
        out
    }

    /// [`Request::to_line`] appending to `out`.
    pub fn write_line(&self, out: &mut String) {
        out.push_str(self.command().as_str());
        match self {
            Request::Ver
            | Request::NetVer
            | Request::ProtVer
            | Request::Help
            | Request::StartTls
            | Request::Logout => {}
            Request::Username { username } => push_sp_name(out, username),
            Request::Password { password } => push_sp_name(out, password.expose()),
            Request::Login { ups }
            | Request::Primary { ups }
            | Request::Master { ups }
            | Request::Fsd { ups } => push_sp_name(out, ups),
            Request::Get(query) => {
                out.push(' ');
                query.push_words(out);
            }
            Request::List(query) => {
                out.push(' ');
                query.push_words(out);
            }
            Request::SetVar { ups, var, value } => {
                out.push_str(" VAR");
                push_sp_name(out, ups);
                push_sp_name(out, var);
                push_sp_value(out, value);
            }
            Request::SetTracking { enabled } => {
                out.push_str(if *enabled {
                    " TRACKING ON"
                } else {
                    " TRACKING OFF"
                });
            }
            Request::InstCmd { ups, cmd, param } => {
                push_sp_name(out, ups);
                push_sp_name(out, cmd);
                if let Some(param) = param {
                    push_sp_value(out, param);
                }
            }
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}
