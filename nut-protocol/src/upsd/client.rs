//! One client connection.

use std::net::SocketAddr;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use std::cell::RefCell;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::{CLIENT_IDLE_TIMEOUT, Upsd};
use crate::server::{Action, Session};
use crate::tokenizer::Tokenizer;

/// Size of the read buffer shared by all connections of a thread.
const READ_CHUNK: usize = 4096;

std::thread_local! {
    /// One read buffer per thread: an idle connection owns no buffer at all.
    static READ_BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; READ_CHUNK]);
}

/// Reads what is available into the thread's buffer and feeds it to `tokenizer`, returning
/// the completed lines; `None` on EOF or error.
fn read_lines(
    stream: &TcpStream,
    tokenizer: &mut Tokenizer,
) -> Option<std::io::Result<Vec<Result<crate::tokenizer::Line, crate::tokenizer::TokenizeError>>>> {
    READ_BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        match stream.try_read(&mut buffer) {
            Ok(0) => None,
            Ok(n) => Some(Ok(tokenizer.feed(buffer.get(..n).unwrap_or(&[])).collect())),
            Err(error) => Some(Err(error)),
        }
    })
}

/// Serves one client until it leaves, idles out or says LOGOUT.
pub(super) async fn run(upsd: Upsd, mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let address = peer.ip().to_canonical().to_string();
    let mut session = upsd.with_state(|state| Session::new(state, &address));
    let mut tokenizer = Tokenizer::new();
    let mut deadline = Instant::now() + CLIENT_IDLE_TIMEOUT;
    'connection: loop {
        match timeout_at(deadline, stream.readable()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => break,
        }
        let lines = match read_lines(&stream, &mut tokenizer) {
            None => break,
            Some(Err(error)) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Some(Err(_)) => break,
            Some(Ok(lines)) => lines,
        };
        let mut close = false;
        let mut drop_rest_of_chunk = false;
        let mut output = String::new();
        for line in lines {
            if drop_rest_of_chunk {
                continue;
            }
            let words = match line {
                Ok(line) => line.words,
                Err(_) => {
                    // upsd answers nothing to an unparsable line and ignores the rest of the
                    // chunk that held it.
                    drop_rest_of_chunk = true;
                    continue;
                }
            };
            deadline = Instant::now() + CLIENT_IDLE_TIMEOUT;
            let now = upsd.now();
            let reply = upsd.with_state(|state| session.handle(state, &words, now));
            for line in &reply.lines {
                output.push_str(line);
                output.push('\n');
            }
            for action in reply.actions {
                match action {
                    Action::ToDriver { ups, message } => {
                        if !upsd.send_to_driver(ups, message) {
                            tracing::warn!(ups, "no driver task to deliver to");
                        }
                    }
                    Action::Close => close = true,
                    Action::StartTls => {}
                }
            }
            if close {
                break;
            }
        }
        if !output.is_empty() && stream.write_all(output.as_bytes()).await.is_err() {
            break 'connection;
        }
        if close {
            break;
        }
    }
    let _ = stream.shutdown().await;
    upsd.with_state(|state| state.session_closed(session.id()));
}
