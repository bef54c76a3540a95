//! Every protocol command as a typed method, written once for both faces by
//! [`nut_commands!`]: each method builds a [`Request`], lets the face carry it, and reads the
//! [`Answer`] with the pure functions below.

use nut_protocol::net::{OkReply, Response, TrackingId, TrackingStatus, VarType};

use crate::ClientError;
use crate::exchange::{Answer, unexpected};

/// A `LIST` item reduced to what callers use: a name and a value.
///
/// ```no_run
/// # fn main() -> Result<(), nut_client::ClientError> {
/// let mut ups = nut_client::blocking::Connection::connect("127.0.0.1", 3493, Default::default())?;
/// for nut_client::Item { name, value } in ups.list_vars("demo")? {
///     println!("{name}: {value}"); // e.g. "ups.status: OL"
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Variable, command, UPS or client name.
    pub name: String,
    /// Its value or description (empty for commands and clients).
    pub value: String,
}

pub(crate) fn items(answer: Answer) -> Result<Vec<Item>, ClientError> {
    let Answer::List(responses) = answer else {
        return Err(unexpected(&answer));
    };
    responses
        .into_iter()
        .map(|r| match r {
            Response::Ups { ups, description } => Ok(Item {
                name: ups,
                value: description,
            }),
            Response::Var { var, value, .. } | Response::Rw { var, value, .. } => {
                Ok(Item { name: var, value })
            }
            Response::Enum { value, .. } => Ok(Item {
                name: value,
                value: String::new(),
            }),
            Response::Range { range, .. } => Ok(Item {
                name: range.min.to_string(),
                value: range.max.to_string(),
            }),
            Response::Cmd { cmd, .. } => Ok(Item {
                name: cmd,
                value: String::new(),
            }),
            Response::Client { address, .. } => Ok(Item {
                name: address,
                value: String::new(),
            }),
            other => Err(ClientError::Protocol(format!(
                "unexpected list item {other:?}"
            ))),
        })
        .collect()
}

