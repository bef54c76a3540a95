//! [`Settings`]: NUT `generic_modbus`'s `ups.conf` options — which point of the remote-I/O box
//! carries each state (`<STATE>_addr`, `<STATE>_regtype`, `<STATE>_noro`), the FSD output,
//! the device names, the Modbus unit and timeouts, the serial line — read as NUT 2.8.0's
//! `get_config_vars` reads them.

use std::time::Duration;

use crate::device::{ConfigError, DriverConfig};

/// The four Modbus tables, numbered as NUT's `<STATE>_regtype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegType {
    /// 0: a coil (read with function 1, written with 5).
    Coil,
    /// 1: a discrete input (function 2); NUT's default for a state.
    InputBit,
    /// 2: an input register (function 4).
    InputRegister,
    /// 3: a holding register (read with function 3, written with 6).
    Holding,
}

impl RegType {
    /// The type numbered `n` as NUT numbers them (0..=3).
    pub fn from_number(n: i64) -> Option<RegType> {
        match n {
            0 => Some(RegType::Coil),
            1 => Some(RegType::InputBit),
            2 => Some(RegType::InputRegister),
            3 => Some(RegType::Holding),
            _ => None,
        }
    }
}

/// A NUT state (or the FSD output) that can be mapped onto a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// On line (`OL`).
    Ol,
    /// On battery (`OB`).
    Ob,
    /// Low battery (`LB`).
    Lb,
    /// High battery (`HB`).
    Hb,
    /// Replace battery (`RB`).
    Rb,
    /// Charging (`CHRG`).
    Chrg,
    /// Discharging (`DISCHRG`).
    Dischrg,
    /// The forced-shutdown output written by `load.off` (`FSD`).
    Fsd,
}

impl Signal {
    /// Every signal, in NUT's order.
    pub const ALL: [Signal; 8] = [
        Signal::Ol,
        Signal::Ob,
        Signal::Lb,
        Signal::Hb,
        Signal::Rb,
        Signal::Chrg,
        Signal::Dischrg,
        Signal::Fsd,
    ];

    /// The prefix of its settings (`OL` for `OL_addr`).
    pub fn name(self) -> &'static str {
        match self {
            Signal::Ol => "OL",
            Signal::Ob => "OB",
            Signal::Lb => "LB",
            Signal::Hb => "HB",
            Signal::Rb => "RB",
            Signal::Chrg => "CHRG",
            Signal::Dischrg => "DISCHRG",
            Signal::Fsd => "FSD",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where a signal lives and which level means "on".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The protocol address (0-based).
    pub addr: u16,
    /// The table.
    pub regtype: RegType,
    /// `<STATE>_noro = 1`: the signal is on when the point reads 0 (an open contact).
    pub noro: bool,
}

impl Point {
    /// The level written or read for "on" (`1 ^ noro`) or "off".
    pub fn level(&self, on: bool) -> u16 {
        u16::from(on ^ self.noro)
    }
}

/// How the box is reached, from `port` as NUT's `modbus_new` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Modbus TCP to `host:port` (`port = host` uses 502).
    Tcp(String),
    /// Modbus RTU on a serial line (`port` containing `/dev/tty`).
    Rtu(SerialLine),
}

/// The serial line settings (`ser_baud_rate`, `ser_parity`, `ser_data_bit`, `ser_stop_bit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialLine {
    /// The device path.
    pub path: String,
    /// Baud rate (9600).
    pub baud: u32,
    /// Parity: `N`, `E` or `O` (`N`).
    pub parity: char,
    /// Data bits, 5..=8 (8).
    pub data_bits: u8,
    /// Stop bits, 1 or 2 (1).
    pub stop_bits: u8,
}

/// Everything `generic_modbus` reads from its section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    points: [Option<Point>; 8],
    /// `device.mfr` (`UNKNOWN`).
    pub device_mfr: String,
    /// `device.model` (`unknown`).
    pub device_model: String,
    /// The unit id (`rio_slave_id`, 5).
    pub slave_id: u8,
    /// The response timeout (`mod_resp_to_s` + `mod_resp_to_us`, 200 ms).
    pub response_timeout: Duration,
    /// The byte timeout (`mod_byte_to_s` + `mod_byte_to_us`, 50 ms; serial only).
    pub byte_timeout: Duration,
    /// How long the FSD output is held on before it is reset (`FSD_pulse_duration`, ms);
    /// `None` leaves it on.
    pub fsd_pulse: Option<Duration>,
    /// The link.
    pub link: Link,
}

