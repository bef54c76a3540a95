//! A driver behind a NUT driver socket (`<statepath>/<driver>-<ups>`), as NUT's drivers serve
//! it: any number of clients (upsd, upsdrvctl, tools); `DUMPALL`, `PING`, `SET`, `INSTCMD`,
//! `NOBROADCAST`/`BROADCAST`, `LOGOUT`; every state change broadcast to every listening
//! client, always escaped. The real upsd reads it like a C driver's socket.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nut_protocol::sock::{DriverMessage, ServerMessage, SockMessage, SockReader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use crate::runtime::{Output, Request, Serve};

enum Event {
    Message(u64, ServerMessage),
    Gone(u64),
}

struct Client {
    out: mpsc::UnboundedSender<DriverMessage>,
    broadcast: bool,
}

/// Binds the socket at `path` (removing a stale one, mode 0660) for [`serve`].
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// Runs `driver` behind `listener` until accepting fails or the driver stops.
pub async fn serve(driver: impl Serve, listener: UnixListener) -> std::io::Result<()> {
    let mut link = driver.start();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let mut clients: BTreeMap<u64, Client> = BTreeMap::new();
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                next_id += 1;
                clients.insert(next_id, start_client(next_id, stream, events_tx.clone()));
            }
            event = events.recv() => match event {
                Some(Event::Message(id, message)) => {
                    if !handle_locally(&mut clients, id, &message)
                        && link.requests.send(Request { client: id, message }).is_err()
                    {
                        return Ok(());
                    }
                }
                Some(Event::Gone(id)) => { clients.remove(&id); }
                None => return Ok(()),
            },
            output = link.output.recv() => match output {
                None => return Ok(()),
                Some(Output::Broadcast(message)) => broadcast(&mut clients, vec![message]),
                Some(Output::Reply { client, message }) => {
                    if let Some(client) = clients.get(&client) {
                        let _ = client.out.send(message);
                    }
                }
                Some(Output::Close { client }) => {
                    // Dropping the sender ends the writer after the goodbye is flushed.
                    clients.remove(&client);
                }
            },
        }
    }
}

/// `NOBROADCAST`/`BROADCAST` concern only the connection: handled here (true), everything
/// else goes to the driver (false).
fn handle_locally(clients: &mut BTreeMap<u64, Client>, id: u64, message: &ServerMessage) -> bool {
    let listen = match message {
        ServerMessage::NoBroadcast => false,
        ServerMessage::Broadcast(n) => n.is_none_or(|n| n > 0),
        _ => return false,
    };
    if let Some(client) = clients.get_mut(&id) {
        client.broadcast = listen;
    }
    true
}

fn broadcast(clients: &mut BTreeMap<u64, Client>, messages: Vec<DriverMessage>) {
    if messages.is_empty() {
        return;
    }
    clients.retain(|_, client| {
        !client.broadcast || messages.iter().all(|m| client.out.send(m.clone()).is_ok())
    });
}

fn start_client(id: u64, stream: UnixStream, events: mpsc::UnboundedSender<Event>) -> Client {
    let (read, write) = stream.into_split();
    let (out, rx) = mpsc::unbounded_channel();
    tokio::spawn(read_client(id, read, events));
    tokio::spawn(write_client(write, rx));
    Client {
        out,
        broadcast: true,
    }
}

async fn read_client(id: u64, mut read: OwnedReadHalf, events: mpsc::UnboundedSender<Event>) {
    let mut reader = SockReader::<ServerMessage>::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = match read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for message in reader.feed(buffer.get(..n).unwrap_or(&[])) {
            match message {
                Ok(message) => {
                    if events.send(Event::Message(id, message)).is_err() {
                        return;
                    }
                }
                Err(error) => tracing::debug!(%error, "ignored a malformed line"),
            }
        }
    }
    let _ = events.send(Event::Gone(id));
}

async fn write_client(mut write: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<DriverMessage>) {
    let mut batch = String::new();
    while let Some(first) = rx.recv().await {
        batch.clear();
        batch.push_str(&first.to_wire());
        while let Ok(next) = rx.try_recv() {
            batch.push_str(&next.to_wire());
        }
        if write.write_all(batch.as_bytes()).await.is_err() {
            return;
        }
    }
    let _ = write.shutdown().await;
}

/// Where a driver's socket is: `<statepath>/<driver>-<ups>`.
pub fn socket_path(statepath: &Path, driver: &str, ups: &str) -> std::path::PathBuf {
    statepath.join(format!("{driver}-{ups}"))
}

#[cfg(test)]
mod tests;
