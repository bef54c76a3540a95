//! The `driver.*` variables a NUT 2.8.0 driver publishes, from its settings.
//!
//! Checked against the real 2.8.0 `dummy-ups` behind the real upsd: `driver.name`,
//! `driver.version` (the NUT version), `driver.version.internal`, then
//! `driver.parameter.port`, `driver.parameter.pollinterval` (always, `2` by default) and
//! `driver.parameter.synchronous` (always, `auto` by default); every family key given a value
//! as `driver.parameter.<key>`, every bare flag as `driver.flag.<flag>` = `enabled`. The other
//! core keys (`desc`, `sdorder`, `driver`, `user`, …), `override.*` and `default.*` are not
//! published, nor are [`SENSITIVE_KEYS`]. 2.8.0 has no `driver.state`, `driver.debug` or `driver.flag.allow_killpower`,
//! and no `driver.*` instant commands.

use super::config::{ConfigError, DriverConfig};

/// The NUT release these drivers behave as (`driver.version`).
pub const NUT_VERSION: &str = "2.8.0";

/// NUT's default poll interval in seconds.
pub const DEFAULT_POLLINTERVAL: u64 = 2;

/// Core keys published as `driver.parameter.<key>` when given.
const PUBLISHED_CORE_KEYS: &[&str] = &["port", "sdcommands"];

/// Keys NUT declares `VAR_SENSITIVE` (snmp-ups' community and SNMPv3 credentials): accepted
/// but never published as `driver.parameter.<key>`.
pub const SENSITIVE_KEYS: &[&str] = &["community", "secName", "authPassword", "privPassword"];

/// The `driver.*` variables (name, value) for a family named `name` (version `internal`)
/// configured by `config`, whose own keys are `family_keys`.
pub fn driver_variables(
    name: &str,
    internal: &str,
    config: &DriverConfig,
    family_keys: &[&str],
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = vec![
        ("driver.name".to_string(), name.to_string()),
        ("driver.version".to_string(), NUT_VERSION.to_string()),
        ("driver.version.internal".to_string(), internal.to_string()),
    ];
    let pollinterval = pollinterval(config)?;
    out.push((
        "driver.parameter.pollinterval".into(),
        pollinterval.to_string(),
    ));
    out.push((
        "driver.parameter.synchronous".into(),
        config.value("synchronous").unwrap_or("auto").to_string(),
    ));
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in config.settings() {
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let published = (PUBLISHED_CORE_KEYS.contains(&key) || family_keys.contains(&key))
            && !SENSITIVE_KEYS.contains(&key);
        match value {
            None => out.push((format!("driver.flag.{key}"), "enabled".into())),
            Some(_) if published => {
                let last = config.value(key).unwrap_or_default();
                out.push((format!("driver.parameter.{key}"), last.to_string()));
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// `pollinterval` in seconds (NUT's default 2; 0 is refused).
pub fn pollinterval(config: &DriverConfig) -> Result<u64, ConfigError> {
    let seconds = config.number("pollinterval", DEFAULT_POLLINTERVAL)?;
    if seconds == 0 {
        return Err(ConfigError {
            key: "pollinterval".into(),
            value: Some("0".into()),
            reason: "must be at least 1 second".into(),
        });
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_the_real_dummy_ups_publishes_them() {
        let mut config = DriverConfig::default();
        config.push("driver", Some("nutdrv_qx"));
        config.push("port", Some("/dev/ttyS0"));
        config.push("desc", Some("a UPS"));
        config.push("sdorder", Some("2"));
        config.push("ignorelb", None);
        config.push("protocol", Some("megatec"));
        config.push("override.battery.charge", Some("80"));
        config.push("protocol", Some("q1"));
        let vars = driver_variables("nutdrv_qx", "0.32", &config, &["protocol"]).expect("valid");
        let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "driver.name",
                "driver.version",
                "driver.version.internal",
                "driver.parameter.pollinterval",
                "driver.parameter.synchronous",
                "driver.parameter.port",
                "driver.flag.ignorelb",
                "driver.parameter.protocol",
            ]
        );
        assert!(vars.contains(&("driver.parameter.protocol".into(), "q1".into())));
        assert!(vars.contains(&("driver.parameter.pollinterval".into(), "2".into())));
        assert!(vars.contains(&("driver.version".into(), "2.8.0".into())));
        config.push("pollinterval", Some("0"));
        assert!(driver_variables("x", "1", &config, &[]).is_err());
    }

    #[test]
    fn sensitive_keys_are_not_published() {
        let mut config = DriverConfig::default();
        config.push("port", Some("10.0.0.1"));
        config.push("community", Some("secret"));
        config.push("authPassword", Some("secret"));
        config.push("mibs", Some("ietf"));
        let keys = ["community", "authPassword", "mibs"];
        let vars = driver_variables("snmp-ups", "1.21", &config, &keys).expect("valid");
        assert!(vars.iter().all(|(_, value)| value != "secret"), "{vars:?}");
        assert!(vars.contains(&("driver.parameter.mibs".into(), "ietf".into())));
    }
}
