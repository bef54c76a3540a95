//! `identify`: line settings, dialect detection and the static data of a Qx UPS.

use nut_hal::ErrorKind;
use nut_hal::serial::{LineSettings, Serial};

use crate::device::{DeviceError, Identity, Reading, Writable};
use crate::qx::ablerex;
use crate::qx::battery::BatteryModel;
use crate::qx::bestups::IdReply;
use crate::qx::dialect::Dialect;
use crate::qx::io;
use crate::qx::megatec::{InfoReply, RatingReply};
use crate::qx::settings::{OFFDELAY_RANGE, ONDELAY_RANGE};

use super::{QxDriver, command_names};

/// The result of a query the driver can do without: a lost device is an error, anything else
/// is logged and skipped.
pub(super) fn optional<T>(
    result: Result<T, DeviceError>,
    what: &str,
) -> Result<Option<T>, DeviceError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == ErrorKind::Disconnected => Err(e),
        Err(e) => {
            tracing::info!("{what}: {e}");
            Ok(None)
        }
    }
}

impl<S: Serial + 'static> QxDriver<S> {
    pub(super) async fn do_identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        port.set_line(LineSettings::new_8n1(2400))
            .await
            .map_err(|e| DeviceError::transport("setting 2400 8N1", &e))?;
        // NUT's default cablepower: DTR on, RTS off. A pty or USB bridge may not have them.
        if let Err(e) = port.set_dtr(true).await {
            tracing::debug!("set DTR: {e:?}");
        }
        if let Err(e) = port.set_rts(false).await {
            tracing::debug!("clear RTS: {e:?}");
        }
        let dialect = match self.settings.dialect {
            Some(dialect) => dialect,
            None => self.detect(port).await?.ok_or_else(|| {
                DeviceError::NotSupported("no Megatec/Qx dialect answered".into())
            })?,
        };
        self.dialect = Some(dialect);
        if dialect == Dialect::Voltronic {
            return self.voltronic_identify(port).await;
        }
        if dialect == Dialect::VoltronicAxpert {
            return self.axpert_identify(port).await;
        }
        if matches!(dialect, Dialect::VoltronicQs | Dialect::VoltronicQsHex) {
            return self.qs_identify(port, dialect).await;
        }
        if let Some(table) = crate::qx::items::table(dialect) {
            return self.table_identify(port, dialect, table).await;
        }
        if dialect == Dialect::Masterguard {
            return self.masterguard_identify(port).await;
        }
        if dialect == Dialect::Hunnox {
            // Hunnox's own defaults (its table's ups.delay.* items).
            if !self.settings.delays_given.0 {
                self.settings.offdelay = 60;
            }
            if !self.settings.delays_given.1 {
                self.settings.ondelay = 0;
            }
        }
        let status = self.status(port, dialect).await?;
        let mut info = Reading::default();
        let mut nominal = None;
        // A UPS without ratings or identification simply lacks those values (NUT skips the
        // items).
        let rating_command = dialect.rating_command().filter(|_| !self.settings.norating);
        if let Some(command) = rating_command {
            let asked = self
                .ask(port, command, |r| RatingReply::parse(r).ok())
                .await;
            if let Some(rating) = optional(asked, "ratings")? {
                nominal = Some(rating.battery_voltage);
                for (name, value) in dialect.rating_variables(&rating) {
                    info.set(name, value);
                }
            }
        }
        let info_command = dialect.info_command().filter(|_| !self.settings.novendor);
        if let Some((command, layout)) = info_command {
            let asked = self
                .ask(port, command, |r| InfoReply::parse(r, layout).ok())
                .await;
            if let Some(reply) = optional(asked, "identification")? {
                for (name, value) in reply.variables() {
                    info.set(name, value);
                }
            }
        }
        if dialect == Dialect::Mecer {
            // `QPI` → "(PI98": the Voltronic protocol id; "(NAK" means none.
            match io::query(port, b"QPI\r", self.timeout).await {
                Ok(reply) => {
                    if let Some(id) = reply
                        .strip_prefix(b"(PI")
                        .and_then(|r| r.strip_suffix(b"\r"))
                        .filter(|id| id.len() == 2 && id.iter().all(u8::is_ascii_digit))
                    {
                        info.set(
                            "ups.firmware.aux",
                            format!("Voltronic Power P{}", io::shown(id)),
                        );
                    }
                }
                Err(e) if e.kind() == ErrorKind::Disconnected => return Err(e),
                Err(e) => tracing::debug!("protocol id: {e}"),
            }
        }
        if dialect == Dialect::Omron {
            nominal = self.omron_static(port, &mut info).await?.or(nominal);
        }
        let mut battery_settings = self.settings.clone();
        self.asks_runtime = false;
        if dialect == Dialect::BestUps {
            let id = self.ask(port, b"ID\r", IdReply::parse).await?;
            for (name, value) in id.variables(self.settings.novendor) {
                info.set(name, value);
            }
            battery_settings.battery_low = battery_settings.battery_low.or(Some(id.battery_low));
            battery_settings.battery_high = battery_settings.battery_high.or(Some(id.battery_high));
            self.asks_runtime = id.has_runtime();
        }
        if super::is_blazer(self.name) {
            // blazer publishes ups.mfr/ups.model (device.* are their 2.8 aliases).
            for (from, to) in [("device.mfr", "ups.mfr"), ("device.model", "ups.model")] {
                if let Some(value) = info.get(from).map(str::to_owned) {
                    info.set(to, value);
                }
            }
        }
        let blazer = super::is_blazer(self.name);
        self.nominal = self.settings.battery_nominal.or(nominal);
        let battery = BatteryModel::new(
            &battery_settings,
            nominal,
            Some(status.battery_voltage),
            blazer,
        );
        if dialect == Dialect::Ablerex {
            if let Some(nominal) = self.nominal {
                for (name, value) in ablerex::battery_limits(nominal) {
                    info.set(name, value);
                }
            }
        } else {
            for (name, value) in battery.static_variables() {
                info.set(name, value);
            }
        }
        info.set("ups.type", status.ups_type());
        self.battery = Some(battery);
        self.last_poll = None;
        self.settings_info(&mut info, dialect, blazer);
        Ok(identity(info, dialect, blazer))
    }
}

