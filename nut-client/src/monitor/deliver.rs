//! Delivering what the monitor decides, as upsmon does: NOTIFYCMD run through the shell
//! with the message as its argument and `NOTIFYTYPE`/`UPSNAME` in its environment, `wall`
//! for every terminal, and the power-off (POWERDOWNFLAG with its magic content, then
//! SHUTDOWNCMD).
//!
//! ```
//! use nut_client::monitor::deliver::notify_command;
//! use nut_client::monitor::Notification;
//! use nut_protocol::config::upsmon_conf::{NotifyFlags, NotifyType};
//!
//! let note = Notification {
//!     kind: NotifyType::OnBatt,
//!     ups: Some("ups@localhost".into()),
//!     message: "UPS ups@localhost on battery".into(),
//!     flags: NotifyFlags::EXEC,
//! };
//! let output = notify_command("echo", &note).output().unwrap();
//! assert_eq!(output.stdout, b"UPS ups@localhost on battery\n");
//! ```

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{Notification, POWERDOWNFLAG_CONTENT};

/// The NOTIFYCMD process for `note` (not started): `sh -c '<cmd> "$1"'` with the message as
/// `$1`, and `NOTIFYTYPE` and `UPSNAME` set.
pub fn notify_command(cmd: &str, note: &Notification) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .args(["-c", &format!("{cmd} \"$1\""), "upsmon", &note.message])
        .env("NOTIFYTYPE", note.kind.name())
        .stdin(Stdio::null());
    match &note.ups {
        Some(ups) => command.env("UPSNAME", ups),
        None => command.env_remove("UPSNAME"),
    };
    command
}

/// Starts a process and lets a thread reap it, so nothing waits and nothing is left over.
pub fn spawn_detached(mut command: Command) -> std::io::Result<()> {
    let mut child = command.spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Runs NOTIFYCMDs one after the other on a thread of its own: the monitor never waits for
/// them, and they run (and see each other's effects) in the order of the notifications.
/// NUT starts them all at once, so theirs may finish in any order.
#[derive(Debug)]
pub struct Notifier {
    queue: std::sync::mpsc::Sender<Job>,
}

/// What the delivery thread is given.
#[derive(Debug)]
enum Job {
    Run(Command),
    /// Answer once everything queued before is done.
    Flush(std::sync::mpsc::Sender<()>),
}

impl Notifier {
    /// Starts the delivery thread; errors starting a command go to `failed`.
    pub fn start(failed: impl Fn(std::io::Error) + Send + 'static) -> Notifier {
        let (queue, jobs) = std::sync::mpsc::channel::<Job>();
        std::thread::spawn(move || {
            for job in jobs {
                match job {
                    Job::Run(mut command) => {
                        if let Err(error) = command.status() {
                            failed(error);
                        }
                    }
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Notifier { queue }
    }

    /// Queues `command` after the ones before it.
    pub fn run(&self, command: Command) {
        let _ = self.queue.send(Job::Run(command));
    }

    /// Waits until what was queued has run, at most `limit` (before the power goes off or
    /// the program exits, so the last notifications are delivered).
    pub fn flush(&self, limit: std::time::Duration) {
        let (done, finished) = std::sync::mpsc::channel();
        if self.queue.send(Job::Flush(done)).is_ok() {
            let _ = finished.recv_timeout(limit);
        }
    }
}

/// Sends `message` to every terminal with `wall`.
pub fn wall(message: &str) -> std::io::Result<()> {
    let mut child = Command::new("wall")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(message.as_bytes())?;
        stdin.write_all(b"\n")?;
    }
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Writes POWERDOWNFLAG (if configured) and runs SHUTDOWNCMD through the shell, waiting for
/// it; the errors are returned as log lines.
pub fn power_off(powerdown_flag: Option<&Path>, shutdown_cmd: Option<&str>) -> Vec<String> {
    let mut log = Vec::new();
    if let Some(flag) = powerdown_flag
        && let Err(error) = std::fs::write(flag, POWERDOWNFLAG_CONTENT)
    {
        log.push(format!(
            "Failed to create power down flag {}: {error}",
            flag.display()
        ));
    }
    match shutdown_cmd {
        Some(cmd) => match Command::new("/bin/sh").args(["-c", cmd]).status() {
            Ok(status) if status.success() => {}
            Ok(status) => log.push(format!("Unable to call shutdown command: {cmd} ({status})")),
            Err(error) => log.push(format!("Unable to call shutdown command: {cmd}: {error}")),
        },
        None => log.push(String::from("No SHUTDOWNCMD set; not shutting down")),
    }
    log
}

/// Whether `path` is a POWERDOWNFLAG that upsmon wrote (`upsmon -K`): it starts with the
/// magic text, as the real upsmon checks it.
pub fn powerdown_flag_set(path: &Path) -> bool {
    let magic = POWERDOWNFLAG_CONTENT.trim_end();
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(magic.as_bytes()))
}
