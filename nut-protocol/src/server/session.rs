//! One client connection: authentication state and the answer to each request line.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use nut_core::status::with_fsd_prefix;
use nut_core::value::parse_c_int;
use nut_core::{VarFlags, Variable};

use super::state::ServerState;
use crate::config::upsd_users::{Action as Right, User};
use crate::net::{
    Command, DESCRIPTION_UNAVAILABLE, ErrorCode, GetQuery, ListQuery, OkReply, PROTOCOL_VERSION,
    Request, Response, TrackingId, TrackingStatus, UPSD_2_8_0_HELP_TEXT, UPSDESC_UNAVAILABLE,
    ValueKind, VarType,
};
use crate::sock::ServerMessage;

/// Something the caller must do besides sending the reply lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this message to the driver of the UPS with this index.
    ToDriver {
        /// Index in [`ServerState::upses`].
        ups: usize,
        /// The message.
        message: ServerMessage,
    },
    /// Close the connection after sending the reply (`LOGOUT`).
    Close,
    /// Switch the connection to TLS after sending the reply (`STARTTLS`).
    StartTls,
}

/// The answer to one request line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// Response lines, without LF.
    pub lines: Vec<String>,
    /// What else to do, in order, after sending the lines.
    pub actions: Vec<Action>,
}

impl Reply {
    fn one(response: Response) -> Reply {
        Reply {
            lines: vec![response.to_line()],
            actions: Vec::new(),
        }
    }

    fn err(code: ErrorCode) -> Reply {
        Reply::one(Response::error(code))
    }

    fn ok(reply: OkReply) -> Reply {
        Reply::one(Response::Ok(reply))
    }
}

/// The state of one client connection.
#[derive(Debug, Clone)]
pub struct Session {
    id: u64,
    address: String,
    username: Option<String>,
    password: Option<String>,
    logged_in: bool,
    tracking: bool,
    tls: bool,
}

type Answer = Result<Reply, ErrorCode>;

impl Session {
    /// A new session for a client at `address` (shown by `LIST CLIENT`).
    pub fn new(state: &mut ServerState, address: &str) -> Session {
        Session {
            id: state.new_session_id(),
            address: String::from(address),
            username: None,
            password: None,
            logged_in: false,
            tracking: false,
            tls: false,
        }
    }

    /// This session's id (give it to [`ServerState::session_closed`] when it ends).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The client's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Marks the connection as encrypted (after a successful TLS handshake).
    pub fn set_tls(&mut self) {
        self.tls = true;
    }

    /// Answers one tokenized request line. An empty line is `ERR UNKNOWN-COMMAND`, as upsd.
    pub fn handle<S: AsRef<str>>(
        &mut self,
        state: &mut ServerState,
        words: &[S],
        now: Duration,
    ) -> Reply {
        let (command, args) = match Command::split(words) {
            Ok(split) => split,
            Err(error) => return Reply::err(error.error_code()),
        };
        if command.requires_auth() {
            if self.username.is_none() {
                return Reply::err(ErrorCode::UsernameRequired);
            }
            if self.password.is_none() {
                return Reply::err(ErrorCode::PasswordRequired);
            }
        }
        let request = match Request::from_args(command, args) {
            Ok((request, _ignored)) => request,
            Err(error) => return Reply::err(error.error_code()),
        };
        self.answer(state, request, now).unwrap_or_else(Reply::err)
    }

