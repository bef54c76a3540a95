//! A simulated APC Smart UPS on a real pseudo-terminal: `socat` makes a pty pair
//! (`pty,raw,echo=0,link=A` ⇄ `pty,raw,echo=0,link=B`); a thread serves
//! [`Simulator`] on end A, and a driver (ours over `nut_hal::tty::TtySerial`, or the real
//! `/lib/nut/apcsmart`) opens end B as its serial port. `socat` is killed on drop.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use nut_drivers::apcsmart::sim::Simulator;
use nut_drivers::device::{DeviceError, PortOpener};

use crate::socat::PtyPair;

/// A pty pair with the simulator answering on one end.
pub struct PtyApc {
    pair: PtyPair,
    sim: Arc<Mutex<Simulator>>,
    writer: Arc<Mutex<std::fs::File>>,
    thread: Option<JoinHandle<()>>,
}

impl PtyApc {
    /// Starts `socat` and the responder; panics (loudly) when `socat` is missing.
    pub fn start(name: &str, sim: Simulator) -> PtyApc {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let tag = format!(
            "apc-{name}-{}",
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let pair = PtyPair::new(&tag);
        let a = pair.a.clone();
        let mut reader = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&a)
            .expect("open the UPS end of the pty");
        let writer = Arc::new(Mutex::new(reader.try_clone().expect("clone pty")));
        let sim = Arc::new(Mutex::new(sim));
        let (thread_sim, thread_writer) = (Arc::clone(&sim), Arc::clone(&writer));
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut out = Vec::new();
                if let Ok(mut sim) = thread_sim.lock() {
                    for &byte in &buf[..n] {
                        out.extend(sim.handle(byte));
                    }
                }
                if !out.is_empty()
                    && let Ok(mut w) = thread_writer.lock()
                    && w.write_all(&out).is_err()
                {
                    break;
                }
            }
        });
        PtyApc {
            pair,
            sim,
            writer,
            thread: Some(thread),
        }
    }

    /// The end a driver opens as its serial port.
    pub fn device(&self) -> PathBuf {
        self.pair.b.clone()
    }

    /// The folder holding the pty links.
    pub fn dir(&self) -> &Path {
        self.pair.dir()
    }

    /// Runs `f` on the simulator.
    pub fn with_sim<R>(&self, f: impl FnOnce(&mut Simulator) -> R) -> R {
        let mut sim = self.sim.lock().expect("simulator lock");
        f(&mut sim)
    }

    /// Switches the UPS on battery (or back) and sends its alert character.
    pub fn set_on_battery(&self, on_battery: bool) {
        let alert = self.with_sim(|sim| sim.set_on_battery(on_battery));
        self.writer
            .lock()
            .expect("writer lock")
            .write_all(&alert)
            .expect("send alert");
    }
}

impl Drop for PtyApc {
    fn drop(&mut self) {
        self.pair.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A simulator seeded from one of the `.dev` dumps in `nut-drivers/tests/fixtures/apcsmart`.
pub fn simulator_from_fixture(file: &str) -> Simulator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../nut-drivers/tests/fixtures/apcsmart")
        .join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Simulator::from_dev(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A [`PortOpener`] that hands out one port already opened (a tty on the pty), then refuses:
/// lets the runner and `kill_power` drive a port the test still observes through its pty.
pub struct OpenedPort<P>(pub Option<P>);

impl<P: Send + 'static> PortOpener for OpenedPort<P> {
    type Port = P;

    async fn open(&mut self) -> Result<P, DeviceError> {
        self.0
            .take()
            .ok_or_else(|| DeviceError::NotSupported("the port was already handed out".into()))
    }
}
