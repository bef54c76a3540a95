//! Running a driver inside the server's process: the driver task speaks the driver-socket
//! messages over channels ([`DriverChannel`]), so upsd handles it exactly like a socket.

use std::time::Duration;

use nut_protocol::sock::{DriverMessage, ServerMessage, TrackingResult, dump_reply};
use nut_protocol::upsd::DriverChannel;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::dummy::DummyDriver;

/// Starts `driver` on the current tokio runtime; the returned channel goes to
/// [`nut_protocol::upsd::DriverSource::Channel`].
pub fn spawn_dummy(driver: DummyDriver) -> DriverChannel {
    let (to_server, from_driver) = mpsc::unbounded_channel();
    let (to_driver, commands) = mpsc::unbounded_channel();
    tokio::spawn(run(driver, to_server, commands));
    DriverChannel {
        from_driver,
        to_driver,
    }
}

async fn run(
    mut driver: DummyDriver,
    out: mpsc::UnboundedSender<DriverMessage>,
    mut commands: mpsc::UnboundedReceiver<ServerMessage>,
) {
    let start = Instant::now();
    let far = Duration::from_secs(365 * 24 * 3600);
    loop {
        let wake = start + driver.next_wakeup().unwrap_or(far);
        let replies: Vec<DriverMessage> = tokio::select! {
            _ = tokio::time::sleep_until(wake) => {
                driver.poll(start.elapsed()).into_iter().map(DriverMessage::Change).collect()
            }
            command = commands.recv() => match command {
                None => return,
                Some(command) => answer(&mut driver, command),
            },
        };
        for reply in replies {
            if out.send(reply).is_err() {
                return;
            }
        }
    }
}

fn answer(driver: &mut DummyDriver, command: ServerMessage) -> Vec<DriverMessage> {
    match command {
        ServerMessage::DumpAll => {
            let tree = driver.tree();
            dump_reply(tree.dump(), tree.data_ok())
        }
        ServerMessage::Ping => vec![DriverMessage::Pong],
        ServerMessage::Logout => vec![DriverMessage::Goodbye],
        ServerMessage::Set {
            var,
            value,
            tracking,
        } => {
            let mut out: Vec<DriverMessage> = driver
                .set_var(&var, &value)
                .into_iter()
                .map(DriverMessage::Change)
                .collect();
            out.extend(tracking.map(|id| DriverMessage::Tracking {
                id,
                result: TrackingResult::HANDLED,
            }));
            out
        }
        ServerMessage::InstCmd { tracking, .. } => tracking
            .map(|id| DriverMessage::Tracking {
                id,
                result: TrackingResult::UNKNOWN,
            })
            .into_iter()
            .collect(),
        ServerMessage::DumpValue(_)
        | ServerMessage::DumpStatus
        | ServerMessage::GetPid
        | ServerMessage::NoBroadcast
        | ServerMessage::Broadcast(_) => Vec::new(),
    }
}
