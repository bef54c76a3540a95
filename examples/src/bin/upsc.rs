//! `upsc`: NUT's read-only client, with its flags, output, messages and exit codes.
//!
//! `upsc <ups>[@<host>[:<port>]] [<variable>]`, `upsc -l|-L [<host>[:<port>]]`,
//! `upsc -c <ups>[@<host>[:<port>]]`; `-j` prints any of them as JSON (NUT 2.8.3's
//! option: a list is an array, a listing with values an object, one value a string).

use std::process::ExitCode;

use nut_client::ClientError;
use nut_client::blocking::Connection;
use nut_examples::{USAGE_ERROR, error_exit, json};
use nut_protocol::address::UpsAddress;

fn connect(address: &UpsAddress) -> Result<Connection, ClientError> {
    Connection::connect(&address.host, address.port, Default::default())
}

/// `host[:port]` for -l/-L (default localhost).
fn server(arg: Option<&str>) -> Option<UpsAddress> {
    format!("x@{}", arg.unwrap_or("localhost")).parse().ok()
}

/// How results are printed: NUT's text, or JSON (`-j`).
#[derive(Clone, Copy)]
struct Format {
    json: bool,
}

impl Format {
    /// Names one a line, or a JSON array.
    fn names(self, items: &[nut_client::Item]) {
        if self.json {
            println!("{}", json::array(items.iter().map(|i| &i.name)));
        } else {
            items.iter().for_each(|i| println!("{}", i.name));
        }
    }

    /// `name: value` lines, or a JSON object.
    fn pairs(self, items: &[nut_client::Item]) {
        if self.json {
            println!(
                "{}",
                json::object(items.iter().map(|i| (&i.name, &i.value)))
            );
        } else {
            items
                .iter()
                .for_each(|i| println!("{}: {}", i.name, i.value));
        }
    }

    /// One value, or a JSON string.
    fn value(self, value: &str) {
        if self.json {
            println!("{}", json::string(value));
        } else {
            println!("{value}");
        }
    }

    /// NUT's `Error: …` on stderr, or a JSON object with the message on stdout.
    fn error(self, error: &ClientError) -> ExitCode {
        if !self.json {
            return error_exit(error);
        }
        println!("{}", json::object([("error", error.nut_message())]));
        ExitCode::FAILURE
    }
}

fn usage_error() -> Result<ExitCode, ClientError> {
    eprintln!("{USAGE_ERROR}");
    Ok(ExitCode::FAILURE)
}

fn run(args: &[String], format: Format) -> Result<ExitCode, ClientError> {
    match args.first().map(String::as_str) {
        Some(flag @ ("-l" | "-L")) => {
            let Some(address) = server(args.get(1).map(String::as_str)) else {
                return usage_error();
            };
            let upses = connect(&address)?.list_ups()?;
            if flag == "-L" {
                format.pairs(&upses);
            } else {
                format.names(&upses);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("-c") => {
            let Some(address) = args.get(1).and_then(|a| a.parse::<UpsAddress>().ok()) else {
                return usage_error();
            };
            format.names(&connect(&address)?.list_clients(&address.ups)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(target) => {
            let Ok(address) = target.parse::<UpsAddress>() else {
                return usage_error();
            };
            let mut connection = connect(&address)?;
            match args.get(1) {
                Some(var) => format.value(&connection.get_var(&address.ups, var)?),
                None => format.pairs(&connection.list_vars(&address.ups)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        None => usage_error(),
    }
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "-j");
    args.retain(|a| a != "-j");
    let format = Format { json };
    match run(&args, format) {
        Ok(code) => code,
        Err(error) => format.error(&error),
    }
}
