//! The protocol core without I/O: what to send for a request, and how the answer's lines are
//! collected and checked. Both faces ([`crate::blocking`], [`crate::Client`]) only move bytes.
//!
//! ```
//! use nut_client::exchange::{Answer, Pending, request_line};
//! use nut_client::{GetQuery, Request, Response};
//! let request = Request::Get(GetQuery::Var { ups: "ups".into(), var: "ups.status".into() });
//! assert_eq!(request_line(&request), "GET VAR ups ups.status\n"); // what to send
//! let mut pending = Pending::new(request);
//! let answer = pending.line(b"VAR ups ups.status \"OL\"").unwrap(); // what came back
//! assert!(matches!(answer, Some(Answer::Line(Response::Var { value, .. })) if value == "OL"));
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use nut_protocol::net::{ErrorCode, GetQuery, ListQuery, Request, Response, Secret};

use crate::ClientError;
use crate::tls::TlsOptions;

/// Longest answer line accepted (NUT's own buffer is 512 bytes).
///
/// ```
/// use nut_client::exchange::{MAX_LINE_LEN, Pending};
/// use nut_client::{ClientError, Request};
/// let mut line = b"1.3".to_vec();
/// line.resize(MAX_LINE_LEN + 1, b' ');
/// let mut pending = Pending::new(Request::NetVer);
/// assert!(matches!(pending.line(&line), Err(ClientError::Protocol(_))));
/// ```
pub const MAX_LINE_LEN: usize = 4096;
/// Most items accepted in one list.
///
/// ```
/// use nut_client::exchange::{MAX_LIST_ITEMS, Pending};
/// use nut_client::{ClientError, ListQuery, Request};
/// let mut pending = Pending::new(Request::List(ListQuery::Cmd { ups: "ups".into() }));
/// pending.line(b"BEGIN LIST CMD ups").unwrap();
/// for _ in 0..MAX_LIST_ITEMS {
///     assert_eq!(pending.line(b"CMD ups beeper.on").unwrap(), None);
/// }
/// let error = pending.line(b"CMD ups beeper.on").unwrap_err();
/// assert_eq!(error.to_string(), "Protocol error: list too long");
/// ```
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use nut_client::{Options, Reconnect};
    /// let options = Options::long_lived();
    /// assert_eq!(options.keepalive, Some(Duration::from_secs(30)));
    /// assert_eq!(options.reconnect, Some(Reconnect::default()));
    /// assert_eq!(options.timeout, Options::default().timeout);
    /// ```
    pub fn long_lived() -> Options {
        Options {
            keepalive: Some(Duration::from_secs(30)),
            reconnect: Some(Reconnect::default()),
            ..Options::default()
        }
    }

    /// With this answer timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = nut_client::Options::default().timeout(Duration::from_secs(2));
    /// assert_eq!(options.timeout, Duration::from_secs(2));
    /// assert_eq!(options.connect_timeout, Duration::from_secs(10));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Options {
        self.timeout = timeout;
        self
    }

    /// With this connect timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = nut_client::Options::default().connect_timeout(Duration::from_secs(3));
    /// assert_eq!(options.connect_timeout, Duration::from_secs(3));
    /// assert_eq!(options.timeout, Duration::from_secs(10));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Options {
        self.connect_timeout = timeout;
        self
    }

    /// With STARTTLS.
    ///
    /// ```
    /// use nut_client::{Options, tls::TlsOptions};
    /// let options = Options::default().tls(TlsOptions::insecure().required(true));
    /// assert!(options.tls.is_some_and(|tls| tls.is_required()));
    /// assert!(Options::default().tls.is_none());
    /// ```
    pub fn tls(mut self, tls: TlsOptions) -> Options {
        self.tls = Some(tls);
        self
    }

    /// With (or without) keep-alive.
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = nut_client::Options::long_lived().keepalive(None);
    /// assert_eq!(options.keepalive, None);
    /// let options = options.keepalive(Some(Duration::from_secs(20)));
    /// assert_eq!(options.keepalive, Some(Duration::from_secs(20)));
    /// ```
    pub fn keepalive(mut self, every: Option<Duration>) -> Options {
        self.keepalive = every;
        self
    }

    /// With (or without) automatic reconnection.
    ///
    /// ```
    /// use nut_client::{Options, Reconnect};
    /// let patient = Reconnect { attempts: 20, ..Reconnect::default() };
    /// let options = Options::default().reconnect(Some(patient));
    /// assert_eq!(options.reconnect.map(|policy| policy.attempts), Some(20));
    /// assert!(Options::long_lived().reconnect(None).reconnect.is_none());
    /// ```
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use nut_client::Reconnect;
    /// let policy = Reconnect {
    ///     attempts: 4,
    ///     first_backoff: Duration::from_secs(1),
    ///     max_backoff: Duration::from_secs(3),
    /// };
    /// let waits: Vec<u64> = (0..4).map(|n| policy.backoff(n).as_secs()).collect();
    /// assert_eq!(waits, [0, 1, 2, 3]);
    /// assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(3));
    /// ```
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
    ///
    /// ```
    /// use nut_client::exchange::SessionMemory;
    /// use nut_client::Request;
    /// let mut memory = SessionMemory::default();
    /// memory.note(&Request::Login { ups: "ups".into() });
    /// memory.note(&Request::Login { ups: "ups".into() }); // remembered once
    /// memory.note(&Request::Ver); // nothing to replay
    /// assert_eq!(memory.replay(), [Request::Login { ups: "ups".into() }]);
    /// memory.note(&Request::Logout); // forgets the session
    /// assert!(memory.replay().is_empty());
    /// ```
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
    ///
    /// ```
    /// use nut_client::exchange::SessionMemory;
    /// use nut_client::Request;
    /// let mut memory = SessionMemory::default();
    /// memory.note(&Request::Primary { ups: "ups".into() });
    /// memory.note(&Request::SetTracking { enabled: true });
    /// memory.note(&Request::Username { username: "admin".into() });
    /// let lines: Vec<String> = memory.replay().iter().map(Request::to_line).collect();
    /// assert_eq!(lines, ["USERNAME admin", "SET TRACKING ON", "PRIMARY ups"]);
    /// ```
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
///
/// ```
/// use nut_client::exchange::is_question;
/// use nut_client::{ListQuery, Request};
/// assert!(is_question(&Request::List(ListQuery::Ups)));
/// assert!(is_question(&Request::NetVer));
/// assert!(!is_question(&Request::Fsd { ups: "ups".into() }));
/// assert!(!is_question(&Request::Login { ups: "ups".into() }));
/// ```
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
///
/// ```
/// use nut_client::ClientError;
/// use nut_client::exchange::breaks_connection;
/// use nut_protocol::net::ErrorCode;
/// assert!(!breaks_connection(&ClientError::Server(ErrorCode::UnknownUps)));
/// assert!(breaks_connection(&ClientError::Timeout));
/// assert!(breaks_connection(&ClientError::Protocol("garbled".into())));
/// ```
pub fn breaks_connection(error: &ClientError) -> bool {
    !matches!(error, ClientError::Server(_))
}

