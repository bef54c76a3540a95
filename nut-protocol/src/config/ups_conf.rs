//! `ups.conf`: the devices, shared by drivers, upsdrvctl and upsd (NUT-REFERENCE §4.3).
//!
//! Global `key = value` lines come first, then `[upsname]` sections. A one-word line is a flag
//! (`nolock`, `ignorelb`, …). Every setting is kept, in order, with its line, so a driver can
//! read its own keys; the core keys are also typed.
//!
//! Where NUT silently drops input we warn: words after the value (quote values with spaces),
//! two-word lines and lines without `=`. A section without `driver` or `port` is a warning,
//! as in upsd (which skips it); the reserved section name `default` and a repeated section
//! name are errors.
//!
//! ```
//! use nut_protocol::config::ups_conf;
//!
//! let text = b"maxretry = 3\n[myups]\n  driver = usbhid-ups\n  port = auto\n  desc = \"Rack UPS\"\n  nolock\n";
//! let conf = ups_conf::parse(text, "ups.conf").into_result().unwrap();
//! let ups = &conf.sections[0];
//! assert_eq!(ups.socket_name().as_deref(), Some("usbhid-ups-myups"));
//! assert!(ups.flag("nolock"));
//! assert_eq!(conf.global("maxretry"), Some("3"));
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::args::Args;
use super::{DiagnosticSink, Parsed, config_lines};

/// Debian's built-in state path (driver sockets), used when nothing else sets one.
pub const DEFAULT_STATEPATH: &str = "/run/nut";

/// Global keys NUT documents (anything else before the first section is warned about).
pub const GLOBAL_KEYS: &[&str] = &[
    "chroot",
    "driverpath",
    "statepath",
    "maxstartdelay",
    "maxretry",
    "retrydelay",
    "nowait",
    "pollinterval",
    "synchronous",
    "user",
    "group",
    "debug_min",
    "LIBUSB_DEBUG",
    "reconnect_max_tries",
    "reconnect_report_freq",
];

/// Keys whose value must be a whole number.
const NUMERIC_KEYS: &[&str] = &[
    "maxstartdelay",
    "maxretry",
    "retrydelay",
    "pollinterval",
    "sdorder",
    "debug_min",
    "LIBUSB_DEBUG",
    "reconnect_max_tries",
    "reconnect_report_freq",
];

/// One `key = value` line, or a flag (`value` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key as written.
    pub key: String,
    /// The value, or `None` for a flag.
    pub value: Option<String>,
    /// 1-based line number.
    pub line: usize,
}

/// One `[name]` section: a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsSection {
    /// The UPS name.
    pub name: String,
    /// Line of the `[name]` header.
    pub line: usize,
    /// Every setting of the section in order.
    pub settings: Vec<Setting>,
}

impl UpsSection {
    /// The value of the last `key = value` for `key` (keys are case-sensitive, as in NUT).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.key == key)
            .and_then(|s| s.value.as_deref())
    }

    /// True when the bare flag `key` is present.
    pub fn flag(&self, key: &str) -> bool {
        self.settings
            .iter()
            .any(|s| s.key == key && s.value.is_none())
    }

    /// `driver = …`.
    pub fn driver(&self) -> Option<&str> {
        self.get("driver")
    }

    /// `port = …`.
    pub fn port(&self) -> Option<&str> {
        self.get("port")
    }

    /// `desc = …`.
    pub fn desc(&self) -> Option<&str> {
        self.get("desc")
    }

    /// `sdorder = …` (shutdown order; -1 excludes the UPS), if valid.
    pub fn sdorder(&self) -> Option<i64> {
        self.get("sdorder").and_then(|v| v.parse().ok())
    }

    /// The driver socket's file name, `<driver>-<upsname>`, when a driver is set.
    pub fn socket_name(&self) -> Option<String> {
        self.driver()
            .map(|driver| alloc::format!("{driver}-{}", self.name))
    }

    /// `override.<var> = value` settings as (var, value): values the driver must publish and
    /// never change.
    pub fn overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.prefixed("override.")
    }

    /// `default.<var> = value` settings as (var, value): initial values the device may change.
    pub fn defaults(&self) -> impl Iterator<Item = (&str, &str)> {
        self.prefixed("default.")
    }

    fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.settings
            .iter()
            .filter_map(move |s| Some((s.key.strip_prefix(prefix)?, s.value.as_deref()?)))
    }
}

