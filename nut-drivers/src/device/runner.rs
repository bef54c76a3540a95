//! The async runner: owns a [`PortOpener`] and a [`DeviceProtocol`], opens the port (backing
//! off while that fails), identifies the device, polls it every `pollinterval` and runs
//! clients' `SET`/`INSTCMD` between polls. What the family reports goes through the
//! [`DeviceCore`]; the changes go out through [`Serve`], so the same runner feeds the NUT
//! driver socket and the in-process channel.
//!
//! A `Disconnected` or `Io` error drops the port (the data goes stale) and the runner opens
//! it again with back-off, identifies again and carries on: no restart is needed. Any other
//! failed poll only makes the data stale until the next good one.

use std::time::Duration;

use nut_core::StateTree;
use nut_hal::ErrorKind;
use nut_protocol::sock::{DriverMessage, ServerMessage};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::config::{ConfigError, DriverConfig};
use super::core::{CoreError, DeviceCore, SHUTDOWN_DEFAULT, tracking_result};
use super::published::pollinterval;
use super::{CommandError, DeviceError, DeviceProtocol, PortOpener};
use crate::runtime::{DriverLink, Output, Request, Serve, answer_from_tree, outputs};

/// The first wait before opening a lost port again; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to open the port.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Why a runner stopped for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The core refused to go on (`ignorelb` without a way to decide `LB`).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The first identification found a device the family cannot drive.
    #[error("{0}")]
    Unsupported(DeviceError),
}

/// True for the errors after which the port is dropped and opened again.
fn loses_port(error: &DeviceError) -> bool {
    matches!(error.kind(), ErrorKind::Disconnected | ErrorKind::Io)
}

/// A family, its port opener and the published state, ready to [`Serve`].
pub struct Runner<F, O>
where
    F: DeviceProtocol,
    O: PortOpener<Port = F::Port>,
{
    family: F,
    opener: O,
    core: DeviceCore,
    pollinterval: Duration,
    port: Option<F::Port>,
    identified: bool,
    ever_identified: bool,
    backoff: Duration,
    next: Instant,
    updates: u64,
    fatal: Option<oneshot::Sender<RunError>>,
    dump: Option<(u64, oneshot::Sender<StateTree>)>,
    /// `sdcommands`: what `shutdown.default` (and `-k`) runs; empty: the family's own.
    sdcommands: Vec<String>,
    /// The settings in use, and the family's own keys (for reloads).
    config: DriverConfig,
    family_keys: Vec<String>,
    /// New settings to take at run time ([`Runner::reloader`]).
    reloads: Option<mpsc::UnboundedReceiver<DriverConfig>>,
    /// Fires when the owner asks for a clean stop ([`Runner::stop_handle`]).
    stop: Option<oneshot::Receiver<()>>,
}

