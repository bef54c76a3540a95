//! The protocol core without I/O: what to send for a request, and how the answer's lines are
//! collected and checked. Both faces ([`crate::blocking`], [`crate::Client`]) only move bytes.

use std::collections::VecDeque;
use std::time::Duration;

use nut_protocol::net::{ErrorCode, GetQuery, ListQuery, Request, Response, Secret};

use crate::ClientError;
use crate::tls::TlsOptions;

/// Longest answer line accepted (NUT's own buffer is 512 bytes).
pub const MAX_LINE_LEN: usize = 4096;
/// Most items accepted in one list.
pub const MAX_LIST_ITEMS: usize = 100_000;

/// Connection options: timeouts, STARTTLS, keep-alive and reconnection.
///
/// The default connects in clear text with 10 s timeouts, no keep-alive and no automatic
/// reconnection (what a one-shot tool wants); [`Options::long_lived`] suits a monitor.
///
/// ```
/// use std::time::Duration;
/// use nut_client::{Options, Reconnect};
/// let options = Options::long_lived().timeout(Duration::from_secs(5));
/// assert_eq!(options.keepalive, Some(Duration::from_secs(30)));
/// assert!(options.reconnect.is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    /// Time allowed to connect (each address, and the TLS handshake).
    pub connect_timeout: Duration,
    /// Time allowed for each answer.
    pub timeout: Duration,
    /// STARTTLS right after connecting, with these settings.
    pub tls: Option<TlsOptions>,
    /// Never lets the connection be silent longer than this (sends `NETVER`), so upsd
    /// (which drops clients silent for 60 s) keeps it.
    pub keepalive: Option<Duration>,
    /// Reconnects (with back-off, logging in again) when the connection breaks.
    pub reconnect: Option<Reconnect>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(10),
            tls: None,
            keepalive: None,
            reconnect: None,
        }
    }
}

impl Options {
    /// For a connection held for long: keep-alive every 30 s and automatic reconnection
    /// ([`Reconnect::default`]).
    pub fn long_lived() -> Options {
        Options {
            keepalive: Some(Duration::from_secs(30)),
            reconnect: Some(Reconnect::default()),
            ..Options::default()
        }
    }

    /// With this answer timeout.
    pub fn timeout(mut self, timeout: Duration) -> Options {
        self.timeout = timeout;
        self
    }

    /// With this connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Options {
        self.connect_timeout = timeout;
        self
    }

    /// With STARTTLS.
    pub fn tls(mut self, tls: TlsOptions) -> Options {
        self.tls = Some(tls);
        self
    }

    /// With (or without) keep-alive.
    pub fn keepalive(mut self, every: Option<Duration>) -> Options {
        self.keepalive = every;
        self
    }

    /// With (or without) automatic reconnection.
    pub fn reconnect(mut self, reconnect: Option<Reconnect>) -> Options {
        self.reconnect = reconnect;
        self
    }
}

