//! Identification and polling of the table-driven dialects ([`crate::qx::items`]: q2, q6,
//! gtec, innovart31, innovart33).

use nut_hal::serial::Serial;

use crate::device::{DeviceError, Identity, Reading};
use crate::qx::battery::BatteryModel;
use crate::qx::dialect::Dialect;
use crate::qx::gtec::Q4Status;
use crate::qx::items::{Query, RATINGS, TableDialect};
use crate::qx::megatec::StatusReply;

use super::identify::{identity, optional};
use super::{QxDriver, regulation_valid};

/// A variable's value as a number.
fn value_of(vars: &[(&'static str, String)], name: &str) -> Option<f64> {
    vars.iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.parse().ok())
}

impl<S: Serial + 'static> QxDriver<S> {
    /// Sends `query` (retried as every query) and converts its items.
    async fn table_query(
        &mut self,
        port: &mut S,
        dialect: Dialect,
        query: &Query,
    ) -> Result<Vec<(&'static str, String)>, DeviceError> {
        let rejected = dialect.rejected_reply();
        self.ask(port, query.command, |r| query.parse(r, rejected).ok())
            .await
    }

    /// `Q1`, for its status bits.
    async fn q1_bits(
        &mut self,
        port: &mut S,
        dialect: Dialect,
    ) -> Result<StatusReply, DeviceError> {
        self.ask(port, b"Q1\r", |r| {
            StatusReply::parse(r)
                .ok()
                .filter(|status| regulation_valid(dialect, status))
        })
        .await
    }

    /// `identify` for a table-driven dialect: the main status query must answer; ratings and
    /// identification are skipped when they fail (or with `norating`/`novendor`).
    pub(super) async fn table_identify(
        &mut self,
        port: &mut S,
        dialect: Dialect,
        table: &'static TableDialect,
    ) -> Result<Identity, DeviceError> {
        let main = table.status.first().ok_or_else(|| {
            DeviceError::NotSupported(format!("{}: no status query", dialect.name()))
        })?;
        let status = self.table_query(port, dialect, main).await?;
        let mut info = Reading::default();
        for (name, value) in &status {
            if table.static_names.contains(name) {
                info.set(name, value.as_str());
            }
        }
        if table.q1_bits {
            let bits = self.q1_bits(port, dialect).await?;
            info.set("ups.type", bits.ups_type());
        }
        let mut nominal = None;
        if table.ratings && !self.settings.norating {
            let asked = self.table_query(port, dialect, &RATINGS).await;
            if let Some(vars) = optional(asked, "ratings")? {
                nominal = value_of(&vars, "battery.voltage.nominal");
                for (name, value) in vars {
                    info.set(name, value);
                }
            }
        }
        if !self.settings.novendor {
            for query in table.ident {
                let asked = self.table_query(port, dialect, query).await;
                for (name, value) in optional(asked, "identification")?.unwrap_or_default() {
                    info.set(name, value);
                }
            }
        }
        // NUT guesses the charge only for a UPS that does not report it (gtec).
        let reports_charge = table
            .status
            .iter()
            .any(|q| q.items.iter().any(|i| i.name == "battery.charge"));
        self.battery = None;
        if !reports_charge {
            let reported = value_of(&status, "battery.voltage");
            let battery = BatteryModel::new(&self.settings, nominal, reported, false);
            for (name, value) in battery.static_variables() {
                info.set(name, value);
            }
            self.battery = Some(battery);
        }
        self.nominal = self.settings.battery_nominal.or(nominal);
        self.asks_runtime = false;
        self.last_poll = None;
        self.settings_info(&mut info, dialect, false);
        Ok(identity(info, dialect, false))
    }

    /// `update` for a table-driven dialect: every status query must answer.
    pub(super) async fn table_update(
        &mut self,
        port: &mut S,
        dialect: Dialect,
        table: &'static TableDialect,
    ) -> Result<Reading, DeviceError> {
        let mut reading = Reading::default();
        let mut letters = None;
        for query in table.status {
            for (name, value) in self.table_query(port, dialect, query).await? {
                if name == "ups.status" {
                    letters = Some(value);
                } else if !table.static_names.contains(&name) {
                    reading.set(name, value);
                }
            }
        }
        let words = if table.q1_bits {
            let bits = self.q1_bits(port, dialect).await?;
            if let Some(alarm) = bits.alarm() {
                reading.alarm(alarm);
            }
            reading.set("ups.beeper.status", bits.beeper_status());
            dialect.status_words(&bits)
        } else {
            let decoded = Q4Status::decode(letters.as_deref().unwrap_or(""));
            for alarm in decoded.alarms {
                reading.alarm(alarm);
            }
            if let Some(test) = decoded.test {
                reading.set("battery.test.status", test);
            }
            decoded.words
        };
        self.push_status(&mut reading, words);
        let number = |name| reading.get(name).and_then(|v| v.parse().ok());
        match (number("battery.voltage"), number("ups.load")) {
            (Some(voltage), Some(load)) => {
                let on_battery = reading.has_status("OB");
                self.battery_guesses(&mut reading, voltage, load, on_battery);
            }
            _ => {
                self.poll_elapsed();
            }
        }
        Ok(reading)
    }
}
