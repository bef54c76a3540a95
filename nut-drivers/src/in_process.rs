//! Running a driver inside the server's process: the driver task speaks the driver-socket
//! messages over channels ([`DriverChannel`]), so upsd handles it exactly like a socket.

use std::time::Duration;

use nut_protocol::sock::{DriverMessage, ServerMessage};
use nut_protocol::upsd::DriverChannel;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::runtime::{Driver, answer};

/// Far enough in the future to mean "never".
pub(crate) const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);

/// Starts `driver` on the current tokio runtime; the returned channel goes to
/// [`nut_protocol::upsd::DriverSource::Channel`].
pub fn spawn(driver: impl Driver) -> DriverChannel {
    let (to_server, from_driver) = mpsc::unbounded_channel();
    let (to_driver, commands) = mpsc::unbounded_channel();
    tokio::spawn(run(Box::new(driver), to_server, commands));
    DriverChannel {
        from_driver,
        to_driver,
    }
}

async fn run(
    mut driver: Box<dyn Driver>,
    out: mpsc::UnboundedSender<DriverMessage>,
    mut commands: mpsc::UnboundedReceiver<ServerMessage>,
) {
    let start = Instant::now();
    loop {
        let wake = start + driver.next_wakeup().unwrap_or(NEVER);
        let messages: Vec<DriverMessage> = tokio::select! {
            _ = tokio::time::sleep_until(wake) => {
                driver.poll(start.elapsed()).into_iter().map(DriverMessage::Change).collect()
            }
            command = commands.recv() => match command {
                None => return,
                Some(command) => {
                    let answer = answer(driver.as_mut(), command);
                    answer.broadcast.into_iter().chain(answer.reply).collect()
                }
            },
        };
        for message in messages {
            if out.send(message).is_err() {
                return;
            }
        }
    }
}
