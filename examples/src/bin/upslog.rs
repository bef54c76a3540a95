//! `upslog`: NUT's UPS status logger, with NUT 2.8.0's flags, messages and output.
//!
//! `upslog -s <ups> -l <logfile|-> [-f <format>] [-i <interval>] [-p <pidbase>] [-u <user>]
//! [-F|-B]`. Writes one line per interval (see [`nut_client::log_format`]); SIGHUP reopens
//! the log, SIGUSR1 logs at once, SIGTERM/SIGINT/SIGQUIT log a last line and exit.
//! Logging into a file runs in the background (forked off once the log is open) unless `-F`.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use nut_client::ClientError;
use nut_client::blocking::Connection;
use nut_client::log_format::{Context, DEFAULT_FORMAT, LogFormat};
use nut_examples::become_user;
use tokio::signal::unix::{Signal, SignalKind, signal};

const BANNER: &str = "Network UPS Tools upslog 2.8.0";

const HELP: &str = "UPS status logger.

usage: upslog [OPTIONS]

  -f <format>\t- Log format.  See below for details.
\t\t- Use -f \"<format>\" so your shell doesn't break it up.
  -i <interval>\t- Time between updates, in seconds
  -l <logfile>\t- Log file name, or - for stdout (foreground by default)
  -F\t\t- stay foregrounded even if logging into a file
  -B\t\t- stay backgrounded even if logging to stdout
  -p <pidbase>  - Base name for PID file (defaults to \"upslog\")
  -s <ups>\t- Monitor UPS <ups> - <upsname>@<host>[:<port>]
        \t- Example: -s myups@server
  -u <user>\t- Switch to <user> if started as root

Some valid format string escapes:
\t%% insert a single %
\t%TIME format% insert the time with strftime formatting
\t%HOST% insert the local hostname
\t%UPSHOST% insert the host of the ups being monitored
\t%PID% insert the pid of upslog
\t%VAR varname% insert the value of ups variable varname

format string defaults to:
%TIME @Y@m@d @H@M@S% %VAR battery.charge% %VAR input.voltage% %VAR ups.load% [%VAR ups.status%] %VAR ups.temperature% %VAR input.frequency%

See the upslog(8) man page for more information.
";

/// Where Debian's upslog writes `<pidbase>.pid` (compiled in; no environment variable moves it).
const PID_DIR: &str = "/run/nut";

/// The user upslog becomes when started as root without `-u` (Debian's build).
const DEFAULT_USER: &str = "nut";

/// The UPS definition error, after upsclient's own line.
const INVALID_UPS: &str =
    "Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]\n";

/// The command line.
#[derive(Debug, Default)]
struct Flags {
    format: Option<String>,
    interval: Option<String>,
    logfile: Option<String>,
    pidbase: Option<String>,
    ups: Option<String>,
    user: Option<String>,
    /// `-m ups,logfile` tuples (NUT 2.8.1's option), in order.
    tuples: Vec<String>,
    foreground: bool,
    background: bool,
    help: bool,
    positional: bool,
}

/// getopt("hs:l:i:f:u:Fp:B") with GNU's messages; unknown options are only warned about.
fn parse_flags(args: &[String]) -> Flags {
    let mut flags = Flags::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
            flags.positional = true;
            continue;
        };
        for (at, option) in cluster.char_indices() {
            if !"silfupm".contains(option) {
                match option {
                    'h' => flags.help = true,
                    'F' => flags.foreground = true,
                    'B' => flags.background = true,
                    _ => eprintln!("upslog: invalid option -- '{option}'"),
                }
                continue;
            }
            let attached = &cluster[at + option.len_utf8()..];
            let value = if !attached.is_empty() {
                Some(attached.to_string())
            } else if index < args.len() {
                index += 1;
                Some(args[index - 1].clone())
            } else {
                eprintln!("upslog: option requires an argument -- '{option}'");
                None
            };
            if let Some(value) = value {
                set_value(&mut flags, option, value);
            }
            break;
        }
    }
    flags
}

