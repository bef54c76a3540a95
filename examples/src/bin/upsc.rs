//! `upsc`: NUT's read-only client, with its flags, output, messages and exit codes.
//!
//! `upsc <ups>[@<host>[:<port>]] [<variable>]`, `upsc -l|-L [<host>[:<port>]]`,
//! `upsc -c <ups>[@<host>[:<port>]]`.

use std::process::ExitCode;

use nut_client::ClientError;
use nut_client::blocking::Connection;
use nut_examples::{USAGE_ERROR, error_exit};
use nut_protocol::address::UpsAddress;

fn connect(address: &UpsAddress) -> Result<Connection, ClientError> {
    Connection::connect(&address.host, address.port, Default::default())
}

/// `host[:port]` for -l/-L (default localhost).
fn server(arg: Option<&str>) -> Option<UpsAddress> {
    format!("x@{}", arg.unwrap_or("localhost")).parse().ok()
}

fn run(args: &[String]) -> Result<ExitCode, ClientError> {
    match args.first().map(String::as_str) {
        Some(flag @ ("-l" | "-L")) => {
            let Some(address) = server(args.get(1).map(String::as_str)) else {
                eprintln!("{USAGE_ERROR}");
                return Ok(ExitCode::FAILURE);
            };
            for ups in connect(&address)?.list_ups()? {
                if flag == "-L" {
                    println!("{}: {}", ups.name, ups.value);
                } else {
                    println!("{}", ups.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("-c") => {
            let Some(address) = args.get(1).and_then(|a| a.parse::<UpsAddress>().ok()) else {
                eprintln!("{USAGE_ERROR}");
                return Ok(ExitCode::FAILURE);
            };
            for client in connect(&address)?.list_clients(&address.ups)? {
                println!("{}", client.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(target) => {
            let Ok(address) = target.parse::<UpsAddress>() else {
                eprintln!("{USAGE_ERROR}");
                return Ok(ExitCode::FAILURE);
            };
            let mut connection = connect(&address)?;
            match args.get(1) {
                Some(var) => println!("{}", connection.get_var(&address.ups, var)?),
                None => {
                    for var in connection.list_vars(&address.ups)? {
                        println!("{}: {}", var.name, var.value);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("{USAGE_ERROR}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(error) => error_exit(&error),
    }
}
