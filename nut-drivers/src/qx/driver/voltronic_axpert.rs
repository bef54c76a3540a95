//! The Voltronic Axpert dialect's identify, update and settings (`QPIGS` instead of `Q1`,
//! every command framed with the Voltronic CRC).

use std::time::Duration;

use nut_hal::serial::Serial;
use tokio::time::Instant;

use crate::device::{CommandError, DeviceError, Identity, Reading, Writable};
use crate::qx::Dialect;
use crate::qx::voltronic;
use crate::qx::voltronic_axpert as axp;
use crate::qx::voltronic_caps::Flags;

use super::QxDriver;
use super::identify::optional;

/// What a Voltronic Axpert unit turned out to do, learnt while identifying and polling.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AxpertState {
    /// The unit sends CRCs: a reply without a valid one is then refused.
    crc: bool,
    /// The unit answers `QPICF` (current fault status), so it is polled.
    faults: bool,
}

/// The firmware queries: command, first column, variables.
const FIRMWARE: &[(&[u8], usize, &[&str])] = &[
    (b"QVFW\r", 7, &["device.firmware", "device.firmware.main"]),
    (b"QVFW2\r", 8, &["device.firmware.scc1"]),
    (b"QVFW3\r", 8, &["device.firmware.scc2"]),
    (b"QVFW4\r", 8, &["device.firmware.scc3"]),
];

