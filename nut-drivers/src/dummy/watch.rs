//! A dummy driver that follows its device file: when the file's modification time changes
//! it is read again ([`DummyDriver::reload`]), as dummy-ups does.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use nut_core::{StateChange, StateTree};
use nut_protocol::devfile::DevFile;
use nut_protocol::sock::TrackingResult;

use super::DummyDriver;

/// How often a watched device file is checked for changes.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// A [`DummyDriver`] that re-reads its file when the file changes, checked every
/// [`WATCH_INTERVAL`].
#[derive(Debug)]
pub struct WatchedDummy {
    driver: DummyDriver,
    path: PathBuf,
    modified: Option<SystemTime>,
    next_check: Duration,
}

impl WatchedDummy {
    /// Watches `path`, the file `driver` was built from.
    pub fn new(driver: DummyDriver, path: PathBuf) -> WatchedDummy {
        let modified = modified(&path);
        WatchedDummy {
            driver,
            path,
            modified,
            next_check: WATCH_INTERVAL,
        }
    }

    /// The driver.
    pub fn driver(&self) -> &DummyDriver {
        &self.driver
    }

    /// The current state.
    pub fn tree(&self) -> &StateTree {
        self.driver.tree()
    }

    /// When to poll next: the file's next step or the next file check.
    pub fn next_wakeup(&self) -> Option<Duration> {
        Some(match self.driver.next_wakeup() {
            Some(at) => at.min(self.next_check),
            None => self.next_check,
        })
    }

    /// Advances the file and re-reads it if it changed. A file that no longer parses is
    /// ignored (with a warning) until it is fixed.
    pub fn poll(&mut self, now: Duration) -> Vec<StateChange> {
        let mut changes = self.driver.poll(now);
        if now >= self.next_check {
            self.next_check = now + WATCH_INTERVAL;
            let modified = modified(&self.path);
            if modified.is_some() && modified != self.modified {
                self.modified = modified;
                match std::fs::read(&self.path) {
                    Ok(bytes) => {
                        let parsed = DevFile::parse(&bytes, &self.driver.file().file_name);
                        if parsed.has_errors() {
                            for error in parsed.diagnostics {
                                tracing::warn!("{error}");
                            }
                        } else {
                            changes.extend(self.driver.reload(parsed.config));
                        }
                    }
                    Err(error) => tracing::warn!(path = %self.path.display(), %error, "re-read"),
                }
            }
        }
        changes
    }

    /// `SET var value`.
    pub fn set_var(&mut self, name: &str, value: &str) -> Result<Vec<StateChange>, TrackingResult> {
        self.driver.set_var(name, value)
    }

    /// `INSTCMD`.
    pub fn instcmd(&mut self, cmd: &str, param: Option<&str>) -> TrackingResult {
        self.driver.instcmd(cmd, param)
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
