//! The `main` of every hardware driver program: NUT's driver flags (`-a`/`-s`, `-x`, `-k`,
//! `-d`, `-c`, `-i`, `-u`, `-D`, `-F`, `-B`, `-V`, `-h`), `$NUT_CONFPATH/ups.conf`, the
//! settings check, then the [`Runner`] behind `$NUT_STATEPATH/<driver>-<ups>` (in the
//! background unless `-F`/`-D`, with a PID file `<driver>-<ups>.pid` then). A family's
//! binary is `fn main() -> ExitCode { nut_examples::driver::main::<Family>() }`.
//!
//! SIGHUP (`-c reload`) reads `ups.conf` again and hands the section to the running
//! [`Runner`] ([`Runner::reload`]): runtime settings change at once, the others are logged as
//! needing a restart.

use std::path::PathBuf;
use std::process::ExitCode;

use nix::sys::signal::Signal;
use nut_drivers::cli::DriverArgs;
use nut_drivers::device::{DriverConfig, Family, NUT_VERSION, Runner, kill_power};
use nut_protocol::config::ups_conf::{self, UpsConf, resolve_statepath};
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "  -a <id>        - autoconfig using ups.conf section <id>
                 - note: -x after -a overrides ups.conf settings
  -s <id>        - configure directly from cmd line arguments (-x port=… at least)
  -V             - print version, then exit
  -D             - raise debugging level (and stay foreground by default)
  -d <count>     - dump data to stdout after 'count' updates loop and exit
  -F             - stay foregrounded even if no debugging is enabled
  -B             - stay backgrounded even if debugging is bumped
  -h             - display this help
  -k             - force shutdown
  -c <command>   - send <command> (reload, exit) to the running driver of <id>
  -i <int>       - poll interval
  -u <user>      - switch to <user> (if started as root)
  -x <var>=<val> - set driver variable <var> to <val>
";

fn fail(name: &str, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("{name}: {message}");
    ExitCode::FAILURE
}

/// Runs family `F` as a NUT driver with this process's arguments.
pub fn main<F: Family>() -> ExitCode {
    run::<F>(std::env::args().skip(1))
}

/// The banner every NUT driver prints.
pub fn banner<F: Family>() -> String {
    format!(
        "Network UPS Tools - {} {} ({NUT_VERSION})",
        F::DESCRIPTION,
        F::VERSION
    )
}

/// The settings of `ups` for `F`: its `ups.conf` section (unless `-s`) then `-x`/`-i`;
/// refused when the section is missing, names another driver, or has a key `F` does not know.
pub fn settings<F: Family>(
    conf: Option<&UpsConf>,
    args: &DriverArgs,
) -> Result<DriverConfig, String> {
    let ups = args.ups.as_deref().unwrap_or_default();
    let config = match conf {
        None => {
            let mut config = DriverConfig::default();
            for (key, value) in args.overrides() {
                config.push(&key, value.as_deref());
            }
            config
        }
        Some(conf) => {
            let section = conf
                .section(ups)
                .ok_or_else(|| format!("Error: Section {ups} not found in ups.conf"))?;
            DriverConfig::from_section(section, &args.overrides())
        }
    };
    if let Some(driver) = config.value("driver")
        && driver != F::DRIVER_NAME
    {
        return Err(format!(
            "UPS is for driver {driver}, but I'm {}!",
            F::DRIVER_NAME
        ));
    }
    config
        .check_known(F::config_keys())
        .map_err(|error| format!("Fatal error: '{}' {}", error.key, error.reason))?;
    Ok(config)
}