/// How a broken connection is re-established: up to `attempts` tries, waiting
/// `first_backoff` after the first failure and twice as long after each next one, at most
/// `max_backoff`.
///
/// ```
/// use std::time::Duration;
/// let policy = nut_client::Reconnect::default();
/// assert_eq!(policy.backoff(0), Duration::ZERO);
/// assert_eq!(policy.backoff(1), Duration::from_millis(100));
/// assert_eq!(policy.backoff(2), Duration::from_millis(200));
/// assert_eq!(policy.backoff(30), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Tries per reconnection.
    pub attempts: u32,
    /// Wait after the first failed try.
    pub first_backoff: Duration,
    /// Longest wait between tries.
    pub max_backoff: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            attempts: 6,
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl Reconnect {
    /// The wait before try number `attempt` (0 for the first).
    pub fn backoff(&self, attempt: u32) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
        self.first_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// What a connection has said that must be said again after reconnecting: the user name
/// and password, `SET TRACKING ON`, and every `LOGIN` and `PRIMARY`/`MASTER`.
///
/// ```
/// use nut_client::exchange::SessionMemory;
/// use nut_protocol::net::{Request, Secret};
/// let mut memory = SessionMemory::default();
/// memory.note(&Request::Username { username: "monuser".into() });
/// memory.note(&Request::Password { password: Secret::new("monpass") });
/// memory.note(&Request::Login { ups: "ups".into() });
/// let replay: Vec<String> = memory.replay().iter().map(Request::to_line).collect();
/// assert_eq!(replay, ["USERNAME monuser", "PASSWORD monpass", "LOGIN ups"]);
/// assert!(!format!("{memory:?}").contains("monpass"));
/// ```
#[derive(Debug, Default, Clone)]
pub struct SessionMemory {
    username: Option<String>,
    password: Option<Secret>,
    tracking: bool,
    logins: Vec<String>,
    primaries: Vec<Request>,
}

impl SessionMemory {
    /// Remembers `request` after the server accepted it.
    pub fn note(&mut self, request: &Request) {
        match request {
            Request::Username { username } => self.username = Some(username.clone()),
            Request::Password { password } => self.password = Some(password.clone()),
            Request::SetTracking { enabled } => self.tracking = *enabled,
            Request::Login { ups } if !self.logins.contains(ups) => self.logins.push(ups.clone()),
            Request::Primary { .. } | Request::Master { .. }
                if !self.primaries.contains(request) =>
            {
                self.primaries.push(request.clone())
            }
            Request::Logout => *self = SessionMemory::default(),
            _ => {}
        }
    }

    /// The requests that bring a new connection to the same point, in order.
    pub fn replay(&self) -> Vec<Request> {
        let mut requests = Vec::new();
        if let Some(username) = &self.username {
            requests.push(Request::Username {
                username: username.clone(),
            });
        }
        if let Some(password) = &self.password {
            requests.push(Request::Password {
                password: password.clone(),
            });
        }
        if self.tracking {
            requests.push(Request::SetTracking { enabled: true });
        }
        requests.extend(
            self.logins
                .iter()
                .map(|ups| Request::Login { ups: ups.clone() }),
        );
        requests.extend(self.primaries.iter().cloned());
        requests
    }
}

/// Whether `request` may be sent again after the connection broke before its answer: only
/// questions (`GET`, `LIST`, `VER`, …), never a change (`SET`, `INSTCMD`, `FSD`, …).
pub fn is_question(request: &Request) -> bool {
    matches!(
        request,
        Request::Get(_)
            | Request::List(_)
            | Request::Ver
            | Request::NetVer
            | Request::ProtVer
            | Request::Help
    )
}

/// Whether `error` leaves the connection unusable (anything but an `ERR` answer: after a
/// timeout or a garbled answer the stream is out of step).
pub fn breaks_connection(error: &ClientError) -> bool {
    !matches!(error, ClientError::Server(_))
}

/// What STARTTLS's answer means for the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsStart {
    /// `OK STARTTLS`: hand the socket to TLS now.
    Handshake,
    /// The server has no TLS and it is not required: carry on in clear text.
    Clear,
}

/// Reads the answer to `STARTTLS` under `tls`.
pub fn tls_start(
    answer: Result<Answer, ClientError>,
    tls: &TlsOptions,
) -> Result<TlsStart, ClientError> {
    match answer {
        Ok(answer) => expect_ok(answer).map(|_| TlsStart::Handshake),
        Err(ClientError::Server(ErrorCode::FeatureNotConfigured)) if !tls.is_required() => {
            Ok(TlsStart::Clear)
        }
        Err(ClientError::Server(ErrorCode::FeatureNotConfigured)) => Err(ClientError::TlsRequired),
        Err(other) => Err(other),
    }
}

/// Collects the answers of several requests sent back to back (pipelining): upsd answers
/// in order, so each line belongs to the oldest request still unanswered.
#[derive(Debug)]
pub struct Pipeline {
    waiting: VecDeque<Pending>,
    answers: Vec<Result<Answer, ClientError>>,
}

impl Pipeline {
    /// The lines to send (all at once) and the collector of their answers. Requests that
    /// change the connection itself (`STARTTLS`, `LOGOUT`) cannot be pipelined.
    pub fn new(requests: Vec<Request>) -> Result<(String, Pipeline), ClientError> {
        let mut lines = String::new();
        let mut waiting = VecDeque::with_capacity(requests.len());
        for request in requests {
            if matches!(request, Request::StartTls | Request::Logout) {
                return Err(ClientError::Protocol(format!(
                    "{} cannot be pipelined",
                    request.to_line()
                )));
            }
            lines.push_str(&request_line(&request));
            waiting.push_back(Pending::new(request));
        }
        let answers = Vec::with_capacity(waiting.len());
        Ok((lines, Pipeline { waiting, answers }))
    }

    /// Feeds one received line; `true` once every request is answered. An `ERR` is that
    /// request's answer; a line that fits no request is an error for the whole pipeline.
    pub fn line(&mut self, line: &[u8]) -> Result<bool, ClientError> {
        let Some(front) = self.waiting.front_mut() else {
            return Err(ClientError::Protocol(String::from(
                "answer line with nothing asked",
            )));
        };
        let answer = match front.line(line) {
            Ok(None) => return Ok(false),
            Ok(Some(answer)) => Ok(answer),
            Err(error @ ClientError::Server(_)) => Err(error),
            Err(error) => return Err(error),
        };
        self.waiting.pop_front();
        self.answers.push(answer);
        Ok(self.waiting.is_empty())
    }