impl<S: Serial + 'static> QxDriver<S> {
    /// Sends `command` with its CRC and checks the reply without its CRC (retried as
    /// [`QxDriver::ask`] does). Once the unit has sent a CRC, a reply without a valid one is
    /// a bad reply.
    async fn axpert_ask<T>(
        &mut self,
        port: &mut S,
        command: &[u8],
        check: impl Fn(&[u8]) -> Option<T>,
    ) -> Result<T, DeviceError> {
        let framed = axp::with_crc(command);
        let required = self.axpert.crc;
        let (value, had_crc) = self
            .ask(port, &framed, move |r| {
                let (reply, had_crc) = axp::split_crc(r);
                if required && !had_crc {
                    return None;
                }
                check(&reply).map(|value| (value, had_crc))
            })
            .await?;
        self.axpert.crc |= had_crc;
        Ok(value)
    }

    /// Identify for the Voltronic Axpert dialect: protocol, status, firmware, serial, model
    /// data, ratings, defaults and capabilities.
    pub(super) async fn axpert_identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        let mut info = Reading::default();
        self.axpert = AxpertState::default();
        let asked = self.axpert_ask(port, b"QPI\r", axp::protocol).await;
        if let Some(aux) = optional(asked, "protocol id")? {
            info.set("device.firmware.aux", aux);
        }
        let status = self
            .axpert_ask(port, b"QPIGS\r", axp::general_status)
            .await?;
        for (name, value) in &status.output {
            info.set(name, value.clone());
        }
        if !self.settings.novendor {
            for &(command, from, names) in FIRMWARE {
                let asked = self
                    .axpert_ask(port, command, |r| axp::firmware(r, from))
                    .await;
                if let Some(firmware) = optional(asked, "firmware")? {
                    for name in names {
                        info.set(name, firmware.clone());
                    }
                }
            }
            let asked = self.axpert_ask(port, b"QID\r", voltronic::serial).await;
            if let Some(serial) = optional(asked, "serial")? {
                info.set("device.serial", serial);
            }
            let asked = self.axpert_ask(port, b"QMD\r", axp::model).await;
            for (name, value) in optional(asked, "model")?.unwrap_or_default() {
                info.set(name, value);
            }
        }
        if !self.settings.norating {
            let asked = self.axpert_ask(port, b"QPIRI\r", axp::ratings).await;
            for (name, value) in optional(asked, "ratings")?.unwrap_or_default() {
                info.set(name, value);
            }
            let asked = self.axpert_ask(port, b"QDI\r", axp::defaults).await;
            for (name, value) in optional(asked, "default settings")?.unwrap_or_default() {
                info.set(name, value);
            }
        }
        self.axpert_capabilities(port, &mut info).await?;
        let asked = self.axpert_ask(port, b"QPICF\r", axp::fault_status).await;
        self.axpert.faults = optional(asked, "fault status")?.is_some();
        self.extra_commands.clear();
        if self.flags.as_ref().and_then(|f| f.get(b'a')).is_some() {
            self.extra_commands
                .extend(["beeper.enable".to_owned(), "beeper.disable".to_owned()]);
        }
        self.battery = None;
        self.last_poll = None;
        info.set("driver.version.data", axp::VERSION_DATA);
        info.set(
            "driver.parameter.pollfreq",
            self.settings.pollfreq.to_string(),
        );
        self.published = info.clone();
        let writable = if info.get("battery.energysave").is_some() {
            vec![(
                "battery.energysave".to_owned(),
                Writable::Enum(vec!["no".into(), "yes".into()]),
            )]
        } else {
            Vec::new()
        };
        Ok(Identity {
            info,
            commands: super::command_names(Dialect::VoltronicAxpert)
                .iter()
                .map(|&c| c.to_owned())
                .chain(self.extra_commands.iter().cloned())
                .collect(),
            writable,
        })
    }

    /// `QFLAG` (NUT's semi-static item): `ups.beeper.status`, `battery.energysave`.
    async fn axpert_capabilities(
        &mut self,
        port: &mut S,
        info: &mut Reading,
    ) -> Result<(), DeviceError> {
        self.semi_static_at = Some(Instant::now());
        let asked = self.axpert_ask(port, b"QFLAG\r", Flags::parse).await;
        self.flags = optional(asked, "capability flags")?;
        if let Some(flags) = &self.flags {
            for (name, value) in axp::capabilities(flags) {
                info.set(name, value);
            }
        }
        Ok(())
    }

    /// One Voltronic Axpert poll: `QPIGS`, `QPIWS` and `QMOD`; every `pollfreq` seconds also
    /// `QFLAG`.
    pub(super) async fn axpert_update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        let status = self
            .axpert_ask(port, b"QPIGS\r", axp::general_status)
            .await?;
        let mut reading = Reading::default();
        let due = self
            .semi_static_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(self.settings.pollfreq));
        if due {
            self.axpert_capabilities(port, &mut reading).await?;
            for (name, value) in &reading.values {
                self.published.set(name, value.clone());
            }
        }
        for (name, value) in status.values {
            reading.set(name, value);
        }
        let asked = self.axpert_ask(port, b"QMOD\r", axp::mode).await;
        if let Some((words, alarms)) = optional(asked, "mode")? {
            for word in words {
                reading.status(word);
            }
            for alarm in alarms {
                reading.alarm(alarm);
            }
        }
        for word in status.status {
            reading.status(word);
        }
        let asked = self.axpert_ask(port, b"QPIWS\r", axp::warnings).await;
        if let Some(warnings) = optional(asked, "warnings")? {
            for word in warnings.status {
                reading.status(word);
            }
            if let Some(alarm) = warnings.alarm {
                reading.alarm(&alarm);
            }
        }
        if self.axpert.faults {
            self.axpert_faults(port, &mut reading).await?;
        }
        Ok(reading)
    }

    /// `QPICF`: a new fault is the alarm "New fault found." and the fault record `QPIHF<id>`
    /// (its text as an alarm, its date and time).
    async fn axpert_faults(
        &mut self,
        port: &mut S,
        reading: &mut Reading,
    ) -> Result<(), DeviceError> {
        let asked = self.axpert_ask(port, b"QPICF\r", axp::fault_status).await;
        let Some(status) = optional(asked, "fault status")? else {
            return Ok(());
        };
        if !status.new_fault {
            return Ok(());
        }
        reading.alarm("New fault found.");
        let Some(id) = status.id else {
            return Ok(());
        };
        let asked = self
            .axpert_ask(port, &axp::fault_query(id), axp::fault_record)
            .await;
        if let Some(record) = optional(asked, "fault record")? {
            for word in record.status {
                reading.status(word);
            }
            reading.alarm(record.alarm);
            for (name, value) in record.values {
                reading.set(name, value);
            }
        }
        Ok(())
    }

    /// Sets a Voltronic Axpert variable (`battery.energysave`, when the unit reports it).
    pub(super) async fn axpert_set(
        &mut self,
        port: &mut S,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        if self.published.get(name).is_none() {
            return Err(CommandError::Unknown);
        }
        let bytes = axp::set_command(name, value).ok_or(CommandError::Invalid)?;
        self.send_command(port, &bytes).await?;
        self.published.set(name, value.trim().to_owned());
        Ok(())
    }
}
