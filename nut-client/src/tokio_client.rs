//! The async face on tokio: the same commands, STARTTLS, pipelining and reconnection as
//! [`crate::blocking::Connection`], with a keep-alive task when asked for.
//!
//! ```no_run
//! # async fn run() -> Result<(), nut_client::ClientError> {
//! let mut ups = nut_client::Client::connect("127.0.0.1", 3493, nut_client::Options::long_lived()).await?;
//! println!("{}", ups.get_var("demo", "ups.status").await?);
//! # Ok(()) }
//! ```

use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use nut_protocol::net::{
    ErrorCode, GetQuery, ListQuery, Request, Secret, TrackingId, TrackingStatus, VarType,
};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::ClientError;
use crate::commands::{self, Item, nut_commands};
use crate::exchange::{self, Answer, Options, Pending, request_line};
use crate::link::{Link, link_logic};
use crate::tls::TlsOptions;

/// A TCP stream, in clear text or under TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

type Buffered = BufReader<Stream>;

async fn within<T>(
    timeout: Duration,
    work: impl Future<Output = std::io::Result<T>>,
) -> Result<T, ClientError> {
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| ClientError::Timeout)?
        .map_err(ClientError::Io)
}

impl Link<Buffered> {
    async fn connect_tcp(
        host: &str,
        port: u16,
        options: &Options,
    ) -> Result<Buffered, ClientError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let stream = within(options.connect_timeout, TcpStream::connect((host, port))).await?;
        stream.set_nodelay(true)?;
        Ok(BufReader::new(Stream::Plain(stream)))
    }

    async fn send(
        stream: &mut Buffered,
        bytes: &[u8],
        timeout: Duration,
    ) -> Result<(), ClientError> {
        let stream = stream.get_mut();
        within(timeout, async {
            stream.write_all(bytes).await?;
            stream.flush().await
        })
        .await
    }

    async fn receive(
        stream: &mut Buffered,
        line: &mut Vec<u8>,
        timeout: Duration,
    ) -> Result<(), ClientError> {
        line.clear();
        let n = within(
            timeout,
            (&mut *stream)
                .take(exchange::MAX_LINE_LEN as u64 + 1)
                .read_until(b'\n', line),
        )
        .await?;
        if n == 0 {
            return Err(ClientError::Closed);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(())
    }

    async fn handshake(
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
        let connector = tokio_rustls::TlsConnector::from(config);
        let stream = tokio::time::timeout(timeout, connector.connect(name, tcp))
            .await
            .map_err(|_| ClientError::Timeout)?
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(BufReader::new(Stream::Tls(Box::new(stream))))
    }

    async fn pause(duration: Duration) {
        if !duration.is_zero() {
            tokio::time::sleep(duration).await;
        }
    }

    link_logic!(async; .await);
}

/// Stops the keep-alive task when the client goes.
#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An async connection to a upsd. With [`Options::keepalive`], a task sends `NETVER` when
/// nothing was sent for half that long, so the connection is never quiet for longer; it
/// ends with the client.
///
/// ```no_run
/// use nut_client::{Client, Options};
/// # async fn run() -> Result<(), nut_client::ClientError> {
/// let mut ups = Client::connect("127.0.0.1", 3493, Options::long_lived()).await?;
/// for item in ups.list_ups().await? {
///     println!("{}: {}", item.name, item.value);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    link: Arc<Mutex<Link<Buffered>>>,
    _keepalive: Option<AbortOnDrop>,
}

