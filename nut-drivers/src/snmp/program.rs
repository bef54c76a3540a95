//! The `snmp-ups` program's [`Family`]: `ups.conf` settings and an [`AsyncSnmp`] opener.

use nut_hal::snmp_async::AsyncSnmp;
use nut_hal::snmp_settings::SnmpSettings;

use std::time::Duration;

use super::SnmpUps;
use super::schedule::Schedule;
use crate::device::{ConfigError, DeviceError, DriverConfig, Family, PortOpener};

/// The settings `snmp-ups` accepts beyond the common ones (NUT's names).
pub const KEYS: &[&str] = &[
    "mibs",
    "community",
    "snmp_version",
    "snmp_retries",
    "snmp_timeout",
    "pollfreq",
    "semistaticfreq",
    "secLevel",
    "secName",
    "authPassword",
    "privPassword",
    "authProtocol",
    "privProtocol",
];

/// NUT's `snmp-ups` over `async-snmp`.
pub type SnmpUpsProgram = SnmpUps<AsyncSnmp>;

/// Opens an [`AsyncSnmp`] session with the configured settings.
#[derive(Debug, Clone)]
pub struct SnmpOpener {
    settings: SnmpSettings,
}

impl SnmpOpener {
    /// An opener for these settings.
    pub fn new(settings: SnmpSettings) -> Self {
        SnmpOpener { settings }
    }
}

impl PortOpener for SnmpOpener {
    type Port = AsyncSnmp;

    async fn open(&mut self) -> Result<AsyncSnmp, DeviceError> {
        AsyncSnmp::connect(&self.settings)
            .await
            .map_err(|e| DeviceError::transport("connect", &e))
    }
}

/// The `SnmpSettings` of a driver configuration (`port` is `host[:port]`).
pub fn settings(config: &DriverConfig) -> Result<SnmpSettings, ConfigError> {
    let port = config.value("port").ok_or_else(|| ConfigError {
        key: "port".into(),
        value: None,
        reason: "missing: the agent's host[:port]".into(),
    })?;
    let options = config.settings().filter_map(|(k, v)| Some((k, v?)));
    SnmpSettings::from_nut(port, options).map_err(|e| ConfigError {
        key: e.key.clone(),
        value: Some(e.value.clone()),
        reason: e.to_string(),
    })
}

impl Family for SnmpUpsProgram {
    type Opener = SnmpOpener;
    const DRIVER_NAME: &'static str = "snmp-ups";
    const DESCRIPTION: &'static str = "Generic SNMP UPS driver";
    const VERSION: &'static str = super::driver::VERSION;

    fn config_keys() -> &'static [&'static str] {
        KEYS
    }

    fn from_config(config: &DriverConfig) -> Result<(Self, SnmpOpener), ConfigError> {
        let settings = settings(config)?;
        let pollfreq = config.number::<u64>("pollfreq", 30)?;
        let semistaticfreq = config.number::<i64>("semistaticfreq", 10)?;
        let schedule = Schedule::new(Duration::from_secs(pollfreq), semistaticfreq);
        let mibs = config.value("mibs").unwrap_or("auto");
        Ok((
            SnmpUps::new(mibs).with_schedule(schedule),
            SnmpOpener::new(settings),
        ))
    }
}
