//! `upscmd`: run an instant command, with NUT's flags, messages and exit codes.
//!
//! `upscmd -l <ups>[@<host>[:<port>]]` lists the commands;
//! `upscmd [-u <user>] [-p <password>] [-w] [-t <seconds>] <ups>[@<host>[:<port>]] <cmd> [<value>]`
//! runs one (`-w` waits for the driver's result and prints it).

use std::process::ExitCode;
use std::time::Duration;

use nut_client::ClientError;
use nut_client::blocking::Connection;
use nut_examples::{USAGE_ERROR, error_exit, refused, report_result, writer};
use nut_protocol::address::UpsAddress;

#[derive(Default)]
struct Options {
    list: bool,
    user: Option<String>,
    password: Option<String>,
    wait: bool,
    timeout: Option<u64>,
    rest: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-l" => options.list = true,
            "-w" => options.wait = true,
            "-u" => options.user = it.next().cloned(),
            "-p" => options.password = it.next().cloned(),
            "-t" => options.timeout = it.next().and_then(|t| t.parse().ok()),
            _ => options.rest.push(arg.clone()),
        }
    }
    Ok(options)
}

fn list(address: &UpsAddress) -> Result<(), ClientError> {
    let mut connection = Connection::connect(&address.host, address.port, Default::default())?;
    let commands = connection.list_cmds(&address.ups)?;
    println!("Instant commands supported on UPS [{}]:\n", address.ups);
    for command in commands {
        let description = connection.get_cmd_desc(&address.ups, &command.name)?;
        println!("{} - {description}", command.name);
    }
    Ok(())
}

fn run(options: &Options, address: &UpsAddress) -> ExitCode {
    let Some(cmd) = options.rest.get(1) else {
        eprintln!("{USAGE_ERROR}");
        return ExitCode::FAILURE;
    };
    let mut connection = match writer(
        address,
        options.user.as_deref(),
        options.password.as_deref(),
        options.wait,
    ) {
        Ok(connection) => connection,
        Err(code) => return code,
    };
    let param = options.rest.get(2).map(String::as_str);
    let id = match connection.instcmd(&address.ups, cmd, param) {
        Ok(id) => id,
        Err(error) => return refused(&error),
    };
    report_result(
        &mut connection,
        id,
        options.wait,
        Duration::from_secs(options.timeout.unwrap_or(10)),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let Some(address) = options
        .rest
        .first()
        .and_then(|a| a.parse::<UpsAddress>().ok())
    else {
        eprintln!("{USAGE_ERROR}");
        return ExitCode::FAILURE;
    };
    if options.list {
        return match list(&address) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => error_exit(&error),
        };
    }
    run(&options, &address)
}