/// The typed `ups.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpsConf {
    /// Settings before the first section, in order.
    pub globals: Vec<Setting>,
    /// The devices, in file order.
    pub sections: Vec<UpsSection>,
}

impl UpsConf {
    /// The value of a global setting.
    pub fn global(&self, key: &str) -> Option<&str> {
        self.globals
            .iter()
            .rev()
            .find(|s| s.key == key)
            .and_then(|s| s.value.as_deref())
    }

    /// The section of a UPS by name (case-sensitive, as in NUT).
    pub fn section(&self, name: &str) -> Option<&UpsSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The global `statepath`, if set.
    pub fn statepath(&self) -> Option<&str> {
        self.global("statepath")
    }
}

/// Where the driver sockets are: env `NUT_STATEPATH`, else `ups.conf` `statepath`, else
/// `upsd.conf` `STATEPATH`, else [`DEFAULT_STATEPATH`].
pub fn resolve_statepath<'a>(
    env: Option<&'a str>,
    ups_conf: Option<&'a str>,
    upsd_conf: Option<&'a str>,
) -> &'a str {
    env.filter(|s| !s.is_empty())
        .or(ups_conf)
        .or(upsd_conf)
        .unwrap_or(DEFAULT_STATEPATH)
}

/// Parses `ups.conf`.
pub fn parse(text: &[u8], file_name: &str) -> Parsed<UpsConf> {
    let mut sink = DiagnosticSink::new(file_name);
    let mut conf = UpsConf::default();
    let mut skipping_duplicate = false;
    let lines = config_lines(text, &mut sink);
    for line in &lines {
        let mut a = Args::new(line, &mut sink);
        let first = a.keyword();
        if let Some(name) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            skipping_duplicate = false;
            if name.is_empty() {
                a.error(first, "empty section name");
                skipping_duplicate = true;
            } else if name == "default" {
                a.error(first, "the section name 'default' is reserved");
                skipping_duplicate = true;
            } else if conf.sections.iter().any(|s| s.name == name) {
                a.error(first, "this UPS name is already defined; section ignored");
                skipping_duplicate = true;
            } else {
                conf.sections.push(UpsSection {
                    name: String::from(name),
                    line: line.line,
                    settings: Vec::new(),
                });
            }
            a.extra_ignored(0);
            continue;
        }
        let Some(setting) = read_setting(&mut a) else {
            continue;
        };
        if skipping_duplicate {
            continue;
        }
        match conf.sections.last_mut() {
            Some(section) => section.settings.push(setting),
            None => {
                if !GLOBAL_KEYS.contains(&setting.key.as_str()) {
                    let key = setting.key.clone();
                    a.warning(&key, "not a known global setting (kept)");
                }
                conf.globals.push(setting);
            }
        }
    }
    for section in &conf.sections {
        for key in ["driver", "port"] {
            if section.get(key).is_none() {
                sink.warning(
                    section.line,
                    &section.name,
                    alloc::format!("section has no '{key}' (upsd skips it)"),
                );
            }
        }
    }
    sink.finish(conf)
}

fn read_setting(a: &mut Args<'_>) -> Option<Setting> {
    let key = a.keyword();
    let line = a.line.line;
    match a.count() {
        1 => Some(Setting {
            key: String::from(key),
            value: None,
            line,
        }),
        n if n >= 3 && a.word(1) == Some("=") => {
            let value = a.word(2).unwrap_or("");
            a.extra_ignored(2);
            if NUMERIC_KEYS.contains(&key) && value.parse::<i64>().is_err() {
                a.error(value, alloc::format!("'{key}' needs a whole number"));
                return None;
            }
            if key == "synchronous" && !matches!(value, "yes" | "no" | "auto") {
                a.error(value, "'synchronous' is yes, no or auto");
                return None;
            }
            Some(Setting {
                key: String::from(key),
                value: Some(String::from(value)),
                line,
            })
        }
        _ => {
            a.warning(
                key,
                "not 'key = value' nor a flag: line ignored (as NUT does)",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;