    fn answer(&mut self, state: &mut ServerState, request: Request, now: Duration) -> Answer {
        match request {
            Request::Ver => Ok(Reply::one(Response::Version {
                text: state.settings.version_text.clone(),
            })),
            Request::NetVer | Request::ProtVer => Ok(Reply::one(Response::ProtocolVersion {
                text: String::from(PROTOCOL_VERSION),
            })),
            Request::Help => Ok(Reply::one(Response::Help {
                text: String::from(UPSD_2_8_0_HELP_TEXT),
            })),
            Request::StartTls => self.starttls(state),
            Request::Logout => {
                let mut reply = Reply::ok(OkReply::Goodbye);
                reply.actions.push(Action::Close);
                Ok(reply)
            }
            Request::Username { username } => {
                if self.username.is_some() {
                    return Err(ErrorCode::AlreadySetUsername);
                }
                self.username = Some(username);
                Ok(Reply::ok(OkReply::Plain))
            }
            Request::Password { password } => {
                if self.password.is_some() {
                    return Err(ErrorCode::AlreadySetPassword);
                }
                self.password = Some(String::from(password.expose()));
                Ok(Reply::ok(OkReply::Plain))
            }
            Request::Login { ups } => self.login(state, &ups),
            Request::Primary { ups } => self.primary(state, &ups, OkReply::PrimaryGranted),
            Request::Master { ups } => self.primary(state, &ups, OkReply::MasterGranted),
            Request::Fsd { ups } => {
                let index = known(state, &ups)?;
                self.require(state, |u| u.may(Right::Fsd))?;
                if let Some(entry) = state.ups_mut(index) {
                    entry.fsd = true;
                }
                Ok(Reply::ok(OkReply::FsdSet))
            }
            Request::Get(query) => self.get(state, query),
            Request::List(query) => list(state, query),
            Request::SetVar { ups, var, value } => self.set_var(state, ups, var, value, now),
            Request::SetTracking { enabled } => {
                self.tracking = enabled;
                Ok(Reply::ok(OkReply::Plain))
            }
            Request::InstCmd { ups, cmd, param } => self.instcmd(state, ups, cmd, param, now),
        }
    }

    fn starttls(&mut self, state: &ServerState) -> Answer {
        if self.tls {
            return Err(ErrorCode::AlreadySslMode);
        }
        if !state.settings.tls_available {
            return Err(ErrorCode::FeatureNotConfigured);
        }
        let mut reply = Reply::ok(OkReply::StartTls);
        reply.actions.push(Action::StartTls);
        Ok(reply)
    }

    /// The authenticated user, if the credentials match and `allowed` holds for them.
    fn require(
        &self,
        state: &ServerState,
        allowed: impl Fn(&User) -> bool,
    ) -> Result<(), ErrorCode> {
        let user = state.users.authenticate(
            self.username.as_deref().unwrap_or(""),
            self.password.as_deref().unwrap_or(""),
        );
        match user {
            Some(user) if allowed(user) => Ok(()),
            _ => Err(ErrorCode::AccessDenied),
        }
    }

    fn login(&mut self, state: &mut ServerState, ups: &str) -> Answer {
        if self.logged_in {
            return Err(ErrorCode::AlreadyLoggedIn);
        }
        let index = known(state, ups)?;
        self.require(state, |u| u.may(Right::Login))?;
        state.login(self.id, index, &self.address);
        self.logged_in = true;
        Ok(Reply::ok(OkReply::Plain))
    }

    fn primary(&self, state: &ServerState, ups: &str, granted: OkReply) -> Answer {
        known(state, ups)?;
        self.require(state, |u| u.may(Right::Primary))?;
        Ok(Reply::ok(granted))
    }

    fn get(&self, state: &ServerState, query: GetQuery) -> Answer {
        match query {
            GetQuery::TrackingMode => Ok(Reply::one(Response::TrackingMode {
                enabled: self.tracking,
            })),
            GetQuery::TrackingResult { id } => {
                if !self.tracking {
                    return Err(ErrorCode::FeatureNotConfigured);
                }
                let status = TrackingId::parse(&id)
                    .ok()
                    .and_then(|id| state.tracking_status(&id))
                    .unwrap_or(TrackingStatus::Unknown);
                Ok(Reply::one(Response::TrackingResult(status)))
            }
            GetQuery::NumLogins { ups } => {
                let index = available(state, &ups)?;
                let count = state.numlogins(index);
                Ok(Reply::one(Response::NumLogins { ups, count }))
            }
            GetQuery::UpsDesc { ups } => {
                let index = known(state, &ups)?;
                let description = state
                    .ups(index)
                    .and_then(|u| u.desc.clone())
                    .unwrap_or_else(|| String::from(UPSDESC_UNAVAILABLE));
                Ok(Reply::one(Response::UpsDesc { ups, description }))
            }
            GetQuery::Var { ups, var } => get_var(state, ups, var),
            GetQuery::Type { ups, var } => {
                let index = available(state, &ups)?;
                let variable = variable(state, index, &var)?;
                let var_type = var_type(variable);
                Ok(Reply::one(Response::Type { ups, var, var_type }))
            }
            GetQuery::Desc { ups, var } => {
                available(state, &ups)?;
                let description = String::from(
                    state
                        .settings
                        .var_description(&var)
                        .unwrap_or(DESCRIPTION_UNAVAILABLE),
                );
                Ok(Reply::one(Response::Desc {
                    ups,
                    var,
                    description,
                }))
            }
            GetQuery::CmdDesc { ups, cmd } => {
                available(state, &ups)?;
                let description = String::from(
                    state
                        .settings
                        .cmd_description(&cmd)
                        .unwrap_or(DESCRIPTION_UNAVAILABLE),
                );
                Ok(Reply::one(Response::CmdDesc {
                    ups,
                    cmd,
                    description,
                }))
            }
        }
    }

