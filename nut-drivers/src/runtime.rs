//! What every driver runtime shares: the [`Driver`] trait, how a driver answers the
//! messages upsd (or a tool) sends it, and [`Serve`]: a driver running as a task of its own,
//! linked by channels to whatever serves it (the driver socket in [`crate::socket`], the
//! in-process channel in [`crate::in_process`]). A sync [`Driver`] and the hardware runner
//! ([`crate::device::Runner`]) both serve through it.

use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_protocol::sock::{DriverMessage, ServerMessage, TrackingResult, dump_reply};
use tokio::sync::mpsc;
use tokio::time::Instant;

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
    let message = match answer_from_tree(driver.tree(), message) {
        Ok(answer) => return answer,
        Err(message) => message,
    };
    let mut out = Answer::default();
    match message {
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
        _ => {}
    }
    out
}

/// The answer to every message but `SET` and `INSTCMD` (given back as `Err` for the driver
/// to run): `DUMPALL` from `tree`, `PONG`, the goodbye; the rest is ignored.
pub fn answer_from_tree(tree: &StateTree, message: ServerMessage) -> Result<Answer, ServerMessage> {
    let mut out = Answer::default();
    match message {
        ServerMessage::DumpAll => out.reply = dump_reply(tree.dump(), tree.data_ok()),
        ServerMessage::Ping => out.reply.push(DriverMessage::Pong),
        ServerMessage::Logout => {
            out.reply.push(DriverMessage::Goodbye);
            out.close = true;
        }
        message @ (ServerMessage::Set { .. } | ServerMessage::InstCmd { .. }) => {
            return Err(message);
        }
        ServerMessage::DumpValue(_)
        | ServerMessage::DumpStatus
        | ServerMessage::GetPid
        | ServerMessage::NoBroadcast
        | ServerMessage::Broadcast(_) => {}
    }
    Ok(out)
}

/// One message to a running driver from one of its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which client asked (the server's own numbering).
    pub client: u64,
    /// What it asked.
    pub message: ServerMessage,
}

/// What a running driver sends out, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// To every client that listens to broadcasts (a state change).
    Broadcast(DriverMessage),
    /// To one client only (dump, `PONG`, `TRACKING` result, goodbye).
    Reply {
        /// The client that asked.
        client: u64,
        /// The line.
        message: DriverMessage,
    },
    /// Close this client (after `LOGOUT`).
    Close {
        /// The client.
        client: u64,
    },
}

/// The two ends of a running driver: requests in, output out. The driver stops when every
/// request sender is gone or the output receiver is dropped.
#[derive(Debug)]
pub struct DriverLink {
    /// Where clients' messages go.
    pub requests: mpsc::UnboundedSender<Request>,
    /// What the driver sends.
    pub output: mpsc::UnboundedReceiver<Output>,
}

/// Something that runs as a driver task: a sync [`Driver`] (every one, by the blanket
/// implementation) or the hardware runner.
pub trait Serve: Send + 'static {
    /// Starts the driver on the current tokio runtime.
    fn start(self) -> DriverLink;
}

impl<D: Driver> Serve for D {
    fn start(self) -> DriverLink {
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let (output_tx, output) = mpsc::unbounded_channel();
        tokio::spawn(run_sync(Box::new(self), requests_rx, output_tx));
        DriverLink { requests, output }
    }
}

/// The [`Output`]s of `answer` to `client`: broadcasts first, then the reply, then closing.
pub fn outputs(client: u64, answer: Answer) -> Vec<Output> {
    let mut out: Vec<Output> = answer
        .broadcast
        .into_iter()
        .map(Output::Broadcast)
        .collect();
    out.extend(
        answer
            .reply
            .into_iter()
            .map(|message| Output::Reply { client, message }),
    );
    if answer.close {
        out.push(Output::Close { client });
    }
    out
}

async fn run_sync(
    mut driver: Box<dyn Driver>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    out: mpsc::UnboundedSender<Output>,
) {
    let start = Instant::now();
    loop {
        let wake = start + driver.next_wakeup().unwrap_or(crate::in_process::NEVER);
        let messages: Vec<Output> = tokio::select! {
            _ = tokio::time::sleep_until(wake) => driver
                .poll(start.elapsed())
                .into_iter()
                .map(|change| Output::Broadcast(DriverMessage::Change(change)))
                .collect(),
            request = requests.recv() => match request {
                None => return,
                Some(Request { client, message }) => {
                    outputs(client, answer(driver.as_mut(), message))
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
