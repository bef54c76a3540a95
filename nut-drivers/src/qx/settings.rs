//! The Qx driver's settings, from its `ups.conf` section (`nutdrv_qx` / `blazer_ser` keys).

use crate::device::{ConfigError, DriverConfig};

use super::dialect::Dialect;

/// Every key the Qx family accepts besides [`crate::device::COMMON_KEYS`]: the union of what
/// the real `nutdrv_qx -h` and `blazer_ser -h` (NUT 2.8.0) list. USB and Voltronic-only keys
/// are accepted (so a NUT `ups.conf` loads) but have no effect on a serial Megatec unit.
pub const QX_KEYS: &[&str] = &[
    "offdelay",
    "ondelay",
    "stayoff",
    "pollfreq",
    "protocol",
    "runtimecal",
    "chargetime",
    "idleload",
    "subdriver",
    "vendor",
    "product",
    "serial",
    "vendorid",
    "productid",
    "bus",
    "device",
    "usb_set_altinterface",
    "langid_fix",
    "noscanlangid",
    "cablepower",
    "reset_to_default",
    "bypass_alarm",
    "battery_alarm",
    "bypass_when_off",
    "alarm_control",
    "converter_mode",
    "eco_mode",
    "battery_open_status_check",
    "bypass_forbidding",
    "site_fault_detection",
    "advanced_eco_mode",
    "constant_phase_angle",
    "limited_runtime_on_battery",
    "max_bypass_volt",
    "min_bypass_volt",
    "max_bypass_freq",
    "min_bypass_freq",
    "work_range_type",
    "output_phase_angle",
    "battery_number",
    "testing",
    "ignoresab",
    "norating",
    "novendor",
];

/// Default `offdelay` (s).
pub const DEFAULT_OFFDELAY: u32 = 30;
/// Default `ondelay` (s).
pub const DEFAULT_ONDELAY: u32 = 180;
/// `ups.delay.shutdown` range (s), as NUT's blazer items allow.
pub const OFFDELAY_RANGE: (u32, u32) = (12, 600);
/// `ups.delay.start` range (s).
pub const ONDELAY_RANGE: (u32, u32) = (0, 599_940);

/// `runtimecal = <runtime high>,<load high>,<runtime low>,<load low>`: battery runtimes (s)
/// at two loads (%).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuntimeCal {
    /// Runtime at the high load (s).
    pub runtime_high: f64,
    /// The high load (%).
    pub load_high: f64,
    /// Runtime at the low load (s).
    pub runtime_low: f64,
    /// The low load (%).
    pub load_low: f64,
}

/// What the Qx driver needs from its configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct QxSettings {
    /// `protocol=`: the pinned dialect (`None`: auto-detect).
    pub dialect: Option<Dialect>,
    /// `offdelay` (s).
    pub offdelay: u32,
    /// `ondelay` (s).
    pub ondelay: u32,
    /// Whether `offdelay`/`ondelay` were configured (else a dialect may use its own defaults:
    /// hunnox 60/0).
    pub delays_given: (bool, bool),
    /// `stayoff`: killpower uses `shutdown.stayoff`.
    pub stayoff: bool,
    /// `novendor`: skip the identification query.
    pub novendor: bool,
    /// `norating`: skip the ratings query.
    pub norating: bool,
    /// `ignoresab`: ignore the "shutdown active" bit.
    pub ignoresab: bool,
    /// `runtimecal`, when given.
    pub runtimecal: Option<RuntimeCal>,
    /// `chargetime` (s): nominal time to recharge (default 43200).
    pub chargetime: f64,
    /// `idleload` (%): minimum load for runtime estimation (default 10).
    pub idleload: f64,
    /// `battery.voltage.nominal` from `override.`/`default.` (the UPS's `F` otherwise).
    pub battery_nominal: Option<f64>,
    /// `battery.voltage.low` from `override.`/`default.`.
    pub battery_low: Option<f64>,
    /// `battery.voltage.high` from `override.`/`default.`.
    pub battery_high: Option<f64>,
    /// `battery.packs` from `override.`/`default.` (guessed otherwise).
    pub battery_packs: Option<f64>,
    /// Voltronic capability options (`bypass_alarm=enabled` …) as (QFLAG letter, wanted
    /// state), in NUT's order.
    pub capabilities: Vec<(u8, bool)>,
    /// `pollfreq`: seconds between full polls (semi-static values re-read), default 30.
    pub pollfreq: u64,
    /// Voltronic `reset_to_default`: at start, a UPS in standby (output off) is told to reset
    /// its capabilities and limits to their defaults (`PF`).
    pub reset_to_default: bool,
    /// Voltronic P31 `work_range_type` (`Appliance` or `UPS`): set at start when the UPS
    /// reports the other one; another value is ignored (logged), as NUT 2.8.0 does.
    pub work_range_type: Option<String>,
}

/// Voltronic capability options and their `QFLAG` letters, in NUT's item order.
pub const CAPABILITY_OPTIONS: &[(&str, u8)] = &[
    ("bypass_alarm", b'p'),
    ("battery_alarm", b'b'),
    ("bypass_when_off", b'o'),
    ("alarm_control", b'a'),
    ("converter_mode", b'v'),
    ("eco_mode", b'e'),
    ("battery_open_status_check", b'd'),
    ("bypass_forbidding", b'f'),
    ("site_fault_detection", b'l'),
    ("advanced_eco_mode", b'n'),
    ("constant_phase_angle", b'q'),
    ("limited_runtime_on_battery", b'w'),
];

