//! dummy-ups' repeater mode (`port = ups@host[:port]`, or `mode = repeater`): a NUT network
//! client of another upsd that re-publishes one of its UPSes.
//!
//! About every second ([`POLL_INTERVAL`]) it reads `LIST VAR` upstream, as dummy-ups does;
//! on connecting, when the set of variables changes, after a passed-through command and
//! every [`RETYPE_EVERY`] polls it also reads the typing (`LIST RW`, `GET TYPE`,
//! `LIST ENUM`, `LIST RANGE`) and `LIST CMD`, so writable variables keep their flags,
//! lengths, enums and ranges ([`mirror`]). `SET` and `INSTCMD` go to the upstream UPS,
//! logged in as `username`/`password` when given, and report what the upstream driver
//! answered (TRACKING). When the upstream is unreachable or reports the UPS unavailable
//! (`DATA-STALE`, driver gone) the data goes stale; it is retried with back-off
//! ([`FIRST_BACKOFF`] doubling to [`MAX_BACKOFF`]) and recovers when the upstream does.
//!
//! The connection tries STARTTLS, as dummy-ups' `UPSCLI_CONN_TRYSSL`: an upstream without
//! TLS is read in clear text; one with TLS is read encrypted, its certificate unchecked
//! unless `certverify = 1` (against `certpath`'s CAs or the system's); `forcessl = 1`
//! refuses clear text.
//!
//! Without `repeater_disable_strict_start`, [`Repeater::start_strict`] fails when the first look
//! upstream fails, and the program exits, as dummy-ups does.

use std::collections::BTreeSet;
use std::time::Duration;

use nut_client::ClientError;
use nut_client::tls::TlsOptions;
use nut_core::{StateChange, StateTree};
use nut_protocol::address::UpsAddress;
use nut_protocol::sock::{DriverMessage, ServerMessage, TrackingResult};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::diff::tree_diff;
use crate::runtime::{DriverLink, Output, Request, Serve, answer_from_tree, outputs};

use super::DummyOptions;

pub mod mirror;
#[cfg(test)]
mod tests;
mod upstream;

pub use mirror::{Snapshot, Typing, flags_of, mirror_tree};
pub use upstream::{PASS_THROUGH_TIMEOUT, Upstream, UpstreamError};

/// Time between looks upstream.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Wait before the first reconnection attempt.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait between reconnection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// The typing and commands are read again at least every this many polls.
pub const RETYPE_EVERY: u32 = 30;

/// Why a repeater could not start.
#[derive(Debug, thiserror::Error)]
pub enum RepeaterError {
    /// The options are not those of a repeater (no `ups@host` port).
    #[error("not in repeater mode (port '{port}')")]
    NotRepeater {
        /// The port.
        port: String,
    },
    /// A simulation was asked for, but the port names an upstream UPS.
    #[error("port '{port}' is a repeater's, not a device file")]
    NotSimulation {
        /// The port.
        port: String,
    },
    /// The TLS settings (`certverify`, `certpath`, `forcessl`) cannot be used, e.g. the CA
    /// file cannot be read.
    #[error("TLS settings: {0}")]
    Tls(#[source] ClientError),
    /// The first look upstream failed and strict start is on (dummy-ups' wording).
    #[error(
        "Error: {error}. Any errors encountered starting the repeater mode result in driver \
         termination, perhaps you want to set the 'repeater_disable_strict_start' option?"
    )]
    Start {
        /// What failed.
        error: UpstreamError,
    },
}

/// A repeater, ready to [`Serve`].
#[derive(Debug)]
pub struct Repeater {
    options: DummyOptions,
    address: UpsAddress,
    tls: TlsOptions,
    tree: StateTree,
    upstream: Option<Upstream>,
    snapshot: Snapshot,
    /// The variable names when the typing was last read.
    typed_names: BTreeSet<String>,
    retype: bool,
    polls_since_typing: u32,
    backoff: Duration,
    next_poll: Instant,
}