impl<F, O> Runner<F, O>
where
    F: DeviceProtocol,
    O: PortOpener<Port = F::Port>,
{
    /// A runner for `family` over ports from `opener`, set up by `config` (the family's own
    /// keys are `family_keys`, published as `driver.parameter.*`).
    pub fn new(
        family: F,
        opener: O,
        config: &DriverConfig,
        family_keys: &[&str],
    ) -> Result<Self, ConfigError> {
        let core = DeviceCore::new(family.name(), family.version(), config, family_keys)?;
        Ok(Runner {
            family,
            opener,
            core,
            pollinterval: Duration::from_secs(pollinterval(config)?),
            port: None,
            identified: false,
            ever_identified: false,
            backoff: FIRST_BACKOFF,
            next: Instant::now(),
            updates: 0,
            fatal: None,
            dump: None,
            sdcommands: sdcommands(config),
            config: config.clone(),
            family_keys: family_keys.iter().map(|&key| key.to_owned()).collect(),
            reloads: None,
            stop: None,
        })
    }

    /// A sender of new settings (ups.conf read again on SIGHUP or `-c reload`): the running
    /// runner takes what can change at run time (`pollinterval`, `override.*`,
    /// `default.*`, `ignorelb`, `sdcommands` …) and logs the changes that need a restart
    /// (`port`, `driver`, the family's keys), keeping their old values.
    pub fn reloader(&mut self) -> mpsc::UnboundedSender<DriverConfig> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.reloads = Some(rx);
        tx
    }

    /// Takes the runtime settings of `new` now; returns the changes to publish (none when
    /// `new` is refused: the old settings stay).
    pub fn reload(&mut self, new: &DriverConfig) -> Vec<nut_core::StateChange> {
        let family_keys: Vec<&str> = self.family_keys.iter().map(String::as_str).collect();
        let (config, restart) = self.config.reloaded(new);
        let checked = new
            .check_known(&family_keys)
            .and_then(|()| pollinterval(&config));
        let seconds = match checked {
            Ok(seconds) => seconds,
            Err(error) => {
                tracing::error!(%error, "reload refused: the old settings stay");
                return Vec::new();
            }
        };
        for key in &restart {
            tracing::warn!(%key, "changed in ups.conf: restart the driver to apply it");
        }
        let changes = match self.core.reconfigure(
            self.family.name(),
            self.family.version(),
            &config,
            &family_keys,
        ) {
            Ok(changes) => changes,
            Err(error) => {
                tracing::error!(%error, "reload refused: the old settings stay");
                return Vec::new();
            }
        };
        let interval = Duration::from_secs(seconds);
        self.next = self.next.min(Instant::now() + interval);
        self.pollinterval = interval;
        self.sdcommands = sdcommands(&config);
        self.config = config;
        tracing::info!("settings reloaded");
        changes
    }

    /// The published state.
    pub fn tree(&self) -> &StateTree {
        self.core.tree()
    }

    /// Receives the reason if the runner stops for good (then its driver task ends).
    pub fn on_fatal(&mut self) -> oneshot::Receiver<RunError> {
        let (tx, rx) = oneshot::channel();
        self.fatal = Some(tx);
        rx
    }

    /// Receives the state after `updates` good polls (`-d <count>`); the runner then stops.
    pub fn dump_after(&mut self, updates: u64) -> oneshot::Receiver<StateTree> {
        let (tx, rx) = oneshot::channel();
        self.dump = Some((updates.max(1), tx));
        rx
    }

    /// A handle that stops the runner cleanly (the device is closed first) when it sends;
    /// dropping it without sending changes nothing. A program sends on `SIGTERM`.
    pub fn stop_handle(&mut self) -> oneshot::Sender<()> {
        let (tx, rx) = oneshot::channel();
        self.stop = Some(rx);
        tx
    }

    /// Runs until every request sender is gone, a stop is asked ([`Runner::stop_handle`]), the output is dropped, a fatal error, or
    /// the dump asked by [`Runner::dump_after`]; on the clean stops (all but the fatal
    /// error) the family closes the device first ([`DeviceProtocol::close`]).
    pub async fn run(
        mut self,
        mut requests: mpsc::UnboundedReceiver<Request>,
        out: mpsc::UnboundedSender<Output>,
    ) -> Result<(), RunError> {
        self.next = Instant::now();
        let mut reloads = self.reloads.take();
        let mut stop = self.stop.take();
        loop {
            let reload = async {
                match reloads.as_mut() {
                    Some(reloads) => reloads.recv().await,
                    None => std::future::pending().await,
                }
            };
            let sent = tokio::select! {
                () = stop_asked(&mut stop) => {
                    self.close().await;
                    return Ok(());
                }
                request = requests.recv() => match request {
                    None => {
                        self.close().await;
                        return Ok(());
                    }
                    Some(request) => self.handle(request).await,
                },
                Some(config) = reload => self
                    .reload(&config)
                    .into_iter()
                    .map(|change| Output::Broadcast(DriverMessage::Change(change)))
                    .collect(),
                _ = tokio::time::sleep_until(self.next) => match self.step().await {
                    Ok(changes) => changes
                        .into_iter()
                        .map(|change| Output::Broadcast(DriverMessage::Change(change)))
                        .collect(),
                    Err(error) => {
                        tracing::error!(%error, "driver stopped");
                        if let Some(fatal) = self.fatal.take() {
                            let _ = fatal.send(error.clone());
                        }
                        return Err(error);
                    }
                },
            };
            for output in sent {
                if out.send(output).is_err() {
                    self.close().await;
                    return Ok(());
                }
            }
            if let Some((count, _)) = &self.dump
                && self.updates >= *count
                && let Some((_, tx)) = self.dump.take()
            {
                self.close().await;
                let _ = tx.send(self.core.tree().clone());
                return Ok(());
            }
        }
    }

    /// One scheduled step: open, identify, poll — as far as it gets.
    async fn step(&mut self) -> Result<Vec<nut_core::StateChange>, RunError> {
        let mut changes = Vec::new();
        let now = Instant::now();
        if self.port.is_none() {
            match self.opener.open().await {
                Ok(port) => {
                    tracing::info!("port opened");
                    self.port = Some(port);
                    self.identified = false;
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?self.backoff, "cannot open the port");
                    changes.extend(self.core.poll_failed());
                    self.retry_later(now);
                    return Ok(changes);
                }
            }
        }
        let Some(port) = self.port.as_mut() else {
            return Ok(changes);
        };
        if !self.identified {
            match self.family.identify(port).await {
                Ok(identity) => {
                    tracing::info!("device identified");
                    self.identified = true;
                    self.ever_identified = true;
                    changes.extend(self.core.identified(identity));
                }
                Err(error) => {
                    if matches!(error, DeviceError::NotSupported(_)) && !self.ever_identified {
                        return Err(RunError::Unsupported(error));
                    }
                    tracing::warn!(%error, retry_in = ?self.backoff, "cannot identify the device");
                    changes.extend(self.failed(&error));
                    self.retry_later(now);
                    return Ok(changes);
                }
            }
        }
        let Some(port) = self.port.as_mut() else {
            return Ok(changes);
        };
        match self.family.update(port).await {
            Ok(reading) => {
                changes.extend(self.core.poll_ok(reading)?);
                self.backoff = FIRST_BACKOFF;
                self.updates += 1;
                self.next = now + self.pollinterval;
            }
            Err(error) => {
                tracing::warn!(%error, "poll failed: data stale");
                changes.extend(self.failed(&error));
                if self.port.is_none() {
                    self.retry_later(now);
                } else {
                    self.next = now + self.pollinterval;
                }
            }
        }
        Ok(changes)
    }

    /// Marks the data stale after `error`, dropping the port if it is lost.
    fn failed(&mut self, error: &DeviceError) -> Vec<nut_core::StateChange> {
        if loses_port(error) {
            tracing::warn!("port lost: opening it again");
            self.port = None;
            self.identified = false;
        }
        self.core.poll_failed()
    }

    /// A clean stop: the family closes the device if it is open and identified.
    async fn close(&mut self) {
        if let Some(port) = self.port.as_mut()
            && self.identified
            && let Err(error) = self.family.close(port).await
        {
            tracing::warn!(%error, "closing the device failed");
        }
    }

    fn retry_later(&mut self, now: Instant) {
        self.next = now + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// A client's message: answered from the tree, or run by the family.
    async fn handle(&mut self, request: Request) -> Vec<Output> {
        let client = request.client;
        let message = match answer_from_tree(self.core.tree(), request.message) {
            Ok(answer) => return outputs(client, answer),
            Err(message) => message,
        };
        let (result, tracking) = match message {
            ServerMessage::Set {
                var,
                value,
                tracking,
            } => {
                let result = match self.port.as_mut() {
                    Some(port) if self.identified => self.family.set_var(port, &var, &value).await,
                    _ => Err(not_connected()),
                };
                tracing::info!(%var, %value, ?result, "SET");
                (result, tracking)
            }
            ServerMessage::InstCmd {
                cmd,
                param,
                tracking,
            } => {
                let result = match self.port.as_mut() {
                    Some(port) if self.identified && cmd == SHUTDOWN_DEFAULT => {
                        shutdown_default(&mut self.family, port, &self.sdcommands).await
                    }
                    Some(port) if self.identified => {
                        self.family.instcmd(port, &cmd, param.as_deref()).await
                    }
                    _ => Err(not_connected()),
                };
                tracing::info!(%cmd, ?param, ?result, "INSTCMD");
                (result, tracking)
            }
            _ => return Vec::new(),
        };
        let mut sent = Vec::new();
        match &result {
            // Show the effect at once: poll now.
            Ok(()) => self.next = Instant::now(),
            Err(CommandError::Failed(error)) if loses_port(error) => {
                sent.extend(
                    self.failed(error)
                        .into_iter()
                        .map(|change| Output::Broadcast(DriverMessage::Change(change))),
                );
                self.next = Instant::now() + self.backoff;
            }
            Err(_) => {}
        }
        let code = tracking_result(&result);
        sent.extend(tracking.map(|id| Output::Reply {
            client,
            message: DriverMessage::Tracking { id, result: code },
        }));
        sent
    }
}

