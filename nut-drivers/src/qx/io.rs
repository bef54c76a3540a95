//! One Qx exchange over a serial port: write a command, read a reply up to its CR.

use std::time::Duration;

use nut_hal::serial::Serial;
use nut_hal::{Error as _, ErrorKind};
use tokio::time::Instant;

use crate::device::DeviceError;

/// Longest reply kept (the longest Qx reply is about 140 bytes).
pub const MAX_REPLY: usize = 256;

/// What came back for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Bytes up to and including the CR.
    Line(Vec<u8>),
    /// Some bytes, but no CR before the deadline (or more than [`MAX_REPLY`] bytes).
    Partial(Vec<u8>),
    /// Nothing before the deadline.
    Nothing,
}

/// The reply as text for an error message (lossy, cut to 64 bytes).
pub fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes.get(..64).unwrap_or(bytes)).into_owned()
}

/// The operation name of a command (`"Q1"` for `Q1\r`).
pub fn operation(command: &[u8]) -> String {
    shown(command.strip_suffix(b"\r").unwrap_or(command))
}

/// Writes `command` and reads until CR, at most `timeout` in all. Transport errors other than
/// a timeout are returned; a timeout ends the reply.
pub async fn exchange<S: Serial>(
    port: &mut S,
    command: &[u8],
    timeout: Duration,
) -> Result<Reply, DeviceError> {
    let op = operation(command);
    port.write_all(command)
        .await
        .map_err(|e| DeviceError::transport(&op, &e))?;
    let deadline = Instant::now() + timeout;
    let mut reply = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match port.read(&mut buf, left).await {
            Ok(n) => {
                let got = buf.get(..n).unwrap_or(&buf);
                if let Some(cr) = got.iter().position(|&b| b == b'\r') {
                    reply.extend_from_slice(got.get(..=cr).unwrap_or(got));
                    return Ok(Reply::Line(reply));
                }
                reply.extend_from_slice(got);
                if reply.len() > MAX_REPLY || left.is_zero() {
                    return Ok(if reply.is_empty() {
                        Reply::Nothing
                    } else {
                        Reply::Partial(reply)
                    });
                }
            }
            Err(e) if e.kind() == ErrorKind::Timeout => {
                return Ok(if reply.is_empty() {
                    Reply::Nothing
                } else {
                    Reply::Partial(reply)
                });
            }
            Err(e) => return Err(DeviceError::transport(&op, &e)),
        }
    }
}

/// Reads and drops whatever is pending (after a broken exchange), for at most `timeout`.
pub async fn drain<S: Serial>(port: &mut S, timeout: Duration) -> Result<(), DeviceError> {
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 64];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match port.read(&mut buf, left).await {
            Ok(_) if !left.is_zero() => {}
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Timeout => return Ok(()),
            Err(e) => return Err(DeviceError::transport("flushing input", &e)),
        }
    }
}

/// A query that must be answered with a CR-terminated line: `Nothing` is a timeout error and
/// `Partial` a bad reply.
pub async fn query<S: Serial>(
    port: &mut S,
    command: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, DeviceError> {
    let op = operation(command);
    match exchange(port, command, timeout).await? {
        Reply::Line(line) => Ok(line),
        Reply::Partial(bytes) => {
            drain(port, Duration::from_millis(100)).await?;
            Err(DeviceError::BadReply {
                operation: op,
                reply: shown(&bytes),
            })
        }
        Reply::Nothing => Err(DeviceError::Transport {
            operation: op,
            kind: ErrorKind::Timeout,
            message: "no reply".into(),
        }),
    }
}