/// What STARTTLS's answer means for the connection.
///
/// ```
/// use nut_client::exchange::{Answer, TlsStart, tls_start};
/// use nut_client::{Response, tls::TlsOptions};
/// use nut_protocol::net::OkReply;
/// let ok = Answer::Line(Response::Ok(OkReply::StartTls));
/// assert_eq!(tls_start(Ok(ok), &TlsOptions::insecure()).unwrap(), TlsStart::Handshake);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsStart {
    /// `OK STARTTLS`: hand the socket to TLS now.
    Handshake,
    /// The server has no TLS and it is not required: carry on in clear text.
    Clear,
}

/// Reads the answer to `STARTTLS` under `tls`: a upsd without a certificate
/// (`ERR FEATURE-NOT-CONFIGURED`) or built without TLS (`ERR FEATURE-NOT-SUPPORTED`) leaves
/// the connection in clear text unless TLS is required.
///
/// ```
/// use nut_client::exchange::{TlsStart, tls_start};
/// use nut_client::{ClientError, tls::TlsOptions};
/// use nut_protocol::net::ErrorCode;
/// let no_tls = || Err(ClientError::Server(ErrorCode::FeatureNotConfigured));
/// let optional = TlsOptions::insecure();
/// assert_eq!(tls_start(no_tls(), &optional).unwrap(), TlsStart::Clear);
/// let required = TlsOptions::insecure().required(true);
/// assert!(matches!(tls_start(no_tls(), &required), Err(ClientError::TlsRequired)));
/// let built_without = || Err(ClientError::Server(ErrorCode::FeatureNotSupported));
/// assert_eq!(tls_start(built_without(), &optional).unwrap(), TlsStart::Clear);
/// assert!(matches!(tls_start(built_without(), &required), Err(ClientError::TlsRequired)));
/// ```
pub fn tls_start(
    answer: Result<Answer, ClientError>,
    tls: &TlsOptions,
) -> Result<TlsStart, ClientError> {
    match answer {
        Ok(answer) => expect_ok(answer).map(|_| TlsStart::Handshake),
        Err(ClientError::Server(
            ErrorCode::FeatureNotConfigured | ErrorCode::FeatureNotSupported,
        )) if !tls.is_required() => Ok(TlsStart::Clear),
        Err(ClientError::Server(
            ErrorCode::FeatureNotConfigured | ErrorCode::FeatureNotSupported,
        )) => Err(ClientError::TlsRequired),
        Err(other) => Err(other),
    }
}