/// The identity: `info`, the dialect's commands, and (not for `blazer`) the writable delays.
pub(super) fn identity(info: Reading, dialect: Dialect, blazer: bool) -> Identity {
    Identity {
        info,
        commands: command_names(dialect)
            .iter()
            .map(|&c| c.to_owned())
            .collect(),
        // blazer_ser publishes the delays read-only (upsrw refuses them).
        writable: if blazer { Vec::new() } else { writable() },
    }
}

impl<S> QxDriver<S> {
    /// The delays and, for nutdrv_qx (not `blazer`), `driver.version.data` and
    /// `driver.parameter.pollfreq`.
    pub(super) fn settings_info(&self, info: &mut Reading, dialect: Dialect, blazer: bool) {
        info.set("ups.delay.start", self.settings.ondelay.to_string());
        info.set("ups.delay.shutdown", self.settings.offdelay.to_string());
        if !blazer {
            info.set("driver.version.data", version_data(dialect));
            info.set(
                "driver.parameter.pollfreq",
                self.settings.pollfreq.to_string(),
            );
        }
    }
}

/// `driver.version.data`: the subdriver's name and version as NUT 2.8.0's nutdrv_qx shows
/// them (read from the real driver with each `protocol=`).
pub(super) fn version_data(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Voltronic => "Voltronic 0.06",
        Dialect::VoltronicAxpert => crate::qx::voltronic_axpert::VERSION_DATA,
        Dialect::VoltronicQs => "Voltronic-QS 0.07",
        Dialect::VoltronicQsHex => "Voltronic-QS-Hex 0.10",
        Dialect::Mustek => "Mustek 0.07",
        Dialect::MegatecOld => "Megatec/old 0.07",
        Dialect::BestUps => "BestUPS 0.06",
        Dialect::Mecer => "Mecer 0.07",
        Dialect::Megatec => "Megatec 0.06",
        Dialect::Zinto => "Zinto 0.06",
        Dialect::Hunnox => "Hunnox 0.01",
        Dialect::Ablerex => "Ablerex 0.01",
        // Not in 2.8.0; NUT 2.8.1's first version.
        Dialect::Innovatae => "Innovatae 0.01",
        // After 2.8.0: the versions of NUT's sources (`dialects/detection.tsv`).
        Dialect::Innovart31 => "INNOVART31 0.02",
        Dialect::Innovart33 => "INNOVART33 0.01",
        Dialect::Q2 => "Q2 0.01",
        Dialect::Q6 => "Q6 0.01",
        Dialect::Gtec => "Gtec 0.01",
        // Not in 2.8.0 (omron), or not able to run in it (masterguard 0.02): the later
        // tables' versions, which these follow.
        Dialect::Omron => "Omron 0.01",
        Dialect::Masterguard => "Masterguard 0.05",
        Dialect::Q1 => "Q1 0.07",
    }
}

/// `ups.delay.start` and `ups.delay.shutdown`, writable within NUT's ranges.
pub(super) fn writable() -> Vec<(String, Writable)> {
    vec![
        (
            "ups.delay.start".to_owned(),
            Writable::Ranges(vec![(
                i64::from(ONDELAY_RANGE.0),
                i64::from(ONDELAY_RANGE.1),
            )]),
        ),
        (
            "ups.delay.shutdown".to_owned(),
            Writable::Ranges(vec![(
                i64::from(OFFDELAY_RANGE.0),
                i64::from(OFFDELAY_RANGE.1),
            )]),
        ),
    ]
}
