//! The `masterguard` dialect's identify, update, commands and writable variables (`WH`,
//! `Q3`, `MSO`, `PNV` and the per-slave `GS`/`GBS`/`GSN`/`DRC`).

use nut_hal::serial::Serial;

use crate::device::{CommandError, DeviceError, Identity, Reading, Writable};
use crate::qx::dialect::Dialect;
use crate::qx::masterguard::{
    self as mg, OFFDELAY_RANGE, ONDELAY_RANGE, Q3Reply, SLAVE_ADDRESS_RANGE, Series, WhReply,
};

use super::QxDriver;
use super::identify::{optional, version_data};

/// What identification learnt about a Masterguard unit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    address: u32,
    series: Series,
    power: u32,
    cells: u32,
    packs: (i64, i64),
    voltages: Vec<String>,
}

impl<S: Serial + 'static> QxDriver<S> {
    fn unit(&self) -> Result<&Unit, DeviceError> {
        self.masterguard
            .as_ref()
            .ok_or_else(|| DeviceError::NotSupported("masterguard: not identified".into()))
    }

    /// A per-slave query: `<name>,<address>\r`.
    fn addressed(&self, name: &str) -> Result<Vec<u8>, DeviceError> {
        Ok(format!("{name},{:02}\r", self.unit()?.address).into_bytes())
    }

    async fn q3(&mut self, port: &mut S) -> Result<Q3Reply, DeviceError> {
        let (power, cells) = {
            let unit = self.unit()?;
            (unit.power, unit.cells)
        };
        self.ask(port, b"Q3\r", |r| Q3Reply::parse(r, power, cells).ok())
            .await
    }

    /// Identify: `WH` (series, model, slave address), `MSO`, `Q3`, `GSN`.
    pub(super) async fn masterguard_identify(
        &mut self,
        port: &mut S,
    ) -> Result<Identity, DeviceError> {
        let wh = self.ask(port, b"WH\r", |r| WhReply::parse(r).ok()).await?;
        let voltages = self.ask(port, b"MSO\r", |r| mg::mso(r).ok()).await?;
        let mut info = Reading::default();
        for (name, value) in &wh.variables {
            info.set(name, value.as_str());
        }
        self.masterguard = Some(Unit {
            address: wh.slave_address,
            series: wh.series,
            power: wh.power_nominal,
            cells: wh.cells,
            packs: wh.packs_range,
            voltages: voltages.clone(),
        });
        let status = self.q3(port).await?;
        if let Some((_, kind)) = status.variables.iter().find(|(n, _)| *n == "ups.type") {
            info.set("ups.type", kind.as_str());
        }
        let gsn = self.addressed("GSN")?;
        if let Some((part, serial)) = optional(
            self.ask(port, &gsn, |r| mg::gsn(r).ok()).await,
            "serial number",
        )? {
            info.set("device.part", part);
            info.set("device.serial", serial);
        }
        info.set("ups.delay.start", self.settings.ondelay.to_string());
        info.set("ups.delay.shutdown", self.settings.offdelay.to_string());
        info.set("driver.version.data", version_data(Dialect::Masterguard));
        info.set(
            "driver.parameter.pollfreq",
            self.settings.pollfreq.to_string(),
        );
        let range = |(min, max): (u32, u32)| Writable::Ranges(vec![(min.into(), max.into())]);
        let writable = vec![
            ("ups.id".to_owned(), range(SLAVE_ADDRESS_RANGE)),
            (
                "battery.packs".to_owned(),
                Writable::Ranges(vec![wh.packs_range]),
            ),
            ("device.uptime".to_owned(), Writable::String(13)),
            (
                "output.voltage.nominal".to_owned(),
                Writable::Enum(voltages),
            ),
            ("ups.delay.shutdown".to_owned(), range(OFFDELAY_RANGE)),
            ("ups.delay.start".to_owned(), range(ONDELAY_RANGE)),
        ];
        Ok(Identity {
            info,
            commands: self.masterguard_commands(),
            writable,
        })
    }

    /// Update: `Q3` (required), then `GS`, `GBS`, `DRC` and `PNV` when answered.
    pub(super) async fn masterguard_update(
        &mut self,
        port: &mut S,
    ) -> Result<Reading, DeviceError> {
        let status = self.q3(port).await?;
        let mut reading = Reading::default();
        reading.set("ups.id", self.unit()?.address.to_string());
        for (name, value) in status.variables {
            if name != "ups.type" {
                reading.set(name, value);
            }
        }
        for word in status.status {
            if word == "FSD" && self.settings.ignoresab {
                continue;
            }
            reading.status(word);
        }
        for alarm in status.alarms {
            reading.alarm(alarm);
        }
        let gs = self.addressed("GS")?;
        if let Some((packs, beeper)) =
            optional(self.ask(port, &gs, |r| mg::gs(r).ok()).await, "GS")?
        {
            reading.set("battery.packs", packs);
            reading.set("ups.beeper.status", beeper);
        }
        let gbs = self.addressed("GBS")?;
        if let Some(charge) = optional(self.ask(port, &gbs, |r| mg::gbs(r).ok()).await, "GBS")? {
            reading.set("battery.charge", charge);
        }
        let drc = self.addressed("DRC")?;
        if let Some(uptime) = optional(self.ask(port, &drc, |r| mg::drc(r).ok()).await, "DRC")? {
            reading.set("device.uptime", uptime.to_string());
        }
        if let Some(nominal) = optional(self.ask(port, b"PNV\r", |r| mg::pnv(r).ok()).await, "PNV")?
        {
            reading.set("output.voltage.nominal", format!("{nominal:.0}"));
            if nominal > 0.0 {
                let power = f64::from(self.unit()?.power);
                reading.set("output.current.nominal", format!("{:.2}", power / nominal));
            }
        }
        Ok(reading)
    }

    /// Sets a Masterguard writable variable: the delays locally, the others on the unit
    /// (a new `ups.id` is used from then on).
    pub(super) async fn masterguard_set_var(
        &mut self,
        port: &mut S,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        let delay_range = match name {
            "ups.delay.shutdown" => Some(OFFDELAY_RANGE),
            "ups.delay.start" => Some(ONDELAY_RANGE),
            _ => None,
        };
        if let Some((min, max)) = delay_range {
            let value: u32 = value.trim().parse().map_err(|_| CommandError::Invalid)?;
            if !(min..=max).contains(&value) {
                return Err(CommandError::Invalid);
            }
            if name == "ups.delay.start" {
                self.settings.ondelay = value;
            } else {
                self.settings.offdelay = value;
            }
            return Ok(());
        }
        let unit = self.masterguard.as_ref().ok_or(CommandError::Unknown)?;
        if !matches!(
            name,
            "ups.id" | "battery.packs" | "device.uptime" | "output.voltage.nominal"
        ) {
            return Err(CommandError::Unknown);
        }
        let bytes = mg::set_command(name, value, unit.address, unit.packs, &unit.voltages)
            .ok_or(CommandError::Invalid)?;
        if !unit.series.supports(&bytes) {
            return Err(CommandError::Unknown);
        }
        self.send_command(port, &bytes).await?;
        if name == "ups.id"
            && let (Ok(address), Some(unit)) = (value.trim().parse(), self.masterguard.as_mut())
        {
            unit.address = address;
        }
        Ok(())
    }
}

impl<S> QxDriver<S> {
    /// The table's instant commands the unit's series knows.
    fn masterguard_commands(&self) -> Vec<String> {
        let Some(unit) = self.masterguard.as_ref() else {
            return Vec::new();
        };
        mg::COMMANDS
            .iter()
            .filter(|&&c| {
                mg::command(c, None, unit.address, 0, 0).is_some_and(|b| unit.series.supports(&b))
            })
            .map(|&c| c.to_owned())
            .collect()
    }

    /// The bytes of a Masterguard instant command (the series must know it).
    pub(super) fn masterguard_command(
        &self,
        command: &str,
        param: Option<&str>,
    ) -> Result<Vec<u8>, CommandError> {
        let unit = self.masterguard.as_ref().ok_or(CommandError::Unknown)?;
        if !mg::COMMANDS.contains(&command) {
            return Err(CommandError::Unknown);
        }
        let s = &self.settings;
        let bytes = mg::command(command, param, unit.address, s.offdelay, s.ondelay)
            .ok_or(CommandError::Invalid)?;
        if !unit.series.supports(&bytes) {
            return Err(CommandError::Unknown);
        }
        Ok(bytes)
    }
}