/// Collects the answers of several requests sent back to back (pipelining): upsd answers
/// in order, so each line belongs to the oldest request still unanswered.
///
/// ```
/// use nut_client::exchange::{Answer, Pipeline};
/// use nut_client::{ClientError, GetQuery, Request};
/// let get = |var: &str| Request::Get(GetQuery::Var { ups: "ups".into(), var: var.into() });
/// let (lines, mut pipeline) = Pipeline::new(vec![get("ups.status"), get("no.such")])?;
/// assert_eq!(lines, "GET VAR ups ups.status\nGET VAR ups no.such\n");
/// assert!(!pipeline.line(b"VAR ups ups.status \"OB LB\"")?);
/// assert!(pipeline.line(b"ERR VAR-NOT-SUPPORTED")?);
/// let answers = pipeline.into_answers();
/// assert!(matches!(answers[0], Ok(Answer::Line(_))));
/// assert!(matches!(answers[1], Err(ClientError::Server(_))));
/// # Ok::<(), ClientError>(())
/// ```
#[derive(Debug)]
pub struct Pipeline {
    waiting: VecDeque<Pending>,
    answers: Vec<Result<Answer, ClientError>>,
}

impl Pipeline {
    /// The lines to send (all at once) and the collector of their answers. Requests that
    /// change the connection itself (`STARTTLS`, `LOGOUT`) cannot be pipelined.
    ///
    /// ```
    /// use nut_client::exchange::Pipeline;
    /// use nut_client::Request;
    /// let (lines, pipeline) = Pipeline::new(vec![Request::Ver, Request::NetVer]).unwrap();
    /// assert_eq!(lines, "VER\nNETVER\n");
    /// assert!(!pipeline.is_done());
    /// assert!(Pipeline::new(vec![Request::Ver, Request::StartTls]).is_err());
    /// ```
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
    ///
    /// ```
    /// use nut_client::exchange::Pipeline;
    /// use nut_client::{ListQuery, Request};
    /// let list = Request::List(ListQuery::Var { ups: "ups".into() });
    /// let (_, mut pipeline) = Pipeline::new(vec![list, Request::NetVer]).unwrap();
    /// assert!(!pipeline.line(b"BEGIN LIST VAR ups").unwrap());
    /// assert!(!pipeline.line(b"VAR ups ups.status \"OL\"").unwrap());
    /// assert!(!pipeline.line(b"END LIST VAR ups").unwrap());
    /// assert!(pipeline.line(b"1.3").unwrap()); // NETVER's answer: all done
    /// assert!(pipeline.line(b"1.3").is_err()); // nothing more was asked
    /// ```
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
    ///
    /// ```
    /// use nut_client::exchange::Pipeline;
    /// use nut_client::Request;
    /// let (_, mut pipeline) = Pipeline::new(vec![Request::NetVer]).unwrap();
    /// assert!(!pipeline.is_done());
    /// pipeline.line(b"1.3").unwrap();
    /// assert!(pipeline.is_done());
    /// assert!(Pipeline::new(Vec::new()).unwrap().1.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The answers, in the order of the requests.
    ///
    /// ```
    /// use nut_client::exchange::{Answer, Pipeline};
    /// use nut_client::{Request, Response};
    /// let (_, mut pipeline) = Pipeline::new(vec![Request::NetVer, Request::Help]).unwrap();
    /// pipeline.line(b"1.3").unwrap();
    /// pipeline.line(b"Commands: HELP VER").unwrap();
    /// let answers: Vec<Answer> = pipeline.into_answers().into_iter().map(Result::unwrap).collect();
    /// assert_eq!(answers[0], Answer::Line(Response::ProtocolVersion { text: "1.3".into() }));
    /// assert_eq!(answers[1], Answer::Line(Response::Help { text: "Commands: HELP VER".into() }));
    /// ```
    pub fn into_answers(self) -> Vec<Result<Answer, ClientError>> {
        self.answers
    }
}

/// A complete answer.
///
/// ```
/// use nut_client::exchange::{Answer, Pending};
/// use nut_client::{ListQuery, Request, Response};
/// let mut pending = Pending::new(Request::List(ListQuery::Ups));
/// assert_eq!(pending.line(b"BEGIN LIST UPS").unwrap(), None);
/// assert_eq!(pending.line(b"UPS ups \"Demo UPS\"").unwrap(), None);
/// let answer = pending.line(b"END LIST UPS").unwrap();
/// let ups = Response::Ups { ups: "ups".into(), description: "Demo UPS".into() };
/// assert_eq!(answer, Some(Answer::List(vec![ups])));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A one-line answer.
    Line(Response),
    /// The items of a `BEGIN LIST` … `END LIST` block.
    List(Vec<Response>),
}

