//! `upsdrvctl [OPTIONS] (start | stop | shutdown) [<ups>]`: NUT's driver controller. The
//! logic is in `nut_examples::upsdrvctl`.

use std::process::ExitCode;

use nut_examples::upsdrvctl::{self, USAGE};
use nut_protocol::config::ups_conf;

fn main() -> ExitCode {
    eprintln!("Network UPS Tools - UPS driver controller 2.8.0 (nut-rs)");
    let args = match upsdrvctl::parse(std::env::args().skip(1)) {
        Ok(args) if !args.help => args,
        Ok(_) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprint!("{error}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    nut_examples::daemon::init_logging(args.debug);
    let path = nut_examples::control::confdir().join("ups.conf");
    let conf = match std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display())) {
        Ok(bytes) => ups_conf::parse(&bytes, "ups.conf")
            .into_result()
            .map_err(|e| e.to_string()),
        Err(error) => Err(error),
    };
    let conf = match conf {
        Ok(conf) => conf,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = upsdrvctl::driver_dir(&conf, &exe);
    if args.testing {
        eprintln!("*** Testing mode: not calling exec/kill");
    }
    match upsdrvctl::execute(&conf, &dir, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
