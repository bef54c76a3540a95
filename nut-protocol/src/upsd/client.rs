//! One client connection: plain TCP until `STARTTLS`, then TLS on the same socket.

use std::boxed::Box;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::string::ToString;
use std::task::{Context, Poll};
use std::vec;
use std::vec::Vec;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::idle::IdleClock;
use super::{ClientSlot, Upsd};
use crate::server::{Action, Session};
use crate::tokenizer::{Line, TokenizeError, Tokenizer};

/// Size of the read buffer shared by all plain connections of a thread.
const READ_CHUNK: usize = 4096;

std::thread_local! {
    /// One read buffer per thread: an idle plain connection owns no buffer at all.
    static READ_BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; READ_CHUNK]);
    /// A tokenizer between lines, lent to whichever connection reads next: a read of whole
    /// lines (the common case) allocates no tokenizer.
    static SPARE_TOKENIZER: RefCell<Option<Box<Tokenizer>>> = const { RefCell::new(None) };
}

type Lines = Vec<Result<Line, TokenizeError>>;

/// What one chunk of requests asks of the connection.
#[derive(Default)]
struct Outcome {
    /// Every reply line of the chunk, sent in one write.
    output: BytesMut,
    close: bool,
    starttls: bool,
}

/// Per-connection state shared by the plain and the TLS loop. Every idle connection's task
/// holds one, so it is kept small: the server handle lives in the MAXCONN slot, the idle
/// timeout is a few words (no timer), and the tokenizer exists only mid-line.
struct Connection {
    slot: ClientSlot,
    session: Session,
    /// Only while a line is half received: an idle connection keeps no tokenizer (nor the
    /// buffers one grows).
    tokenizer: Option<Box<Tokenizer>>,
    idle: IdleClock,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let upsd = &self.slot.0;
        self.idle.release(&upsd.shared.idle);
        let id = self.session.id();
        upsd.with_state(|state| state.session_closed(id));
    }
}

impl Connection {
    fn upsd(&self) -> &Upsd {
        &self.slot.0
    }

    /// Ready once the client has been silent for the idle timeout.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let table = &self.slot.0.shared.idle;
        self.idle.poll_expired(table, cx)
    }

    /// Answers the lines of one read.
    fn answer(&mut self, lines: Lines) -> Outcome {
        let mut outcome = Outcome::default();
        for line in lines {
            let words = match line {
                Ok(line) => line.words,
                // upsd answers nothing to an unparsable line and ignores the rest of the
                // chunk that held it.
                Err(_) => break,
            };
            let upsd = &self.slot.0;
            self.idle.touch(&upsd.shared.idle);
            let now = upsd.now();
            let session = &mut self.session;
            let reply = upsd.with_state(|state| session.handle(state, &words, now));
            for line in &reply.lines {
                outcome.output.extend_from_slice(line.as_bytes());
                outcome.output.extend_from_slice(b"\n");
            }
            for action in reply.actions {
                match action {
                    Action::ToDriver { ups, message } => {
                        if !self.upsd().send_to_driver(ups, message) {
                            tracing::warn!(ups, "no driver task to deliver to");
                        }
                    }
                    Action::Close => outcome.close = true,
                    Action::StartTls => outcome.starttls = true,
                }
            }
            if outcome.close || outcome.starttls {
                // Nothing after STARTTLS may be read in clear text.
                break;
            }
        }
        outcome
    }
}

/// Reads what is available into the thread's buffer and tokenizes it; `None` on EOF.
///
/// A read shorter than the buffer drained the socket, so its readiness is let go right away
/// (tokio keeps it if an event arrived meanwhile): the next wait goes to epoll instead of
/// costing one more `recv` that says `EAGAIN`.
/// The complete lines in `bytes`; a tokenizer is kept only while a line is unfinished.
fn tokenize(tokenizer: &mut Option<Box<Tokenizer>>, bytes: &[u8]) -> Lines {
    let mut current = tokenizer
        .take()
        .or_else(|| SPARE_TOKENIZER.with(|spare| spare.borrow_mut().take()))
        .unwrap_or_default();
    let lines = current.feed(bytes).collect();
    if current.has_partial_line() {
        *tokenizer = Some(current);
    } else {
        SPARE_TOKENIZER.with(|spare| *spare.borrow_mut() = Some(current));
    }
    lines
}

