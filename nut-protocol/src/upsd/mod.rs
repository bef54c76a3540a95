//! The upsd runtime on tokio (feature `tokio`): listeners, one task per client connection,
//! one task per driver, and the housekeeping tick, around the I/O-free
//! [`crate::server`] logic.
//!
//! Unlike the C upsd, a client that never reads only stalls its own task (the others go on),
//! every reply — including a whole `LIST` — leaves in one write with `TCP_NODELAY` (no 40 ms
//! Nagle/delayed-ACK stall), the listen backlog is large, and partial lines are bounded by the
//! tokenizer's limits and the 60 s idle timeout.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use nut_protocol::server::{ServerSettings, ServerState, UpsEntry};
//! use nut_protocol::upsd::{DriverSource, Upsd};
//!
//! let state = ServerState::new(ServerSettings::default(), vec![UpsEntry::new("myups", None)], Default::default(), 1);
//! let upsd = Upsd::new(state);
//! upsd.spawn_driver(0, DriverSource::Socket("/run/nut/usbhid-ups-myups".into()));
//! upsd.serve(&["127.0.0.1:3493".parse().unwrap()]).await
//! # }
//! ```

mod client;
mod driver;
mod idle;
pub mod setup;
pub mod tls;

use std::net::SocketAddr;
use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use std::vec;
use std::vec::Vec;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::server::ServerState;
use crate::sock::ServerMessage;

pub use driver::{DriverChannel, DriverSource};

/// How long a client may stay silent before it is disconnected (upsd: 60 s, fixed).
pub const CLIENT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the housekeeping tick runs (staleness, PING, TRACKING expiry).
pub const TICK_INTERVAL: Duration = Duration::from_millis(500);
/// Pause between attempts to reach a driver that is not there.
pub const DRIVER_RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// Bytes of replies a client may leave unread before its task stops reading its requests.
pub const CLIENT_WRITE_BUFFER: usize = 64 * 1024;

/// The running server: shared state plus a message queue per driver.
#[derive(Clone)]
pub struct Upsd {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<ServerState>,
    start: Instant,
    drivers: Mutex<Vec<Option<mpsc::UnboundedSender<ServerMessage>>>>,
    tls: Mutex<Option<tokio_rustls::TlsAcceptor>>,
    driver_tasks: Mutex<Vec<Option<tokio::task::AbortHandle>>>,
    clients: std::sync::atomic::AtomicUsize,
    idle: idle::IdleTable,
    max_clients: std::sync::atomic::AtomicUsize,
}

/// Counts a client connection for as long as it lives.
pub(crate) struct ClientSlot(Upsd);

impl Drop for ClientSlot {
    fn drop(&mut self) {
        self.0
            .shared
            .clients
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Upsd {
    /// A server around `state`. Spawn its drivers with [`Upsd::spawn_driver`], then
    /// [`Upsd::serve`].
    pub fn new(state: ServerState) -> Upsd {
        let count = state.upses().len();
        Upsd {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                start: Instant::now(),
                drivers: Mutex::new(vec![None; count]),
                tls: Mutex::new(None),
                driver_tasks: Mutex::new(Vec::new()),
                clients: std::sync::atomic::AtomicUsize::new(0),
                idle: idle::IdleTable::new(CLIENT_IDLE_TIMEOUT),
                max_clients: std::sync::atomic::AtomicUsize::new(usize::MAX),
            }),
        }
    }

    /// Starts a server from a loaded configuration (call inside a tokio runtime): the state,
    /// MAXCONN, the STARTTLS acceptor, and a task per driver. Returns the server and the
    /// addresses it should listen on (bind them with [`bind`], then
    /// [`Upsd::serve_listeners`], or call [`Upsd::serve`]).
    pub fn start(setup: setup::Setup) -> (Upsd, Vec<SocketAddr>) {
        let setup::Setup {
            state,
            drivers,
            listen,
            tls,
            max_connections,
            ..
        } = setup;
        let upsd = Upsd::new(state);
        if let Some(max) = max_connections {
            upsd.set_max_connections(max);
        }
        if let Some(acceptor) = tls {
            upsd.set_tls(acceptor);
        }
        for (ups, source) in drivers {
            upsd.spawn_driver(ups, source);
        }
        (upsd, listen)
    }

    /// Time since the server started, the clock of [`ServerState`].
    pub fn now(&self) -> Duration {
        self.shared.start.elapsed()
    }

    /// Runs `f` with the state locked (a poisoned lock is recovered: the state has no
    /// invariants a panic elsewhere could break half-way).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut ServerState) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }

    /// `MAXCONN`: at most this many client connections; further ones are closed at once.
    pub fn set_max_connections(&self, max: usize) {
        self.shared
            .max_clients
            .store(max, std::sync::atomic::Ordering::Relaxed);
    }

