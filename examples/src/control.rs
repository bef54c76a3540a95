//! Where NUT's programs find their files and how `-c reload|stop|…` reaches a running one:
//! `$NUT_CONFPATH` (default `/etc/nut`), PID files in `$NUT_ALTPIDPATH`, else
//! `$NUT_STATEPATH`, else `/run/nut`.

use std::path::PathBuf;

use nix::sys::signal::Signal;

/// The configuration directory.
pub fn confdir() -> PathBuf {
    PathBuf::from(std::env::var("NUT_CONFPATH").unwrap_or_else(|_| String::from("/etc/nut")))
}

/// The PID file `<name>.pid` of a daemon.
pub fn pid_file(name: &str) -> PathBuf {
    let dir = std::env::var("NUT_ALTPIDPATH")
        .or_else(|_| std::env::var("NUT_STATEPATH"))
        .unwrap_or_else(|_| String::from("/run/nut"));
    PathBuf::from(dir).join(format!("{name}.pid"))
}

/// Why a running daemon could not be signalled.
#[derive(Debug)]
pub enum ControlError {
    /// Its PID file could not be read (or held no PID).
    NoPid(PathBuf),
    /// The signal could not be sent to this PID.
    Signal(i32, nix::Error),
}

/// Sends `signal` to `pid`, or to the PID in the PID file of daemon `name`.
pub fn signal_daemon(name: &str, pid: Option<i32>, signal: Signal) -> Result<(), ControlError> {
    let pid = match pid {
        Some(pid) => pid,
        None => std::fs::read_to_string(pid_file(name))
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .ok_or_else(|| ControlError::NoPid(pid_file(name)))?,
    };
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal)
        .map_err(|error| ControlError::Signal(pid, error))
}
