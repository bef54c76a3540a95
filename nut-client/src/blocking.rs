//! The blocking face: `std` sockets, rustls for STARTTLS, and a keep-alive thread when
//! asked for.
//!
//! ```no_run
//! use nut_client::blocking::Connection;
//! use nut_client::{GetQuery, Options, Request, tls::TlsOptions};
//! # fn main() -> Result<(), nut_client::ClientError> {
//! let options = Options::long_lived().tls(TlsOptions::ca_file("/etc/nut/ca.pem")?.required(true));
//! let mut ups = Connection::connect("ups.example", 3493, options)?;
//! ups.authenticate("monuser", "secret")?;
//! ups.login("myups")?;
//! let get = |var: &str| Request::Get(GetQuery::Var { ups: "myups".into(), var: var.into() });
//! let answers = ups.pipeline(vec![get("ups.status"), get("battery.charge")])?;
//! assert_eq!(answers.len(), 2);
//! # Ok(()) }
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use nut_protocol::net::{
    ErrorCode, GetQuery, ListQuery, Request, Secret, TrackingId, TrackingStatus, VarType,
};
use rustls::{ClientConnection, StreamOwned};

use crate::ClientError;
use crate::commands::{self, Item, nut_commands};
use crate::exchange::{self, Answer, Options, Pending, request_line};
use crate::link::{Link, link_logic};
use crate::tls::TlsOptions;

/// A TCP stream, in clear text or under TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

type Buffered = BufReader<Stream>;

fn io_error(error: std::io::Error) -> ClientError {
    match error.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => ClientError::Timeout,
        _ => ClientError::Io(error),
    }
}

impl Link<Buffered> {
    fn connect_tcp(host: &str, port: u16, options: &Options) -> Result<Buffered, ClientError> {
        let mut last = None;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        for address in (host, port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&address, options.connect_timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(Some(options.timeout))?;
                    stream.set_write_timeout(Some(options.timeout))?;
                    return Ok(BufReader::new(Stream::Plain(stream)));
                }
                Err(error) => last = Some(error),
            }
        }
        Err(last.map_or_else(
            || ClientError::Protocol(format!("{host}: no address")),
            ClientError::Io,
        ))
    }

    fn send(stream: &mut Buffered, bytes: &[u8], _timeout: Duration) -> Result<(), ClientError> {
        let stream = stream.get_mut();
        stream.write_all(bytes).map_err(io_error)?;
        stream.flush().map_err(io_error)
    }

    fn receive(
        stream: &mut Buffered,
        line: &mut Vec<u8>,
        _timeout: Duration,
    ) -> Result<(), ClientError> {
        line.clear();
        let n = Read::by_ref(stream)
            .take(exchange::MAX_LINE_LEN as u64 + 1)
            .read_until(b'\n', line)
            .map_err(io_error)?;
        if n == 0 {
            return Err(ClientError::Closed);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(())
    }

    fn handshake(
        plain: Buffered,
        host: &str,
        tls: &TlsOptions,
        timeout: Duration,
    ) -> Result<Buffered, ClientError> {
        if !plain.buffer().is_empty() {
            return Err(ClientError::Protocol(String::from(
                "clear-text bytes after OK STARTTLS",
            )));
        }
        let Stream::Plain(tcp) = plain.into_inner() else {
            return Err(ClientError::Protocol(String::from("TLS already started")));
        };
        let (config, name) = tls.client_config(host)?;
        let connection =
            ClientConnection::new(config, name).map_err(|e| ClientError::Tls(e.to_string()))?;
        tcp.set_read_timeout(Some(timeout))?;
        let mut stream = StreamOwned::new(connection, tcp);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
        }
        Ok(BufReader::new(Stream::Tls(Box::new(stream))))
    }

    fn pause(duration: Duration) {
        if !duration.is_zero() {
            std::thread::sleep(duration);
        }
    }

    link_logic!(;);
}

/// A blocking connection to a upsd. With [`Options::keepalive`], a thread sends `NETVER`
/// when nothing was sent for half that long, so the connection is never quiet for longer;
/// it ends with the connection.
///
/// ```no_run
/// use std::time::Duration;
/// use nut_client::{Options, blocking::Connection};
/// # fn main() -> Result<(), nut_client::ClientError> {
/// let options = Options::long_lived().timeout(Duration::from_secs(5));
/// let mut ups = Connection::connect("127.0.0.1", 3493, options)?;
/// let charge: f64 = ups.get_var("demo", "battery.charge")?.parse().unwrap_or(0.0);
/// println!("{charge} %");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Connection {
    link: Arc<Mutex<Link<Buffered>>>,
    _keepalive: Option<mpsc::Sender<()>>,
}

