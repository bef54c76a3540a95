//! `dummy-ups`: NUT's simulation driver. `dummy-ups -a <ups>` reads `[ups]` from
//! `$NUT_CONFPATH/ups.conf` (default /etc/nut), plays its `port` file (`.dev` once, `.seq`
//! looping; `-x mode=…` to choose), or repeats another upsd's UPS (`port = ups@host[:port]`),
//! and serves `$NUT_STATEPATH/dummy-ups-<ups>`, so any upsd —
//! ours or the C one — can read it. Everything but the wiring is in `nut_drivers`.

use std::path::PathBuf;
use std::process::ExitCode;

use nut_drivers::cli::DriverArgs;
use nut_drivers::dummy::{
    self, DRIVER_NAME, DRIVER_VERSION, DRIVER_VERSION_INTERNAL, DummyProgram,
};
use nut_protocol::config::ups_conf::{self, UpsConf, resolve_statepath};
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: dummy-ups (-a <id>|-s <id>) [OPTIONS]
  -a <id>        - autoconfig using ups.conf section <id>
  -s <id>        - configure directly from -x arguments (at least -x port=<file>)
  -x <var>=<val> - set driver variable <var> to <val> (after -a: overrides ups.conf)
  -i <int>       - poll interval
  -u <user>      - switch to <user> (if started as root)
  -D             - raise debugging level
  -F             - stay in the foreground
  -B             - go to the background even with -D (the default without -D)
  -V             - print version, then exit
  -h             - display this help

Acceptable values for -x or ups.conf in this driver:
  mode=<dummy-once|dummy-loop|dummy|repeater>
                 (default: from the port: ups@host[:port] repeats, .dev once, .seq loop)
  repeater_disable_strict_start - a repeater starts even if its upstream is unreachable
  username=<user>, password=<pass> - a repeater's login upstream (for SET and INSTCMD)
  certverify=<0|1> - a repeater checks the upstream's TLS certificate (default 0)
  certpath=<file|dir> - the CA certificates for certverify (default: the system's)
  forcessl=<0|1> - a repeater refuses an upstream without STARTTLS (default 0)
";

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("dummy-ups: {message}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let banner = format!(
        "Network UPS Tools - Device simulation and repeater driver {DRIVER_VERSION_INTERNAL} ({DRIVER_VERSION}, nut-rs)"
    );
    let args = match DriverArgs::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(error) => {
            eprint!("{error}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if args.help || args.version {
        println!("{banner}");
        if args.help {
            print!("\n{USAGE}");
        }
        return ExitCode::SUCCESS;
    }
    if args.kill_power || args.dump_after.is_some() || args.control.is_some() {
        return fail("-k, -d and -c are not supported by this driver");
    }
    nut_examples::daemon::init_logging(args.debug);
    let confdir = nut_examples::control::confdir();
    let conf = if args.standalone {
        None
    } else {
        let path = confdir.join("ups.conf");
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => return fail(format_args!("{}: {error}", path.display())),
        };
        match ups_conf::parse(&bytes, "ups.conf").into_result() {
            Ok(conf) => Some(conf),
            Err(error) => return fail(error),
        }
    };
    let program = match dummy::program_from_args(conf.as_ref(), &confdir, &args) {
        Ok(driver) => driver,
        Err(error) => return fail(error),
    };
    let env_statepath = std::env::var("NUT_STATEPATH").ok();
    let statepath = PathBuf::from(resolve_statepath(
        env_statepath.as_deref(),
        conf.as_ref().and_then(UpsConf::statepath),
        None,
    ));
    let ups = args.ups.clone().unwrap_or_default();
    let socket = nut_drivers::socket::socket_path(&statepath, DRIVER_NAME, &ups);
    if let Some(user) = &args.user
        && let Err(error) = nut_examples::become_user(user)
    {
        return fail(format_args!("-u {user}: {error}"));
    }
    let detached = if args.detaches() {
        match nut_examples::daemon::detach() {
            Ok(detached) => Some(detached),
            Err(error) => return fail(error),
        }
    } else {
        None
    };
    let pid_file = detached
        .is_some()
        .then(|| statepath.join(format!("{DRIVER_NAME}-{ups}.pid")));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(error),
    };
    eprintln!("{banner}");
    let code = runtime.block_on(async {
        let mut program = program;
        if let DummyProgram::Repeater(repeater) = &mut program
            && let Err(error) = repeater.start_strict().await
        {
            return fail(error);
        }
        let listener = match nut_drivers::socket::bind(&socket) {
            Ok(listener) => listener,
            Err(error) => return fail(format_args!("{}: {error}", socket.display())),
        };
        tracing::info!(socket = %socket.display(), "serving");
        if let (Some(detached), Some(pid_file)) = (detached, &pid_file) {
            let _ = std::fs::write(pid_file, format!("{}\n", std::process::id()));
            if let Err(error) = detached.ready(c"dummy-ups") {
                return fail(error);
            }
        }
        let mut terminate = match signal(SignalKind::terminate()) {
            Ok(terminate) => terminate,
            Err(error) => return fail(error),
        };
        tokio::select! {
            result = nut_drivers::socket::serve(program, listener) => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(error),
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
            _ = terminate.recv() => ExitCode::SUCCESS,
        }
    });
    let _ = std::fs::remove_file(&socket);
    if let Some(pid_file) = &pid_file {
        let _ = std::fs::remove_file(pid_file);
    }
    code
}
