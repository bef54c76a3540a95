//! Drivers inside upsd (opt-in: `upsd --embed-drivers`): every `ups.conf` section whose
//! driver this crate implements runs as a task of the upsd process, speaking the same
//! driver-socket messages over a channel instead of a Unix socket. Sections of other drivers
//! keep using their sockets.

use std::path::Path;

use nut_protocol::config::ups_conf;
use nut_protocol::upsd::DriverSource;
use nut_protocol::upsd::setup::Setup;

use crate::dummy;
use crate::in_process;

/// Why the embedded drivers could not be set up.
#[derive(Debug)]
pub struct EmbedError(pub String);

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbedError {}

/// Replaces the socket source of every `dummy-ups` UPS of `setup` with an in-process driver
/// (call inside a tokio runtime). Returns how many drivers were embedded.
pub fn embed_drivers(setup: &mut Setup, confdir: &Path) -> Result<usize, EmbedError> {
    let bytes = std::fs::read(confdir.join("ups.conf"))
        .map_err(|e| EmbedError(format!("{}: {e}", confdir.join("ups.conf").display())))?;
    let conf = ups_conf::parse(&bytes, "ups.conf")
        .into_result()
        .map_err(|e| EmbedError(e.to_string()))?;
    let mut embedded = 0;
    for (index, source) in &mut setup.drivers {
        let Some(name) = setup.state.ups(*index).map(|u| u.name.clone()) else {
            continue;
        };
        let is_dummy = conf
            .section(&name)
            .and_then(|s| s.driver())
            .is_some_and(|d| d == "dummy-ups");
        if !is_dummy {
            continue;
        }
        let driver = dummy::watched_from_ups_conf(&conf, confdir, &name, &[])
            .map_err(|e| EmbedError(e.to_string()))?;
        *source = DriverSource::Channel(in_process::spawn(driver));
        embedded += 1;
    }
    Ok(embedded)
}
