//! usbhid-ups' `ups.conf` settings (NUT-REFERENCE.md §8.2), read from a [`DriverConfig`] with
//! typed errors that name the key.

use std::time::Duration;

use super::status::OnlineDischarge;
use super::tables::MappingRow;
use crate::device::{ConfigError, DriverConfig};

/// The keys usbhid-ups accepts besides the common ones.
pub const KEYS: &[&str] = &[
    "subdriver",
    "explore",
    "pollfreq",
    "pollonly",
    "interruptonly",
    "interruptsize",
    "onlinedischarge",
    "onlinedischarge_onbattery",
    "onlinedischarge_calibration",
    "lbrb_log_delay_sec",
    "lbrb_log_delay_without_calibrating",
    "disable_fix_report_desc",
    "maxreport",
    "offdelay",
    "ondelay",
    "vendorid",
    "productid",
    "vendor",
    "product",
    "serial",
    "bus",
    "device",
    "busport",
];

/// The driver's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HidSettings {
    /// `subdriver=`: force a subdriver by name.
    pub subdriver: Option<String>,
    /// `explore`: bind no mapping, dump every path.
    pub explore: bool,
    /// `pollinterval`: the age below which a cached report is reused.
    pub pollinterval: Duration,
    /// `pollfreq`: interval between full walks (default 30 s).
    pub pollfreq: Duration,
    /// `pollonly`: do not read the interrupt pipe.
    pub pollonly: bool,
    /// `interruptonly`: bind Input fields and rely on interrupt reports.
    pub interruptonly: bool,
    /// `interruptsize`: bytes to ask of an interrupt read.
    pub interruptsize: Option<usize>,
    /// How long one interrupt read waits.
    pub interrupt_timeout: Duration,
    /// `onlinedischarge*`: what `OL` with `DISCHRG` means.
    pub onlinedischarge: OnlineDischarge,
    /// `lbrb_log_delay_sec`: how long LB+RB together are held back.
    pub lbrb_log_delay: Duration,
    /// `lbrb_log_delay_without_calibrating`: hold LB+RB back also when not calibrating.
    pub lbrb_log_delay_without_calibrating: bool,
    /// `disable_fix_report_desc`: skip the subdriver's descriptor fix-ups.
    pub disable_fix_report_desc: bool,
    /// `maxreport`: ask for full buffers instead of the descriptor's lengths.
    pub maxreport: bool,
    /// `productid` was given: a subdriver may take a device its table only "possibly" supports.
    pub productid_given: bool,
    /// `offdelay` in seconds (default 20).
    pub offdelay: String,
    /// `ondelay` in seconds (default 30).
    pub ondelay: String,
}

impl Default for HidSettings {
    fn default() -> Self {
        HidSettings {
            subdriver: None,
            explore: false,
            pollinterval: Duration::from_secs(2),
            pollfreq: Duration::from_secs(30),
            pollonly: false,
            interruptonly: false,
            interruptsize: None,
            interrupt_timeout: Duration::from_millis(750),
            onlinedischarge: OnlineDischarge::AsReported,
            lbrb_log_delay: Duration::ZERO,
            lbrb_log_delay_without_calibrating: false,
            disable_fix_report_desc: false,
            maxreport: false,
            productid_given: false,
            offdelay: "20".into(),
            ondelay: "30".into(),
        }
    }
}

impl HidSettings {
    /// Reads the settings; an unknown key or bad value names the key.
    pub fn from_config(config: &DriverConfig) -> Result<Self, ConfigError> {
        config.check_known(KEYS)?;
        let defaults = HidSettings::default();
        let seconds = |key: &str, default: Duration| -> Result<Duration, ConfigError> {
            Ok(Duration::from_secs(config.number(key, default.as_secs())?))
        };
        let delay = |key: &str, default: &str| -> Result<String, ConfigError> {
            let value: i64 = config.number(key, default.parse().unwrap_or(0))?;
            Ok(value.to_string())
        };
        let onlinedischarge = if config.flag("onlinedischarge_calibration") {
            OnlineDischarge::Calibration
        } else if config.flag("onlinedischarge") || config.flag("onlinedischarge_onbattery") {
            OnlineDischarge::OnBattery
        } else {
            OnlineDischarge::AsReported
        };
        let interruptsize = match config.value("interruptsize") {
            Some(_) => Some(config.number("interruptsize", 8usize)?),
            None => None,
        };
        Ok(HidSettings {
            subdriver: config.value("subdriver").map(str::to_owned),
            explore: config.flag("explore"),
            pollinterval: seconds("pollinterval", defaults.pollinterval)?,
            pollfreq: seconds("pollfreq", defaults.pollfreq)?,
            pollonly: config.flag("pollonly"),
            interruptonly: config.flag("interruptonly"),
            interruptsize,
            interrupt_timeout: defaults.interrupt_timeout,
            onlinedischarge,
            lbrb_log_delay: seconds("lbrb_log_delay_sec", Duration::ZERO)?,
            lbrb_log_delay_without_calibrating: config.flag("lbrb_log_delay_without_calibrating"),
            disable_fix_report_desc: config.flag("disable_fix_report_desc"),
            maxreport: config.flag("maxreport"),
            productid_given: config.value("productid").is_some(),
            offdelay: delay("offdelay", &defaults.offdelay)?,
            ondelay: delay("ondelay", &defaults.ondelay)?,
        })
    }

    /// A row's default value, with the user's `offdelay`/`ondelay` for the rows whose
    /// default came from NUT's delay macros.
    pub fn default_for<'a>(&'a self, row: &'a MappingRow) -> &'a str {
        match row.default_symbol {
            Some(symbol) if symbol.starts_with("DEFAULT_OFFDELAY") => &self.offdelay,
            Some(symbol) if symbol.starts_with("DEFAULT_ONDELAY") => &self.ondelay,
            _ => row.default,
        }
    }

    /// Sets `ups.delay.shutdown`/`ups.delay.start` (kept by the driver, as NUT does);
    /// `None` if `value` is not a whole number of seconds or the row is not a delay.
    pub fn set_delay(&mut self, row: &MappingRow, value: &str) -> Option<()> {
        let seconds: i64 = value.trim().parse().ok()?;
        let text = seconds.to_string();
        match row.default_symbol {
            Some(symbol) if symbol.starts_with("DEFAULT_OFFDELAY") => self.offdelay = text,
            Some(symbol) if symbol.starts_with("DEFAULT_ONDELAY") => self.ondelay = text,
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Option<&str>)]) -> DriverConfig {
        let mut config = DriverConfig::default();
        for (key, value) in pairs {
            config.push(key, *value);
        }
        config
    }

    #[test]
    fn settings_read_with_defaults() {
        let settings = HidSettings::from_config(&config(&[
            ("port", Some("auto")),
            ("pollfreq", Some("10")),
            ("onlinedischarge", None),
            ("offdelay", Some("60")),
        ]))
        .unwrap();
        assert_eq!(settings.pollfreq, Duration::from_secs(10));
        assert_eq!(settings.onlinedischarge, OnlineDischarge::OnBattery);
        assert_eq!(settings.offdelay, "60");
        assert_eq!(settings.ondelay, "30");
    }

    #[test]
    fn bad_settings_name_the_key() {
        let error = HidSettings::from_config(&config(&[("pollfreq", Some("often"))])).unwrap_err();
        assert_eq!(error.key, "pollfreq");
        let error = HidSettings::from_config(&config(&[("colour", Some("red"))])).unwrap_err();
        assert_eq!(error.key, "colour");
    }
}