impl Repeater {
    /// A repeater for `options` that has not looked upstream yet (its first poll will): its
    /// data is stale until then.
    pub fn new(options: DummyOptions) -> Result<Repeater, RepeaterError> {
        let Some(address) = options.upstream.clone() else {
            return Err(RepeaterError::NotRepeater { port: options.port });
        };
        let tls = TlsOptions::nut(
            options.certverify,
            options.certpath.as_deref().map(std::path::Path::new),
            options.forcessl,
        )
        .map_err(RepeaterError::Tls)?;
        let mut tree = StateTree::new();
        mirror::own_changes(&options, &mut tree);
        // Nothing passes for fresh before the first look upstream.
        tree.apply(&StateChange::DataStale);
        Ok(Repeater {
            options,
            address,
            tls,
            tree,
            upstream: None,
            snapshot: Snapshot::default(),
            typed_names: BTreeSet::new(),
            retype: true,
            polls_since_typing: 0,
            backoff: FIRST_BACKOFF,
            next_poll: Instant::now(),
        })
    }

    /// Connects and reads the upstream UPS once, as dummy-ups does before serving. A
    /// failure ends the repeater unless `repeater_disable_strict_start` is set (then it is
    /// logged, the data is stale and the polls retry).
    pub async fn start_strict(&mut self) -> Result<(), RepeaterError> {
        match self.look().await {
            Ok(_) => {
                self.tree.apply(&StateChange::DataOk);
            }
            Err(error) if self.options.lenient_start() => {
                tracing::warn!(%error, "upstream not available at start");
            }
            Err(error) => return Err(RepeaterError::Start { error }),
        }
        self.next_poll = Instant::now() + POLL_INTERVAL;
        Ok(())
    }

    /// [`Repeater::new`] then [`Repeater::start_strict`].
    pub async fn connect(options: DummyOptions) -> Result<Repeater, RepeaterError> {
        let mut repeater = Repeater::new(options)?;
        repeater.start_strict().await?;
        Ok(repeater)
    }

    /// The state published now.
    pub fn tree(&self) -> &StateTree {
        &self.tree
    }

    /// The upstream UPS.
    pub fn upstream(&self) -> &UpsAddress {
        &self.address
    }

    /// Whether the connection upstream is up and runs under TLS.
    pub async fn upstream_is_tls(&self) -> bool {
        match &self.upstream {
            Some(upstream) => upstream.is_tls().await,
            None => false,
        }
    }