/// The line to send for `request` (with LF).
///
/// ```
/// use nut_client::exchange::request_line;
/// use nut_client::Request;
/// assert_eq!(request_line(&Request::Login { ups: "ups".into() }), "LOGIN ups\n");
/// assert_eq!(request_line(&Request::Ver), "VER\n");
/// ```
pub fn request_line(request: &Request) -> String {
    let mut line = request.to_line();
    line.push('\n');
    line
}

/// Collects the answer to one request from the lines that arrive.
///
/// ```
/// use nut_client::exchange::{Answer, Pending};
/// use nut_client::{GetQuery, Request, Response};
/// let get = Request::Get(GetQuery::Var { ups: "ups".into(), var: "ups.status".into() });
/// let mut pending = Pending::new(get);
/// let answer = pending.line(b"VAR ups ups.status \"OL\"").unwrap();
/// let status = Response::Var { ups: "ups".into(), var: "ups.status".into(), value: "OL".into() };
/// assert_eq!(answer, Some(Answer::Line(status)));
/// ```
#[derive(Debug)]
pub struct Pending {
    request: Request,
    list: Option<Vec<Response>>,
}

impl Pending {
    /// Waits for the answer to `request`.
    ///
    /// ```
    /// use nut_client::exchange::{Answer, Pending};
    /// use nut_client::{Request, Response};
    /// let mut pending = Pending::new(Request::Ver);
    /// let answer = pending.line(b"Network UPS Tools upsd 2.8.0").unwrap();
    /// let text = "Network UPS Tools upsd 2.8.0".to_string();
    /// assert_eq!(answer, Some(Answer::Line(Response::Version { text })));
    /// ```
    pub fn new(request: Request) -> Pending {
        Pending {
            request,
            list: None,
        }
    }

    /// Feeds one received line (without LF); `Some` once the answer is complete.
    ///
    /// ```
    /// use nut_client::exchange::Pending;
    /// use nut_client::{ClientError, GetQuery, Request};
    /// use nut_protocol::net::ErrorCode;
    /// let get = || Request::Get(GetQuery::Var { ups: "ups".into(), var: "ups.status".into() });
    /// // An ERR answer is the server's refusal...
    /// let refused = Pending::new(get()).line(b"ERR UNKNOWN-UPS").unwrap_err();
    /// assert_eq!(refused.code(), Some(&ErrorCode::UnknownUps));
    /// // ...and an answer about another variable is not taken for this one.
    /// let wrong = Pending::new(get()).line(b"VAR ups battery.charge \"100\"");
    /// assert!(matches!(wrong, Err(ClientError::Protocol(_))));
    /// ```
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
///
/// ```
/// use nut_client::exchange::{Answer, expect_ok};
/// use nut_client::Response;
/// assert_eq!(expect_ok(Answer::Line(Response::ok())).unwrap(), Response::ok());
/// assert!(expect_ok(Answer::List(Vec::new())).is_err());
/// ```
pub fn expect_ok(answer: Answer) -> Result<Response, ClientError> {
    match answer {
        Answer::Line(response @ Response::Ok(_)) => Ok(response),
        other => Err(unexpected(&other)),
    }
}

/// The error for an answer of the wrong kind.
///
/// ```
/// use nut_client::exchange::{Answer, unexpected};
/// use nut_client::{ClientError, Response};
/// let error = unexpected(&Answer::Line(Response::ok()));
/// assert!(matches!(&error, ClientError::Protocol(text) if text.starts_with("unexpected answer")));
/// ```
pub fn unexpected(answer: &Answer) -> ClientError {
    ClientError::Protocol(format!("unexpected answer {answer:?}"))
}

/// Maps a server error code that means "no such thing" to `None`.
///
/// ```
/// use nut_client::exchange::not_supported;
/// use nut_client::ClientError;
/// use nut_protocol::net::ErrorCode;
/// let missing = ClientError::Server(ErrorCode::VarNotSupported);
/// assert_eq!(not_supported(missing).unwrap(), None);
/// assert!(not_supported(ClientError::Server(ErrorCode::AccessDenied)).is_err());
/// ```
pub fn not_supported(error: ClientError) -> Result<Option<String>, ClientError> {
    match error {
        ClientError::Server(ErrorCode::VarNotSupported) => Ok(None),
        other => Err(other),
    }
}