    fn set_var(
        &self,
        state: &mut ServerState,
        ups: String,
        var: String,
        value: String,
        now: Duration,
    ) -> Answer {
        let index = available(state, &ups)?;
        self.require(state, |u| u.may(Right::Set))?;
        let variable = variable(state, index, &var)?;
        check_settable(variable, &value)?;
        let tracking = self.tracking.then(|| state.new_tracking(now));
        let message = ServerMessage::Set {
            var,
            value,
            tracking: tracking.map(|id| alloc::format!("{id}")),
        };
        Ok(to_driver(index, message, tracking))
    }

    fn instcmd(
        &self,
        state: &mut ServerState,
        ups: String,
        cmd: String,
        param: Option<String>,
        now: Duration,
    ) -> Answer {
        let index = available(state, &ups)?;
        if !state.ups(index).is_some_and(|u| u.tree.has_command(&cmd)) {
            return Err(ErrorCode::CmdNotSupported);
        }
        self.require(state, |u| u.may_instcmd(&cmd))?;
        let tracking = self.tracking.then(|| state.new_tracking(now));
        let message = ServerMessage::InstCmd {
            cmd,
            param,
            tracking: tracking.map(|id| alloc::format!("{id}")),
        };
        Ok(to_driver(index, message, tracking))
    }
}

fn to_driver(ups: usize, message: ServerMessage, tracking: Option<TrackingId>) -> Reply {
    let mut reply = Reply::ok(match tracking {
        Some(id) => OkReply::Tracking(id),
        None => OkReply::Plain,
    });
    reply.actions.push(Action::ToDriver { ups, message });
    reply
}

/// `SET VAR` checks after the variable was found: RW, string length, enum, ranges.
fn check_settable(variable: &Variable, value: &str) -> Result<(), ErrorCode> {
    let flags = variable.flags();
    if !flags.contains(VarFlags::RW) {
        return Err(ErrorCode::Readonly);
    }
    if flags.contains(VarFlags::STRING) {
        let aux = variable.aux();
        if aux < 1 {
            return Err(ErrorCode::SetFailed);
        }
        if i64::try_from(value.len()).unwrap_or(i64::MAX) > aux {
            return Err(ErrorCode::TooLong);
        }
    }
    if !variable.enums().is_empty() && !variable.enums().iter().any(|e| e == value) {
        return Err(ErrorCode::InvalidValue);
    }
    if !variable.ranges().is_empty() {
        let number = parse_c_int(value);
        if !variable
            .ranges()
            .iter()
            .any(|r| (r.min..=r.max).contains(&number))
        {
            return Err(ErrorCode::InvalidValue);
        }
    }
    Ok(())
}

/// `UNKNOWN-UPS` unless the UPS is configured.
fn known(state: &ServerState, ups: &str) -> Result<usize, ErrorCode> {
    state.find(ups).ok_or(ErrorCode::UnknownUps)
}

/// [`known`], then upsd's availability check: `DRIVER-NOT-CONNECTED`, `DATA-STALE`.
fn available(state: &ServerState, ups: &str) -> Result<usize, ErrorCode> {
    let index = known(state, ups)?;
    match state.ups(index) {
        Some(entry) if !entry.connected => Err(ErrorCode::DriverNotConnected),
        Some(entry) if entry.stale => Err(ErrorCode::DataStale),
        Some(_) => Ok(index),
        None => Err(ErrorCode::UnknownUps),
    }
}

