//! `upsd`: the NUT data server, drop-in for the C upsd. Reads `upsd.conf`, `ups.conf` and
//! `upsd.users` from `$NUT_CONFPATH` (default `/etc/nut`), connects to every driver socket and
//! serves clients. `upsd --demo` serves a simulated UPS on 127.0.0.1:3493 with no config.

use std::path::PathBuf;
use std::process::ExitCode;

use nut_protocol::upsd::Upsd;
use nut_protocol::upsd::setup::{self, Setup};
use tokio::signal::unix::{Signal, SignalKind};

/// mimalloc instead of glibc's malloc: tokio allocates each connection's task and socket
/// state 128-byte aligned, and glibc pays for every aligned block with split-off fragments
/// (measured: 1,147 bytes per idle connection with glibc, about 800 with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: upsd [OPTIONS]

  -c <cmd>   send <cmd> to a running upsd: reload, stop
  -P <pid>   the process to signal with -c (instead of the PID file)
  -D         raise the debug level (repeatable); stays in the foreground
  -F         stay in the foreground (-FF: and still write the PID file)
  -B         go to the background even with -D or --demo (the default otherwise)
  -u <user>  switch to this user (and its group) once the listeners are open
  -4         IPv4 only
  -6         IPv6 only
  -V         print the version and exit
  -h         this help
  --embed-drivers  run the dummy-ups UPSes of ups.conf inside upsd (no driver processes)
  --threads <n>    serve on n threads (default: one per core on machines with more than
                   two, else one: a single thread costs the least CPU per request)
  --demo     serve a simulated UPS named 'demo' on 127.0.0.1:3493 (or $NUT_DEMO_LISTEN), no config
";

struct Options {
    debug: u8,
    ip_filter: Option<bool>,
    demo: bool,
    embed: bool,
    user: Option<String>,
    control: Option<String>,
    pid: Option<u32>,
    pidfile: bool,
    foreground: bool,
    background: bool,
    threads: Option<usize>,
}