    /// Whether every request is answered.
    pub fn is_done(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The answers, in the order of the requests.
    pub fn into_answers(self) -> Vec<Result<Answer, ClientError>> {
        self.answers
    }
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A one-line answer.
    Line(Response),
    /// The items of a `BEGIN LIST` … `END LIST` block.
    List(Vec<Response>),
}

/// The line to send for `request` (with LF).
pub fn request_line(request: &Request) -> String {
    let mut line = request.to_line();
    line.push('\n');
    line
}

/// Collects the answer to one request from the lines that arrive.
#[derive(Debug)]
pub struct Pending {
    request: Request,
    list: Option<Vec<Response>>,
}

impl Pending {
    /// Waits for the answer to `request`.
    pub fn new(request: Request) -> Pending {
        Pending {
            request,
            list: None,
        }
    }

    /// Feeds one received line (without LF); `Some` once the answer is complete.
    pub fn line(&mut self, line: &[u8]) -> Result<Option<Answer>, ClientError> {
        if line.len() > MAX_LINE_LEN {
            return Err(ClientError::Protocol(format!(
                "answer line of {} bytes",
                line.len()
            )));
        }
        let response = Response::parse_for(&self.request, line)
            .map_err(|e| ClientError::Protocol(format!("{e}")))?;
        if !echoes(&self.request, &response) {
            return Err(ClientError::Protocol(format!(
                "{} does not answer {}",
                response.to_line(),
                self.request.to_line()
            )));
        }
        match (&mut self.list, response) {
            (None, Response::Err { code, .. }) => Err(ClientError::Server(code)),
            (None, Response::BeginList(query)) => {
                self.expect_list(&query)?;
                self.list = Some(Vec::new());
                Ok(None)
            }
            (None, response) => Ok(Some(Answer::Line(response))),
            (Some(_), Response::EndList(query)) => {
                self.expect_list(&query)?;
                Ok(self.list.take().map(Answer::List))
            }
            (Some(items), item) => {
                if items.len() >= MAX_LIST_ITEMS {
                    return Err(ClientError::Protocol(String::from("list too long")));
                }
                items.push(item);
                Ok(None)
            }
        }
    }

    fn expect_list(&self, query: &ListQuery) -> Result<(), ClientError> {
        match &self.request {
            Request::List(asked) if same_query(asked, query) => Ok(()),
            _ => Err(ClientError::Protocol(format!(
                "list {} does not answer {}",
                Response::BeginList(query.clone()).to_line(),
                self.request.to_line()
            ))),
        }
    }
}

/// Whether the names `response` echoes are those `request` asked about (upsd echoes them
/// as sent; compared without case). Kinds are checked by the parser.
fn echoes(request: &Request, response: &Response) -> bool {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match (request, response) {
        (Request::Get(GetQuery::Var { ups, var }), Response::Var { ups: u, var: v, .. })
        | (Request::Get(GetQuery::Type { ups, var }), Response::Type { ups: u, var: v, .. })
        | (Request::Get(GetQuery::Desc { ups, var }), Response::Desc { ups: u, var: v, .. })
        | (
            Request::Get(GetQuery::CmdDesc { ups, cmd: var }),
            Response::CmdDesc { ups: u, cmd: v, .. },
        )
        | (Request::List(ListQuery::Enum { ups, var }), Response::Enum { ups: u, var: v, .. })
        | (Request::List(ListQuery::Range { ups, var }), Response::Range { ups: u, var: v, .. }) => {
            same(ups, u) && same(var, v)
        }
        (Request::Get(GetQuery::UpsDesc { ups }), Response::UpsDesc { ups: u, .. })
        | (Request::Get(GetQuery::NumLogins { ups }), Response::NumLogins { ups: u, .. })
        | (Request::List(ListQuery::Var { ups }), Response::Var { ups: u, .. })
        | (Request::List(ListQuery::Rw { ups }), Response::Rw { ups: u, .. })
        | (Request::List(ListQuery::Cmd { ups }), Response::Cmd { ups: u, .. })
        | (Request::List(ListQuery::Client { ups }), Response::Client { ups: u, .. }) => {
            same(ups, u)
        }
        _ => true,
    }
}

fn same_query(a: &ListQuery, b: &ListQuery) -> bool {
    Response::BeginList(a.clone())
        .to_line()
        .eq_ignore_ascii_case(&Response::BeginList(b.clone()).to_line())
}

/// An `OK…` answer, or the error.
pub fn expect_ok(answer: Answer) -> Result<Response, ClientError> {
    match answer {
        Answer::Line(response @ Response::Ok(_)) => Ok(response),
        other => Err(unexpected(&other)),
    }
}

/// The error for an answer of the wrong kind.
pub fn unexpected(answer: &Answer) -> ClientError {
    ClientError::Protocol(format!("unexpected answer {answer:?}"))
}

/// Maps a server error code that means "no such thing" to `None`.
pub fn not_supported(error: ClientError) -> Result<Option<String>, ClientError> {
    match error {
        ClientError::Server(ErrorCode::VarNotSupported) => Ok(None),
        other => Err(other),
    }
}
