//! `upsmon`: NUT's shutdown controller, drop-in. Reads `$NUT_CONFPATH/upsmon.conf`
//! (default /etc/nut) unchanged; the logic is `nut_client::monitor`, this program wires it.
//!
//! Unless `-p`, it splits like NUT's: a root parent that can only write POWERDOWNFLAG and
//! run SHUTDOWNCMD when the monitoring child (RUN_AS_USER or `-u`) tells it to through a
//! pipe. `-c fsd|reload|stop` signals a running upsmon; `-K` exits 0 only when
//! POWERDOWNFLAG holds upsmon's magic text.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use nut_client::monitor::cycle::step;
use nut_client::monitor::links::UpsdLinks;
use nut_client::monitor::{Monitor, Notification, Output, deliver};
use nut_protocol::config::upsmon_conf::{self, NotifyFlags, ShutdownExit, UpsmonConf};
use tokio::signal::unix::{SignalKind, signal};

const BANNER: &str = "Network UPS Tools upsmon (nut-rs)";
const USAGE: &str = "usage: upsmon [OPTIONS]

  -c <cmd>   send command to running process
             commands:
              - fsd: shutdown all primary-mode UPSes (use with caution)
              - reload: reread configuration
              - stop: stop monitoring and exit
  -P <pid>   send the signal to this process instead of the one in the PID file
  -D         raise debugging level (and stay in the foreground)
  -F         stay in the foreground
  -B         go to the background even with -D
  -h         display this help
  -K         checks POWERDOWNFLAG (from upsmon.conf), sets exit code to 0 if set
  -p         always run privileged (disable privileged parent)
  -u <user>  run child as user <user> (ignored when using -p)
  -4         IPv4 only
  -6         IPv6 only
";

/// How long pending notifications may delay the power-off or the exit.
const NOTIFY_FLUSH_LIMIT: Duration = Duration::from_secs(10);

/// The byte the child writes to ask the parent for the power-off.
const POWER_OFF_REQUEST: u8 = 1;

#[derive(Default)]
struct Flags {
    command: Option<String>,
    pid: Option<i32>,
    debug: u8,
    foreground: bool,
    background: bool,
    check_flag: bool,
    privileged: bool,
    user: Option<String>,
}

fn parse_flags() -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let Some(letters) = arg.strip_prefix('-').filter(|l| !l.is_empty()) else {
            return Err(format!("unexpected argument {arg}"));
        };
        for (i, letter) in letters.char_indices() {
            match letter {
                'c' | 'P' | 'u' => {
                    let rest = &letters[i + 1..];
                    let value = if rest.is_empty() {
                        args.next().ok_or(format!("-{letter} needs a value"))?
                    } else {
                        rest.to_string()
                    };
                    match letter {
                        'c' => flags.command = Some(value),
                        'P' => flags.pid = Some(value.parse().map_err(|_| "-P: bad pid")?),
                        _ => flags.user = Some(value),
                    }
                    break;
                }
                'D' => flags.debug = flags.debug.saturating_add(1),
                'F' => flags.foreground = true,
                'B' => flags.background = true,
                'K' => flags.check_flag = true,
                'p' => flags.privileged = true,
                '4' | '6' => {}
                'h' => return Err(String::new()),
                other => return Err(format!("unknown option -{other}")),
            }
        }
    }
    Ok(flags)
}

fn pid_file() -> PathBuf {
    nut_examples::control::pid_file("upsmon")
}

fn load_conf() -> Result<UpsmonConf, String> {
    let path = nut_examples::control::confdir().join("upsmon.conf");
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.display().to_string();
    upsmon_conf::parse(&bytes, &name)
        .into_result()
        .map_err(|e| e.to_string())
}

/// `-c fsd|reload|stop`: signals the running upsmon.
fn send_command(command: &str, pid: Option<i32>) -> ExitCode {
    use nix::sys::signal::Signal;
    let signal = match command {
        "fsd" => Signal::SIGUSR1,
        "reload" => Signal::SIGHUP,
        "stop" => Signal::SIGTERM,
        other => {
            eprintln!("Error: unknown argument to option -c ({other})");
            return ExitCode::FAILURE;
        }
    };
    match nut_examples::control::signal_daemon("upsmon", pid, signal) {
        Ok(()) => ExitCode::SUCCESS,
        Err(nut_examples::control::ControlError::NoPid(path)) => {
            eprintln!("Failed to get the PID of upsmon from {}", path.display());
            ExitCode::FAILURE
        }
        Err(nut_examples::control::ControlError::Signal(pid, error)) => {
            eprintln!("Failed to signal upsmon (pid {pid}): {error}");
            ExitCode::FAILURE
        }
    }
}

