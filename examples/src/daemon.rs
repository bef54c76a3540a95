//! Running in the background as NUT's daemons do (`upsd` and drivers without `-F`): the
//! process forks at start-up, the child carries on in a session of its own, and the parent
//! waits until the child is serving (exit 0) or has failed (exit with the child's status, its
//! error message already on the terminal). Once serving, the daemon logs to syslog and its
//! standard streams point to `/dev/null`.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::wait::{WaitStatus, waitpid};
use nix::syslog::{Facility, LogFlags, Priority, Severity};
use nix::unistd::{ForkResult, Pid};
use tracing_subscriber::fmt::MakeWriter;

/// Set once the process has gone to the background: logs go to syslog from then on.
static DETACHED: AtomicBool = AtomicBool::new(false);

/// The background child's link to its waiting parent.
#[derive(Debug)]
pub struct Detached {
    ready: File,
}

/// Forks into the background (NUT's default for daemons). Returns in the child only; the
/// parent waits for [`Detached::ready`] and exits. Call it before any thread is started
/// (before the tokio runtime is built).
pub fn detach() -> Result<Detached, String> {
    match fork_with_pipe()? {
        Forked::Parent { read, child } => std::process::exit(wait_for_child(read, child)),
        Forked::Child { write } => {
            nix::unistd::setsid().map_err(|e| format!("setsid: {e}"))?;
            Ok(Detached { ready: write })
        }
    }
}

/// One side of a fork joined by a pipe from the child to the parent.
#[derive(Debug)]
pub enum Forked {
    /// In the parent: the pipe's read end and the child.
    Parent {
        /// What the child writes arrives here (EOF once it has exited).
        read: File,
        /// The child process.
        child: Pid,
    },
    /// In the child: the pipe's write end.
    Child {
        /// What is written here reaches the parent.
        write: File,
    },
}

/// Forks with a pipe from the child to the parent. Call it while the process has a single
/// thread (before any runtime is built).
pub fn fork_with_pipe() -> Result<Forked, String> {
    let (read, write) = nix::unistd::pipe().map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: called at start-up while the process has a single thread, so the child is a
    // complete copy and may run any code.
    #[allow(unsafe_code)]
    let forked = unsafe { nix::unistd::fork() }.map_err(|e| format!("fork: {e}"))?;
    Ok(match forked {
        ForkResult::Parent { child } => {
            drop(write);
            Forked::Parent {
                read: File::from(read),
                child,
            }
        }
        ForkResult::Child => {
            drop(read);
            Forked::Child {
                write: File::from(write),
            }
        }
    })
}

/// The parent's exit code: 0 once the child reports ready, else the child's own status.
fn wait_for_child(mut ready: File, child: Pid) -> i32 {
    let mut byte = [0u8; 1];
    if matches!(ready.read(&mut byte), Ok(1)) {
        return 0;
    }
    match waitpid(child, None) {
        Ok(WaitStatus::Exited(_, code)) => code,
        _ => 1,
    }
}

impl Detached {
    /// The daemon is serving: from now on it logs to syslog as `ident`, its standard streams
    /// point to `/dev/null`, and the waiting parent exits 0.
    pub fn ready(mut self, ident: &'static std::ffi::CStr) -> Result<(), String> {
        nix::syslog::openlog(Some(ident), LogFlags::LOG_PID, Facility::LOG_DAEMON)
            .map_err(|e| format!("openlog: {e}"))?;
        DETACHED.store(true, Ordering::SeqCst);
        let null = File::options()
            .read(true)
            .write(true)
            .open("/dev/null")
            .map_err(|e| format!("/dev/null: {e}"))?;
        nix::unistd::dup2_stdin(&null).map_err(|e| format!("dup2: {e}"))?;
        nix::unistd::dup2_stdout(&null).map_err(|e| format!("dup2: {e}"))?;
        nix::unistd::dup2_stderr(&null).map_err(|e| format!("dup2: {e}"))?;
        self.ready
            .write_all(b"1")
            .map_err(|e| format!("telling the parent: {e}"))
    }
}

/// Logs through `tracing` at `debug` (0: info, 1: debug, more: trace; `RUST_LOG` overrides)
/// to stderr, and to syslog once the process is [`Detached::ready`].
pub fn init_logging(debug: u8) {
    let level = match debug {
        0 => tracing::Level::INFO,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let builder = tracing_subscriber::fmt()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(DaemonLog);
    // A plain level unless RUST_LOG asks for more: the filter language costs code pages
    // (resident memory) that a daemon otherwise never needs.
    match std::env::var("RUST_LOG") {
        Ok(directives) => builder
            .with_env_filter(tracing_subscriber::EnvFilter::new(directives))
            .init(),
        Err(_) => builder.with_max_level(level).init(),
    }
}

/// Where log lines go: stderr, or syslog once detached.
struct DaemonLog;

impl<'a> MakeWriter<'a> for DaemonLog {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine::new(Severity::LOG_INFO)
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> LogLine {
        let severity = match *meta.level() {
            tracing::Level::ERROR => Severity::LOG_ERR,
            tracing::Level::WARN => Severity::LOG_WARNING,
            tracing::Level::INFO => Severity::LOG_INFO,
            _ => Severity::LOG_DEBUG,
        };
        LogLine::new(severity)
    }
}

/// One log event: written through to stderr, or collected and sent to syslog when dropped.
struct LogLine {
    severity: Severity,
    text: Vec<u8>,
}

impl LogLine {
    fn new(severity: Severity) -> LogLine {
        LogLine {
            severity,
            text: Vec::new(),
        }
    }
}

impl Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if DETACHED.load(Ordering::Relaxed) {
            self.text.extend_from_slice(bytes);
            Ok(bytes.len())
        } else {
            std::io::stderr().write(bytes)
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.text);
        let priority = Priority::new(self.severity, Facility::LOG_DAEMON);
        let _ = nix::syslog::syslog(priority, text.trim_end());
    }
}

/// Lets go of the program's code pages the kernel mapped only because they sat next to one
/// start-up used (fault-around maps 64 KiB at a time): every executable file mapping is
/// marked random-access (no more fault-around) and dropped, so what stays resident is the
/// code a running daemon actually executes, faulted back a page at a time. Only code
/// (read-execute) mappings are touched: they are never written, so nothing is lost.
pub fn release_unused_code_pages() {
    use nix::sys::mman::{MmapAdvise, madvise};
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [range, perms, _, _, _, path, ..] = fields.as_slice() else {
            continue;
        };
        if !perms.starts_with("r-x") || path.starts_with('[') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        let Some(address) = std::ptr::NonNull::new(start as *mut std::ffi::c_void) else {
            continue;
        };
        let length = end.saturating_sub(start);
        // SAFETY: the range is a whole read-execute file mapping of this process; such pages
        // are never written, so dropping them only makes the next use read them again from
        // the file (the page cache), and the advice changes no contents.
        #[allow(unsafe_code)]
        unsafe {
            let _ = madvise(address, length, MmapAdvise::MADV_RANDOM);
            let _ = madvise(address, length, MmapAdvise::MADV_DONTNEED);
        }
    }
}
