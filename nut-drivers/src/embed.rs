//! Drivers inside upsd (opt-in: `upsd --embed-drivers`): every `ups.conf` section whose
//! driver this crate implements (`dummy-ups`, and the hardware programs of
//! [`crate::programs`]) runs as a task of the upsd process, speaking the same driver-socket
//! messages over a channel instead of a Unix socket. Sections of other drivers keep using
//! their sockets.

use std::path::Path;

use nut_protocol::config::ups_conf;
use nut_protocol::upsd::DriverSource;
use nut_protocol::upsd::setup::Setup;

use crate::device::{DriverConfig, Family, Runner};
use crate::dummy;
use crate::in_process;
use crate::programs;

/// Why the embedded drivers could not be set up.
#[derive(Debug)]
pub struct EmbedError(pub String);

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbedError {}

/// Replaces the socket source of every UPS of `setup` whose driver this crate implements
/// with an in-process driver (call inside a tokio runtime). Returns how many drivers were
/// embedded. A section whose settings the driver refuses is an error naming the key.
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
        let Some(section) = conf.section(&name) else {
            continue;
        };
        let channel = match section.driver().unwrap_or_default() {
            "dummy-ups" => {
                let driver = dummy::program_from_ups_conf(&conf, confdir, &name, &[])
                    .map_err(|e| EmbedError(e.to_string()))?;
                in_process::spawn(driver)
            }
            "nutdrv_qx" => hardware::<programs::NutdrvQx>(section)?,
            "blazer_ser" => hardware::<programs::BlazerSer>(section)?,
            #[cfg(feature = "usb")]
            "blazer_usb" => hardware::<programs::BlazerUsb>(section)?,
            "apcsmart" => hardware::<programs::ApcSmartSerial>(section)?,
            "genericups" => hardware::<programs::GenericUpsSerial>(section)?,
            _ => continue,
        };
        *source = DriverSource::Channel(channel);
        embedded += 1;
    }
    Ok(embedded)
}

/// Starts hardware family `F` for `section` in this process.
fn hardware<F: Family>(
    section: &ups_conf::UpsSection,
) -> Result<nut_protocol::upsd::DriverChannel, EmbedError> {
    let refused = |error: crate::device::ConfigError| {
        EmbedError(format!(
            "ups.conf:{}: [{}]: {error}",
            section.line, section.name
        ))
    };
    let config = DriverConfig::from_section(section, &[]);
    config.check_known(F::config_keys()).map_err(refused)?;
    let (family, opener) = F::from_config(&config).map_err(refused)?;
    let runner = Runner::new(family, opener, &config, F::config_keys()).map_err(refused)?;
    Ok(in_process::spawn(runner))
}
