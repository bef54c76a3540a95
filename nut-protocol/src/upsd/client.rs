//! One client connection: plain TCP until `STARTTLS`, then TLS on the same socket.

use std::boxed::Box;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until};

use super::{CLIENT_IDLE_TIMEOUT, Upsd};
use crate::server::{Action, Session};
use crate::tokenizer::{Line, TokenizeError, Tokenizer};

/// Size of the read buffer shared by all plain connections of a thread.
const READ_CHUNK: usize = 4096;

std::thread_local! {
    /// One read buffer per thread: an idle plain connection owns no buffer at all.
    static READ_BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; READ_CHUNK]);
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

/// Per-connection state shared by the plain and the TLS loop.
struct Connection {
    upsd: Upsd,
    session: Session,
    tokenizer: Tokenizer,
    deadline: Instant,
}

impl Connection {
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
            self.deadline = Instant::now() + CLIENT_IDLE_TIMEOUT;
            let now = self.upsd.now();
            let session = &mut self.session;
            let reply = self
                .upsd
                .with_state(|state| session.handle(state, &words, now));
            for line in &reply.lines {
                outcome.output.extend_from_slice(line.as_bytes());
                outcome.output.extend_from_slice(b"\n");
            }
            for action in reply.actions {
                match action {
                    Action::ToDriver { ups, message } => {
                        if !self.upsd.send_to_driver(ups, message) {
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
fn read_lines(stream: &TcpStream, tokenizer: &mut Tokenizer) -> Option<std::io::Result<Lines>> {
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
            (Some(n), _) => Some(Ok(tokenizer.feed(buffer.get(..n).unwrap_or(&[])).collect())),
            (None, Err(error)) => Some(Err(error)),
            (None, Ok(())) => None,
        }
    })
}

/// Serves one client until it leaves, idles out or says LOGOUT.
pub(super) async fn run(
    upsd: Upsd,
    mut stream: TcpStream,
    peer: SocketAddr,
    _slot: super::ClientSlot,
) {
    let _ = stream.set_nodelay(true);
    let address = peer.ip().to_canonical().to_string();
    let session = upsd.with_state(|state| Session::new(state, &address));
    let mut connection = Connection {
        upsd: upsd.clone(),
        session,
        tokenizer: Tokenizer::new(),
        deadline: Instant::now() + CLIENT_IDLE_TIMEOUT,
    };
    let upgrade = plain_loop(&mut connection, &mut stream).await;
    if upgrade {
        // Boxed: the TLS state is kilobytes, and an idle clear-text connection (the common
        // case) should not carry room for it in its task.
        Box::pin(encrypted(&upsd, &mut connection, stream, &address)).await;
    } else {
        let _ = stream.shutdown().await;
    }
    upsd.with_state(|state| state.session_closed(connection.session.id()));
}

/// After `OK STARTTLS`: the handshake, then the session under TLS.
async fn encrypted(upsd: &Upsd, connection: &mut Connection, mut stream: TcpStream, address: &str) {
    match upsd.tls_acceptor() {
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(tls) => {
                connection.session.set_tls();
                connection.tokenizer = Tokenizer::new();
                tls_loop(connection, tls).await;
            }
            Err(error) => tracing::info!(%address, %error, "TLS handshake failed"),
        },
        None => {
            let _ = stream.shutdown().await;
        }
    }
}

/// Waits for `ready`, or until the connection has idled past its deadline (`None`).
///
/// The idle timer is lazy: a request only moves `connection.deadline` (no timer work per
/// request); when the timer fires early it is re-armed at the moved deadline.
async fn unless_idle<T>(
    connection: &Connection,
    idle: &mut std::pin::Pin<&mut tokio::time::Sleep>,
    ready: impl std::future::Future<Output = T>,
) -> Option<T> {
    tokio::pin!(ready);
    loop {
        tokio::select! {
            biased;
            value = &mut ready => return Some(value),
            () = idle.as_mut() => {
                if Instant::now() >= connection.deadline {
                    return None;
                }
                idle.as_mut().reset(connection.deadline);
            }
        }
    }
}

/// The clear-text part; true when the client asked for STARTTLS and got `OK STARTTLS`.
async fn plain_loop(connection: &mut Connection, stream: &mut TcpStream) -> bool {
    let idle = sleep_until(connection.deadline);
    tokio::pin!(idle);
    loop {
        match unless_idle(connection, &mut idle, stream.readable()).await {
            Some(Ok(())) => {}
            Some(Err(_)) | None => return false,
        }
        let lines = match read_lines(stream, &mut connection.tokenizer) {
            None => return false,
            Some(Err(error)) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Some(Err(_)) => return false,
            Some(Ok(lines)) => lines,
        };
        let outcome = connection.answer(lines);
        if !outcome.output.is_empty() && stream.write_all(&outcome.output).await.is_err() {
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
    let idle = sleep_until(connection.deadline);
    tokio::pin!(idle);
    loop {
        let n = match unless_idle(connection, &mut idle, stream.read(&mut buffer)).await {
            Some(Ok(0)) | Some(Err(_)) | None => break,
            Some(Ok(n)) => n,
        };
        let lines: Lines = connection
            .tokenizer
            .feed(buffer.get(..n).unwrap_or(&[]))
            .collect();
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