fn set_value(flags: &mut Flags, option: char, value: String) {
    if option == 'm' {
        flags.tuples.push(value);
        return;
    }
    let slot = match option {
        's' => &mut flags.ups,
        'i' => &mut flags.interval,
        'l' => &mut flags.logfile,
        'f' => &mut flags.format,
        'u' => &mut flags.user,
        _ => &mut flags.pidbase,
    };
    *slot = Some(value);
}

/// C's `atoi`: the leading integer, 0 when there is none.
fn atoi(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    sign * digits[..end].parse::<i64>().unwrap_or(0)
}

/// A UPS as upsclient splits `upsname[@hostname[:port]]`.
struct UpsSpec {
    name: String,
    host: String,
    port: u16,
}

/// Splits the `-s` argument, or gives upsclient's complaint.
fn split_ups(text: &str) -> Result<UpsSpec, String> {
    if text.is_empty() {
        return Err("upscli_splitname: can't parse empty string".into());
    }
    let Some((name, address)) = text.split_once('@') else {
        return Ok(UpsSpec {
            name: text.into(),
            host: "localhost".into(),
            port: nut_protocol::address::DEFAULT_PORT,
        });
    };
    let (host, port) = split_address(address)?;
    Ok(UpsSpec {
        name: name.into(),
        host,
        port,
    })
}

/// `host[:port]` or `[v6]:port`.
fn split_address(address: &str) -> Result<(String, u16), String> {
    if address.is_empty() {
        return Err("upscli_splitaddr: can't parse empty string".into());
    }
    let (host, port) = match address.strip_prefix('[') {
        Some(bracketed) => {
            let (host, rest) = bracketed.split_once(']').ok_or_else(|| {
                String::from("upscli_splitaddr: missing closing bracket in [domain literal]")
            })?;
            (host, rest.strip_prefix(':'))
        }
        None => match address.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (address, None),
        },
    };
    let port = match port {
        None => nut_protocol::address::DEFAULT_PORT,
        Some(port) => port.parse().ok().filter(|p| *p != 0).ok_or_else(|| {
            String::from("upscli_splitaddr: no port specified after ':' separator")
        })?,
    };
    Ok((host.into(), port))
}

/// What upsclient says about a failed connection.
fn connect_message(error: &ClientError) -> String {
    match error {
        ClientError::Io(io) if io.to_string().contains("lookup address") => "No such host".into(),
        other => other.nut_message(),
    }
}

fn connect(ups: &UpsSpec) -> Result<Connection, ClientError> {
    Connection::connect(&ups.host, ups.port, Default::default())
}

/// Where lines go: stdout (`-l -`) or a file opened for appending.
enum Log {
    Stdout,
    File(File),
}

impl Log {
    fn open(name: &str) -> std::io::Result<Log> {
        if name == "-" {
            return Ok(Log::Stdout);
        }
        OpenOptions::new()
            .append(true)
            .create(true)
            .open(name)
            .map(Log::File)
    }

    fn write_line(&mut self, line: &str) {
        let text = format!("{line}\n");
        let _ = match self {
            Log::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Log::File(file) => file.write_all(text.as_bytes()),
        };
    }
}

/// The polling state: the UPS, its connection (None while down), the log.
struct Logger {
    spec_text: String,
    ups: UpsSpec,
    connection: Option<Connection>,
    format: LogFormat,
    host: String,
    log: Log,
    logfile: String,
}

impl Logger {
    /// A variable's value; a broken connection is dropped (and retried next line).
    fn value(&mut self, var: &str) -> Option<String> {
        if self.connection.is_none() {
            self.connection = connect(&self.ups).ok();
        }
        let connection = self.connection.as_mut()?;
        match connection.get_var(&self.ups.name, var) {
            Ok(value) => Some(value),
            Err(ClientError::Server(_)) => None,
            Err(_) => {
                self.connection = None;
                None
            }
        }
    }

    fn log_once(&mut self) {
        let now = chrono::Local::now().fixed_offset();
        let host = self.host.clone();
        let spec_text = self.spec_text.clone();
        let context = Context {
            now,
            ups: &spec_text,
            host: &host,
            pid: std::process::id(),
        };
        let format = self.format.clone();
        let line = format.render(&context, |var| self.value(var));
        self.log.write_line(&line);
    }

