//! A simulated serial device on a real pseudo-terminal: a responder (any
//! `FnMut(&[u8]) -> Option<Vec<u8>>`) serves the master side in a thread of its own, and a
//! driver — ours through `nut_hal::tty::TtySerial`, or a real NUT driver — opens the slave
//! path as if it were `/dev/ttyS0`.
//!
//! The harness keeps a slave descriptor open itself, so a driver may close and reopen the
//! port (the real driver after ours) without the master seeing a hang-up. Dropping the
//! [`PtyDevice`] stops the thread and closes both sides.

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::openpty;
use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};

/// A device served on a pty (see the module docs).
pub struct PtyDevice {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    _slave: OwnedFd,
}

/// What can go wrong setting a pty up.
pub type PtyError = nix::Error;

impl PtyDevice {
    /// Opens a pty pair in raw mode and serves `responder` on the master: every chunk of bytes
    /// the driver writes is passed to it, and what it returns is written back.
    pub fn serve<R>(mut responder: R) -> Result<PtyDevice, PtyError>
    where
        R: FnMut(&[u8]) -> Option<Vec<u8>> + Send + 'static,
    {
        let pair = openpty(None, None)?;
        let mut termios = tcgetattr(&pair.slave)?;
        cfmakeraw(&mut termios);
        tcsetattr(&pair.slave, SetArg::TCSANOW, &termios)?;
        let path = nix::unistd::ttyname(pair.slave.as_fd())?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let master = pair.master;
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !stopping.load(Ordering::Relaxed) {
                let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(20u8)) {
                    Ok(0) => continue,
                    Ok(_) => {}
                    Err(nix::Error::EINTR) => continue,
                    Err(_) => return,
                }
                let n = match nix::unistd::read(&master, &mut buf) {
                    Ok(0) => continue,
                    Ok(n) => n,
                    Err(nix::Error::EINTR | nix::Error::EAGAIN | nix::Error::EIO) => {
                        // EIO: no slave open right now (cannot happen while we hold one).
                        continue;
                    }
                    Err(_) => return,
                };
                let Some(reply) = responder(buf.get(..n).unwrap_or(&buf)) else {
                    continue;
                };
                let mut rest = reply.as_slice();
                while !rest.is_empty() {
                    match nix::unistd::write(&master, rest) {
                        Ok(written) => rest = rest.get(written..).unwrap_or_default(),
                        Err(nix::Error::EINTR | nix::Error::EAGAIN) => {}
                        Err(_) => return,
                    }
                }
            }
        });
        Ok(PtyDevice {
            path,
            stop,
            thread: Some(thread),
            _slave: pair.slave,
        })
    }

    /// The slave path a driver opens (`/dev/pts/N`).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PtyDevice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
