//! `dummy-ups`: NUT's simulation driver. `dummy-ups -a <ups>` reads `[ups]` from
//! `$NUT_CONFPATH/ups.conf`, plays its `port` file (`.dev` once, `.seq` looping) and serves
//! `$NUT_STATEPATH/dummy-ups-<ups>`, so any upsd — ours or the C one — can read it.

use std::path::PathBuf;
use std::process::ExitCode;

use nut_protocol::config::ups_conf::{self, resolve_statepath};

const USAGE: &str = "usage: dummy-ups -a <ups> [-F] [-D] [-u <user>]\n";

fn main() -> ExitCode {
    let mut ups = None;
    let mut debug = 0u8;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-a" => ups = args.next(),
            "-u" | "-x" | "-i" => {
                let _ = args.next();
            }
            "-F" | "-FF" | "-B" => {}
            "-h" => {
                eprint!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flags if flags.starts_with("-D") => debug += flags.len().saturating_sub(1) as u8,
            other => {
                eprintln!("dummy-ups: unknown option {other}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    let Some(ups) = ups else {
        eprint!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let level = if debug > 0 { "debug" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_writer(std::io::stderr)
        .init();
    let confdir =
        PathBuf::from(std::env::var("NUT_CONFPATH").unwrap_or_else(|_| "/etc/nut".into()));
    let conf = match std::fs::read(confdir.join("ups.conf")) {
        Ok(bytes) => match ups_conf::parse(&bytes, "ups.conf").into_result() {
            Ok(conf) => conf,
            Err(error) => {
                eprintln!("dummy-ups: {error}");
                return ExitCode::FAILURE;
            }
        },
        Err(error) => {
            eprintln!("dummy-ups: {}: {error}", confdir.join("ups.conf").display());
            return ExitCode::FAILURE;
        }
    };
    let driver = match nut_drivers::dummy::watched_from_ups_conf(&conf, &confdir, &ups, &[]) {
        Ok(driver) => driver,
        Err(error) => {
            eprintln!("dummy-ups: {error}");
            return ExitCode::FAILURE;
        }
    };
    let env_statepath = std::env::var("NUT_STATEPATH").ok();
    let statepath = PathBuf::from(resolve_statepath(
        env_statepath.as_deref(),
        conf.statepath(),
        None,
    ));
    let socket = statepath.join(format!("dummy-ups-{ups}"));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("dummy-ups: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let listener = match nut_drivers::socket::bind(&socket) {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("dummy-ups: {}: {error}", socket.display());
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(socket = %socket.display(), "serving");
        tokio::select! {
            result = nut_drivers::socket::serve(driver, listener) => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("dummy-ups: {error}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        }
    })
}