/// `ups.conf` read again for a reload (SIGHUP, `-c reload`): the section of `args`' UPS with
/// `-x` on top; unknown keys are refused. A changed `driver` is left to the runner, which
/// logs that it needs a restart.
pub fn reread_settings<F: Family>(args: &DriverArgs) -> Result<DriverConfig, String> {
    let path = crate::control::confdir().join("ups.conf");
    let bytes = std::fs::read(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let conf = ups_conf::parse(&bytes, "ups.conf")
        .into_result()
        .map_err(|error| error.to_string())?;
    let ups = args.ups.as_deref().unwrap_or_default();
    let section = conf
        .section(ups)
        .ok_or_else(|| format!("Error: Section {ups} not found in ups.conf"))?;
    let config = DriverConfig::from_section(section, &args.overrides());
    config
        .check_known(F::config_keys())
        .map_err(|error| format!("Fatal error: '{}' {}", error.key, error.reason))?;
    Ok(config)
}

/// The state as `upsc` prints it (`name: value` lines), for `-d`.
pub fn upsc_text(tree: &nut_core::StateTree) -> String {
    tree.variables()
        .map(|v| format!("{}: {}\n", v.name(), v.value()))
        .collect()
}

/// Runs family `F` as a NUT driver with `args` (the arguments after the program name).
pub fn run<F: Family>(args: impl IntoIterator<Item = String>) -> ExitCode {
    let name = F::DRIVER_NAME;
    let usage = format!(
        "usage: {name} (-a <id>|-s <id>) [OPTIONS]\n{USAGE}\nAcceptable values for -x or ups.conf in this driver: {}\n",
        F::config_keys().join(", ")
    );
    let args = match DriverArgs::parse(args) {
        Ok(args) => args,
        Err(error) => {
            eprint!("{error}\n\n{usage}");
            return ExitCode::FAILURE;
        }
    };
    if args.help || args.version {
        println!("{}", banner::<F>());
        if args.help {
            print!("\n{usage}");
        }
        return ExitCode::SUCCESS;
    }
    crate::daemon::init_logging(args.debug);
    let ups = args.ups.clone().unwrap_or_default();
    let pid_name = format!("{name}-{ups}");
    if let Some(command) = &args.control {
        let signal = match command.as_str() {
            "reload" => Signal::SIGHUP,
            "exit" => Signal::SIGTERM,
            other => return fail(name, format_args!("unknown command '{other}' for -c")),
        };
        return match crate::control::signal_daemon(&pid_name, None, signal) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(name, format_args!("{error:?}")),
        };
    }
    let conf = if args.standalone {
        None
    } else {
        let path = crate::control::confdir().join("ups.conf");
        let parsed = std::fs::read(&path)
            .map_err(|error| format!("{}: {error}", path.display()))
            .and_then(|bytes| {
                ups_conf::parse(&bytes, "ups.conf")
                    .into_result()
                    .map_err(|error| error.to_string())
            });
        match parsed {
            Ok(conf) => Some(conf),
            Err(error) => return fail(name, error),
        }
    };
    let config = match settings::<F>(conf.as_ref(), &args) {
        Ok(config) => config,
        Err(error) => return fail(name, error),
    };
    let (mut family, mut opener) = match F::from_config(&config) {
        Ok(built) => built,
        Err(error) => return fail(name, error),
    };
    eprintln!("{}", banner::<F>());
    if args.kill_power {
        let result = runtime().and_then(|rt| {
            rt.block_on(kill_power(&mut family, &mut opener, &config))
                .map_err(|e| e.to_string())
        });
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(name, format_args!("killpower failed: {error}")),
        };
    }
    let runner = match Runner::new(family, opener, &config, F::config_keys()) {
        Ok(runner) => runner,
        Err(error) => return fail(name, error),
    };
    if let Some(count) = args.dump_after {
        return dump(runner, count);
    }
    let env_statepath = std::env::var("NUT_STATEPATH").ok();
    let statepath = PathBuf::from(resolve_statepath(
        env_statepath.as_deref(),
        conf.as_ref().and_then(UpsConf::statepath),
        None,
    ));
    let socket = nut_drivers::socket::socket_path(&statepath, name, &ups);
    if let Some(user) = &args.user
        && let Err(error) = crate::become_user(user)
    {
        return fail(name, format_args!("-u {user}: {error}"));
    }
    let detached = if args.detaches() {
        match crate::daemon::detach() {
            Ok(detached) => Some(detached),
            Err(error) => return fail(name, error),
        }
    } else {
        None
    };
    let pid_file = detached
        .is_some()
        .then(|| crate::control::pid_file(&pid_name));
    let code = match runtime() {
        Ok(rt) => rt.block_on(serve(runner, &args, &socket, detached, pid_file.as_ref())),
        Err(error) => fail(name, error),
    };
    let _ = std::fs::remove_file(&socket);
    if let Some(pid_file) = &pid_file {
        let _ = std::fs::remove_file(pid_file);
    }
    code
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// `-d <count>`: polls `count` times, prints the state and exits.
fn dump<F: Family>(mut runner: Runner<F, F::Opener>, count: u64) -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(error) => return fail(F::DRIVER_NAME, error),
    };
    rt.block_on(async {
        let tree = runner.dump_after(count);
        let fatal = runner.on_fatal();
        let (_requests, requests_rx) = tokio::sync::mpsc::unbounded_channel();
        let (out, mut output) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move { while output.recv().await.is_some() {} });
        tokio::spawn(runner.run(requests_rx, out));
        tokio::select! {
            tree = tree => match tree {
                Ok(tree) => {
                    print!("{}", upsc_text(&tree));
                    ExitCode::SUCCESS
                }
                Err(_) => fail(F::DRIVER_NAME, "stopped before the dump"),
            },
            Ok(error) = fatal => fail(F::DRIVER_NAME, error),
        }
    })
}

async fn serve<F: Family>(
    mut runner: Runner<F, F::Opener>,
    args: &DriverArgs,
    socket: &std::path::Path,
    detached: Option<crate::daemon::Detached>,
    pid_file: Option<&PathBuf>,
) -> ExitCode {
    let name = F::DRIVER_NAME;
    let listener = match nut_drivers::socket::bind(socket) {
        Ok(listener) => listener,
        Err(error) => return fail(name, format_args!("{}: {error}", socket.display())),
    };
    tracing::info!(socket = %socket.display(), "serving");
    if let (Some(detached), Some(pid_file)) = (detached, pid_file) {
        let _ = std::fs::write(pid_file, format!("{}\n", std::process::id()));
        if let Err(error) = detached.ready(c"nut-driver") {
            return fail(name, error);
        }
    }
    let (Ok(mut terminate), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return fail(name, "cannot handle signals");
    };
    let fatal = runner.on_fatal();
    let reloader = runner.reloader();
    let mut stop = Some(runner.stop_handle());
    let served = nut_drivers::socket::serve(runner, listener);
    tokio::pin!(served);
    tokio::pin!(fatal);
    loop {
        let signalled = tokio::select! {
            result = &mut served => return match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(name, error),
            },
            Ok(error) = &mut fatal => return fail(name, error),
            _ = tokio::signal::ctrl_c() => true,
            _ = terminate.recv() => true,
            _ = hangup.recv() => {
                tracing::info!("reload asked: reading ups.conf again");
                if args.standalone {
                    tracing::warn!("-s: no ups.conf to read again, nothing reloaded");
                } else {
                    match reread_settings::<F>(args) {
                        Ok(config) => {
                            let _ = reloader.send(config);
                        }
                        Err(error) => tracing::error!(%error, "reload refused: the old settings stay"),
                    }
                }
                false
            }
        };
        // A stop closes the device (APC Smart leaves smart mode) before the program ends,
        // as NUT's drivers clean up on SIGTERM; a second signal ends it at once.
        if signalled && stop.take().is_none_or(|stop| stop.send(()).is_err()) {
            return ExitCode::SUCCESS;
        }
    }
}
