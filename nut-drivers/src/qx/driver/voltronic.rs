//! The Voltronic dialect's identify and update (`QGS` instead of `Q1`).

use std::time::Duration;

use nut_hal::serial::Serial;
use tokio::time::Instant;

use crate::device::{DeviceError, Identity, Reading, Writable};
use crate::qx::Dialect;
use crate::qx::battery::BatteryModel;
use crate::qx::io;
use crate::qx::voltronic::{self, QgsReply};
use crate::qx::voltronic_caps as caps;
use crate::qx::voltronic_phases as phases;

use super::QxDriver;

use super::identify::{optional, writable};

impl<S: Serial + 'static> QxDriver<S> {
    async fn qgs(&mut self, port: &mut S) -> Result<QgsReply, DeviceError> {
        let protocol = self.protocol;
        self.ask(port, b"QGS\r", move |r| QgsReply::parse(r, protocol))
            .await
    }

    /// Identify for the Voltronic dialect: protocol, status, ratings, model data.
    pub(super) async fn voltronic_identify(
        &mut self,
        port: &mut S,
    ) -> Result<Identity, DeviceError> {
        let mut info = Reading::default();
        let asked = self.ask(port, b"QPI\r", voltronic::protocol).await;
        self.protocol = optional(asked, "protocol id")?;
        if let Some(protocol) = self.protocol {
            info.set("ups.firmware.aux", format!("P{protocol:02}"));
        }
        let status = self.qgs(port).await?;
        let mut nominal = None;
        if !self.settings.norating {
            let asked = self.ask(port, b"QRI\r", voltronic::ratings).await;
            for (name, value) in optional(asked, "ratings")?.unwrap_or_default() {
                if name == "battery.voltage.nominal" {
                    nominal = value.parse().ok();
                }
                info.set(name, value);
            }
        }
        if !self.settings.novendor {
            let asked = self.ask(port, b"QMD\r", voltronic::model).await;
            for (name, value) in optional(asked, "model")?.unwrap_or_default() {
                info.set(name, value);
            }
            let asked = self.ask(port, b"QVFW\r", voltronic::firmware).await;
            if let Some(firmware) = optional(asked, "firmware")? {
                info.set("ups.firmware", firmware);
            }
            let asked = self.ask(port, b"QID\r", voltronic::serial).await;
            if let Some(serial) = optional(asked, "serial")? {
                info.set("device.serial", serial);
            }
        }
        self.voltronic_capabilities(port, &mut info, true).await?;
        if let Some(ups_type) = status.ups_type {
            info.set("ups.type", ups_type);
        }
        let asked = self.ask(port, b"QBV\r", voltronic::battery).await;
        let reports_charge = optional(asked, "battery")?
            .is_some_and(|vars| vars.iter().any(|(name, _)| *name == "battery.charge"));
        self.nominal = self.settings.battery_nominal.or(nominal);
        let battery = BatteryModel::new(&self.settings, nominal, status.battery_voltage, false);
        if !reports_charge {
            for (name, value) in battery.static_variables() {
                info.set(name, value);
            }
            self.battery = Some(battery);
        } else {
            self.battery = None;
        }
        info.set("ups.delay.start", self.settings.ondelay.to_string());
        info.set("ups.delay.shutdown", self.settings.offdelay.to_string());
        self.last_poll = None;
        self.published = info.clone();
        let mut writable = writable();
        writable.extend(voltronic_writable(&info));
        Ok(Identity {
            info,
            commands: super::command_names(Dialect::Voltronic)
                .iter()
                .map(|&c| c.to_owned())
                .chain(self.extra_commands.iter().cloned())
                .collect(),
            writable,
        })
    }

    /// Capability flags, limits and outlets (each skipped when not answered). At start
    /// (`first`) also the commands they offer and the capability options to apply.
    async fn voltronic_capabilities(
        &mut self,
        port: &mut S,
        info: &mut Reading,
        first: bool,
    ) -> Result<(), DeviceError> {
        self.semi_static_at = Some(Instant::now());
        let asked = self.ask(port, b"QFLAG\r", caps::Flags::parse).await;
        self.flags = optional(asked, "capability flags")?;
        if let Some(flags) = &self.flags {
            for (name, value) in flags.variables() {
                info.set(name, value);
            }
        }
        if first {
            self.reset_to_default(port).await?;
            self.extra_commands.clear();
            if let Some(flags) = &self.flags {
                self.extra_commands
                    .extend(flags.commands().into_iter().map(str::to_owned));
            }
            self.apply_capability_options(port).await?;
        }
        self.voltronic_limits(port, info, first).await
    }

    /// The `reset_to_default` flag: `PF` at start, only to a UPS in standby (`QMOD` `(S`), as
    /// NUT 2.8.0 does; the capability flags are read again after an accepted reset.
    async fn reset_to_default(&mut self, port: &mut S) -> Result<(), DeviceError> {
        if !self.settings.reset_to_default {
            return Ok(());
        }
        let asked = self.ask(port, b"QMOD\r", voltronic::mode).await;
        let standby = optional(asked, "mode")?.is_some_and(|(words, _)| words.contains(&"OFF"));
        if !standby {
            tracing::info!("reset_to_default: the UPS is not in standby, not reset");
            return Ok(());
        }
        if self.send_setting(port, b"PF\r", "reset_to_default").await? {
            let asked = self.ask(port, b"QFLAG\r", caps::Flags::parse).await;
            self.flags = optional(asked, "capability flags")?;
        }
        Ok(())
    }

    /// Sends a setting at start: true when the UPS accepts it; a refusal is only logged
    /// (`what` names the option), a lost port is the error.
    async fn send_setting(
        &mut self,
        port: &mut S,
        bytes: &[u8],
        what: &str,
    ) -> Result<bool, DeviceError> {
        match self.send_command(port, bytes).await {
            Ok(()) => Ok(true),
            Err(crate::device::CommandError::Failed(e))
                if e.kind() == nut_hal::ErrorKind::Disconnected =>
            {
                Err(e)
            }
            Err(e) => {
                tracing::info!("{what} ({}): {e}", io::shown(bytes));
                Ok(false)
            }
        }
    }

    /// Capability options: switches the reported capabilities whose state differs from the
    /// option (`PE<x>`/`PD<x>`), in NUT's order.
    async fn apply_capability_options(&mut self, port: &mut S) -> Result<(), DeviceError> {
        // Capability options: switch the reported ones that differ (`PE<x>`/`PD<x>`).
        let changes: Vec<Vec<u8>> = self
            .settings
            .capabilities
            .iter()
            .filter(|&&(letter, wanted)| {
                self.flags.as_ref().and_then(|f| f.get(letter)) == Some(!wanted)
            })
            .map(|&(letter, wanted)| {
                let verb = if wanted { "PE" } else { "PD" };
                format!("{verb}{}\r", char::from(letter.to_ascii_uppercase())).into_bytes()
            })
            .collect();
        for bytes in changes {
            self.send_setting(port, &bytes, "capability").await?;
        }
        Ok(())
    }

    /// Load and ECO limits, low battery voltage and outlets.
    async fn voltronic_limits(
        &mut self,
        port: &mut S,
        info: &mut Reading,
        first: bool,
    ) -> Result<(), DeviceError> {
        let asked = self.ask(port, b"QLDL\r", caps::load_limits).await;
        for (name, value) in optional(asked, "load limits")?.unwrap_or_default() {
            info.set(name, value);
        }
        let nominal = info
            .get("output.voltage.nominal")
            .or_else(|| self.published.get("output.voltage.nominal"))
            .and_then(|v| v.parse().ok());
        let protocol = self.protocol;
        let asked = self
            .ask(port, b"QHE\r", |r| caps::eco_voltage(r, nominal, protocol))
            .await;
        for (name, value) in optional(asked, "ECO voltage limits")?.unwrap_or_default() {
            info.set(name, value);
        }
        let asked = self.ask(port, b"QFRE\r", caps::eco_frequency).await;
        for (name, value) in optional(asked, "ECO frequency limits")?.unwrap_or_default() {
            info.set(name, value);
        }
        let asked = self.ask(port, b"RE0\r", caps::battery_low).await;
        if let Some(low) = optional(asked, "battery low voltage")? {
            info.set("battery.voltage.low", low);
        }
        for n in 1..=4u8 {
            let asked = self
                .ask(port, format!("QSK{n}\r").as_bytes(), caps::outlet)
                .await;
            let Some(on) = optional(asked, "outlet")? else {
                continue;
            };
            info.set(&format!("outlet.{n}.switchable"), "yes");
            info.set(&format!("outlet.{n}.status"), if on { "on" } else { "off" });
            if first {
                self.extra_commands.extend(caps::outlet_commands(n));
            }
            let asked = self
                .ask(port, format!("QSKT{n}\r").as_bytes(), caps::outlet_delay)
                .await;
            if let Some(delay) = optional(asked, "outlet delay")? {
                info.set(&format!("outlet.{n}.delay.shutdown"), delay);
            }
        }
        if self.protocol == Some(31) {
            let asked = self.ask(port, b"QBT\r", phases::battery_type).await;
            if let Some(kind) = optional(asked, "battery type")? {
                info.set("battery.type", kind);
            }
            if first {
                self.apply_work_range(port).await?;
            }
        }
        Ok(())
    }

    /// P31 `work_range_type`: `PGR<nn>` at start when the UPS reports another work range.
    async fn apply_work_range(&mut self, port: &mut S) -> Result<(), DeviceError> {
        let Some(wanted) = self.settings.work_range_type.clone() else {
            return Ok(());
        };
        let asked = self.ask(port, b"QGR\r", phases::work_range).await;
        let Some(current) = optional(asked, "work range")? else {
            return Ok(());
        };
        if !phases::WORK_RANGES.contains(&wanted.trim()) {
            tracing::warn!(%wanted, "work_range_type: not Appliance or UPS, ignored");
            return Ok(());
        }
        let Some(bytes) = phases::set_work_range(current, &wanted) else {
            return Ok(());
        };
        self.send_setting(port, &bytes, "work_range_type").await?;
        Ok(())
    }

    /// The per-phase values of a three-phase unit (none for other protocols).
    async fn three_phase(
        &mut self,
        port: &mut S,
        reading: &mut Reading,
    ) -> Result<(), DeviceError> {
        let Some(protocol) = self.protocol else {
            return Ok(());
        };
        for command in phases::three_phase_queries(protocol) {
            let asked = self
                .ask(port, command, |r| {
                    phases::three_phase_values(command, r, protocol)
                })
                .await;
            for (name, value) in optional(asked, "three-phase values")?.unwrap_or_default() {
                reading.set(name, value);
            }
        }
        Ok(())
    }

    /// One Voltronic poll: `QGS`, then `QMOD` and `QBV` when answered; every
    /// `pollfreq` seconds also the capability flags, limits and outlets (NUT's semi-static
    /// items).
    pub(super) async fn voltronic_update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        let status = self.qgs(port).await?;
        let mut reading = Reading::default();
        let due = self
            .semi_static_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(self.settings.pollfreq));
        if due {
            self.voltronic_capabilities(port, &mut reading, false)
                .await?;
            for (name, value) in &reading.values {
                self.published.set(name, value.clone());
            }
        }
        for (name, value) in &status.variables {
            reading.set(name, value.clone());
        }
        self.three_phase(port, &mut reading).await?;
        for word in &status.status {
            if *word == "FSD" && self.settings.ignoresab {
                continue;
            }
            reading.status(word);
        }
        for alarm in &status.alarms {
            reading.alarm(alarm);
        }
        // NUT 2.8.0: QFLAG's alarm control gives the beeper status, unless the alarm_control
        // option is set, when the QGS bit does ("muted" rather than "disabled").
        let alarm_control = self.flags.as_ref().and_then(|f| f.get(b'a'));
        let option_set = self.settings.capabilities.iter().any(|&(l, _)| l == b'a');
        let beeper = match (alarm_control, option_set) {
            (Some(_), true) if status.beeper == "disabled" => "muted",
            (Some(_), true) | (None, _) => status.beeper,
            (Some(on), false) => {
                if on {
                    "enabled"
                } else {
                    "disabled"
                }
            }
        };
        reading.set("ups.beeper.status", beeper);
        self.beeper_enabled = status.beeper == "enabled";
        let asked = self.ask(port, b"QMOD\r", voltronic::mode).await;
        if let Some((words, alarms)) = optional(asked, "mode")? {
            for word in words {
                reading.status(word);
            }
            for alarm in alarms {
                reading.alarm(alarm);
            }
        }
        let asked = self.ask(port, b"QBV\r", voltronic::battery).await;
        for (name, value) in optional(asked, "battery")?.unwrap_or_default() {
            reading.set(name, value);
        }
        if let (Some(battery), Some(voltage)) = (self.battery.as_mut(), status.battery_voltage) {
            let load = reading
                .get("ups.load")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0.0);
            let on_battery = reading.has_status("OB");
            for (name, value) in battery.update(voltage, load, on_battery, 0.0) {
                reading.set(name, value);
            }
        }
        Ok(reading)
    }
}

