//! The `voltronic-qs` and `voltronic-qs-hex` dialects' identify and update (`M`, `QS`).

use nut_hal::serial::Serial;

use crate::device::{DeviceError, Identity, Reading};
use crate::qx::battery::BatteryModel;
use crate::qx::dialect::Dialect;
use crate::qx::megatec::StatusReply;
use crate::qx::voltronic_qs::{self as qs, QsHexReply};

use super::identify::{optional, writable};
use super::{QxDriver, command_names, regulation_valid};

impl<S: Serial + 'static> QxDriver<S> {
    /// `QS`: the status (and, from a hex reply, its ratings).
    async fn qs(
        &mut self,
        port: &mut S,
        dialect: Dialect,
    ) -> Result<(StatusReply, Vec<(&'static str, String)>), DeviceError> {
        if dialect == Dialect::VoltronicQsHex {
            let reply = self.ask(port, b"QS\r", QsHexReply::parse).await?;
            let mut vars = reply.variables();
            vars.retain(|(name, _)| *name != "ups.beeper.status");
            Ok((reply.status, vars))
        } else {
            let status = self
                .ask(port, b"QS\r", |r| {
                    StatusReply::parse(r)
                        .ok()
                        .filter(|status| regulation_valid(dialect, status))
                })
                .await?;
            let mut vars = qs::qs_variables(&status);
            vars.retain(|(name, _)| {
                !matches!(
                    *name,
                    "ups.status" | "ups.alarm" | "ups.type" | "ups.beeper.status"
                )
            });
            Ok((status, vars))
        }
    }

    /// Identify for the QS dialects: protocol letter, status, ratings.
    pub(super) async fn qs_identify(
        &mut self,
        port: &mut S,
        dialect: Dialect,
    ) -> Result<Identity, DeviceError> {
        let mut info = Reading::default();
        let letters: &[u8] = if dialect == Dialect::VoltronicQsHex {
            b"PT"
        } else {
            b"VH"
        };
        let letter = self
            .ask(port, b"M\r", |r| qs::protocol_letter(r, letters))
            .await?;
        self.protocol = Some(letter);
        info.set("ups.firmware.aux", qs::firmware_aux(letter));
        let (status, _) = self.qs(port, dialect).await?;
        let mut nominal = None;
        if dialect == Dialect::VoltronicQs && !self.settings.norating {
            let asked = self.ask(port, b"F\r", qs::qs_ratings).await;
            for (name, value) in optional(asked, "ratings")?.unwrap_or_default() {
                if name == "battery.voltage.nominal" {
                    nominal = value.parse().ok();
                }
                info.set(name, value);
            }
        }
        if dialect == Dialect::VoltronicQsHex && letter == b'T' {
            let asked = self.ask(port, b"QS\r", QsHexReply::parse).await;
            if let Some(reply) = optional(asked, "ratings")? {
                for (name, value) in reply.rating_variables() {
                    if name == "battery.voltage.nominal" {
                        nominal = value.parse().ok();
                    }
                    info.set(name, value);
                }
            }
        }
        self.nominal = self.settings.battery_nominal.or(nominal);
        let battery =
            BatteryModel::new(&self.settings, nominal, Some(status.battery_voltage), false);
        for (name, value) in battery.static_variables() {
            info.set(name, value);
        }
        self.battery = Some(battery);
        info.set("ups.type", status.ups_type());
        info.set("ups.delay.start", self.settings.ondelay.to_string());
        info.set("ups.delay.shutdown", self.settings.offdelay.to_string());
        self.last_poll = None;
        Ok(Identity {
            info,
            commands: command_names(dialect)
                .iter()
                .map(|&c| c.to_owned())
                .collect(),
            writable: writable(),
        })
    }

    /// One poll of a QS dialect.
    pub(super) async fn qs_update(
        &mut self,
        port: &mut S,
        dialect: Dialect,
    ) -> Result<Reading, DeviceError> {
        let (status, vars) = self.qs(port, dialect).await?;
        let mut reading = Reading::default();
        for (name, value) in vars {
            reading.set(name, value);
        }
        reading.set("ups.beeper.status", status.beeper_status());
        self.push_status(&mut reading, dialect.status_words(&status));
        if let Some(alarm) = status.alarm() {
            reading.alarm(alarm);
        }
        let (voltage, load) = (status.battery_voltage, status.load);
        self.battery_guesses(&mut reading, voltage, load, status.bits.utility_fail);
        Ok(reading)
    }
}