/// The settings `generic_modbus` accepts beyond the common ones, as its `-h` lists them.
pub const KEYS: &[&str] = &[
    "device_mfr",
    "device_model",
    "ser_baud_rate",
    "ser_parity",
    "ser_data_bit",
    "ser_stop_bit",
    "rio_slave_id",
    "mod_resp_to_s",
    "mod_resp_to_us",
    "mod_byte_to_s",
    "mod_byte_to_us",
    "OL_addr",
    "OB_addr",
    "LB_addr",
    "HB_addr",
    "RB_addr",
    "CHRG_addr",
    "DISCHRG_addr",
    "FSD_addr",
    "OL_regtype",
    "OB_regtype",
    "LB_regtype",
    "HB_regtype",
    "RB_regtype",
    "CHRG_regtype",
    "DISCHRG_regtype",
    "FSD_regtype",
    "OL_noro",
    "OB_noro",
    "LB_noro",
    "HB_noro",
    "RB_noro",
    "CHRG_noro",
    "DISCHRG_noro",
    "FSD_noro",
    "FSD_pulse_duration",
];

/// NUT's default Modbus TCP port.
pub const DEFAULT_TCP_PORT: u16 = 502;

fn bad(key: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError {
        key: key.into(),
        value: Some(value.into()),
        reason: reason.into(),
    }
}

/// An integer as C's `strtol(text, NULL, base)` with base 0 (`0x1f`, `017`, `15`) or 10 —
/// but the whole text must be the number.
pub fn c_integer(text: &str, any_base: bool) -> Option<i64> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (digits, radix) = if !any_base {
        (t, 10)
    } else if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (hex, 16)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = i64::from_str_radix(digits, radix).ok()?;
    Some(if negative { -n } else { n })
}

fn integer(config: &DriverConfig, key: &str, any_base: bool) -> Result<Option<i64>, ConfigError> {
    match config.value(key) {
        None => Ok(None),
        Some(v) => c_integer(v, any_base)
            .map(Some)
            .ok_or_else(|| bad(key, v, "not an integer")),
    }
}

fn ranged<T: TryFrom<i64>>(config: &DriverConfig, key: &str, default: T) -> Result<T, ConfigError> {
    match integer(config, key, false)? {
        None => Ok(default),
        Some(n) => T::try_from(n).map_err(|_| bad(key, &n.to_string(), "out of range")),
    }
}

fn timeout(config: &DriverConfig, what: &str, default_us: u32) -> Result<Duration, ConfigError> {
    let s_key = format!("mod_{what}_to_s");
    let us_key = format!("mod_{what}_to_us");
    let secs: u32 = ranged(config, &s_key, 0)?;
    let micros: u32 = ranged(config, &us_key, default_us)?;
    if micros > 999_999 {
        return Err(bad(&us_key, &micros.to_string(), "must be 0..=999999"));
    }
    let total = Duration::from_secs(u64::from(secs)) + Duration::from_micros(u64::from(micros));
    if total.is_zero() {
        return Err(bad(&us_key, "0", "the timeout must not be zero"));
    }
    Ok(total)
}

fn point(config: &DriverConfig, signal: Signal) -> Result<Option<Point>, ConfigError> {
    let name = signal.name();
    let addr_key = format!("{name}_addr");
    let Some(addr) = integer(config, &addr_key, true)? else {
        return Ok(None);
    };
    let addr = u16::try_from(addr).map_err(|_| bad(&addr_key, &addr.to_string(), "0..=65535"))?;
    let default = if signal == Signal::Fsd {
        RegType::Coil
    } else {
        RegType::InputBit
    };
    let type_key = format!("{name}_regtype");
    // As NUT: a number outside 0..=3 falls back to the default type.
    let regtype = integer(config, &type_key, false)?
        .map(|n| {
            RegType::from_number(n).unwrap_or_else(|| {
                tracing::warn!(key = %type_key, value = n, "not 0..=3: using the default type");
                default
            })
        })
        .unwrap_or(default);
    // As NUT: 1 is "normally open", any other number "normally closed".
    let noro = integer(config, &format!("{name}_noro"), false)? == Some(1);
    Ok(Some(Point {
        addr,
        regtype,
        noro,
    }))
}

fn link(config: &DriverConfig) -> Result<Link, ConfigError> {
    let port = config.value("port").ok_or_else(|| ConfigError {
        key: "port".into(),
        value: None,
        reason: "no port given (host[:502] or /dev/tty…)".into(),
    })?;
    if port.contains("/dev/tty") {
        let parity = match config.value("ser_parity") {
            None => 'N',
            Some(v) => match v.chars().next().map(|c| c.to_ascii_uppercase()) {
                Some(c @ ('N' | 'E' | 'O')) => c,
                _ => return Err(bad("ser_parity", v, "must be N, E or O")),
            },
        };
        let data_bits: u8 = ranged(config, "ser_data_bit", 8)?;
        if !(5..=8).contains(&data_bits) {
            return Err(bad("ser_data_bit", &data_bits.to_string(), "must be 5..=8"));
        }
        let stop_bits: u8 = ranged(config, "ser_stop_bit", 1)?;
        if !(1..=2).contains(&stop_bits) {
            return Err(bad(
                "ser_stop_bit",
                &stop_bits.to_string(),
                "must be 1 or 2",
            ));
        }
        return Ok(Link::Rtu(SerialLine {
            path: port.into(),
            baud: ranged(config, "ser_baud_rate", 9600)?,
            parity,
            data_bits,
            stop_bits,
        }));
    }
    match port.split_once(':') {
        None => Ok(Link::Tcp(format!("{port}:{DEFAULT_TCP_PORT}"))),
        Some((host, number)) => match number.parse::<u16>() {
            Ok(_) if !host.is_empty() => Ok(Link::Tcp(port.into())),
            _ => Err(bad("port", port, "not host[:port] nor a /dev/tty… path")),
        },
    }
}