fn variable<'a>(
    state: &'a ServerState,
    index: usize,
    var: &str,
) -> Result<&'a Variable, ErrorCode> {
    state
        .ups(index)
        .and_then(|u| u.tree.get(var))
        .ok_or(ErrorCode::VarNotSupported)
}

fn var_type(variable: &Variable) -> VarType {
    let flags = variable.flags();
    VarType {
        writable: flags.contains(VarFlags::RW),
        enumerated: !variable.enums().is_empty(),
        ranged: !variable.ranges().is_empty(),
        kind: if flags.contains(VarFlags::STRING) {
            ValueKind::String {
                max_len: variable.aux(),
            }
        } else {
            ValueKind::Number
        },
    }
}

/// The value a client reads: `ups.status` carries the FSD latch.
fn served_value(state: &ServerState, index: usize, variable: &Variable) -> String {
    let fsd = state.ups(index).is_some_and(|u| u.fsd);
    if fsd && variable.name().eq_ignore_ascii_case("ups.status") {
        with_fsd_prefix(variable.value())
    } else {
        String::from(variable.value())
    }
}

fn get_var(state: &ServerState, ups: String, var: String) -> Answer {
    if var
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("server."))
    {
        let (name, value) = if var.eq_ignore_ascii_case("server.info") {
            ("server.info", state.settings.version_text.clone())
        } else if var.eq_ignore_ascii_case("server.version") {
            ("server.version", state.settings.version.clone())
        } else {
            return Err(ErrorCode::VarNotSupported);
        };
        return Ok(Reply::one(Response::Var {
            ups,
            var: String::from(name),
            value,
        }));
    }
    let index = available(state, &ups)?;
    let variable = variable(state, index, &var)?;
    let value = served_value(state, index, variable);
    Ok(Reply::one(Response::Var { ups, var, value }))
}

fn list(state: &ServerState, query: ListQuery) -> Answer {
    let mut items: Vec<Response> = Vec::new();
    match &query {
        ListQuery::Ups => {
            for (_, entry) in state.active_upses() {
                items.push(Response::Ups {
                    ups: entry.name.clone(),
                    description: entry
                        .desc
                        .clone()
                        .unwrap_or_else(|| String::from(DESCRIPTION_UNAVAILABLE)),
                });
            }
        }
        ListQuery::Var { ups } | ListQuery::Rw { ups } => {
            let index = available(state, ups)?;
            let rw_only = matches!(query, ListQuery::Rw { .. });
            for variable in state.ups(index).iter().flat_map(|u| u.tree.variables()) {
                if rw_only && !variable.flags().contains(VarFlags::RW) {
                    continue;
                }
                let ups = ups.clone();
                let var = String::from(variable.name());
                let value = served_value(state, index, variable);
                items.push(if rw_only {
                    Response::Rw { ups, var, value }
                } else {
                    Response::Var { ups, var, value }
                });
            }
        }
        ListQuery::Cmd { ups } => {
            let index = available(state, ups)?;
            for cmd in state.ups(index).iter().flat_map(|u| u.tree.commands()) {
                items.push(Response::Cmd {
                    ups: ups.clone(),
                    cmd: String::from(cmd),
                });
            }
        }
        ListQuery::Enum { ups, var } => {
            let index = available(state, ups)?;
            for value in variable(state, index, var)?.enums() {
                items.push(Response::Enum {
                    ups: ups.clone(),
                    var: var.clone(),
                    value: value.clone(),
                });
            }
        }
        ListQuery::Range { ups, var } => {
            let index = available(state, ups)?;
            for range in variable(state, index, var)?.ranges() {
                items.push(Response::Range {
                    ups: ups.clone(),
                    var: var.clone(),
                    range: *range,
                });
            }
        }
        ListQuery::Client { ups } => {
            let index = known(state, ups)?;
            for address in state.clients(index) {
                items.push(Response::Client {
                    ups: ups.clone(),
                    address: String::from(address),
                });
            }
        }
    }
    let mut lines = Vec::with_capacity(items.len() + 2);
    lines.push(Response::BeginList(query.clone()).to_line());
    lines.extend(items.iter().map(Response::to_line));
    lines.push(Response::EndList(query).to_line());
    Ok(Reply {
        lines,
        actions: Vec::new(),
    })
}