/// The writable Voltronic variables among those published: capabilities (`yes`/`no`),
/// outlet delays, ECO transfer limits and the low battery voltage.
fn voltronic_writable(info: &Reading) -> Vec<(String, Writable)> {
    let mut out = Vec::new();
    for &(_, name) in caps::FLAG_VARIABLES {
        if info.get(name).is_some() {
            out.push((
                name.to_owned(),
                Writable::Enum(vec!["yes".into(), "no".into()]),
            ));
        }
    }
    for n in 1..=4 {
        let name = format!("outlet.{n}.delay.shutdown");
        if info.get(&name).is_some() {
            out.push((name, Writable::Ranges(vec![(0, 59_940)])));
        }
    }
    for name in ["input.transfer.high", "input.transfer.low"] {
        let bound = |suffix: &str| {
            info.get(&format!("{name}.{suffix}"))
                .and_then(|v| v.parse::<i64>().ok())
        };
        if let (Some(_), Some(min), Some(max)) = (info.get(name), bound("min"), bound("max")) {
            out.push((name.to_owned(), Writable::Ranges(vec![(min, max)])));
        }
    }
    if info.get("battery.type").is_some() {
        let types = phases::BATTERY_TYPES
            .iter()
            .map(|&t| t.to_owned())
            .collect();
        out.push(("battery.type".to_owned(), Writable::Enum(types)));
    }
    if info.get("battery.voltage.low").is_some() {
        let current = |n: &str| info.get(n).and_then(|v| v.parse::<f64>().ok());
        let values = ["20", "24", "28"]
            .into_iter()
            .filter(|v| caps::set_command("battery.voltage.low", v, &current).is_some())
            .map(str::to_owned)
            .collect();
        out.push(("battery.voltage.low".to_owned(), Writable::Enum(values)));
    }
    out
}
