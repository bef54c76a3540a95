//! Running a driver inside the server's process: the driver task speaks the driver-socket
//! messages over channels ([`DriverChannel`]), so upsd handles it exactly like a socket.

use std::time::Duration;

use nut_protocol::sock::{DriverMessage, ServerMessage};
use nut_protocol::upsd::DriverChannel;
use tokio::sync::mpsc;

use crate::runtime::{DriverLink, Output, Request, Serve};

/// Far enough in the future to mean "never".
pub(crate) const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);

/// Starts `driver` on the current tokio runtime; the returned channel goes to
/// [`nut_protocol::upsd::DriverSource::Channel`].
pub fn spawn(driver: impl Serve) -> DriverChannel {
    let (to_server, from_driver) = mpsc::unbounded_channel();
    let (to_driver, commands) = mpsc::unbounded_channel();
    tokio::spawn(forward(driver.start(), to_server, commands));
    DriverChannel {
        from_driver,
        to_driver,
    }
}

/// Passes the server's messages to the driver (as client 0) and everything the driver sends
/// back to the server.
async fn forward(
    mut link: DriverLink,
    out: mpsc::UnboundedSender<DriverMessage>,
    mut commands: mpsc::UnboundedReceiver<ServerMessage>,
) {
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => return,
                Some(message) => {
                    if link.requests.send(Request { client: 0, message }).is_err() {
                        return;
                    }
                }
            },
            output = link.output.recv() => {
                let message = match output {
                    None => return,
                    Some(Output::Broadcast(message) | Output::Reply { message, .. }) => message,
                    Some(Output::Close { .. }) => continue,
                };
                if out.send(message).is_err() {
                    return;
                }
            }
        }
    }
}
