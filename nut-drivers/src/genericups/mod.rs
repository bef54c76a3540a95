//! The contact-closure family, NUT's `genericups`: a "dumb" UPS whose whole state is two to
//! four RS-232 modem lines.
//!
//! * [`identify`](DeviceProtocol::identify) raises the cable-power lines (exactly that set of
//!   DTR/RTS; the others are dropped) and publishes `ups.mfr`, `ups.model`, `ups.serial` (when
//!   set), their `device.*` copies and `device.type` `ups`.
//! * [`update`](DeviceProtocol::update) reads CTS/DCD/RNG/DSR and reports `LB`, `OL` or `OB`,
//!   `RB`, `BYPASS` (in that order, as the real driver) where the cable has those lines;
//!   nothing else is knowable.
//! * [`kill_power`](DeviceProtocol::kill_power) sets the shutdown lines (as the complete new
//!   set of outputs) and holds them for `sdtime`, or sends a 5 s break (not held); cables
//!   with no known method refuse ([`DeviceError::NotSupported`]).
//! * No instant commands, no writable variables (as the real driver).
//!
//! The cable table is [`UPS_TYPES`]; the settings are [`GenericUpsConfig`] (keys [`KEYS`]).
//! On real hardware the port is a `nut_hal::serialport::SerialPortSerial` opened with
//! `open_keeping_lines`, so that closing it (a driver restart) does not drop the lines: for
//! types 4 and 23 dropping every output line is the shutdown signal.
//! On a port without modem lines (a pty) `identify` fails with a transport error of kind
//! `Unsupported`, where the real driver exits with `ioctl TIOCMSET: Inappropriate ioctl for
//! device`.

use std::marker::PhantomData;
use std::time::Duration;

use nut_hal::{ModemLines, Serial};

use crate::device::{
    CommandError, ConfigError, DeviceError, DeviceProtocol, DriverConfig, Identity, Reading,
};

mod config;
mod lines;
mod table;

pub use config::{GenericUpsConfig, KEYS};
pub use lines::{Outputs, Shutdown, Signal};
pub use table::{UPS_TYPES, UpsType, ups_type};

/// NUT's name for this driver.
pub const DRIVER_NAME: &str = "genericups";

/// The NUT 2.8.0 `genericups` version whose behaviour this family follows.
pub const DRIVER_VERSION_INTERNAL: &str = "1.38";

/// How long the BREAK of an `ST` shutdown lasts: the real driver asks for `tcsendbreak(fd,
/// 4901)`, which glibc on Linux turns into 50 tenths of a second.
pub const BREAK_TIME: Duration = Duration::from_secs(5);

/// A contact-closure UPS on a serial port of type `S`.
#[derive(Debug, Clone)]
pub struct GenericUps<S> {
    config: GenericUpsConfig,
    port: PhantomData<fn() -> S>,
}

/// The `ups.status` words for input lines `lines` under `config`, in the real driver's order:
/// `LB` (when wired and true), `OL` or `OB`, then `RB` and `BYPASS` (when wired and true).
///
/// ```
/// use nut_drivers::genericups::{GenericUpsConfig, status_words, ups_type};
/// use nut_hal::ModemLines;
///
/// // Type 2, APC Back-UPS 940-0020B/C: on line while CTS is low, LB while DCD is high.
/// let config = GenericUpsConfig::for_type(ups_type(2).unwrap());
/// assert_eq!(status_words(&config, ModemLines::empty()), ["OL"]);
/// assert_eq!(status_words(&config, ModemLines::CTS | ModemLines::DCD), ["LB", "OB"]);
/// ```
pub fn status_words(config: &GenericUpsConfig, lines: ModemLines) -> Vec<&'static str> {
    let holds = |signal: Signal| signal.is_wired() && signal.is_true(lines);
    let mut words = Vec::with_capacity(4);
    if holds(config.low_battery) {
        words.push("LB");
    }
    words.push(if config.online.is_true(lines) {
        "OL"
    } else {
        "OB"
    });
    if holds(config.replace_battery) {
        words.push("RB");
    }
    if holds(config.bypass) {
        words.push("BYPASS");
    }
    words
}

impl<S> GenericUps<S> {
    /// A driver with these settings.
    pub fn new(config: GenericUpsConfig) -> Self {
        GenericUps {
            config,
            port: PhantomData,
        }
    }

    /// A driver from its `ups.conf` section and `-x` settings.
    pub fn from_driver_config(config: &DriverConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(GenericUpsConfig::from_config(config)?))
    }

    /// The settings it runs with.
    pub fn config(&self) -> &GenericUpsConfig {
        &self.config
    }
}

/// Sets exactly `outputs` (both DTR and RTS are written).
async fn set_outputs<S: Serial>(
    port: &mut S,
    outputs: Outputs,
    operation: &str,
) -> Result<(), DeviceError> {
    port.set_dtr(outputs.dtr)
        .await
        .map_err(|e| DeviceError::transport(&format!("{operation} (DTR)"), &e))?;
    port.set_rts(outputs.rts)
        .await
        .map_err(|e| DeviceError::transport(&format!("{operation} (RTS)"), &e))
}

impl<S: Serial + 'static> DeviceProtocol for GenericUps<S> {
    type Port = S;

    fn name(&self) -> &'static str {
        DRIVER_NAME
    }

    fn version(&self) -> &'static str {
        DRIVER_VERSION_INTERNAL
    }

    async fn identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        tracing::info!("UPS type: {}", self.config.ups_type.description);
        set_outputs(port, self.config.cable_power, "setting cable power").await?;
        let mut identity = Identity::default();
        let info = &mut identity.info;
        info.set("device.type", "ups");
        info.set("device.mfr", self.config.mfr.as_str());
        info.set("device.model", self.config.model.as_str());
        if let Some(serial) = &self.config.serial {
            info.set("device.serial", serial.as_str());
        }
        info.set("ups.mfr", self.config.mfr.as_str());
        info.set("ups.model", self.config.model.as_str());
        if let Some(serial) = &self.config.serial {
            info.set("ups.serial", serial.as_str());
        }
        Ok(identity)
    }

    async fn update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        let lines = port
            .modem_status()
            .await
            .map_err(|e| DeviceError::transport("reading modem lines", &e))?;
        let mut reading = Reading::default();
        for word in status_words(&self.config, lines) {
            reading.status(word);
        }
        Ok(reading)
    }

    async fn instcmd(
        &mut self,
        _port: &mut S,
        _command: &str,
        _param: Option<&str>,
    ) -> Result<(), CommandError> {
        Err(CommandError::Unknown)
    }

    async fn set_var(
        &mut self,
        _port: &mut S,
        _name: &str,
        _value: &str,
    ) -> Result<(), CommandError> {
        Err(CommandError::Unknown)
    }

    async fn kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        match self.config.shutdown {
            Shutdown::Unknown => {
                return Err(DeviceError::NotSupported(format!(
                    "no shutdown method is known for UPS type {} ({}); set SD",
                    self.config.ups_type.id, self.config.ups_type.description
                )));
            }
            Shutdown::Lines(outputs) => set_outputs(port, outputs, "shutdown").await?,
            // The real driver does not hold a break for `sdtime`.
            Shutdown::Break => {
                return port
                    .send_break(BREAK_TIME)
                    .await
                    .map_err(|e| DeviceError::transport("shutdown (break)", &e));
            }
        }
        if !self.config.sdtime.is_zero() {
            tracing::info!(
                "Holding shutdown signal for {} seconds",
                self.config.sdtime.as_secs()
            );
            tokio::time::sleep(self.config.sdtime).await;
        }
        Ok(())
    }
}