impl Client {
    /// Connects to `host:port` (IPv6 literals may be in brackets) and starts TLS if
    /// `options` say so: a failed handshake fails here.
    ///
    /// ```no_run
    /// use nut_client::{Client, ClientError, Options, tls::TlsOptions};
    /// # async fn run() -> Result<(), ClientError> {
    /// let options = Options::default().tls(TlsOptions::ca_file("/etc/nut/ca.pem")?.required(true));
    /// match Client::connect("127.0.0.1", 3493, options).await {
    ///     Err(ClientError::TlsRequired) => eprintln!("this upsd has no STARTTLS"),
    ///     other => assert!(other?.is_tls().await),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn connect(host: &str, port: u16, options: Options) -> Result<Client, ClientError> {
        let keepalive = options.keepalive;
        let mut link = Link::new(host, port, options);
        link.open().await?;
        let link = Arc::new(Mutex::new(link));
        let keepalive = keepalive.map(|every| keep_alive(Arc::downgrade(&link), every));
        Ok(Client {
            link,
            _keepalive: keepalive,
        })
    }

    /// Sends `request` and reads its whole answer (reconnecting first, if the connection
    /// broke and [`Options::reconnect`] is set).
    ///
    /// ```no_run
    /// use nut_client::{Answer, GetQuery, Request, Response};
    /// # async fn run() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::Client::connect("127.0.0.1", 3493, Default::default()).await?;
    /// let request = Request::Get(GetQuery::NumLogins { ups: "demo".into() });
    /// if let Answer::Line(Response::NumLogins { count, .. }) = ups.call(request).await? {
    ///     println!("{count} clients logged in");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn call(&mut self, request: Request) -> Result<Answer, ClientError> {
        self.link.lock().await.call(request).await
    }

    /// Sends independent `requests` at once and returns their answers in order.
    ///
    /// ```no_run
    /// use nut_client::{GetQuery, Request};
    /// # async fn run() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::Client::connect("127.0.0.1", 3493, Default::default()).await?;
    /// let get = |var: &str| Request::Get(GetQuery::Var { ups: "demo".into(), var: var.into() });
    /// let answers = ups.pipeline(vec![get("ups.status"), get("battery.charge")]).await?;
    /// assert_eq!(answers.len(), 2);
    /// # Ok(()) }
    /// ```
    pub async fn pipeline(
        &mut self,
        requests: Vec<Request>,
    ) -> Result<Vec<Result<Answer, ClientError>>, ClientError> {
        self.link.lock().await.pipeline(requests).await
    }

    /// Connects again now (with back-off per [`Options::reconnect`]), logging in again.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::Client::connect("127.0.0.1", 3493, Default::default()).await?;
    /// if ups.ver().await.is_err() && !ups.is_connected().await {
    ///     ups.reconnect().await?;
    /// }
    /// assert!(ups.is_connected().await);
    /// # Ok(()) }
    /// ```
    pub async fn reconnect(&mut self) -> Result<(), ClientError> {
        self.link.lock().await.reopen().await
    }

    /// Whether the connection is up (as far as the last request knows).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), nut_client::ClientError> {
    /// let mut ups = nut_client::Client::connect("127.0.0.1", 3493, Default::default()).await?;
    /// assert!(ups.is_connected().await);
    /// ups.logout().await?; // upsd closes the connection after `OK Goodbye`
    /// # Ok(()) }
    /// ```
    pub async fn is_connected(&self) -> bool {
        self.link.lock().await.stream.is_some()
    }

    /// Whether the connection runs under TLS.
    ///
    /// ```no_run
    /// use nut_client::{Client, Options, tls::TlsOptions};
    /// # async fn run() -> Result<(), nut_client::ClientError> {
    /// // STARTTLS if the server offers it, clear text otherwise:
    /// let options = Options::default().tls(TlsOptions::system_roots()?);
    /// let ups = Client::connect("127.0.0.1", 3493, options).await?;
    /// println!("encrypted: {}", ups.is_tls().await);
    /// # Ok(()) }
    /// ```
    pub async fn is_tls(&self) -> bool {
        matches!(
            self.link
                .lock()
                .await
                .stream
                .as_ref()
                .map(BufReader::get_ref),
            Some(Stream::Tls(_))
        )
    }

    async fn pause(duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    nut_commands!(
        "# async fn run() -> Result<(), nut_client::ClientError> {\n# let mut ups = nut_client::Client::connect(\"127.0.0.1\", 3493, Default::default()).await?;\n",
        ".await" ; async ; .await
    );
}

/// Starts the keep-alive task.
fn keep_alive(link: Weak<Mutex<Link<Buffered>>>, every: Duration) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every / 2);
        ticks.tick().await;
        let mut seen = 0;
        loop {
            ticks.tick().await;
            let Some(link) = link.upgrade() else { break };
            link.lock().await.keep_alive(&mut seen).await;
        }
    }))
}
