//! One client connection.

use std::net::SocketAddr;
use std::string::{String, ToString};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::{CLIENT_IDLE_TIMEOUT, Upsd};
use crate::server::{Action, Session};
use crate::tokenizer::Tokenizer;

/// Serves one client until it leaves, idles out or says LOGOUT.
pub(super) async fn run(upsd: Upsd, mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let address = peer.ip().to_canonical().to_string();
    let mut session = upsd.with_state(|state| Session::new(state, &address));
    let mut tokenizer = Tokenizer::new();
    let mut input = [0u8; 4096];
    let mut output = String::new();
    let mut deadline = Instant::now() + CLIENT_IDLE_TIMEOUT;
    'connection: loop {
        let read = match timeout_at(deadline, stream.read(&mut input)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => n,
        };
        let mut close = false;
        let mut drop_rest_of_chunk = false;
        output.clear();
        for line in tokenizer.feed(input.get(..read).unwrap_or(&[])) {
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
