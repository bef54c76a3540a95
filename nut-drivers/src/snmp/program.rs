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
    "ondelay",
    "offdelay",
    "secLevel",
    "secName",
    "authPassword",
    "privPassword",
    "authProtocol",
    "privProtocol",
    DES_STATE_DIR,
];

/// Our own setting (not NUT's): where SNMPv3 DES/3DES privacy keeps its durable salt state
/// (see [`SnmpSettings::des_state_dir`]). Default: [`default_des_state_dir`].
pub const DES_STATE_DIR: &str = "des_state_dir";

/// The DES state directory used when `des_state_dir` is not set: `snmp-ups.des` in the
/// driver state path (`$NUT_STATEPATH`, else NUT's default), where the driver can write.
/// Every session leases its own epoch from it, so drivers may share it.
pub fn default_des_state_dir(statepath: &str) -> String {
    std::path::Path::new(statepath)
        .join("snmp-ups.des")
        .to_string_lossy()
        .into_owned()
}

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
    let mut settings = SnmpSettings::from_nut(port, options).map_err(|e| ConfigError {
        key: e.key.clone(),
        value: Some(e.value.clone()),
        reason: e.to_string(),
    })?;
    // NUT's default privProtocol is DES: give it durable state so that it works.
    settings.des_state_dir = Some(match config.value(DES_STATE_DIR) {
        Some(dir) if !dir.is_empty() => dir.to_string(),
        _ => {
            let env = std::env::var("NUT_STATEPATH").ok();
            default_des_state_dir(nut_protocol::config::ups_conf::resolve_statepath(
                env.as_deref(),
                None,
                None,
            ))
        }
    });
    Ok(settings)
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
        // As 2.8.0's `set_delays`: `atoi` of the option, written only when not negative.
        let delay = |key| config.value(key).map(nut_core::value::parse_c_int);
        Ok((
            SnmpUps::new(mibs)
                .with_schedule(schedule)
                .with_delays(delay("ondelay"), delay("offdelay")),
            SnmpOpener::new(settings),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> DriverConfig {
        let mut c = DriverConfig::default();
        for (k, v) in pairs {
            c.push(k, Some(v));
        }
        c
    }

    #[test]
    fn des_state_lives_in_the_state_path_unless_set() {
        assert_eq!(default_des_state_dir("/run/nut"), "/run/nut/snmp-ups.des");
        let s = settings(&config(&[("port", "10.0.0.1")])).expect("settings");
        assert!(
            s.des_state_dir
                .as_deref()
                .is_some_and(|d| d.ends_with("/snmp-ups.des")),
            "{s:?}"
        );
        let s = settings(&config(&[
            ("port", "10.0.0.1"),
            (DES_STATE_DIR, "/var/lib/x"),
        ]))
        .expect("settings");
        assert_eq!(s.des_state_dir.as_deref(), Some("/var/lib/x"));
    }
}