impl Options {
    /// NUT's rule: in the background unless -F, or -D without -B (and, here, --demo
    /// without -B, so the README's run command stays on the terminal).
    fn detaches(&self) -> bool {
        self.background || !(self.foreground || self.debug > 0 || self.demo)
    }
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        debug: 0,
        ip_filter: None,
        demo: false,
        embed: false,
        user: None,
        control: None,
        pid: None,
        pidfile: false,
        foreground: false,
        background: false,
        threads: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => options.demo = true,
            "--embed-drivers" => options.embed = true,
            "--threads" => {
                let n = args.next().ok_or("--threads needs a number")?;
                let n: usize = n
                    .parse()
                    .map_err(|_| format!("--threads: bad number {n}"))?;
                options.threads = Some(n.max(1));
            }
            "-h" | "--help" => return Err(String::new()),
            "-V" => {
                println!(
                    "Network UPS Tools upsd (nut-rs) {}",
                    env!("CARGO_PKG_VERSION")
                );
                std::process::exit(0);
            }
            "-4" => options.ip_filter = Some(false),
            "-6" => options.ip_filter = Some(true),
            "-B" => options.background = true,
            "-c" => options.control = Some(args.next().ok_or("-c needs reload or stop")?),
            "-P" => {
                let pid = args.next().ok_or("-P needs a process id")?;
                options.pid = Some(pid.parse().map_err(|_| format!("-P: bad pid {pid}"))?);
            }
            "-u" => options.user = Some(args.next().ok_or("-u needs a user name")?),
            "-r" => {
                args.next().ok_or("-r needs a directory")?;
            }
            flags
                if flags.starts_with('-')
                    && flags.len() > 1
                    && flags[1..].chars().all(|c| "DF".contains(c)) =>
            {
                for c in flags[1..].chars() {
                    match c {
                        'D' => options.debug = options.debug.saturating_add(1),
                        _ => {
                            options.foreground = true;
                            options.pidfile = flags.matches('F').count() > 1;
                        }
                    }
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

fn statepath_env() -> Option<String> {
    std::env::var("NUT_STATEPATH").ok()
}

fn pid_file() -> PathBuf {
    nut_examples::control::pid_file("upsd")
}

fn control(command: &str, pid: Option<u32>) -> ExitCode {
    use nix::sys::signal::Signal;
    use nut_examples::control::{ControlError, signal_daemon};
    let signal = match command {
        "reload" => Signal::SIGHUP,
        "stop" => Signal::SIGTERM,
        other => {
            eprintln!("upsd: unknown command for -c: {other}");
            return ExitCode::FAILURE;
        }
    };
    let pid = pid.and_then(|pid| i32::try_from(pid).ok());
    match signal_daemon("upsd", pid, signal) {
        Ok(()) => ExitCode::SUCCESS,
        Err(ControlError::NoPid(path)) => {
            eprintln!("upsd: {}: no PID to signal", path.display());
            ExitCode::FAILURE
        }
        Err(ControlError::Signal(pid, error)) => {
            eprintln!("upsd: pid {pid}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One thread per core, except on one or two cores, where a single event loop leaves the
/// CPU to the clients and the kernel (measured: see README, "upsd under load").
fn default_threads() -> usize {
    match std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) {
        cores if cores > 2 => cores,
        _ => 1,
    }
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("upsd: {message}");
            }
            eprint!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    if let Some(command) = &options.control {
        return control(command, options.pid);
    }
    nut_examples::daemon::init_logging(options.debug);
    let detached = if options.detaches() {
        match nut_examples::daemon::detach() {
            Ok(detached) => Some(detached),
            Err(error) => {
                eprintln!("upsd: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let mut builder = match options.threads.unwrap_or_else(default_threads) {
        1 => tokio::runtime::Builder::new_current_thread(),
        n => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(n);
            builder
        }
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("upsd: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let ip_filter = options.ip_filter;
        let load = move || {
            setup::load(
                &nut_examples::control::confdir(),
                statepath_env().as_deref(),
                ip_filter,
                seed(),
            )
        };
        let mut setup = if options.demo {
            nut_drivers::demo::setup(seed())
        } else {
            match load() {
                Ok(setup) => setup,
                Err(error) => {
                    eprintln!("upsd: {error}");
                    return ExitCode::FAILURE;
                }
            }
        };
        if options.embed && !options.demo {
            let confdir = nut_examples::control::confdir();
            match nut_drivers::embed::embed_drivers(&mut setup, &confdir) {
                Ok(count) => tracing::info!(count, "drivers embedded"),
                Err(error) => {
                    eprintln!("upsd: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        for warning in &setup.warnings {
            tracing::warn!("{warning}");
        }
        if options.pidfile || !options.demo || detached.is_some() {
            let _ = std::fs::write(pid_file(), format!("{}\n", std::process::id()));
        }
        run(
            setup,
            options.user.as_deref(),
            detached,
            (!options.demo).then_some(load),
        )
        .await
    })
}

async fn run(
    setup: Setup,
    user: Option<&str>,
    detached: Option<nut_examples::daemon::Detached>,
    reload: Option<impl Fn() -> Result<Setup, setup::SetupError>>,
) -> ExitCode {
    let (upsd, listen) = Upsd::start(setup);
    let mut listeners = Vec::new();
    for address in &listen {
        match nut_protocol::upsd::bind(*address) {
            Ok(listener) => listeners.push(listener),
            Err(error) => tracing::warn!(%address, %error, "cannot listen"),
        }
    }
    if listeners.is_empty() {
        eprintln!("upsd: no LISTEN address could be opened");
        return ExitCode::FAILURE;
    }
    if let Some(user) = user
        && let Err(error) = nut_examples::become_user(user)
    {
        eprintln!("upsd: -u {user}: {error}");
        return ExitCode::FAILURE;
    }
    if let Some(detached) = detached
        && let Err(error) = detached.ready(c"upsd")
    {
        eprintln!("upsd: {error}");
        return ExitCode::FAILURE;
    }
    nut_examples::daemon::release_unused_code_pages();
    let serve = upsd.serve_listeners(listeners);
    tokio::pin!(serve);
    let mut hangup = signal(SignalKind::hangup());
    let mut terminate = signal(SignalKind::terminate());
    loop {
        tokio::select! {
            result = &mut serve => return match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("upsd: {error}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
            _ = recv(&mut terminate) => return ExitCode::SUCCESS,
            _ = recv(&mut hangup) => match reload.as_ref().map(|load| load()) {
                Some(Ok(setup)) => upsd.reload(setup),
                Some(Err(error)) => tracing::error!("reload aborted: {error}"),
                None => {}
            },
        }
    }
}

fn signal(kind: SignalKind) -> Option<Signal> {
    tokio::signal::unix::signal(kind).ok()
}

async fn recv(signal: &mut Option<Signal>) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