    /// SIGHUP: reopens the log file (for rotation).
    fn reopen(&mut self) -> Result<(), ExitCode> {
        if self.logfile == "-" {
            eprintln!("logging to stdout");
            return Ok(());
        }
        match Log::open(&self.logfile) {
            Ok(log) => {
                self.log = log;
                Ok(())
            }
            Err(error) => {
                eprintln!(
                    "could not reopen logfile {}: {}",
                    self.logfile,
                    strerror(&error)
                );
                Err(ExitCode::FAILURE)
            }
        }
    }
}

/// An I/O error as C's `strerror` words it (without " (os error N)").
fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .unwrap_or_default()
}

/// Writes `<PID_DIR>/<pidbase>.pid`, warning when it cannot.
fn write_pid_file(pidbase: &str) {
    let path = PathBuf::from(PID_DIR).join(format!("{pidbase}.pid"));
    if let Err(error) = std::fs::write(&path, format!("{}\n", std::process::id())) {
        eprintln!("writepid: fopen {}: {}", path.display(), strerror(&error));
    }
}

/// The user to become when running as root (`-u`, else NUT's default).
fn target_user(flags: &Flags) -> Option<&str> {
    nix::unistd::Uid::current()
        .is_root()
        .then(|| flags.user.as_deref().unwrap_or(DEFAULT_USER))
}

fn check_user(name: &str) -> Result<(), ExitCode> {
    match nix::unistd::User::from_name(name) {
        Ok(Some(_)) => Ok(()),
        _ => {
            eprintln!("user {name} not found");
            Err(ExitCode::FAILURE)
        }
    }
}

/// The signals upslog acts on.
struct Signals {
    hangup: Signal,
    interrupt: Signal,
    quit: Signal,
    terminate: Signal,
    user1: Signal,
}

/// What woke the logger.
enum Wake {
    Timer,
    Hangup,
    Exit(i32),
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            terminate: signal(SignalKind::terminate())?,
            user1: signal(SignalKind::user_defined1())?,
        })
    }

    async fn wait(&mut self, interval: Duration) -> Wake {
        tokio::select! {
            _ = tokio::time::sleep(interval) => Wake::Timer,
            _ = self.user1.recv() => Wake::Timer,
            _ = self.hangup.recv() => Wake::Hangup,
            _ = self.interrupt.recv() => Wake::Exit(2),
            _ = self.quit.recv() => Wake::Exit(3),
            _ = self.terminate.recv() => Wake::Exit(15),
        }
    }
}

/// Logs a line per UPS per interval until a terminating signal.
async fn run_loop(mut loggers: Vec<Logger>, mut signals: Signals, interval: Duration) -> ExitCode {
    loop {
        loggers.iter_mut().for_each(Logger::log_once);
        match signals.wait(interval).await {
            Wake::Timer => {}
            Wake::Hangup => {
                eprintln!("Signal 1: reopening log file");
                for logger in &mut loggers {
                    if let Err(code) = logger.reopen() {
                        return code;
                    }
                }
            }
            Wake::Exit(number) => {
                loggers.iter_mut().for_each(Logger::log_once);
                eprintln!("Signal {number}: exiting");
                return ExitCode::SUCCESS;
            }
        }
    }
}

/// What to log where: `-s`/`-l`, then each `-m ups,logfile`.
fn targets(flags: &Flags) -> Result<Vec<(String, String)>, ExitCode> {
    let mut targets = Vec::new();
    match (&flags.ups, &flags.logfile) {
        (Some(ups), Some(logfile)) => targets.push((ups.clone(), logfile.clone())),
        (Some(_), None) => {
            eprintln!("No filename defined for logging - use -l <file>");
            return Err(ExitCode::FAILURE);
        }
        (None, _) => {}
    }
    for tuple in &flags.tuples {
        let Some((ups, logfile)) = tuple.split_once(',') else {
            eprintln!("Error: invalid UPS tuple {tuple}: use -m <ups>,<logfile>");
            return Err(ExitCode::FAILURE);
        };
        targets.push((ups.to_string(), logfile.to_string()));
    }
    if targets.is_empty() {
        eprintln!("No UPS defined for monitoring - use -s <system>");
        return Err(ExitCode::FAILURE);
    }
    Ok(targets)
}

