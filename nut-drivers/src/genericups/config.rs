//! `genericups`' settings: `upstype` picks a row of the cable table, the overrides replace
//! parts of it.

use std::time::Duration;

use crate::device::{ConfigError, DriverConfig};

use super::lines::parse_signal;
use super::lines::{Outputs, Shutdown, Signal, WordError, parse_cable_power, parse_shutdown};
use super::table::{UPS_TYPES, UpsType, ups_type};

/// The keys `genericups` accepts besides the common driver keys, as `genericups -h` lists them.
pub const KEYS: &[&str] = &[
    "upstype", "mfr", "model", "serial", "CP", "OL", "LB", "RB", "BYPASS", "SD", "sdtime",
];

/// The cable and identity a `genericups` driver runs with: a table row with the `ups.conf`
/// overrides applied.
///
/// ```
/// use nut_drivers::device::DriverConfig;
/// use nut_drivers::genericups::{GenericUpsConfig, Outputs};
///
/// let mut config = DriverConfig::default();
/// config.push("upstype", Some("7"));
/// config.push("CP", Some("DTR"));
/// let settings = GenericUpsConfig::from_config(&config).unwrap();
/// assert_eq!(settings.model, "Power99");
/// assert_eq!(settings.cable_power, Outputs::DTR); // the table says RTS
///
/// let mut bad = DriverConfig::default();
/// bad.push("upstype", Some("24"));
/// assert_eq!(GenericUpsConfig::from_config(&bad).unwrap_err().key, "upstype");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericUpsConfig {
    /// The table row `upstype` chose.
    pub ups_type: &'static UpsType,
    /// `ups.mfr`: the `mfr` setting or the table's.
    pub mfr: String,
    /// `ups.model`: the `model` setting or the table's.
    pub model: String,
    /// `ups.serial`, only when `serial` is set.
    pub serial: Option<String>,
    /// Output lines raised at start (`CP` or the table's).
    pub cable_power: Outputs,
    /// On-line signal (`OL` or the table's).
    pub online: Signal,
    /// Low-battery signal (`LB` or the table's).
    pub low_battery: Signal,
    /// Replace-battery signal (`RB` or the table's).
    pub replace_battery: Signal,
    /// Bypass signal (`BYPASS` or the table's).
    pub bypass: Signal,
    /// Shutdown method (`SD` or the table's).
    pub shutdown: Shutdown,
    /// How long the shutdown signal is held (`sdtime`, seconds; 0 = not held).
    pub sdtime: Duration,
}

fn refused(key: &str, value: &str, error: WordError) -> ConfigError {
    ConfigError {
        key: key.into(),
        value: Some(value.into()),
        reason: error.0,
    }
}

fn override_with<T>(
    config: &DriverConfig,
    key: &str,
    default: T,
    parse: fn(&str) -> Result<T, WordError>,
) -> Result<T, ConfigError> {
    match config.value(key) {
        None => Ok(default),
        Some(text) => parse(text).map_err(|e| refused(key, text, e)),
    }
}

impl GenericUpsConfig {
    /// Reads the settings; unknown keys, a missing or unknown `upstype`, an override naming a
    /// line of the wrong direction or an unknown word, and a bad `sdtime` are refused with
    /// the key named.
    pub fn from_config(config: &DriverConfig) -> Result<Self, ConfigError> {
        config.check_known(KEYS)?;
        let Some(text) = config.value("upstype") else {
            return Err(ConfigError {
                key: "upstype".into(),
                value: None,
                reason: "no upstype set - see genericups -h".into(),
            });
        };
        let ups_type = text
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(ups_type)
            .ok_or_else(|| ConfigError {
                key: "upstype".into(),
                value: Some(text.into()),
                reason: format!("unknown UPS type number (0 to {})", UPS_TYPES.len() - 1),
            })?;
        let sdtime = config.number::<u64>("sdtime", 0)?;
        Ok(GenericUpsConfig {
            ups_type,
            mfr: config.value("mfr").unwrap_or(ups_type.mfr).into(),
            model: config.value("model").unwrap_or(ups_type.model).into(),
            serial: config.value("serial").map(Into::into),
            cable_power: override_with(config, "CP", ups_type.cable_power, parse_cable_power)?,
            online: override_with(config, "OL", ups_type.online, parse_signal)?,
            low_battery: override_with(config, "LB", ups_type.low_battery, parse_signal)?,
            replace_battery: override_with(config, "RB", ups_type.replace_battery, parse_signal)?,
            bypass: override_with(config, "BYPASS", ups_type.bypass, parse_signal)?,
            shutdown: override_with(config, "SD", ups_type.shutdown, parse_shutdown)?,
            sdtime: Duration::from_secs(sdtime),
        })
    }

    /// The settings of table row `ups_type` with no overrides.
    pub fn for_type(ups_type: &'static UpsType) -> Self {
        GenericUpsConfig {
            ups_type,
            mfr: ups_type.mfr.into(),
            model: ups_type.model.into(),
            serial: None,
            cable_power: ups_type.cable_power,
            online: ups_type.online,
            low_battery: ups_type.low_battery,
            replace_battery: ups_type.replace_battery,
            bypass: ups_type.bypass,
            shutdown: ups_type.shutdown,
            sdtime: Duration::ZERO,
        }
    }
}
