//! `upssched`: NUT's timer helper, run by upsmon as NOTIFYCMD, a drop-in for NUT 2.8.0's.
//!
//! Reads `UPSNAME` and `NOTIFYTYPE` from the environment (the message argument is not used)
//! and `$NUT_CONFPATH/upssched.conf`, then takes the steps of [`nut_client::sched::plan`]:
//! `EXECUTE` runs `/bin/sh -c "<CMDSCRIPT> <arg>"` at once; timer requests go, one
//! connection each, to the timer daemon on the `PIPEFN` Unix socket (`START "t" "30"`, answered
//! `OK`), which this program starts when none answers, guarded by `LOCKFN`. The daemon is this
//! same program in the background: it keeps the environment of the notification that started
//! it (the scripts it runs see that `UPSNAME`/`NOTIFYTYPE`), runs CMDSCRIPT with the timer's
//! name when a timer fires, and exits as soon as no timer is left.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nut_client::sched::{self, Command, Dialect, Reply, Step, Timers};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

/// Marks the background timer daemon (set only in its environment, hidden from scripts).
const DAEMON_ENV: &str = "NUT_UPSSCHED_TIMER_DAEMON";

/// Debian's configuration directory when `NUT_CONFPATH` is unset.
const DEFAULT_CONFPATH: &str = "/etc/nut";

/// How often the client tries to reach the daemon, and the pause between tries (7.5 s in
/// all, as upssched's 30 tries of 250 ms).
const ATTEMPTS: u32 = 150;
const ATTEMPT_PAUSE: Duration = Duration::from_millis(50);

/// How long the client waits for the daemon's `OK`.
const REPLY_TIMEOUT: Duration = Duration::from_secs(1);

/// A daemon nobody talks to gives up after this long.
const STARTUP_IDLE: Duration = Duration::from_secs(15);

/// What the daemon needs from the config.
#[derive(Debug, Clone)]
struct Settings {
    cmdscript: String,
    pipefn: String,
    lockfn: String,
}

fn main() -> ExitCode {
    if std::env::var_os(DAEMON_ENV).is_some() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        return match args.as_slice() {
            [cmdscript, pipefn, lockfn] => run_daemon(Settings {
                cmdscript: cmdscript.clone(),
                pipefn: pipefn.clone(),
                lockfn: lockfn.clone(),
            }),
            _ => ExitCode::FAILURE,
        };
    }
    run_client()
}

// ---- the client -------------------------------------------------------------------------

fn run_client() -> ExitCode {
    let (Ok(ups), Ok(kind)) = (std::env::var("UPSNAME"), std::env::var("NOTIFYTYPE")) else {
        // On stdout, as upssched 2.8.0 prints it.
        println!("Error: UPSNAME and NOTIFYTYPE must be set.");
        println!("This program should only be run from upsmon.");
        return ExitCode::FAILURE;
    };
    let path = config_path();
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("Can't open {}: {}", path.display(), describe(&error));
            return ExitCode::FAILURE;
        }
    };
    let plan = match sched::plan(&text, "upssched.conf", &ups, &kind, Dialect::Nut280) {
        Ok(plan) => plan,
        Err(fatal) => {
            fatal.steps.iter().for_each(complain_only);
            // upssched 2.8.0 prints this one on both streams.
            println!("{}", fatal.message);
            eprintln!("{}", fatal.message);
            return ExitCode::FAILURE;
        }
    };
    let settings = Settings {
        cmdscript: first_word(plan.conf.cmdscript.as_deref()),
        pipefn: plan.conf.pipefn.clone().unwrap_or_default(),
        lockfn: plan.conf.lockfn.clone().unwrap_or_default(),
    };
    for step in &plan.steps {
        if let Err(message) = take_step(&settings, step) {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn config_path() -> PathBuf {
    let dir = std::env::var_os("NUT_CONFPATH").unwrap_or_else(|| DEFAULT_CONFPATH.into());
    PathBuf::from(dir).join("upssched.conf")
}

/// `strerror` of an I/O error, as NUT prints it.
fn describe(error: &std::io::Error) -> String {
    match error.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => error.to_string(),
    }
}

/// upssched runs the `CMDSCRIPT` path only; later words are ignored.
fn first_word(cmdscript: Option<&[String]>) -> String {
    cmdscript
        .and_then(|words| words.first())
        .cloned()
        .unwrap_or_default()
}

fn complain_only(step: &Step) {
    if let Step::Complain(message) = step {
        eprintln!("{message}");
    }
}

fn take_step(settings: &Settings, step: &Step) -> Result<(), String> {
    match step {
        Step::Complain(message) => eprintln!("{message}"),
        Step::Execute(argument) => {
            eprintln!("Executing command: {argument}");
            run_cmdscript(&settings.cmdscript, argument);
        }
        Step::Send(command) => send(settings, command)?,
    }
    Ok(())
}

/// Hands a request to the daemon, starting one when none answers.
fn send(settings: &Settings, command: &Command) -> Result<(), String> {
    for _ in 0..ATTEMPTS {
        match UnixStream::connect(&settings.pipefn) {
            Ok(stream) => {
                if exchange(stream, command) {
                    return Ok(());
                }
            }
            Err(_) if command.is_idle_without_daemon() => return Ok(()),
            Err(_) => start_daemon(settings)?,
        }
        std::thread::sleep(ATTEMPT_PAUSE);
    }
    Err(String::from(
        "Unable to connect to daemon and unable to start daemon",
    ))
}

/// Sends one request line; true once the daemon said `OK`.
fn exchange(mut stream: UnixStream, command: &Command) -> bool {
    if stream.write_all(command.to_line().as_bytes()).is_err()
        || stream.set_read_timeout(Some(REPLY_TIMEOUT)).is_err()
    {
        return false;
    }
    let mut reply = String::new();
    let _ = BufReader::new(stream).read_line(&mut reply);
    reply == Reply::Ok.as_line()
}

/// Takes LOCKFN and starts the daemon, or clears a lock left behind (as upssched does) so the
/// next try can take it.
fn start_daemon(settings: &Settings) -> Result<(), String> {
    let lock = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&settings.lockfn);
    match lock {
        Ok(_) => spawn_daemon(settings),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&settings.lockfn);
            Ok(())
        }
        Err(error) => Err(format!(
            "Failed to connect to parent and failed to create parent: {}",
            describe(&error)
        )),
    }
}