    /// Takes a client slot, or `None` when MAXCONN connections are open.
    fn client_slot(&self) -> Option<ClientSlot> {
        use std::sync::atomic::Ordering::Relaxed;
        let max = self.shared.max_clients.load(Relaxed);
        let taken = self
            .shared
            .clients
            .fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1));
        taken.ok().map(|_| ClientSlot(self.clone()))
    }

    /// Enables `STARTTLS` with this acceptor (see [`tls::acceptor`]).
    pub fn set_tls(&self, acceptor: tokio_rustls::TlsAcceptor) {
        if let Ok(mut slot) = self.shared.tls.lock() {
            *slot = Some(acceptor);
        }
        self.with_state(|state| state.settings.tls_available = true);
    }

    pub(crate) fn tls_acceptor(&self) -> Option<tokio_rustls::TlsAcceptor> {
        self.shared.tls.lock().ok().and_then(|slot| slot.clone())
    }

    /// Queues a message for the driver of UPS `ups`; false when no driver task runs for it.
    pub fn send_to_driver(&self, ups: usize, message: ServerMessage) -> bool {
        lock(&self.shared.drivers)
            .get(ups)
            .and_then(Option::as_ref)
            .is_some_and(|tx| tx.send(message).is_ok())
    }

    /// Starts the task that keeps UPS `ups` connected to its driver.
    pub fn spawn_driver(&self, ups: usize, source: DriverSource) {
        let (tx, rx) = mpsc::unbounded_channel();
        {
            let mut drivers = lock(&self.shared.drivers);
            if drivers.len() <= ups {
                drivers.resize(ups + 1, None);
            }
            if let Some(slot) = drivers.get_mut(ups) {
                *slot = Some(tx);
            }
        }
        let task = tokio::spawn(driver::run(self.clone(), ups, source, rx));
        let mut tasks = lock(&self.shared.driver_tasks);
        if tasks.len() <= ups {
            tasks.resize(ups + 1, None);
        }
        if let Some(old) = tasks
            .get_mut(ups)
            .and_then(|slot| slot.replace(task.abort_handle()))
        {
            old.abort();
        }
    }

    fn stop_driver(&self, ups: usize) {
        if let Some(Some(task)) = lock(&self.shared.driver_tasks)
            .get_mut(ups)
            .map(Option::take)
        {
            task.abort();
        }
        if let Some(slot) = lock(&self.shared.drivers).get_mut(ups) {
            *slot = None;
        }
    }

    /// Applies a freshly loaded configuration, as upsd does on SIGHUP: users and settings
    /// are replaced, new UPSes start, removed ones stop (their clients' logins end), a UPS
    /// whose driver changed reconnects. Listen addresses are not changed.
    pub fn reload(&self, setup: setup::Setup) {
        let setup::Setup {
            state: fresh,
            drivers,
            ..
        } = setup;
        let mut sources: Vec<(String, DriverSource)> = drivers
            .into_iter()
            .filter_map(|(index, source)| fresh.ups(index).map(|u| (u.name.clone(), source)))
            .collect();
        let wanted: Vec<(String, Option<String>, String)> = fresh
            .upses()
            .iter()
            .map(|u| (u.name.clone(), u.desc.clone(), u.identity.clone()))
            .collect();
        let plan = self.with_state(|state| {
            let tls_available = state.settings.tls_available;
            state.settings = fresh.settings.clone();
            state.settings.tls_available = tls_available;
            state.reload(fresh.users.clone(), &wanted)
        });
        for &ups in plan.retired.iter().chain(&plan.restart) {
            self.stop_driver(ups);
            self.with_state(|state| state.driver_disconnected(ups));
        }
        for &ups in plan.added.iter().chain(&plan.restart) {
            let Some(name) = self.with_state(|state| state.ups(ups).map(|u| u.name.clone())) else {
                continue;
            };
            if let Some(position) = sources.iter().position(|(n, _)| *n == name) {
                let (_, source) = sources.swap_remove(position);
                self.spawn_driver(ups, source);
            }
        }
        tracing::info!(
            added = plan.added.len(),
            removed = plan.retired.len(),
            reconnected = plan.restart.len(),
            "configuration reloaded"
        );
    }

    /// Binds every address and serves clients until an error stops accepting; also runs the
    /// housekeeping tick. Fails if no address could be bound.
    pub async fn serve(&self, addresses: &[SocketAddr]) -> std::io::Result<()> {
        let mut listeners = Vec::new();
        let mut last_error = None;
        for address in addresses {
            match bind(*address) {
                Ok(listener) => listeners.push(listener),
                Err(error) => {
                    tracing::warn!(%address, %error, "cannot listen");
                    last_error = Some(error);
                }
            }
        }
        if listeners.is_empty() {
            return Err(last_error.unwrap_or_else(|| std::io::Error::other("no LISTEN address")));
        }
        self.serve_listeners(listeners).await
    }

    /// Serves clients on listeners the caller bound (e.g. on port 0 in tests).
    pub async fn serve_listeners(&self, listeners: Vec<TcpListener>) -> std::io::Result<()> {
        tokio::spawn(tick(self.clone()));
        let mut tasks = tokio::task::JoinSet::new();
        for listener in listeners {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(%address, "listening");
            }
            tasks.spawn(accept_loop(self.clone(), listener));
        }
        while let Some(result) = tasks.join_next().await {
            if let Ok(Err(error)) = result {
                return Err(error);
            }
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Binds with a large backlog (the C upsd's 16 makes thousands of clients wait seconds).
pub fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(4096)
}

async fn accept_loop(upsd: Upsd, listener: TcpListener) -> std::io::Result<()> {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => match upsd.client_slot() {
                Some(slot) => {
                    tokio::spawn(client::run(slot, stream, peer));
                }
                None => {
                    tracing::warn!(%peer, "MAXCONN reached: connection refused");
                    drop(stream);
                }
            },
            Err(error) => {
                // Out of file descriptors and the like: log, breathe, go on.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn tick(upsd: Upsd) {
    let mut interval = tokio::time::interval(TICK_INTERVAL);
    loop {
        interval.tick().await;
        upsd.shared.idle.sweep();
        let now = upsd.now();
        let pings = upsd.with_state(|state| state.tick(now));
        for (ups, message) in pings {
            upsd.send_to_driver(ups, message);
        }
    }
}

#[cfg(test)]
mod tests;
