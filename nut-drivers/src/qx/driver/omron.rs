//! The `omron` dialect's extra queries and its two-step shutdown commands.

use nut_hal::serial::Serial;

use crate::device::{CommandError, DeviceError, Reading};
use crate::qx::dialect::Dialect;
use crate::qx::omron;

use super::QxDriver;
use super::identify::optional;

impl<S: Serial + 'static> QxDriver<S> {
    /// The static values (`PSNR`, `FWV`, `BRR`, `UN`) each when answered; returns the
    /// battery nominal voltage from `UN`.
    pub(super) async fn omron_static(
        &mut self,
        port: &mut S,
        info: &mut Reading,
    ) -> Result<Option<f64>, DeviceError> {
        if let Some(serial) = optional(self.ask(port, b"PSNR\r", omron::serial).await, "PSNR")? {
            info.set("ups.serial", serial);
        }
        if let Some((main, aux)) = optional(self.ask(port, b"FWV\r", omron::firmware).await, "FWV")?
        {
            info.set("ups.firmware", main);
            info.set("ups.firmware.aux", aux);
        }
        if let Some(date) = optional(self.ask(port, b"BRR\r", omron::battery_date).await, "BRR")? {
            info.set("battery.date", date);
        }
        let mut nominal = None;
        if let Some(values) = optional(self.ask(port, b"UN\r", omron::nominals).await, "UN")? {
            for (name, value) in values {
                if name == "battery.voltage.nominal" {
                    nominal = value.parse().ok();
                }
                info.set(name, value);
            }
        }
        Ok(nominal)
    }

    /// Update: `Q1` (no bypass/boost or beeper bits in Omron's table), then the per-value
    /// queries, each when answered.
    pub(super) async fn omron_update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        let mut status = self.status(port, Dialect::Omron).await?;
        status.bits.bypass_boost_buck = false;
        let mut reading = self.reading(Dialect::Omron, &status);
        reading
            .values
            .retain(|(name, _)| name != "ups.beeper.status");
        for &(name, command, parse) in omron::DYNAMIC {
            if let Some(value) = optional(self.ask(port, command, parse).await, name)? {
                reading.set(name, value);
            }
        }
        if let Some(auto) = self.start_auto {
            reading.set("ups.start.auto", auto);
        }
        Ok(reading)
    }
}

impl<S: Serial> QxDriver<S> {
    /// Runs an Omron instant command: every line must be acknowledged with `OK`.
    pub(super) async fn omron_run(&mut self, port: &mut S, name: &str) -> Result<(), CommandError> {
        let lines = omron::command(name, self.settings.offdelay).ok_or(CommandError::Invalid)?;
        for line in lines {
            self.send_command(port, &line).await?;
        }
        if let Some(auto) = omron::start_auto(name) {
            self.start_auto = Some(auto);
        }
        Ok(())
    }
}
