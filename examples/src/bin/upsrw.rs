//! `upsrw`: show and set writable variables, with NUT's flags, output and messages.
//!
//! `upsrw [-l] <ups>[@<host>[:<port>]]` lists the writable variables with their types;
//! `upsrw -s <var>=<value> [-u <user>] [-p <password>] [-w] [-t <seconds>] <ups>[@…]` sets one.

use std::process::ExitCode;
use std::time::Duration;

use nut_client::ClientError;
use nut_client::blocking::Connection;
use nut_core::value::parse_c_int;
use nut_examples::{USAGE_ERROR, error_exit, refused, report_result, writer};
use nut_protocol::address::UpsAddress;
use nut_protocol::net::ValueKind;

#[derive(Default)]
struct Options {
    set: Option<String>,
    user: Option<String>,
    password: Option<String>,
    wait: bool,
    timeout: Option<u64>,
    target: Option<String>,
}

fn parse(args: &[String]) -> Options {
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-l" => {}
            "-w" => options.wait = true,
            "-s" => options.set = it.next().cloned(),
            "-u" => options.user = it.next().cloned(),
            "-p" => options.password = it.next().cloned(),
            "-t" => options.timeout = it.next().and_then(|t| t.parse().ok()),
            _ => options.target = Some(arg.clone()),
        }
    }
    options
}

/// One variable as upsrw prints it.
fn show(
    connection: &mut Connection,
    ups: &str,
    var: &str,
    value: &str,
) -> Result<String, ClientError> {
    let description = connection.get_desc(ups, var)?;
    let var_type = connection.get_type(ups, var)?;
    let mut out = format!("[{var}]\n{description}\nType: ");
    if var_type.enumerated {
        out.push_str("ENUM ");
    }
    if var_type.ranged {
        out.push_str("RANGE ");
    }
    match var_type.kind {
        ValueKind::String { max_len } => {
            out.push_str(&format!("STRING\nMaximum length: {max_len}\n"))
        }
        ValueKind::Number => out.push_str("NUMBER\n"),
    }
    if var_type.enumerated {
        for option in connection.list_enum(ups, var)? {
            let selected = if option.name == value {
                " SELECTED"
            } else {
                ""
            };
            out.push_str(&format!("Option: \"{}\"{selected}\n", option.name));
        }
    } else if var_type.ranged {
        let current = parse_c_int(value);
        for range in connection.list_range(ups, var)? {
            let (min, max) = (parse_c_int(&range.name), parse_c_int(&range.value));
            let selected = if (min..=max).contains(&current) {
                " SELECTED"
            } else {
                ""
            };
            out.push_str(&format!(
                "Option: \"{}-{}\"{selected}\n",
                range.name, range.value
            ));
        }
    } else {
        out.push_str(&format!("Value: {value}\n"));
    }
    Ok(out)
}

fn list(address: &UpsAddress) -> Result<(), ClientError> {
    let mut connection = Connection::connect(&address.host, address.port, Default::default())?;
    let variables = connection.list_rw(&address.ups)?;
    let mut out = String::new();
    for var in variables {
        out.push_str(&show(&mut connection, &address.ups, &var.name, &var.value)?);
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}

fn set(options: &Options, address: &UpsAddress, assignment: &str) -> ExitCode {
    let Some((var, value)) = assignment.split_once('=') else {
        eprintln!("Error: invalid variable assignment (use var=value)");
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
    let id = match connection.set_var(&address.ups, var, value) {
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
    let options = parse(&args);
    let Some(address) = options
        .target
        .as_deref()
        .and_then(|t| t.parse::<UpsAddress>().ok())
    else {
        eprintln!("{USAGE_ERROR}");
        return ExitCode::FAILURE;
    };
    match &options.set {
        Some(assignment) => set(&options, &address, assignment),
        None => match list(&address) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => error_exit(&error),
        },
    }
}