fn read_lines(
    stream: &TcpStream,
    tokenizer: &mut Option<Box<Tokenizer>>,
) -> Option<std::io::Result<Lines>> {
    use std::io::{ErrorKind, Read};
    READ_BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let mut received = None;
        let result = stream.try_io(tokio::io::Interest::READABLE, || {
            let n = (&*socket2::SockRef::from(stream)).read(&mut buffer)?;
            received = Some(n);
            if n > 0 && n < buffer.len() {
                Err(ErrorKind::WouldBlock.into())
            } else {
                Ok(())
            }
        });
        match (received, result) {
            (Some(0), _) => None,
            (Some(n), _) => Some(Ok(tokenize(tokenizer, buffer.get(..n).unwrap_or(&[])))),
            (None, Err(error)) => Some(Err(error)),
            (None, Ok(())) => None,
        }
    })
}

/// The task serving one client until it leaves, idles out or says LOGOUT.
///
/// The session is made here, before the task starts, so that the task's future holds only
/// the connection and the socket.
pub(super) fn run(
    slot: ClientSlot,
    stream: TcpStream,
    peer: SocketAddr,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let _ = stream.set_nodelay(true);
    let upsd = &slot.0;
    let address = peer.ip().to_canonical().to_string();
    let session = upsd.with_state(|state| Session::new(state, &address));
    let idle = IdleClock::start(&upsd.shared.idle);
    let mut connection = Connection {
        slot,
        session,
        tokenizer: None,
        idle,
    };
    let mut stream = stream;
    // An `async` block rather than an `async fn`: the block uses what it captured in place,
    // where a function's arguments would be stored twice in the task.
    async move {
        if plain_loop(&mut connection, &mut stream).await {
            // Boxed: the TLS state is kilobytes, and an idle clear-text connection (the
            // common case) should not carry room for it in its task.
            Box::pin(encrypted(connection, stream)).await;
        } else {
            let _ = stream.shutdown().await;
        }
    }
}

/// After `OK STARTTLS`: the handshake, then the session under TLS.
async fn encrypted(mut connection: Connection, mut stream: TcpStream) {
    match connection.upsd().tls_acceptor() {
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(tls) => {
                connection.session.set_tls();
                connection.tokenizer = None;
                tls_loop(&mut connection, tls).await;
            }
            Err(error) => {
                let address = connection.session.address();
                tracing::info!(%address, %error, "TLS handshake failed");
            }
        },
        None => {
            let _ = stream.shutdown().await;
        }
    }
}

/// Writes all of `bytes`, waiting for room as needed; false if the connection broke.
async fn write_out(stream: &TcpStream, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match stream.try_write(bytes) {
            Ok(written) => bytes = bytes.get(written..).unwrap_or_default(),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                if std::future::poll_fn(|cx| stream.poll_write_ready(cx))
                    .await
                    .is_err()
                {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
    true
}

/// The clear-text part; true when the client asked for STARTTLS and got `OK STARTTLS`.
///
/// Written with plain polls rather than combinators: every idle connection's task holds
/// this state, so it is kept small.
async fn plain_loop(connection: &mut Connection, stream: &mut TcpStream) -> bool {
    loop {
        let readable = std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = stream.poll_read_ready(cx) {
                return Poll::Ready(result.is_ok());
            }
            connection.poll_idle(cx).map(|()| false)
        })
        .await;
        if !readable {
            return false;
        }
        let lines = match read_lines(stream, &mut connection.tokenizer) {
            None => return false,
            Some(Err(error)) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Some(Err(_)) => return false,
            Some(Ok(lines)) => lines,
        };
        let outcome = connection.answer(lines);
        if !outcome.output.is_empty() && !write_out(stream, &outcome.output).await {
            return false;
        }
        if outcome.close {
            return false;
        }
        if outcome.starttls {
            return true;
        }
    }
}

/// The encrypted part, over any stream.
async fn tls_loop<S: AsyncRead + AsyncWrite + Unpin>(connection: &mut Connection, mut stream: S) {
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        let read = stream.read(&mut buffer);
        tokio::pin!(read);
        let received = std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = read.as_mut().poll(cx) {
                return Poll::Ready(Some(result));
            }
            connection.poll_idle(cx).map(|()| None)
        })
        .await;
        let n = match received {
            Some(Ok(0)) | Some(Err(_)) | None => break,
            Some(Ok(n)) => n,
        };
        let lines = tokenize(&mut connection.tokenizer, buffer.get(..n).unwrap_or(&[]));
        let outcome = connection.answer(lines);
        if !outcome.output.is_empty()
            && (stream.write_all(&outcome.output).await.is_err() || stream.flush().await.is_err())
        {
            break;
        }
        if outcome.close {
            break;
        }
    }
    let _ = stream.shutdown().await;
}