/// `-K`: 0 when POWERDOWNFLAG is set.
fn check_powerdown_flag(conf: &UpsmonConf) -> ExitCode {
    match conf.powerdown_flag.as_deref() {
        Some(flag) if deliver::powerdown_flag_set(Path::new(flag)) => {
            println!("Power down flag is set");
            ExitCode::SUCCESS
        }
        Some(_) => {
            println!("Power down flag is not set");
            ExitCode::FAILURE
        }
        None => {
            println!("No POWERDOWNFLAG set in upsmon.conf");
            ExitCode::FAILURE
        }
    }
}

/// Start-up checks and warnings of the real upsmon.
fn start_up(conf: &UpsmonConf) {
    if conf.shutdown_cmd.is_none() && conf.min_supplies > 0 {
        tracing::warn!("Warning: no shutdown command defined!");
    }
    if conf.notify_cmd.is_none() {
        tracing::warn!("Warning: NOTIFYCMD is not defined");
    }
    if let Some(flag) = conf.powerdown_flag.as_deref()
        && deliver::powerdown_flag_set(Path::new(flag))
    {
        let _ = std::fs::remove_file(flag);
    }
}

fn main() -> ExitCode {
    let flags = match parse_flags() {
        Ok(flags) => flags,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("upsmon: {message}");
            }
            eprint!("{BANNER}\n\n{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    if let Some(command) = &flags.command {
        return send_command(command, flags.pid);
    }
    let conf = match load_conf() {
        Ok(conf) => conf,
        Err(error) => {
            eprintln!("upsmon: {error}");
            return ExitCode::FAILURE;
        }
    };
    if flags.check_flag {
        return check_powerdown_flag(&conf);
    }
    let monitor = match Monitor::new(&conf) {
        Ok(monitor) => monitor,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    nut_examples::daemon::init_logging(flags.debug);
    eprintln!("{BANNER}");
    start_up(&conf);
    let detaches = flags.background || !(flags.foreground || flags.debug > 0);
    let detached = match detaches.then(nut_examples::daemon::detach).transpose() {
        Ok(detached) => detached,
        Err(error) => {
            eprintln!("upsmon: {error}");
            return ExitCode::FAILURE;
        }
    };
    let power = if flags.privileged {
        PowerOff::Here
    } else {
        match split(&conf, &flags) {
            Ok(pipe) => PowerOff::Parent(pipe),
            Err(error) => {
                eprintln!("upsmon: {error}");
                return ExitCode::FAILURE;
            }
        }
    };
    let _ = std::fs::write(pid_file(), format!("{}\n", std::process::id()));
    if let Some(detached) = detached
        && let Err(error) = detached.ready(c"upsmon")
    {
        eprintln!("upsmon: {error}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("upsmon: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(conf, monitor, power));
    let _ = std::fs::remove_file(pid_file());
    code
}

/// Who powers the machine off.
enum PowerOff {
    /// This process (`-p`).
    Here,
    /// The privileged parent, asked through this pipe.
    Parent(File),
}

/// Forks the privileged parent off; returns (in the child, now unprivileged) the pipe to it.
fn split(conf: &UpsmonConf, flags: &Flags) -> Result<File, String> {
    use nut_examples::daemon::{Forked, fork_with_pipe};
    match fork_with_pipe()? {
        Forked::Parent { read, child } => std::process::exit(privileged_parent(read, child, conf)),
        Forked::Child { write } => {
            let user = flags
                .user
                .clone()
                .or_else(|| conf.run_as_user.clone())
                .unwrap_or_else(|| String::from("nut"));
            nut_examples::become_user(&user).map_err(|e| format!("-u {user}: {e}"))?;
            Ok(write)
        }
    }
}

/// The root parent: powers off when asked, exits with the child.
fn privileged_parent(mut pipe: File, child: nix::unistd::Pid, conf: &UpsmonConf) -> i32 {
    let mut byte = [0u8; 1];
    while matches!(pipe.read(&mut byte), Ok(1)) {
        if byte[0] == POWER_OFF_REQUEST {
            for line in deliver::power_off(
                conf.powerdown_flag.as_deref().map(Path::new),
                conf.shutdown_cmd.as_deref(),
            ) {
                tracing::error!("{line}");
            }
        }
    }
    match nix::sys::wait::waitpid(child, None) {
        Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => code,
        _ => 1,
    }
}

/// Whether the parent's end of the pipe is gone.
fn parent_gone(pipe: &File) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLOUT)];
    poll(&mut fds, PollTimeout::ZERO).is_ok()
        && fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP))
}

