//! `upsdrvctl`: starts, stops and shuts down the drivers of `ups.conf`, as NUT 2.8.0's does.
//! `start [ups]` runs `<driverpath>/<driver> -a <ups>` for each UPS and waits for it to be
//! serving (a driver goes to the background once ready); `stop [ups]` sends SIGTERM to the
//! PID in `<driver>-<ups>.pid`; `shutdown [ups]` runs `<driver> -a <ups> -k` in `sdorder`
//! (lowest first; `-1` never). The drivers are searched in `driverpath` (a `ups.conf`
//! global) else beside this program.
//!
//! A driver that fails to start is tried again: `maxretry` attempts in all (default 1),
//! `retrydelay` seconds apart (default 5), each a `ups.conf` global that a UPS section may
//! set for itself; every failed attempt prints "Driver failed to start (exit status=N)", as
//! NUT 2.8.0's upsdrvctl (checked with a driver failing on purpose).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nut_protocol::config::ups_conf::{UpsConf, UpsSection};

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start drivers.
    Start,
    /// Stop running drivers.
    Stop,
    /// Run drivers with `-k`.
    Shutdown,
}

/// The command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The action.
    pub action: Action,
    /// One UPS, or all.
    pub ups: Option<String>,
    /// `-t`: print what would be run, do nothing.
    pub testing: bool,
    /// `-u <user>`: passed to the drivers.
    pub user: Option<String>,
    /// `-r <path>`: passed to the drivers.
    pub chroot: Option<String>,
    /// How many `-D`.
    pub debug: u8,
    /// `-d`: pass the debug level to the drivers.
    pub pass_debug: bool,
    /// `-h`.
    pub help: bool,
}

/// The usage text of NUT 2.8.0's upsdrvctl.
pub const USAGE: &str = "Starts and stops UPS drivers via ups.conf.

usage: upsdrvctl [OPTIONS] (start | stop | shutdown) [<ups>]

  -h\t\t\tdisplay this help
  -r <path>\t\tdrivers will chroot to <path>
  -t\t\t\ttesting mode - prints actions without doing them
  -u <user>\t\tdrivers started will switch from root to <user>
  -D            \traise debugging level
  -d            \tpass debugging level from upsdrvctl to driver
  start\t\t\tstart all UPS drivers in ups.conf
  start\t<ups>\t\tonly start driver for UPS <ups>
  stop\t\t\tstop all UPS drivers in ups.conf
  stop <ups>\t\tonly stop driver for UPS <ups>
  shutdown\t\tshutdown all UPS drivers in ups.conf
  shutdown <ups>\tonly shutdown UPS <ups>
";

/// Reads the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = args.into_iter();
    let mut words = Vec::new();
    let (mut testing, mut user, mut chroot, mut debug, mut pass_debug, mut help) =
        (false, None, None, 0u8, false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-t" => testing = true,
            "-D" => debug = debug.saturating_add(1),
            "-d" => pass_debug = true,
            "-h" => help = true,
            "-u" | "-r" => {
                let value = args
                    .next()
                    .ok_or_else(|| format!("option {arg} requires an argument"))?;
                if arg == "-u" {
                    user = Some(value);
                } else {
                    chroot = Some(value);
                }
            }
            flag if flag.starts_with('-') => return Err(format!("invalid option {flag}")),
            _ => words.push(arg),
        }
    }
    let action = match words.first().map(String::as_str) {
        Some("start") => Action::Start,
        Some("stop") => Action::Stop,
        Some("shutdown") => Action::Shutdown,
        _ if help => Action::Start,
        Some(other) => return Err(format!("Error: unrecognized command [{other}]")),
        None => return Err("Error: you must specify a command".into()),
    };
    Ok(Args {
        action,
        ups: words.get(1).cloned(),
        testing,
        user,
        chroot,
        debug,
        pass_debug,
        help,
    })
}

/// The UPSes an action applies to, in the order it takes them.
pub fn targets<'a>(
    conf: &'a UpsConf,
    action: Action,
    ups: Option<&str>,
) -> Result<Vec<&'a UpsSection>, String> {
    let mut chosen: Vec<&UpsSection> = match ups {
        Some(name) => vec![
            conf.section(name)
                .ok_or_else(|| format!("UPS {name} not found in ups.conf"))?,
        ],
        None => conf.sections.iter().collect(),
    };
    if action == Action::Shutdown && ups.is_none() {
        chosen.retain(|section| section.sdorder().unwrap_or(0) >= 0);
        chosen.sort_by_key(|section| section.sdorder().unwrap_or(0));
    }
    Ok(chosen)
}