pub(crate) fn text(answer: Answer) -> Result<String, ClientError> {
    match answer {
        Answer::Line(
            Response::Var { value: text, .. }
            | Response::Desc {
                description: text, ..
            }
            | Response::CmdDesc {
                description: text, ..
            }
            | Response::UpsDesc {
                description: text, ..
            }
            | Response::Version { text }
            | Response::ProtocolVersion { text }
            | Response::Help { text },
        ) => Ok(text),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn var_type(answer: Answer) -> Result<VarType, ClientError> {
    match answer {
        Answer::Line(Response::Type { var_type, .. }) => Ok(var_type),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn count(answer: Answer) -> Result<u32, ClientError> {
    match answer {
        Answer::Line(Response::NumLogins { count, .. }) => Ok(count),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn ok(answer: Answer) -> Result<(), ClientError> {
    crate::exchange::expect_ok(answer).map(|_| ())
}

pub(crate) fn tracked(answer: Answer) -> Result<Option<TrackingId>, ClientError> {
    match answer {
        Answer::Line(Response::Ok(OkReply::Tracking(id))) => Ok(Some(id)),
        Answer::Line(Response::Ok(_)) => Ok(None),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn tracking_status(answer: Answer) -> Result<TrackingStatus, ClientError> {
    match answer {
        Answer::Line(Response::TrackingResult(status)) => Ok(status),
        other => Err(unexpected(&other)),
    }
}

/// Defines every command method on a face, each with a doc example. `$head` opens the
/// example (a function and a connection named `ups`), `$aw` is `".await"` or `""`;
/// `$($async)?` is `async` for the async face and `$($await)*` is `.await`; the face provides `fn call(&mut self, Request) -> Result<Answer>`.
macro_rules! nut_commands {
    ($head:literal, $aw:literal ; $($async:ident)? ; $($await:tt)*) => {
        /// `VER`: the server's version text.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.ver()", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn ver(&mut self) -> Result<String, ClientError> {
            commands::text(self.call(Request::Ver)$($await)*?)
        }

        /// `NETVER`: the protocol version (`1.3`).
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.netver()", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn netver(&mut self) -> Result<String, ClientError> {
            commands::text(self.call(Request::NetVer)$($await)*?)
        }

        /// `HELP`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.help()", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn help(&mut self) -> Result<String, ClientError> {
            commands::text(self.call(Request::Help)$($await)*?)
        }

        /// `LIST UPS`: names and descriptions.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_ups()", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_ups(&mut self) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Ups))$($await)*?)
        }

        /// `LIST VAR`: every variable with its value.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_vars(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_vars(&mut self, ups: &str) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Var { ups: ups.into() }))$($await)*?)
        }

        /// `LIST RW`: the writable variables.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_rw(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_rw(&mut self, ups: &str) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Rw { ups: ups.into() }))$($await)*?)
        }

        /// `LIST CMD`: the instant commands (names in `Item::name`).
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_cmds(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_cmds(&mut self, ups: &str) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Cmd { ups: ups.into() }))$($await)*?)
        }

        /// `LIST ENUM`: the allowed values of a variable (in `Item::name`).
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_enum(\"myups\", \"input.transfer.low\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Enum { ups: ups.into(), var: var.into() }))$($await)*?)
        }

        /// `LIST RANGE`: the allowed ranges of a variable (min in `name`, max in `value`).
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_range(\"myups\", \"input.transfer.low\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_range(&mut self, ups: &str, var: &str) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Range { ups: ups.into(), var: var.into() }))$($await)*?)
        }

        /// `LIST CLIENT`: addresses logged into a UPS.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.list_clients(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn list_clients(&mut self, ups: &str) -> Result<Vec<Item>, ClientError> {
            commands::items(self.call(Request::List(ListQuery::Client { ups: ups.into() }))$($await)*?)
        }

        /// `GET VAR`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.get_var(\"myups\", \"ups.status\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn get_var(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
            commands::text(self.call(Request::Get(GetQuery::Var { ups: ups.into(), var: var.into() }))$($await)*?)
        }

        /// `GET TYPE`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.get_type(\"myups\", \"input.transfer.low\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn get_type(&mut self, ups: &str, var: &str) -> Result<VarType, ClientError> {
            commands::var_type(self.call(Request::Get(GetQuery::Type { ups: ups.into(), var: var.into() }))$($await)*?)
        }

        /// `GET DESC`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.get_desc(\"myups\", \"input.transfer.low\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
            commands::text(self.call(Request::Get(GetQuery::Desc { ups: ups.into(), var: var.into() }))$($await)*?)
        }

        /// `GET CMDDESC`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.get_cmd_desc(\"myups\", \"beeper.disable\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn get_cmd_desc(&mut self, ups: &str, cmd: &str) -> Result<String, ClientError> {
            commands::text(self.call(Request::Get(GetQuery::CmdDesc { ups: ups.into(), cmd: cmd.into() }))$($await)*?)
        }

        /// `GET UPSDESC`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.get_ups_desc(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn get_ups_desc(&mut self, ups: &str) -> Result<String, ClientError> {
            commands::text(self.call(Request::Get(GetQuery::UpsDesc { ups: ups.into() }))$($await)*?)
        }

        /// `GET NUMLOGINS`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.num_logins(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn num_logins(&mut self, ups: &str) -> Result<u32, ClientError> {
            commands::count(self.call(Request::Get(GetQuery::NumLogins { ups: ups.into() }))$($await)*?)
        }

        /// `USERNAME` then `PASSWORD` (checked by upsd only when a right is used).
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.authenticate(\"admin\", \"secret\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn authenticate(&mut self, user: &str, password: &str) -> Result<(), ClientError> {
            commands::ok(self.call(Request::Username { username: user.into() })$($await)*?)?;
            commands::ok(self.call(Request::Password { password: Secret::new(password) })$($await)*?)
        }

        /// `LOGIN`: count this connection as a user of the UPS (upsmon).
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.login(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn login(&mut self, ups: &str) -> Result<(), ClientError> {
            commands::ok(self.call(Request::Login { ups: ups.into() })$($await)*?)
        }

        /// `PRIMARY`, or `MASTER` on servers older than protocol 1.3.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.primary(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn primary(&mut self, ups: &str) -> Result<(), ClientError> {
            match self.call(Request::Primary { ups: ups.into() })$($await)* {
                Ok(answer) => commands::ok(answer),
                Err(ClientError::Server(ErrorCode::UnknownCommand)) => {
                    commands::ok(self.call(Request::Master { ups: ups.into() })$($await)*?)
                }
                Err(other) => Err(other),
            }
        }

        /// `FSD`: set the forced-shutdown flag of a UPS.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.fsd(\"myups\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn fsd(&mut self, ups: &str) -> Result<(), ClientError> {
            commands::ok(self.call(Request::Fsd { ups: ups.into() })$($await)*?)
        }

        /// `SET VAR`; the tracking id when tracking is on.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.set_var(\"myups\", \"ups.delay.shutdown\", \"1\")", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn set_var(&mut self, ups: &str, var: &str, value: &str) -> Result<Option<TrackingId>, ClientError> {
            commands::tracked(self.call(Request::SetVar { ups: ups.into(), var: var.into(), value: value.into() })$($await)*?)
        }

        /// `INSTCMD` with an optional parameter; the tracking id when tracking is on.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.instcmd(\"myups\", \"test.battery.start\", None)", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn instcmd(&mut self, ups: &str, cmd: &str, param: Option<&str>) -> Result<Option<TrackingId>, ClientError> {
            commands::tracked(self.call(Request::InstCmd { ups: ups.into(), cmd: cmd.into(), param: param.map(String::from) })$($await)*?)
        }

        /// `SET TRACKING ON|OFF`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.set_tracking(true)", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn set_tracking(&mut self, enabled: bool) -> Result<(), ClientError> {
            commands::ok(self.call(Request::SetTracking { enabled })$($await)*?)
        }

        /// `GET TRACKING <id>`: the result of a tracked command.
        ///
        #[doc = concat!("```no_run\n", $head, "let id = ups.instcmd(\"myups\", \"test.battery.start\", None)", $aw, "?.expect(\"tracking is on\");\nlet status = ups.tracking(&id)", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn tracking(&mut self, id: &TrackingId) -> Result<TrackingStatus, ClientError> {
            commands::tracking_status(self.call(Request::get_tracking(*id))$($await)*?)
        }

        /// Asks `GET TRACKING` until the result is final or `timeout` passes (then
        /// [`ClientError::Timeout`]); checks every 100 ms.
        ///
        #[doc = concat!("```no_run\n", $head, "let id = ups.instcmd(\"myups\", \"test.battery.start\", None)", $aw, "?.expect(\"tracking is on\");\nlet status = ups.wait_tracking(&id, std::time::Duration::from_secs(5))", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn wait_tracking(&mut self, id: &TrackingId, timeout: std::time::Duration) -> Result<TrackingStatus, ClientError> {
            let deadline = std::time::Instant::now() + timeout;
            loop {
                match self.tracking(id)$($await)*? {
                    TrackingStatus::Pending if std::time::Instant::now() < deadline => {
                        Self::pause(std::time::Duration::from_millis(100))$($await)*;
                    }
                    TrackingStatus::Pending => return Err(ClientError::Timeout),
                    status => return Ok(status),
                }
            }
        }

        /// `LOGOUT`.
        ///
        #[doc = concat!("```no_run\n", $head, "let answer = ups.logout()", $aw, "?;\n", "# Ok(()) }\n```")]
        pub $($async)? fn logout(&mut self) -> Result<(), ClientError> {
            commands::ok(self.call(Request::Logout)$($await)*?)
        }
    };
}

pub(crate) use nut_commands;