/// Delivers a notification per its flags.
fn notify(conf: &UpsmonConf, notifier: &deliver::Notifier, note: &Notification) {
    if note.flags.contains(NotifyFlags::SYSLOG) {
        tracing::warn!("{}", note.message);
    }
    if note.flags.contains(NotifyFlags::WALL) {
        let _ = deliver::wall(&note.message);
    }
    if note.flags.contains(NotifyFlags::EXEC)
        && let Some(cmd) = conf.notify_cmd.as_deref()
    {
        notifier.run(deliver::notify_command(cmd, note));
    }
}

/// The monitoring loop, until stopped or shut down.
async fn run(mut conf: UpsmonConf, mut monitor: Monitor, mut power: PowerOff) -> ExitCode {
    let Ok(mut links) = UpsdLinks::new(&conf) else {
        eprintln!("upsmon: TLS settings (CERTPATH) cannot be used");
        return ExitCode::FAILURE;
    };
    let (Ok(mut hangup), Ok(mut user1), Ok(mut terminate)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::user_defined1()),
        signal(SignalKind::terminate()),
    ) else {
        eprintln!("upsmon: cannot install signal handlers");
        return ExitCode::FAILURE;
    };
    let notifier = deliver::Notifier::start(|error| tracing::error!("NOTIFYCMD: {error}"));
    let start = Instant::now();
    let wall_start = SystemTime::now();
    let mut shutdown_at = None;
    loop {
        let now = start.elapsed();
        // A wall clock that ran ahead of the monotonic one means the machine slept.
        let wall = SystemTime::now()
            .duration_since(wall_start)
            .unwrap_or_default();
        let mut outputs = Vec::new();
        if wall > now + monitor.settings().poll_freq * 2 + Duration::from_secs(10) {
            outputs.extend(monitor.resumed(now, true));
        }
        if let PowerOff::Parent(pipe) = &power
            && parent_gone(pipe)
        {
            outputs.extend(monitor.parent_lost(now));
        }
        outputs.extend(step(&mut monitor, now, &mut links));
        for line in links.take_log() {
            tracing::warn!("{line}");
        }
        for output in outputs {
            match output {
                Output::Notify(note) => notify(&conf, &notifier, &note),
                Output::Log { critical, text } => {
                    if critical {
                        tracing::error!("{text}");
                        let _ = deliver::wall(&text);
                    } else {
                        tracing::warn!("{text}");
                    }
                }
                Output::PowerOff => {
                    notifier.flush(NOTIFY_FLUSH_LIMIT);
                    power_off(&conf, &mut power);
                    shutdown_at = Some(now);
                }
                Output::SendFsd { .. } | Output::AskNumLogins { .. } => {}
            }
        }
        if let Some(at) = shutdown_at {
            match conf.shutdown_exit {
                ShutdownExit::Yes => return ExitCode::SUCCESS,
                ShutdownExit::After(secs)
                    if start.elapsed() >= at + Duration::from_secs(u64::from(secs)) =>
                {
                    return ExitCode::SUCCESS;
                }
                _ => {}
            }
        }
        let wait = monitor.next_wakeup(start.elapsed());
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = hangup.recv() => match load_conf().map(|c| (monitor.reload(&c), c)) {
                Ok((Ok(()), fresh)) => {
                    if let Ok(fresh_links) = UpsdLinks::new(&fresh) {
                        links = fresh_links;
                    }
                    conf = fresh;
                }
                Ok((Err(error), _)) => {
                    eprintln!("{error}");
                    return ExitCode::FAILURE;
                }
                Err(error) => tracing::error!("reload failed: {error}"),
            },
            _ = user1.recv() => monitor.user_fsd(),
            _ = terminate.recv() => {
                tracing::warn!("Signal 15: exiting");
                notifier.flush(NOTIFY_FLUSH_LIMIT);
                return ExitCode::SUCCESS;
            }
        }
    }
}

fn power_off(conf: &UpsmonConf, power: &mut PowerOff) {
    match power {
        PowerOff::Here => {
            for line in deliver::power_off(
                conf.powerdown_flag.as_deref().map(Path::new),
                conf.shutdown_cmd.as_deref(),
            ) {
                tracing::error!("{line}");
            }
        }
        PowerOff::Parent(pipe) => {
            if pipe.write_all(&[POWER_OFF_REQUEST]).is_err() {
                tracing::error!("upsmon parent process died - shutdown impossible");
            }
        }
    }
}
