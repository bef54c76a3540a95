//! Keeping a UPS connected to its driver: over the driver socket (a real NUT driver or ours),
//! or over an in-process channel carrying the same messages.

use std::path::PathBuf;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::mpsc;

use super::{DRIVER_RETRY_INTERVAL, Upsd};
use crate::sock::{DriverMessage, ServerMessage, SockMessage, SockReader};

/// The two ends of an in-process driver: what the driver says, and what upsd asks of it.
pub struct DriverChannel {
    /// Messages from the driver.
    pub from_driver: mpsc::UnboundedReceiver<DriverMessage>,
    /// Messages to the driver.
    pub to_driver: mpsc::UnboundedSender<ServerMessage>,
}

/// Where a UPS's data comes from.
pub enum DriverSource {
    /// The driver socket at this path (`<statepath>/<driver>-<ups>`), reconnected forever.
    Socket(PathBuf),
    /// A driver running inside this process.
    Channel(DriverChannel),
}

pub(super) async fn run(
    upsd: Upsd,
    ups: usize,
    source: DriverSource,
    mut commands: mpsc::UnboundedReceiver<ServerMessage>,
) {
    match source {
        DriverSource::Socket(path) => loop {
            match UnixStream::connect(&path).await {
                Ok(stream) => {
                    tracing::info!(ups, path = %path.display(), "driver connected");
                    serve_socket(&upsd, ups, stream, &mut commands).await;
                    upsd.with_state(|state| state.driver_disconnected(ups));
                    tracing::warn!(ups, "driver disconnected");
                }
                Err(error) => {
                    tracing::debug!(ups, %error, "driver not reachable");
                }
            }
            // Commands queued while no driver was there are dropped, as upsd would fail them.
            while commands.try_recv().is_ok() {}
            tokio::time::sleep(DRIVER_RETRY_INTERVAL).await;
        },
        DriverSource::Channel(channel) => {
            serve_channel(&upsd, ups, channel, &mut commands).await;
            upsd.with_state(|state| state.driver_disconnected(ups));
        }
    }
}

async fn serve_socket(
    upsd: &Upsd,
    ups: usize,
    stream: UnixStream,
    commands: &mut mpsc::UnboundedReceiver<ServerMessage>,
) {
    let (mut read, mut write) = stream.into_split();
    let now = upsd.now();
    let dump = upsd.with_state(|state| state.driver_connected(ups, now));
    if write.write_all(dump.to_wire().as_bytes()).await.is_err() {
        return;
    }
    let mut reader = SockReader::<DriverMessage>::new();
    let mut buffer = [0u8; 4096];
    loop {
        tokio::select! {
            read_result = read.read(&mut buffer) => {
                let n = match read_result {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let messages = reader.feed(buffer.get(..n).unwrap_or(&[]));
                let now = upsd.now();
                upsd.with_state(|state| {
                    for message in messages.iter().flatten() {
                        state.driver_message(ups, message, now);
                    }
                });
            }
            command = commands.recv() => {
                let Some(command) = command else { return };
                if write.write_all(command.to_wire().as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn serve_channel(
    upsd: &Upsd,
    ups: usize,
    mut channel: DriverChannel,
    commands: &mut mpsc::UnboundedReceiver<ServerMessage>,
) {
    let now = upsd.now();
    let dump = upsd.with_state(|state| state.driver_connected(ups, now));
    if channel.to_driver.send(dump).is_err() {
        return;
    }
    loop {
        tokio::select! {
            message = channel.from_driver.recv() => {
                let Some(message) = message else { return };
                let now = upsd.now();
                upsd.with_state(|state| state.driver_message(ups, &message, now));
            }
            command = commands.recv() => {
                let Some(command) = command else { return };
                if channel.to_driver.send(command).is_err() {
                    return;
                }
            }
        }
    }
}