/// Where the driver programs are: `driverpath`, else the directory of `exe`.
pub fn driver_dir(conf: &UpsConf, exe: &Path) -> PathBuf {
    match conf.global("driverpath") {
        Some(dir) => PathBuf::from(dir),
        None => exe.parent().map(Path::to_path_buf).unwrap_or_default(),
    }
}

/// The driver command for `section` (`-a <ups>`, then `-k` for a shutdown).
pub fn driver_command(dir: &Path, section: &UpsSection, args: &Args) -> Result<Command, String> {
    let driver = section
        .driver()
        .ok_or_else(|| format!("UPS {} has no driver", section.name))?;
    let mut command = Command::new(dir.join(driver));
    command.arg("-a").arg(&section.name);
    if let Some(user) = &args.user {
        command.arg("-u").arg(user);
    }
    if let Some(path) = &args.chroot {
        command.arg("-r").arg(path);
    }
    if args.pass_debug {
        for _ in 0..args.debug {
            command.arg("-D");
        }
        if args.debug > 0 {
            // A driver with -D stays in the foreground; upsdrvctl wants it detached.
            command.arg("-B");
        }
    }
    if args.action == Action::Shutdown {
        command.arg("-k");
    }
    Ok(command)
}

fn show(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command` and waits (at most `limit`) for it to exit: true on exit status 0.
fn run_and_wait(mut command: Command, limit: Duration) -> Result<(), String> {
    let mut child = command
        .spawn()
        .map_err(|e| format!("Can't start {}: {e}", show(&command)))?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let how = match status.code() {
                    Some(code) => format!("exit status={code}"),
                    None => status.to_string(),
                };
                return Err(format!("Driver failed to start ({how})"));
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("Startup timer elapsed for {}", show(&command)));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// Stops the driver of `section` by its PID file; waits (at most 5 s) for it to be gone.
fn stop(section: &UpsSection) -> Result<(), String> {
    let driver = section.driver().unwrap_or_default();
    let name = format!("{driver}-{}", section.name);
    let path = crate::control::pid_file(&name);
    let pid: i32 = std::fs::read_to_string(&path)
        .map_err(|e| format!("Can't open {}: {e}", path.display()))?
        .trim()
        .parse()
        .map_err(|_| format!("{}: no PID", path.display()))?;
    let pid = nix::unistd::Pid::from_raw(pid);
    nix::sys::signal::kill(pid, Signal::SIGTERM)
        .map_err(|e| format!("Stopping {}: {e}", path.display()))?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while nix::sys::signal::kill(pid, None).is_ok() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// A numeric setting of `section`, else the `ups.conf` global, else `default`.
fn setting(conf: &UpsConf, section: &UpsSection, key: &str, default: u64) -> u64 {
    section
        .get(key)
        .or_else(|| conf.global(key))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(default)
}

/// How `start` tries a driver: attempts in all (at least 1) and the wait between two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// `maxretry`: how many times a failing driver is started (default 1).
    pub attempts: u64,
    /// `retrydelay`: the wait after a failed attempt (default 5 s).
    pub delay: Duration,
}

impl Retries {
    /// The retries for `section`: its own `maxretry`/`retrydelay`, else the globals.
    pub fn of(conf: &UpsConf, section: &UpsSection) -> Retries {
        Retries {
            attempts: setting(conf, section, "maxretry", 1).max(1),
            delay: Duration::from_secs(setting(conf, section, "retrydelay", 5)),
        }
    }
}

/// Starts the driver of `section` (waiting at most `limit` for each attempt), trying again
/// as `retries` says; every failure is printed. The last failure is the error.
fn start(
    dir: &Path,
    section: &UpsSection,
    args: &Args,
    limit: Duration,
    retries: Retries,
) -> Result<(), String> {
    let mut remaining = retries.attempts;
    loop {
        tracing::debug!("{remaining} remaining attempts");
        let command = driver_command(dir, section, args)?;
        if args.testing {
            println!("exec: {}", show(&command));
            return Ok(());
        }
        match run_and_wait(command, limit) {
            Ok(()) => return Ok(()),
            Err(error) => {
                eprintln!("{error}");
                remaining -= 1;
                if remaining == 0 {
                    return Err(error);
                }
                std::thread::sleep(retries.delay);
            }
        }
    }
}

/// Does what `args` asks for the UPSes of `conf`; drivers live in `dir`. Returns false when
/// anything failed (each failure already printed).
pub fn execute(conf: &UpsConf, dir: &Path, args: &Args) -> Result<bool, String> {
    let mut ok = true;
    for section in targets(conf, args.action, args.ups.as_deref())? {
        let verb = match args.action {
            Action::Start => "Starting",
            Action::Stop => "Stopping",
            Action::Shutdown => "Shutdown",
        };
        tracing::debug!("{verb} UPS: {}", section.name);
        let limit = Duration::from_secs(setting(conf, section, "maxstartdelay", 75));
        let result = match args.action {
            Action::Stop if args.testing => Ok(()),
            Action::Stop => stop(section),
            Action::Start => {
                // Each failed attempt is printed as it happens.
                ok &= start(dir, section, args, limit, Retries::of(conf, section)).is_ok();
                continue;
            }
            Action::Shutdown => {
                let command = driver_command(dir, section, args)?;
                if args.testing {
                    println!("exec: {}", show(&command));
                    Ok(())
                } else {
                    run_and_wait(command, limit)
                }
            }
        };
        if let Err(error) = result {
            eprintln!("{error}");
            ok = false;
        }
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_protocol::config::ups_conf;

    const CONF: &str = "driverpath = /opt/nut\n[x]\n\tdriver = dummy-ups\n\tport = x.dev\n\tsdorder = 2\n\
[y]\n\tdriver = dummy-ups\n\tport = x.dev\n\tsdorder = 1\n[z]\n\tdriver = dummy-ups\n\tport = x.dev\n\tsdorder = -1\n";

    fn conf() -> UpsConf {
        ups_conf::parse(CONF.as_bytes(), "ups.conf")
            .into_result()
            .expect("valid")
    }

    fn names(sections: Vec<&UpsSection>) -> Vec<&str> {
        sections.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn shutdown_in_sdorder_like_the_real_one() {
        let conf = conf();
        let all = |action| names(targets(&conf, action, None).expect("ok"));
        assert_eq!(all(Action::Start), ["x", "y", "z"]);
        assert_eq!(all(Action::Shutdown), ["y", "x"]);
        assert!(targets(&conf, Action::Start, Some("nope")).is_err());
        assert_eq!(
            driver_dir(&conf, Path::new("/bin/upsdrvctl")),
            Path::new("/opt/nut")
        );
        let args = parse(["-u", "nut", "shutdown", "y"].map(String::from)).expect("ok");
        let section = conf.section("y").expect("y");
        let command = driver_command(Path::new("/opt/nut"), section, &args).expect("ok");
        assert_eq!(show(&command), "/opt/nut/dummy-ups -a y -u nut -k");
    }

    #[test]
    fn retries_from_the_section_then_the_globals() {
        let conf = ups_conf::parse(
            b"maxretry = 3\nretrydelay = 2\n[a]\n\tdriver = d\n\tport = p\n\
[b]\n\tdriver = d\n\tport = p\n\tmaxretry = 0\n\tretrydelay = 7\n",
            "ups.conf",
        )
        .into_result()
        .expect("valid");
        let of = |name| Retries::of(&conf, conf.section(name).expect("section"));
        assert_eq!(
            of("a"),
            Retries {
                attempts: 3,
                delay: Duration::from_secs(2)
            }
        );
        // maxretry 0 still starts the driver once.
        assert_eq!(
            of("b"),
            Retries {
                attempts: 1,
                delay: Duration::from_secs(7)
            }
        );
        assert_eq!(
            Retries::of(&self::conf(), self::conf().section("x").expect("x")),
            Retries {
                attempts: 1,
                delay: Duration::from_secs(5)
            }
        );
    }

    #[test]
    fn arguments() {
        assert!(parse(["bogus".to_string()]).is_err());
        assert!(parse(Vec::<String>::new()).is_err());
        assert!(parse(["-z".to_string(), "start".into()]).is_err());
        let args = parse(["-t", "-D", "-d", "start", "ups1"].map(String::from)).expect("ok");
        assert!(args.testing && args.pass_debug);
        assert_eq!(
            (args.action, args.ups.as_deref(), args.debug),
            (Action::Start, Some("ups1"), 1)
        );
    }
}