impl Settings {
    /// Reads `config` as NUT's `get_config_vars`; a value that is not a number where one is
    /// needed, or out of range, is a [`ConfigError`] naming the key.
    pub fn from_config(config: &DriverConfig) -> Result<Settings, ConfigError> {
        let mut points = [None; 8];
        for signal in Signal::ALL {
            points[signal.index()] = point(config, signal)?;
        }
        let slave_id: u8 = ranged(config, "rio_slave_id", 5)?;
        if slave_id > 247 && slave_id != 255 {
            return Err(bad(
                "rio_slave_id",
                &slave_id.to_string(),
                "must be 0..=247 (or 255 over TCP)",
            ));
        }
        let fsd_pulse = match integer(config, "FSD_pulse_duration", false)? {
            None | Some(-1) => None,
            Some(ms) => Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
        };
        Ok(Settings {
            points,
            device_mfr: config.value("device_mfr").unwrap_or("UNKNOWN").into(),
            device_model: config.value("device_model").unwrap_or("unknown").into(),
            slave_id,
            response_timeout: timeout(config, "resp", 200_000)?,
            byte_timeout: timeout(config, "byte", 50_000)?,
            fsd_pulse,
            link: link(config)?,
        })
    }

    /// Where `signal` is mapped, if it is.
    pub fn point(&self, signal: Signal) -> Option<Point> {
        self.points[signal.index()]
    }

    /// True when `signal` is mapped.
    pub fn mapped(&self, signal: Signal) -> bool {
        self.point(signal).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> DriverConfig {
        let mut c = DriverConfig::default();
        c.push("port", Some("127.0.0.1:1502"));
        for (k, v) in pairs {
            c.push(k, Some(v));
        }
        c
    }

    #[test]
    fn addresses_read_as_strtol_base_0_and_types_fall_back_as_nut() {
        let s = Settings::from_config(&config(&[
            ("OL_addr", "0x10"),
            ("LB_addr", "010"),
            ("LB_regtype", "9"),
            ("HB_addr", "7"),
            ("HB_regtype", "3"),
            ("HB_noro", "1"),
            ("FSD_addr", "2"),
            ("FSD_noro", "2"),
        ]))
        .expect("settings");
        let p = |sig| s.point(sig).expect("mapped");
        assert_eq!(p(Signal::Ol).addr, 16);
        assert_eq!(p(Signal::Ol).regtype, RegType::InputBit);
        assert_eq!(p(Signal::Lb).addr, 8);
        assert_eq!(p(Signal::Lb).regtype, RegType::InputBit);
        assert_eq!(p(Signal::Hb).regtype, RegType::Holding);
        assert!(p(Signal::Hb).noro);
        assert_eq!(p(Signal::Fsd).regtype, RegType::Coil);
        assert!(!p(Signal::Fsd).noro);
        assert!(!s.mapped(Signal::Ob));
        assert_eq!(s.slave_id, 5);
        assert_eq!(s.response_timeout, Duration::from_millis(200));
        assert_eq!(s.link, Link::Tcp("127.0.0.1:1502".into()));
        assert_eq!(s.device_mfr, "UNKNOWN");
    }

    #[test]
    fn garbage_is_refused_naming_the_key() {
        for (key, value) in [
            ("OL_addr", "ten"),
            ("OL_addr", "70000"),
            ("rio_slave_id", "300"),
            ("mod_resp_to_us", "1000000"),
            ("ser_parity", "X"),
        ] {
            let mut c = config(&[(key, value)]);
            if key == "ser_parity" {
                c.push("port", Some("/dev/ttyS0"));
            }
            let err = Settings::from_config(&c).expect_err(key);
            assert_eq!(err.key, key, "{err}");
        }
    }

    #[test]
    fn ports_as_modbus_new_reads_them() {
        let link = |port: &str| {
            let mut c = DriverConfig::default();
            c.push("port", Some(port));
            Settings::from_config(&c).map(|s| s.link)
        };
        assert_eq!(link("rio.lan"), Ok(Link::Tcp("rio.lan:502".into())));
        assert_eq!(link("rio.lan:1502"), Ok(Link::Tcp("rio.lan:1502".into())));
        assert!(
            matches!(link("/dev/ttyUSB0"), Ok(Link::Rtu(l)) if l.baud == 9600 && l.parity == 'N')
        );
        assert!(link("rio.lan:x").is_err());
    }
}