/// Flags checked, UPSes split, connections tried, logs opened: the loggers, or the exit
/// code. `stdout` holds what C's buffered stdout would: the caller shows it or, when going
/// to the background with stdout not a terminal, drops it as the real upslog's fork does.
fn prepare(flags: &Flags, stdout: &mut String) -> Result<(Vec<Logger>, i64), ExitCode> {
    let targets = targets(flags)?;
    let interval = flags.interval.as_deref().map_or(30, atoi);
    for (spec_text, logfile) in &targets {
        stdout.push_str(&format!(
            "logging status of {spec_text} to {logfile} ({interval}s intervals)\n"
        ));
    }
    let format =
        LogFormat::parse(flags.format.as_deref().unwrap_or(DEFAULT_FORMAT)).map_err(|error| {
            eprintln!("{error}");
            ExitCode::FAILURE
        })?;
    let mut loggers = Vec::new();
    for (spec_text, logfile) in targets {
        let ups = split_ups(&spec_text).map_err(|complaint| {
            eprintln!("{complaint}\n{INVALID_UPS}");
            ExitCode::FAILURE
        })?;
        let connection = connect(&ups)
            .map_err(|error| {
                eprintln!(
                    "Warning: initial connect failed: {}",
                    connect_message(&error)
                )
            })
            .ok();
        let log = Log::open(&logfile).map_err(|error| {
            eprintln!("could not open logfile {logfile}: {}", strerror(&error));
            ExitCode::FAILURE
        })?;
        loggers.push(Logger {
            spec_text,
            ups,
            connection,
            format: format.clone(),
            host: hostname(),
            log,
            logfile,
        });
    }
    Ok((loggers, interval))
}

/// Shows what was held for stdout.
fn flush_stdout(stdout: &mut String) {
    print!("{stdout}");
    let _ = std::io::stdout().flush();
    stdout.clear();
}

fn run(flags: &Flags, stdout: &mut String) -> Result<ExitCode, ExitCode> {
    let (loggers, interval) = prepare(flags, stdout)?;
    let user = target_user(flags);
    if let Some(name) = user {
        check_user(name)?;
    }
    let to_stdout = loggers.iter().any(|logger| logger.logfile == "-");
    let background = flags.background || (!to_stdout && !flags.foreground);
    if background {
        if !std::io::stdout().is_terminal() {
            stdout.clear();
        }
        flush_stdout(stdout);
        let detached = nut_examples::daemon::detach().map_err(|error| {
            eprintln!("{error}");
            ExitCode::FAILURE
        })?;
        detached.ready(c"upslog").map_err(|error| {
            eprintln!("{error}");
            ExitCode::FAILURE
        })?;
    }
    flush_stdout(stdout);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| ExitCode::FAILURE)?;
    runtime.block_on(async move {
        let signals = Signals::install().map_err(|error| {
            eprintln!("Can't install signal handlers: {error}");
            ExitCode::FAILURE
        })?;
        write_pid_file(flags.pidbase.as_deref().unwrap_or("upslog"));
        if let Some(name) = user {
            become_user(name).map_err(|error| {
                eprintln!("{name}: {error}");
                ExitCode::FAILURE
            })?;
        }
        let interval = Duration::from_secs(u64::try_from(interval).unwrap_or(0));
        Ok(run_loop(loggers, signals, interval).await)
    })
}

fn main() -> ExitCode {
    let mut stdout = format!("{BANNER}\n");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = parse_flags(&args);
    if flags.help || flags.positional {
        stdout.push_str(HELP);
        flush_stdout(&mut stdout);
        return ExitCode::SUCCESS;
    }
    let code = run(&flags, &mut stdout).unwrap_or_else(|code| code);
    flush_stdout(&mut stdout);
    code
}