/// Completes when the stop handle sends; never when there is none or it was dropped.
async fn stop_asked(stop: &mut Option<oneshot::Receiver<()>>) {
    let Some(receiver) = stop.as_mut() else {
        return std::future::pending().await;
    };
    if receiver.await.is_ok() {
        return;
    }
    *stop = None;
    std::future::pending().await
}

fn not_connected() -> CommandError {
    CommandError::Failed(DeviceError::Transport {
        operation: "command".into(),
        kind: ErrorKind::Disconnected,
        message: "the device is not connected".into(),
    })
}

impl<F, O> Serve for Runner<F, O>
where
    F: DeviceProtocol,
    O: PortOpener<Port = F::Port>,
{
    fn start(self) -> DriverLink {
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let (output_tx, output) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let _ = self.run(requests_rx, output_tx).await;
        });
        DriverLink { requests, output }
    }
}

/// `-k`: opens the port, identifies the device and tells it to cut the load: with
/// `sdcommands` in `config`, the first of those commands the device accepts, else the family's
/// own method; then closes the device ([`DeviceProtocol::close`]).
pub async fn kill_power<F, O>(
    family: &mut F,
    opener: &mut O,
    config: &DriverConfig,
) -> Result<(), DeviceError>
where
    F: DeviceProtocol,
    O: PortOpener<Port = F::Port>,
{
    let mut port = opener.open().await?;
    family.identify(&mut port).await?;
    let result = match shutdown_default(family, &mut port, &sdcommands(config)).await {
        Ok(()) => Ok(()),
        Err(CommandError::Failed(error)) => Err(error),
        Err(refused) => Err(DeviceError::NotSupported(format!(
            "no command of sdcommands was accepted: {refused}"
        ))),
    };
    // The device is handed back (APC Smart: `R`) whatever the outcome, as NUT's drivers
    // clean up on exit after `-k`.
    if let Err(error) = family.close(&mut port).await {
        tracing::warn!(%error, "closing the device failed");
    }
    result
}

/// The commands of the `sdcommands` setting (comma-separated), in order.
fn sdcommands(config: &DriverConfig) -> Vec<String> {
    config
        .value("sdcommands")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|command| !command.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// `shutdown.default`: tries each of `sdcommands` in order until the device accepts one (the
/// last refusal is the result); with none, the family's own kill-power method.
async fn shutdown_default<F: DeviceProtocol>(
    family: &mut F,
    port: &mut F::Port,
    sdcommands: &[String],
) -> Result<(), CommandError> {
    if sdcommands.is_empty() {
        return family.kill_power(port).await.map_err(CommandError::Failed);
    }
    let mut last = CommandError::Unknown;
    for command in sdcommands {
        match family.instcmd(port, command, None).await {
            Ok(()) => {
                tracing::info!(%command, "shutdown.default: accepted");
                return Ok(());
            }
            Err(error) => {
                tracing::warn!(%command, %error, "shutdown.default: refused, trying the next");
                last = error;
            }
        }
    }
    Err(last)
}