fn lock(link: &Mutex<Link<Buffered>>) -> MutexGuard<'_, Link<Buffered>> {
    link.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Connection {
    /// Connects to `host:port` (the first address that answers; IPv6 literals may be in
    /// brackets), and starts TLS if `options` say so: a failed handshake fails here.
    ///
    /// ```no_run
    /// use nut_client::{ClientError, Options, blocking::Connection, tls::TlsOptions};
    /// # fn main() -> Result<(), ClientError> {
    /// let clear = Connection::connect("127.0.0.1", 3493, Options::default())?;
    /// assert!(!clear.is_tls());
    /// let options = Options::default().tls(TlsOptions::ca_file("/etc/nut/ca.pem")?.required(true));
    /// match Connection::connect("127.0.0.1", 3493, options) {
    ///     Err(ClientError::TlsRequired) => eprintln!("this upsd has no STARTTLS"),
    ///     other => assert!(other?.is_tls()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn connect(host: &str, port: u16, options: Options) -> Result<Connection, ClientError> {
        let keepalive = options.keepalive;
        let mut link = Link::new(host, port, options);
        link.open()?;
        let link = Arc::new(Mutex::new(link));
        let keepalive = keepalive.map(|every| keep_alive(Arc::downgrade(&link), every));
        Ok(Connection {
            link,
            _keepalive: keepalive,
        })
    }

    /// Sends `request` and reads its whole answer (reconnecting first, if the connection
    /// broke and [`Options::reconnect`] is set).
    ///
    /// ```no_run
    /// use nut_client::{Answer, GetQuery, Request, Response};
    /// # fn main() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::blocking::Connection::connect("127.0.0.1", 3493, Default::default())?;
    /// let request = Request::Get(GetQuery::NumLogins { ups: "demo".into() });
    /// if let Answer::Line(Response::NumLogins { count, .. }) = ups.call(request)? {
    ///     println!("{count} clients logged in");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn call(&mut self, request: Request) -> Result<Answer, ClientError> {
        lock(&self.link).call(request)
    }

    /// Sends independent `requests` at once and returns their answers in order: one round
    /// trip instead of one per request.
    ///
    /// ```no_run
    /// use nut_client::{GetQuery, Request};
    /// # fn main() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::blocking::Connection::connect("127.0.0.1", 3493, Default::default())?;
    /// let get = |var: &str| Request::Get(GetQuery::Var { ups: "demo".into(), var: var.into() });
    /// let answers = ups.pipeline(vec![get("ups.status"), get("battery.charge")])?;
    /// for answer in answers {
    ///     println!("{answer:?}"); // an `ERR` for one variable does not spoil the others
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pipeline(
        &mut self,
        requests: Vec<Request>,
    ) -> Result<Vec<Result<Answer, ClientError>>, ClientError> {
        lock(&self.link).pipeline(requests)
    }

    /// Connects again now (with back-off per [`Options::reconnect`]), logging in again.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::blocking::Connection::connect("127.0.0.1", 3493, Default::default())?;
    /// if ups.ver().is_err() && !ups.is_connected() {
    ///     ups.reconnect()?;
    /// }
    /// assert!(ups.is_connected());
    /// # Ok(()) }
    /// ```
    pub fn reconnect(&mut self) -> Result<(), ClientError> {
        lock(&self.link).reopen()
    }

    /// Whether the connection is up (as far as the last request knows).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::blocking::Connection::connect("127.0.0.1", 3493, Default::default())?;
    /// assert!(ups.is_connected());
    /// ups.logout()?; // upsd closes the connection after `OK Goodbye`
    /// # Ok(()) }
    /// ```
    pub fn is_connected(&self) -> bool {
        lock(&self.link).stream.is_some()
    }

    /// Whether the connection runs under TLS.
    ///
    /// ```no_run
    /// use nut_client::{Options, blocking::Connection, tls::TlsOptions};
    /// # fn main() -> Result<(), nut_client::ClientError> {
    /// // STARTTLS if the server offers it, clear text otherwise:
    /// let options = Options::default().tls(TlsOptions::system_roots()?);
    /// let ups = Connection::connect("127.0.0.1", 3493, options)?;
    /// println!("encrypted: {}", ups.is_tls());
    /// # Ok(()) }
    /// ```
    pub fn is_tls(&self) -> bool {
        matches!(
            lock(&self.link).stream.as_ref().map(BufReader::get_ref),
            Some(Stream::Tls(_))
        )
    }

    fn pause(duration: Duration) {
        std::thread::sleep(duration);
    }

    nut_commands!(
        "# fn main() -> Result<(), nut_client::ClientError> {\n# let mut ups = nut_client::blocking::Connection::connect(\"127.0.0.1\", 3493, Default::default())?;\n",
        "" ; ;
    );
}

/// Starts the keep-alive thread; it stops when the returned sender is dropped.
fn keep_alive(link: Weak<Mutex<Link<Buffered>>>, every: Duration) -> mpsc::Sender<()> {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut seen = 0;
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every / 2) {
            let Some(link) = link.upgrade() else { break };
            lock(&link).keep_alive(&mut seen);
        }
    });
    stop
}