    /// One poll: connects if needed, reads upstream and returns what changed (including
    /// `DataStale`/`DataOk`); schedules the next poll.
    pub async fn poll(&mut self) -> Vec<StateChange> {
        match self.look().await {
            Ok(mut changes) => {
                self.next_poll = Instant::now() + POLL_INTERVAL;
                if self.tree.apply(&StateChange::DataOk) {
                    changes.push(StateChange::DataOk);
                }
                changes
            }
            Err(error) => {
                let wait = match error {
                    UpstreamError::Lost(_) => {
                        let wait = self.backoff;
                        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                        wait
                    }
                    UpstreamError::Unavailable(_) => POLL_INTERVAL,
                };
                tracing::debug!(%error, ?wait, "upstream");
                self.next_poll = Instant::now() + wait;
                if self.tree.apply(&StateChange::DataStale) {
                    tracing::warn!(%error, "data stale");
                    vec![StateChange::DataStale]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// Connects if needed and reads upstream; on success applies the new state to the tree
    /// and returns the changes (not the data-ok).
    async fn look(&mut self) -> Result<Vec<StateChange>, UpstreamError> {
        let result = self.read().await;
        if let Err(UpstreamError::Lost(_)) = result {
            self.upstream = None;
        }
        let snapshot = result?;
        self.backoff = FIRST_BACKOFF;
        let wanted = mirror_tree(&self.options, &snapshot);
        self.snapshot = snapshot;
        let changes = tree_diff(&self.tree, &wanted);
        for change in &changes {
            self.tree.apply(change);
        }
        Ok(changes)
    }

    async fn read(&mut self) -> Result<Snapshot, UpstreamError> {
        let upstream = match &mut self.upstream {
            Some(upstream) => upstream,
            None => {
                let user = self
                    .options
                    .username
                    .as_deref()
                    .map(|u| (u, self.options.password.as_deref().unwrap_or_default()));
                let connected = Upstream::connect(&self.address, user, self.tls.clone())
                    .await
                    .map_err(UpstreamError::Lost)?;
                let tls = connected.is_tls().await;
                tracing::info!(upstream = %self.address, tls, "connected");
                self.retype = true;
                self.upstream.insert(connected)
            }
        };
        let values = upstream.values().await?;
        let names: BTreeSet<String> = values.iter().map(|(n, _)| n.clone()).collect();
        let mut snapshot = Snapshot {
            values,
            ..self.snapshot.clone()
        };
        self.polls_since_typing += 1;
        if self.retype || names != self.typed_names || self.polls_since_typing >= RETYPE_EVERY {
            upstream.complete(&mut snapshot).await?;
            self.typed_names = names;
            self.retype = false;
            self.polls_since_typing = 0;
        }
        Ok(snapshot)
    }

    /// Passes `SET` or `INSTCMD` upstream; the result to report.
    async fn pass_through(&mut self, message: &ServerMessage) -> TrackingResult {
        let Some(upstream) = &mut self.upstream else {
            return TrackingResult::FAILED;
        };
        let result = match message {
            ServerMessage::Set { var, value, .. } => upstream.set_var(var, value).await,
            ServerMessage::InstCmd { cmd, param, .. } => {
                upstream.instcmd(cmd, param.as_deref()).await
            }
            _ => Ok(TrackingResult::UNKNOWN),
        };
        // Show the effect soon, with its typing and commands.
        self.retype = true;
        self.next_poll = Instant::now();
        match result {
            Ok(result) => result,
            Err(error) => {
                tracing::warn!(%error, "pass-through failed");
                if !matches!(error, ClientError::Server(_)) {
                    self.upstream = None;
                }
                TrackingResult::FAILED
            }
        }
    }

    /// Answers one request from a client of the driver socket.
    async fn answer(&mut self, request: Request) -> Vec<Output> {
        let Request { client, message } = request;
        let message = match answer_from_tree(&self.tree, message) {
            Ok(answer) => return outputs(client, answer),
            Err(message) => message,
        };
        let result = self.pass_through(&message).await;
        let tracking = match message {
            ServerMessage::Set { tracking, .. } | ServerMessage::InstCmd { tracking, .. } => {
                tracking
            }
            _ => None,
        };
        tracking
            .map(|id| Output::Reply {
                client,
                message: DriverMessage::Tracking { id, result },
            })
            .into_iter()
            .collect()
    }

    async fn run(
        mut self,
        mut requests: mpsc::UnboundedReceiver<Request>,
        out: mpsc::UnboundedSender<Output>,
    ) {
        loop {
            let messages = tokio::select! {
                _ = tokio::time::sleep_until(self.next_poll) => self
                    .poll()
                    .await
                    .into_iter()
                    .map(|change| Output::Broadcast(DriverMessage::Change(change)))
                    .collect(),
                request = requests.recv() => match request {
                    None => return,
                    Some(request) => self.answer(request).await,
                },
            };
            for message in messages {
                if out.send(message).is_err() {
                    return;
                }
            }
        }
    }
}

impl Serve for Repeater {
    fn start(self) -> DriverLink {
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let (output_tx, output) = mpsc::unbounded_channel();
        tokio::spawn(self.run(requests_rx, output_tx));
        DriverLink { requests, output }
    }
}
