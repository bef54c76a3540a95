//! What every driver runtime shares: the [`Driver`] trait and how a driver answers the
//! messages upsd (or a tool) sends it.

use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_protocol::sock::{DriverMessage, ServerMessage, TrackingResult, dump_reply};

use crate::dummy::{DummyDriver, WatchedDummy};

/// A driver as the runtimes see it: a state machine with a tree, a clock and commands.
pub trait Driver: Send + 'static {
    /// The current state.
    fn tree(&self) -> &StateTree;
    /// When [`Driver::poll`] has something to do next (time since the driver started).
    fn next_wakeup(&self) -> Option<Duration>;
    /// Advances to `now`; returns what changed.
    fn poll(&mut self, now: Duration) -> Vec<StateChange>;
    /// `SET var value`: the changes, or the result code to report.
    fn set_var(&mut self, name: &str, value: &str) -> Result<Vec<StateChange>, TrackingResult>;
    /// `INSTCMD cmd [param]`: the result code to report.
    fn instcmd(&mut self, cmd: &str, param: Option<&str>) -> TrackingResult;
}

impl Driver for DummyDriver {
    fn tree(&self) -> &StateTree {
        DummyDriver::tree(self)
    }

    fn next_wakeup(&self) -> Option<Duration> {
        DummyDriver::next_wakeup(self)
    }

    fn poll(&mut self, now: Duration) -> Vec<StateChange> {
        DummyDriver::poll(self, now)
    }

    fn set_var(&mut self, name: &str, value: &str) -> Result<Vec<StateChange>, TrackingResult> {
        DummyDriver::set_var(self, name, value)
    }

    fn instcmd(&mut self, cmd: &str, param: Option<&str>) -> TrackingResult {
        DummyDriver::instcmd(self, cmd, param)
    }
}

impl Driver for WatchedDummy {
    fn tree(&self) -> &StateTree {
        WatchedDummy::tree(self)
    }

    fn next_wakeup(&self) -> Option<Duration> {
        WatchedDummy::next_wakeup(self)
    }

    fn poll(&mut self, now: Duration) -> Vec<StateChange> {
        WatchedDummy::poll(self, now)
    }

    fn set_var(&mut self, name: &str, value: &str) -> Result<Vec<StateChange>, TrackingResult> {
        WatchedDummy::set_var(self, name, value)
    }

    fn instcmd(&mut self, cmd: &str, param: Option<&str>) -> TrackingResult {
        WatchedDummy::instcmd(self, cmd, param)
    }
}

/// A driver's answer to one message: lines for the asking client only, and changes for
/// every client.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// To the client that asked (dump, PONG, TRACKING result, goodbye).
    pub reply: Vec<DriverMessage>,
    /// To every client that listens to broadcasts (state changes).
    pub broadcast: Vec<DriverMessage>,
    /// True after `LOGOUT`: close the asking client.
    pub close: bool,
}

/// How a driver answers `message`.
pub fn answer(driver: &mut dyn Driver, message: ServerMessage) -> Answer {
    let mut out = Answer::default();
    match message {
        ServerMessage::DumpAll => {
            let tree = driver.tree();
            out.reply = dump_reply(tree.dump(), tree.data_ok());
        }
        ServerMessage::Ping => out.reply.push(DriverMessage::Pong),
        ServerMessage::Logout => {
            out.reply.push(DriverMessage::Goodbye);
            out.close = true;
        }
        ServerMessage::Set {
            var,
            value,
            tracking,
        } => {
            let result = match driver.set_var(&var, &value) {
                Ok(changes) => {
                    out.broadcast
                        .extend(changes.into_iter().map(DriverMessage::Change));
                    TrackingResult::HANDLED
                }
                Err(code) => code,
            };
            out.reply
                .extend(tracking.map(|id| DriverMessage::Tracking { id, result }));
        }
        ServerMessage::InstCmd {
            cmd,
            param,
            tracking,
        } => {
            let result = driver.instcmd(&cmd, param.as_deref());
            out.reply
                .extend(tracking.map(|id| DriverMessage::Tracking { id, result }));
        }
        ServerMessage::DumpValue(_)
        | ServerMessage::DumpStatus
        | ServerMessage::GetPid
        | ServerMessage::NoBroadcast
        | ServerMessage::Broadcast(_) => {}
    }
    out
}