fn capabilities(config: &DriverConfig) -> Result<Vec<(u8, bool)>, ConfigError> {
    let mut out = Vec::new();
    for &(key, letter) in CAPABILITY_OPTIONS {
        match config.value(key) {
            None => {}
            Some("enabled") => out.push((letter, true)),
            Some("disabled") => out.push((letter, false)),
            Some(other) => return Err(bad(key, other, "must be enabled or disabled")),
        }
    }
    Ok(out)
}

impl Default for QxSettings {
    fn default() -> Self {
        QxSettings {
            dialect: None,
            offdelay: DEFAULT_OFFDELAY,
            ondelay: DEFAULT_ONDELAY,
            delays_given: (false, false),
            stayoff: false,
            novendor: false,
            norating: false,
            ignoresab: false,
            runtimecal: None,
            chargetime: 43_200.0,
            idleload: 10.0,
            battery_nominal: None,
            battery_low: None,
            battery_high: None,
            battery_packs: None,
            capabilities: Vec::new(),
            pollfreq: 30,
            reset_to_default: false,
            work_range_type: None,
        }
    }
}

fn bad(key: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError {
        key: key.into(),
        value: Some(value.into()),
        reason: reason.into(),
    }
}

/// `override.<name>`, else `default.<name>`, as a number.
fn battery_value(config: &DriverConfig, name: &str) -> Result<Option<f64>, ConfigError> {
    for prefix in ["override.", "default."] {
        let key = format!("{prefix}{name}");
        if let Some(text) = config.value(&key) {
            let value: f64 = text
                .trim()
                .parse()
                .map_err(|_| bad(&key, text, "not a valid number"))?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}

fn parse_runtimecal(text: &str) -> Result<RuntimeCal, ConfigError> {
    let parts: Result<Vec<f64>, _> = text.split(',').map(|p| p.trim().parse::<f64>()).collect();
    let parts = parts.map_err(|_| bad("runtimecal", text, "not four numbers"))?;
    let [runtime_high, load_high, runtime_low, load_low] = parts[..] else {
        return Err(bad("runtimecal", text, "insufficient parameters"));
    };
    if runtime_low < runtime_high || runtime_high <= 0.0 {
        return Err(bad("runtimecal", text, "parameter out of range (runtime)"));
    }
    if load_high > 100.0 || load_low > load_high || load_low <= 0.0 {
        return Err(bad("runtimecal", text, "parameter out of range (load)"));
    }
    Ok(RuntimeCal {
        runtime_high,
        load_high,
        runtime_low,
        load_low,
    })
}

impl QxSettings {
    /// Reads the settings, refusing unknown keys and values that do not parse.
    ///
    /// ```
    /// use nut_drivers::device::DriverConfig;
    /// use nut_drivers::qx::{Dialect, QxSettings};
    ///
    /// let mut config = DriverConfig::default();
    /// config.push("protocol", Some("megatec"));
    /// config.push("offdelay", Some("60"));
    /// let settings = QxSettings::from_config(&config).unwrap();
    /// assert_eq!(settings.dialect, Some(Dialect::Megatec));
    /// assert_eq!(settings.offdelay, 60);
    /// assert_eq!(settings.ondelay, 180);
    /// ```
    pub fn from_config(config: &DriverConfig) -> Result<Self, ConfigError> {
        config.check_known(QX_KEYS)?;
        let dialect = match config.value("protocol") {
            None => None,
            Some(name) => Some(
                Dialect::from_name(name)
                    .ok_or_else(|| bad("protocol", name, "unknown or unsupported protocol"))?,
            ),
        };
        let offdelay = config.number("offdelay", DEFAULT_OFFDELAY)?;
        let ondelay = config.number("ondelay", DEFAULT_ONDELAY)?;
        if offdelay > super::commands::MAX_OFFDELAY {
            return Err(bad("offdelay", &offdelay.to_string(), "out of range"));
        }
        if ondelay > super::commands::MAX_ONDELAY {
            return Err(bad("ondelay", &ondelay.to_string(), "out of range"));
        }
        let runtimecal = config
            .value("runtimecal")
            .map(parse_runtimecal)
            .transpose()?;
        let chargetime: f64 = config.number("chargetime", 43_200.0)?;
        if chargetime <= 0.0 {
            return Err(bad(
                "chargetime",
                &chargetime.to_string(),
                "must be positive",
            ));
        }
        let idleload: f64 = config.number("idleload", 10.0)?;
        if !(0.0..=100.0).contains(&idleload) {
            return Err(bad("idleload", &idleload.to_string(), "out of range"));
        }
        Ok(QxSettings {
            dialect,
            offdelay,
            ondelay,
            delays_given: (
                config.value("offdelay").is_some(),
                config.value("ondelay").is_some(),
            ),
            stayoff: config.flag("stayoff"),
            novendor: config.flag("novendor"),
            norating: config.flag("norating"),
            ignoresab: config.flag("ignoresab"),
            reset_to_default: config.flag("reset_to_default"),
            work_range_type: config.value("work_range_type").map(str::to_owned),
            runtimecal,
            chargetime,
            idleload,
            battery_nominal: battery_value(config, "battery.voltage.nominal")?,
            battery_low: battery_value(config, "battery.voltage.low")?,
            battery_high: battery_value(config, "battery.voltage.high")?,
            battery_packs: battery_value(config, "battery.packs")?,
            capabilities: capabilities(config)?,
            pollfreq: config.number("pollfreq", 30)?,
        })
    }
}
