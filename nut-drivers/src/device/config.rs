//! A driver's settings: its `ups.conf` section plus `-x key=value` from the command line.

use std::str::FromStr;

use nut_protocol::config::ups_conf::UpsSection;

/// Keys every driver accepts, whatever its family (NUT's driver core and `ups.conf` globals).
pub const COMMON_KEYS: &[&str] = &[
    "driver",
    "port",
    "desc",
    "sdorder",
    "sdtime",
    "maxstartdelay",
    "pollinterval",
    "nolock",
    "ignorelb",
    "synchronous",
    "user",
    "group",
    "chroot",
    "maxretry",
    "retrydelay",
    "debug_min",
    "LIBUSB_DEBUG",
    "allow_killpower",
    "retry",
    "sdcommands",
];

/// Core keys a running driver takes on reload (`driver.reload`, SIGHUP, `-c reload`), besides
/// `override.*` and `default.*`; a change of any other key (`port`, `driver`, the family's own
/// keys …) needs a restart.
pub const RELOADABLE_KEYS: &[&str] = &[
    "pollinterval",
    "ignorelb",
    "sdcommands",
    "desc",
    "sdorder",
    "sdtime",
    "maxstartdelay",
    "maxretry",
    "retrydelay",
    "debug_min",
];

/// Whether a running driver takes a change of `key` on reload.
pub fn is_reloadable(key: &str) -> bool {
    RELOADABLE_KEYS.contains(&key) || key.starts_with("override.") || key.starts_with("default.")
}

/// A setting the driver cannot use: unknown, or a value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}{}", value.as_ref().map(|v| format!(" (value {v:?})")).unwrap_or_default())]
pub struct ConfigError {
    /// The key as written.
    pub key: String,
    /// The value as written, if any.
    pub value: Option<String>,
    /// Why it is refused.
    pub reason: String,
}

/// The settings one driver runs with, later ones winning (`-x` after `ups.conf`).
///
/// ```
/// use nut_drivers::device::DriverConfig;
///
/// let mut config = DriverConfig::default();
/// config.push("port", Some("/dev/ttyS0"));
/// config.push("ondelay", Some("3"));
/// config.push("novendor", None);
/// assert_eq!(config.value("port"), Some("/dev/ttyS0"));
/// assert_eq!(config.number::<u32>("ondelay", 180), Ok(3));
/// assert!(config.flag("novendor"));
/// assert!(config.check_known(&["ondelay"]).is_err()); // "novendor" is not known
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriverConfig {
    settings: Vec<(String, Option<String>)>,
}

impl DriverConfig {
    /// The settings of `section`, then `extra` (`-x key=value`, `-x flag`).
    pub fn from_section(section: &UpsSection, extra: &[(String, Option<String>)]) -> Self {
        let mut config = DriverConfig::default();
        for setting in &section.settings {
            config.push(&setting.key, setting.value.as_deref());
        }
        for (key, value) in extra {
            config.push(key, value.as_deref());
        }
        config
    }

    /// Adds a setting; a value of `None` is a bare flag.
    pub fn push(&mut self, key: &str, value: Option<&str>) {
        self.settings.push((key.into(), value.map(Into::into)));
    }

    /// The last value given for `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .rev()
            .find(|(known, _)| known == key)
            .and_then(|(_, value)| value.as_deref())
    }

    /// True when `key` is given as a bare flag.
    pub fn flag(&self, key: &str) -> bool {
        self.settings
            .iter()
            .any(|(known, value)| known == key && value.is_none())
    }

    /// Every setting in the order given (a later one for the same key wins).
    pub fn settings(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.settings
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_deref()))
    }

    /// `key` parsed as a number (or anything `FromStr`), `default` when absent.
    pub fn number<T: FromStr>(&self, key: &str, default: T) -> Result<T, ConfigError> {
        match self.value(key) {
            None => Ok(default),
            Some(text) => text.trim().parse().map_err(|_| ConfigError {
                key: key.into(),
                value: Some(text.into()),
                reason: "not a valid number".into(),
            }),
        }
    }

    /// Every `prefix<name> = value` as (name, value) (`override.`, `default.`).
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.settings
            .iter()
            .filter_map(move |(key, value)| Some((key.strip_prefix(prefix)?, value.as_deref()?)))
    }

    /// The settings to run with after a reload to `new`: `new`'s reloadable settings
    /// ([`is_reloadable`]) and this config's others, with the keys whose change needs a
    /// restart (ignored until then).
    ///
    /// ```
    /// use nut_drivers::device::DriverConfig;
    ///
    /// let mut old = DriverConfig::default();
    /// old.push("port", Some("/dev/ttyS0"));
    /// old.push("pollinterval", Some("2"));
    /// let mut new = DriverConfig::default();
    /// new.push("port", Some("/dev/ttyS1"));
    /// new.push("pollinterval", Some("5"));
    /// let (kept, restart) = old.reloaded(&new);
    /// assert_eq!(kept.value("pollinterval"), Some("5"));
    /// assert_eq!(kept.value("port"), Some("/dev/ttyS0"));
    /// assert_eq!(restart, ["port"]);
    /// ```
    pub fn reloaded(&self, new: &DriverConfig) -> (DriverConfig, Vec<String>) {
        let fixed = |config: &DriverConfig| -> Vec<(String, Option<String>)> {
            config
                .settings
                .iter()
                .filter(|(key, _)| !is_reloadable(key))
                .cloned()
                .collect()
        };
        let mut restart: Vec<String> = Vec::new();
        let (old_fixed, new_fixed) = (fixed(self), fixed(new));
        for (key, _) in old_fixed.iter().chain(&new_fixed) {
            let changed = self.value(key) != new.value(key) || self.flag(key) != new.flag(key);
            if changed && !restart.contains(key) {
                restart.push(key.clone());
            }
        }
        let mut settings = old_fixed;
        settings.extend(
            new.settings
                .iter()
                .filter(|(key, _)| is_reloadable(key))
                .cloned(),
        );
        (DriverConfig { settings }, restart)
    }

    /// Fails on the first key that is neither in [`COMMON_KEYS`], nor `override.*`/`default.*`,
    /// nor in `family_keys` — as a NUT driver refuses "not a valid variable name".
    pub fn check_known(&self, family_keys: &[&str]) -> Result<(), ConfigError> {
        for (key, value) in &self.settings {
            let known = COMMON_KEYS.contains(&key.as_str())
                || family_keys.contains(&key.as_str())
                || key.starts_with("override.")
                || key.starts_with("default.");
            if !known {
                return Err(ConfigError {
                    key: key.clone(),
                    value: value.clone(),
                    reason: "not a valid variable name for this driver".into(),
                });
            }
        }
        Ok(())
    }
}