/// This program again, in the background, in a process group of its own.
fn spawn_daemon(settings: &Settings) -> Result<(), String> {
    let program = std::env::current_exe().map_err(|e| describe(&e))?;
    std::process::Command::new(program)
        .args([&settings.cmdscript, &settings.pipefn, &settings.lockfn])
        .env(DAEMON_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
        .map_err(|e| format!("Unable to start daemon: {}", describe(&e)))
}

/// `system("<CMDSCRIPT> <argument>")`: through the shell, as upssched does, waiting for it.
fn run_cmdscript(cmdscript: &str, argument: &str) {
    let _ = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{cmdscript} {argument}"))
        .env_remove(DAEMON_ENV)
        .status();
}

// ---- the timer daemon -------------------------------------------------------------------

/// From a connection to the daemon's loop.
enum Message {
    /// A request line (`None`: not one the daemon knows) and where its answer goes.
    Request(Option<Command>, oneshot::Sender<Reply>),
    /// The connection ended.
    Closed,
}

fn run_daemon(settings: Settings) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve(settings)),
        Err(_) => ExitCode::FAILURE,
    }
}

async fn serve(settings: Settings) -> ExitCode {
    let _ = std::fs::remove_file(&settings.pipefn);
    let Ok(listener) = tokio::net::UnixListener::bind(&settings.pipefn) else {
        let _ = std::fs::remove_file(&settings.lockfn);
        return ExitCode::FAILURE;
    };
    let _ = std::fs::set_permissions(&settings.pipefn, PermissionsExt::from_mode(0o660));
    let _ = std::fs::remove_file(&settings.lockfn);
    let (sender, mut messages) = mpsc::channel(16);
    let mut timers = Timers::default();
    let mut open_connections = 0usize;
    let mut served = false;
    let started = Instant::now();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    open_connections += 1;
                    served = true;
                    tokio::spawn(connection(stream, sender.clone()));
                }
            }
            Some(message) = messages.recv() => match message {
                Message::Request(command, answer) => {
                    handle_request(&settings, &mut timers, command, answer).await;
                }
                Message::Closed => open_connections = open_connections.saturating_sub(1),
            },
            () = tokio::time::sleep(time_to_wait(&timers)) => {}
        }
        for timer in timers.expire(unix_seconds()) {
            run_in_background_pool(&settings.cmdscript, timer.name).await;
        }
        let idle = open_connections == 0 && (served || started.elapsed() >= STARTUP_IDLE);
        if timers.is_empty() && idle {
            break;
        }
    }
    let _ = std::fs::remove_file(&settings.pipefn);
    ExitCode::SUCCESS
}

async fn handle_request(
    settings: &Settings,
    timers: &mut Timers,
    command: Option<Command>,
    answer: oneshot::Sender<Reply>,
) {
    let Some(command) = command else {
        let _ = answer.send(Reply::Unknown);
        return;
    };
    let to_run = timers.apply(&command, unix_seconds());
    let _ = answer.send(Reply::Ok);
    if let Some(argument) = to_run {
        run_in_background_pool(&settings.cmdscript, argument).await;
    }
}

/// Runs CMDSCRIPT to its end while connections keep being answered.
async fn run_in_background_pool(cmdscript: &str, argument: String) {
    let cmdscript = cmdscript.to_string();
    let _ = tokio::task::spawn_blocking(move || run_cmdscript(&cmdscript, &argument)).await;
}

/// One client: request lines in, answers out.
async fn connection(stream: tokio::net::UnixStream, sender: mpsc::Sender<Message>) {
    let (read, mut write) = stream.into_split();
    let mut lines = tokio::io::BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let (answer, reply) = oneshot::channel();
        let request = Message::Request(Command::parse(&line), answer);
        if sender.send(request).await.is_err() {
            break;
        }
        let Ok(reply) = reply.await else { break };
        if write.write_all(reply.as_line().as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = sender.send(Message::Closed).await;
}

/// Until the earliest timer's second starts, or a while when none runs.
fn time_to_wait(timers: &Timers) -> Duration {
    let Some(deadline) = timers.next_deadline() else {
        return Duration::from_secs(1);
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(deadline)
        .saturating_sub(now)
        .saturating_add(Duration::from_millis(1))
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
