//! Thin reference binaries under NUT's names (`upsd`, `dummy-ups`, `upsc`, `upsrw`,
//! `upscmd`, `upslog`, `upssched`, and the `nut-load` tool). A binary parses flags and config,
//! wires library pieces and runs; this library only holds what several of them print the same
//! way.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod control;
pub mod daemon;
pub mod driver;
pub mod json;
pub mod upsdrvctl;

use std::process::ExitCode;
use std::time::Duration;

use nut_client::ClientError;
use nut_client::blocking::Connection;
use nut_protocol::net::TrackingId;

/// NUT's message for a malformed UPS argument.
pub const USAGE_ERROR: &str =
    "Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]";

/// Prints `Error: <message>` as NUT's clients do and fails.
pub fn error_exit(error: &ClientError) -> ExitCode {
    eprintln!("Error: {}", error.nut_message());
    ExitCode::FAILURE
}

/// Prints upsd's refusal (`Unexpected response from upsd: ERR …`) and fails.
pub fn refused(error: &ClientError) -> ExitCode {
    eprintln!("{}", error.refusal_message());
    ExitCode::FAILURE
}

/// After an accepted `SET VAR`/`INSTCMD`: `OK`, or with `-w` the driver's result
/// (`SUCCESS`, `ERR FAILED`, …) once known, all on stderr as upsrw and upscmd print them.
pub fn report_result(
    connection: &mut Connection,
    id: Option<TrackingId>,
    wait: bool,
    timeout: Duration,
) -> ExitCode {
    let Some(id) = id.filter(|_| wait) else {
        eprintln!("OK");
        return ExitCode::SUCCESS;
    };
    match connection.wait_tracking(&id, timeout) {
        Ok(status) => {
            eprintln!("{}", status.as_line());
            ExitCode::SUCCESS
        }
        Err(ClientError::Timeout) => {
            eprintln!("Timeout");
            ExitCode::FAILURE
        }
        Err(error) => refused(&error),
    }
}

/// Connects and authenticates for a write (`upsrw -s`, `upscmd`), turning tracking on for
/// `-w`; on failure prints what NUT's tools print and returns the exit code.
pub fn writer(
    address: &nut_protocol::address::UpsAddress,
    user: Option<&str>,
    password: Option<&str>,
    wait: bool,
) -> Result<Connection, ExitCode> {
    let mut connection = Connection::connect(&address.host, address.port, Default::default())
        .map_err(|error| error_exit(&error))?;
    connection
        .authenticate(user.unwrap_or(""), password.unwrap_or(""))
        .map_err(|error| refused(&error))?;
    if wait {
        connection
            .set_tracking(true)
            .map_err(|error| refused(&error))?;
    }
    Ok(connection)
}

/// Becomes `user` (its groups, primary and supplementary, first), as NUT's daemons do for `-u`. Being that user
/// already is fine; anything else without the rights to switch is an error.
pub fn become_user(name: &str) -> Result<(), String> {
    use nix::unistd::{Uid, User, initgroups, setgid, setuid};
    let user = User::from_name(name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| String::from("no such user"))?;
    if Uid::current() == user.uid {
        return Ok(());
    }
    let c_name = std::ffi::CString::new(name).map_err(|e| e.to_string())?;
    initgroups(&c_name, user.gid).map_err(|e| format!("initgroups: {e}"))?;
    setgid(user.gid).map_err(|e| format!("setgid: {e}"))?;
    setuid(user.uid).map_err(|e| format!("setuid: {e}"))?;
    Ok(())
}
