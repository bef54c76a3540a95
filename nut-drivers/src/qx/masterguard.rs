//! The `masterguard` dialect (Masterguard A and E series): `WH` identification, `Q3` status,
//! `GS`/`GBS`/`GSN`/`DRC` per-slave queries (`,<address>` appended), `MSO`/`PNV` output
//! voltages, without I/O.
//!
//! Layouts, formats and commands are the Masterguard table (`masterguard` 0.05,
//! `dialects/items.tsv`); the series' supported commands are
//! `dialects/masterguard-series-commands.tsv`. NUT 2.8.0 ships an older table whose claim
//! cannot succeed (see `docs/DIFFERENCES.md`), so this follows the later one.
//!
//! ```
//! use nut_drivers::qx::masterguard::{Series, WhReply};
//! use nut_drivers::qx::sim::masterguard::wh;
//!
//! let wh = WhReply::parse(&wh("01", "A 1000")).unwrap();
//! assert_eq!(wh.series, Series::A);
//! assert_eq!(wh.model, "A1000");
//! assert_eq!(wh.power_nominal, 1000);
//! ```

use std::fmt;

use super::commands::offdelay_field;

/// `WH` replies are at least this long (CR included).
pub const WH_LEN_MIN: usize = 113;
/// `Q3` replies are at least this long (CR included).
pub const Q3_LEN_MIN: usize = 71;
/// `ups.id` (slave address) range.
pub const SLAVE_ADDRESS_RANGE: (u32, u32) = (0, 99);
/// `ups.delay.shutdown` range (s).
pub const OFFDELAY_RANGE: (u32, u32) = (0, 5940);
/// `ups.delay.start` range (s).
pub const ONDELAY_RANGE: (u32, u32) = (0, 599_940);

/// A Masterguard series (the first letter of the model field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// A series (A700 … A3000).
    A,
    /// E series (E60, E100, E200).
    E,
}

/// Command prefixes the A series accepts.
const SERIES_A: &[&str] = &[
    "Q", "Q1", "Q3", "T", "TL", "S", "C", "CT", "WH", "M", "N", "O", "DECO", "DRC", "SRC", "FLT",
    "FCLR", "G", "SS", "GS", "MSO", "PNV", "FOFF", "FON", "TUD", "GBS", "SSN", "GSN",
];
/// Command prefixes the E series accepts.
const SERIES_E: &[&str] = &[
    "Q", "Q1", "Q3", "PSR", "T", "TL", "S", "C", "CT", "WH", "DRC", "SRC", "FLT", "FCLR", "SS",
    "GS", "MSO", "PNV", "FOFF", "FON", "TUD", "GBS", "SSN", "GSN", "BUS", "V", "INVDC", "BUSP",
    "BUSN",
];

impl Series {
    /// Whether a unit of this series knows `command` (its leading letters, before any digit,
    /// `-`, `=`, `,`, `.` or CR).
    pub fn supports(self, command: &[u8]) -> bool {
        let name_len = command
            .iter()
            .position(|b| !b.is_ascii_uppercase())
            .unwrap_or(command.len());
        let name = command.get(..name_len).unwrap_or_default();
        let list = match self {
            Series::A => SERIES_A,
            Series::E => SERIES_E,
        };
        list.iter().any(|p| p.as_bytes() == name)
    }
}

/// Why a Masterguard reply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MasterguardError {
    /// Shorter than the item needs or without the leading `(`.
    #[error("reply too short or without '(': {0:?}")]
    Shape(String),
    /// A field that is not what it should be.
    #[error("bad {field}: {value:?}")]
    Field {
        /// The field.
        field: &'static str,
        /// What was there.
        value: String,
    },
}

fn field(reply: &[u8], from: usize, to: usize) -> &str {
    reply
        .get(from..=to.min(reply.len().saturating_sub(1)))
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("")
}

fn bad(field: &'static str, value: &str) -> MasterguardError {
    MasterguardError::Field {
        field,
        value: value.to_owned(),
    }
}

fn num(name: &'static str, text: &str) -> Result<f64, MasterguardError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad(name, text))
}

fn shape(reply: &[u8], min: usize) -> Result<(), MasterguardError> {
    if reply.len() < min || reply.first() != Some(&b'(') {
        return Err(MasterguardError::Shape(
            String::from_utf8_lossy(reply).into_owned(),
        ));
    }
    Ok(())
}

/// `m.s`/`mmm.ss` (minutes.seconds) → seconds.
pub fn minutes_seconds(text: &str) -> Option<u64> {
    let (m, s) = text.trim().split_once('.')?;
    let m: u64 = m.trim().parse().ok()?;
    let s: u64 = s.trim().parse().ok()?;
    Some(m * 60 + s)
}

/// `T:H:M:S` (days:hours:minutes:seconds) → seconds.
pub fn days_hms(text: &str) -> Option<u64> {
    let parts: Vec<u64> = text
        .trim()
        .split(':')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [d, h, m, s] => Some(((d * 24 + h) * 60 + m) * 60 + s),
        _ => None,
    }
}

/// Seconds (or `T:H:M:S`) → `TTTT:HH:MM:SS` for `SRC` (days at most 9999).
pub fn uptime_field(value: &str) -> Option<String> {
    let secs = match value.trim().parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => days_hms(value)?,
    };
    let days = secs / 86_400;
    (days <= 9999).then(|| {
        format!(
            "{days:04}:{:02}:{:02}:{:02}",
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60
        )
    })
}

/// The model field → (model name, nominal VA, rack version, `battery.packs` range).
fn model(field: &str) -> Option<(String, u32, (i64, i64))> {
    let rack = field.contains("-19");
    let (name, power, packs) = [
        ("A  700", "A700", 700, (0, 0)),
        ("A 1000", "A1000", 1000, (0, 2)),
        ("A 2000", "A2000", 2000, (0, 2)),
        ("A 3000", "A3000", 3000, (0, 2)),
        ("E 60", "E60", 6000, (1, 1)),
        ("E100", "E100", 10000, (1, 1)),
        ("E200", "E200", 20000, (1, 1)),
    ]
    .into_iter()
    .find(|(prefix, ..)| field.starts_with(prefix))
    .map(|(_, name, power, packs)| (name, power, packs))?;
    let packs = if rack && matches!(name, "A2000" | "A3000") {
        (1, 5)
    } else {
        packs
    };
    let name = if rack {
        format!("{name}-19")
    } else {
        name.to_owned()
    };
    Some((name, power, packs))
}

/// A parsed `WH` reply.
#[derive(Debug, Clone, PartialEq)]
pub struct WhReply {
    /// Slave address (`ups.id`).
    pub slave_address: u32,
    /// Series letter.
    pub series: Series,
    /// Model name (`device.model`).
    pub model: String,
    /// Nominal power (VA).
    pub power_nominal: u32,
    /// `battery.packs` range for this model.
    pub packs_range: (i64, i64),
    /// Number of battery cells.
    pub cells: u32,
    /// The published variables.
    pub variables: Vec<(&'static str, String)>,
}

impl WhReply {
    /// Parses a `WH` reply (CR included). Fails unless the series is `A` or `E` and the model
    /// is known, as the claim does.
    pub fn parse(reply: &[u8]) -> Result<Self, MasterguardError> {
        shape(reply, WH_LEN_MIN)?;
        let address_text = field(reply, 1, 2);
        let slave_address: u32 = address_text
            .trim()
            .parse()
            .map_err(|_| bad("slave address", address_text))?;
        let series = match field(reply, 16, 16) {
            "A" => Series::A,
            "E" => Series::E,
            other => return Err(bad("series", other)),
        };
        let model_field = field(reply, 16, 45);
        let (model, power_nominal, packs_range) =
            model(model_field).ok_or_else(|| bad("model", model_field))?;
        let cells_text = field(reply, 59, 61);
        let cells_f = num("number of battery cells", cells_text)?;
        if !(0.0..=1000.0).contains(&cells_f) {
            return Err(bad("number of battery cells", cells_text));
        }
        let cells = cells_f as u32;
        let mut v: Vec<(&'static str, String)> = vec![
            ("device.mfr", "Masterguard".into()),
            ("load.high", "140".into()),
            ("battery.type", "PbAc".into()),
            ("ups.id", slave_address.to_string()),
            ("ups.firmware", field(reply, 4, 8).to_owned()),
            ("ups.firmware.aux", field(reply, 10, 14).to_owned()),
            ("device.model", model.clone()),
            ("ups.power.nominal", power_nominal.to_string()),
        ];
        let numbers: [(&'static str, usize, usize, usize); 8] = [
            ("input.voltage.nominal", 49, 51, 0),
            ("input.frequency.nominal", 53, 57, 2),
            ("ambient.0.temperature.low", 87, 88, 0),
            ("ambient.0.temperature.high", 90, 91, 0),
            ("input.voltage.low.critical", 93, 95, 0),
            ("input.voltage.high.critical", 97, 99, 0),
            ("input.frequency.low", 101, 105, 2),
            ("input.frequency.high", 107, 111, 2),
        ];
        for (name, from, to, decimals) in numbers {
            let value = num(name, field(reply, from, to))?;
            v.push((name, format!("{value:.decimals$}")));
        }
        let cell_voltage = num("battery.voltage.nominal", field(reply, 63, 67))?;
        v.push((
            "battery.voltage.nominal",
            format!("{:.2}", cell_voltage * f64::from(cells)),
        ));
        Ok(WhReply {
            slave_address,
            series,
            model,
            power_nominal,
            packs_range,
            cells,
            variables: v,
        })
    }
}

/// What a `Q3` reply says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Q3Reply {
    /// The published variables (`ups.type` and `ups.test.result` included).
    pub variables: Vec<(&'static str, String)>,
    /// `ups.status` words.
    pub status: Vec<&'static str>,
    /// `ups.alarm` texts.
    pub alarms: Vec<&'static str>,
}

impl Q3Reply {
    /// Parses a `Q3` reply for a unit of `power_nominal` VA with `cells` battery cells.
    pub fn parse(reply: &[u8], power_nominal: u32, cells: u32) -> Result<Self, MasterguardError> {
        shape(reply, Q3_LEN_MIN)?;
        let mut v: Vec<(&'static str, String)> = Vec::new();
        let input = num("input.voltage", field(reply, 4, 8))?;
        v.push(("input.voltage", format!("{input:.1}")));
        let output = num("output.voltage", field(reply, 16, 20))?;
        v.push(("output.voltage", format!("{output:.1}")));
        let load = num("ups.load", field(reply, 22, 24))?;
        v.push(("ups.load", format!("{load:.0}")));
        let nominal = f64::from(power_nominal);
        v.push(("ups.power", format!("{:.0}", load / 100.0 * nominal)));
        if output > 0.0 {
            v.push((
                "output.current",
                format!("{:.2}", load / 100.0 * nominal / output),
            ));
        }
        let frequency = num("input.frequency", field(reply, 26, 29))?;
        v.push(("input.frequency", format!("{frequency:.1}")));
        let cell = num("battery.voltage", field(reply, 31, 35))?;
        v.push(("battery.voltage", format!("{:.2}", cell * f64::from(cells))));
        let temperature = num("ups.temperature", field(reply, 37, 40))?;
        v.push(("ups.temperature", format!("{temperature:.1}")));
        v.push(("ambient.0.temperature", format!("{temperature:.1}")));
        let runtime_text = field(reply, 42, 47);
        let runtime = minutes_seconds(runtime_text).ok_or_else(|| bad("runtime", runtime_text))?;
        v.push(("battery.runtime", runtime.to_string()));
        let charge = num("battery.charge", field(reply, 49, 51))?;
        v.push(("battery.charge", format!("{charge:.0}")));
        let bit = |col: usize| -> Result<bool, MasterguardError> {
            match field(reply, col, col) {
                "0" => Ok(false),
                "1" => Ok(true),
                other => Err(bad("status bit", other)),
            }
        };
        let mut status = Vec::new();
        let mut alarms = Vec::new();
        status.push(if bit(53)? { "OB" } else { "OL" });
        for (col, word) in [
            (54, "LB"),
            (55, "BYPASS"),
            (58, "CAL"),
            (59, "FSD"),
            (65, "RB"),
        ] {
            if bit(col)? {
                status.push(word);
            }
        }
        for (col, alarm) in [
            (56, "UPS Failed"),
            (63, "problems in parallel operation mode"),
            (66, "no battery connected"),
        ] {
            if bit(col)? {
                alarms.push(alarm);
            }
        }
        let kind = if bit(57)? { "offline" } else { "online" };
        v.push(("ups.type", kind.into()));
        let test = match field(reply, 67, 69) {
            "000" => "no test in progress",
            "001" => "test in progress",
            "010" => "test OK",
            "011" => "test failed",
            "100" => "test not possible",
            "101" => "test aborted",
            "110" => "autonomy time calibration in progress",
            "111" => "unknown",
            other => return Err(bad("test result", other)),
        };
        v.push(("ups.test.result", test.into()));
        Ok(Q3Reply {
            variables: v,
            status,
            alarms,
        })
    }
}

/// `GS`: (`battery.packs`, `ups.beeper.status`).
pub fn gs(reply: &[u8]) -> Result<(String, &'static str), MasterguardError> {
    shape(reply, 11)?;
    let packs = num("battery.packs", field(reply, 7, 7))?;
    let beeper = match field(reply, 9, 9) {
        "0" => "disabled",
        "1" => "enabled",
        other => return Err(bad("beeper", other)),
    };
    Ok((format!("{packs:.0}"), beeper))
}

/// `GBS`: `battery.charge`.
pub fn gbs(reply: &[u8]) -> Result<String, MasterguardError> {
    shape(reply, 43)?;
    Ok(format!("{:.0}", num("battery.charge", field(reply, 4, 6))?))
}

/// `GSN`: (`device.part`, `device.serial`).
pub fn gsn(reply: &[u8]) -> Result<(String, String), MasterguardError> {
    shape(reply, 25)?;
    Ok((
        field(reply, 8, 18).trim().to_owned(),
        field(reply, 20, 23).to_owned(),
    ))
}

/// `DRC`: `device.uptime` (seconds).
pub fn drc(reply: &[u8]) -> Result<u64, MasterguardError> {
    shape(reply, 17)?;
    let text = field(reply, 4, 16);
    days_hms(text).ok_or_else(|| bad("device.uptime", text))
}

/// `MSO`: the output voltages the unit supports.
pub fn mso(reply: &[u8]) -> Result<Vec<String>, MasterguardError> {
    shape(reply, 5)?;
    let body = reply.get(1..).unwrap_or_default();
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| bad("output voltages", ""))?;
    let list: Vec<String> = text
        .split_whitespace()
        .map(|v| num("output voltage", v).map(|v| format!("{v:.0}")))
        .collect::<Result<_, _>>()?;
    if list.is_empty() {
        return Err(bad("output voltages", text));
    }
    Ok(list)
}

/// `PNV`: `output.voltage.nominal` (V).
pub fn pnv(reply: &[u8]) -> Result<f64, MasterguardError> {
    shape(reply, 8)?;
    num("output.voltage.nominal", field(reply, 5, 7))
}

/// The instant commands of the Masterguard table.
pub const COMMANDS: &[&str] = &[
    "shutdown.return",
    "shutdown.stayoff",
    "shutdown.stop",
    "test.battery.start",
    "test.battery.start.quick",
    "test.battery.start.low",
    "test.battery.start.deep",
    "test.battery.stop",
    "clear.fault.record",
    "bypass.start",
    "bypass.stop",
    "beeper.enable",
    "beeper.disable",
];

/// The command bytes of a Masterguard instant command, for the unit at `address` with
/// these delays; `None` for an unknown command or a parameter out of range.
pub fn command(
    name: &str,
    param: Option<&str>,
    address: u32,
    offdelay: u32,
    ondelay: u32,
) -> Option<Vec<u8>> {
    let text = match name {
        "shutdown.return" => format!(
            "S{}R{:04}",
            offdelay_field(offdelay).ok()?,
            if ondelay <= ONDELAY_RANGE.1 {
                ondelay / 60
            } else {
                return None;
            }
        ),
        "shutdown.stayoff" => format!("S{}", offdelay_field(offdelay).ok()?),
        "shutdown.stop" => "C".into(),
        "test.battery.start" => {
            let duration: u32 = match param.map(str::trim) {
                None | Some("") => 10,
                Some(text) => text.parse().ok()?,
            };
            match duration {
                10 => "T".into(),
                60..=5940 => format!("T{:02}", duration / 60),
                _ => return None,
            }
        }
        "test.battery.start.quick" => "T".into(),
        "test.battery.start.low" => "TL".into(),
        "test.battery.start.deep" => format!("TUD,{address:02}"),
        "test.battery.stop" => "CT".into(),
        "clear.fault.record" => format!("FCLR,{address:02}"),
        "bypass.start" => "FOFF".into(),
        "bypass.stop" => "FON".into(),
        "beeper.enable" => format!("SS---1,{address:02}"),
        "beeper.disable" => format!("SS---0,{address:02}"),
        _ => return None,
    };
    Some(format!("{text}\r").into_bytes())
}

/// The `setvar` bytes for a writable Masterguard variable (`ups.id`, `battery.packs`,
/// `device.uptime`, `output.voltage.nominal`), checked against `packs`/`voltages`.
pub fn set_command(
    name: &str,
    value: &str,
    address: u32,
    packs: (i64, i64),
    voltages: &[String],
) -> Option<Vec<u8>> {
    let text = match name {
        "ups.id" => {
            let new: u32 = value.trim().parse().ok()?;
            (new <= SLAVE_ADDRESS_RANGE.1).then_some(())?;
            format!("SS{new:02}--,{address:02}")
        }
        "battery.packs" => {
            let n: i64 = value.trim().parse().ok()?;
            (packs.0..=packs.1).contains(&n).then_some(())?;
            format!("SS--{n}-,{address:02}")
        }
        "device.uptime" => format!("SRC{},{address:02}", uptime_field(value)?),
        "output.voltage.nominal" => {
            let v: u32 = value.trim().parse().ok()?;
            voltages.iter().any(|x| *x == v.to_string()).then_some(())?;
            format!("PNV={v:03}")
        }
        _ => return None,
    };
    Some(format!("{text}\r").into_bytes())
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Series::A => "A",
            Series::E => "E",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::sim::SimState;
    use crate::qx::sim::masterguard::{q3 as masterguard_q3, wh};

    #[test]
    fn wh_models() {
        let a = WhReply::parse(&wh("07", "A 2000-19")).unwrap();
        assert_eq!(a.slave_address, 7);
        assert_eq!(a.model, "A2000-19");
        assert_eq!(a.packs_range, (1, 5));
        let get = |n: &str| a.variables.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        assert_eq!(get("battery.voltage.nominal"), "27.60");
        assert_eq!(get("input.frequency.nominal"), "50.00");
        assert_eq!(get("ups.id"), "7");
        let e = WhReply::parse(&wh("01", "E100")).unwrap();
        assert_eq!((e.series, e.power_nominal), (Series::E, 10000));
        assert!(WhReply::parse(&wh("01", "B 1000")).is_err());
        assert!(WhReply::parse(b"(01 short\r").is_err());
    }

    #[test]
    fn q3_status() {
        let s = SimState {
            on_battery: true,
            battery_low: true,
            battery_voltage: 2.275,
            ..SimState::default()
        };
        let q3 = Q3Reply::parse(&masterguard_q3(&s), 1000, 12).unwrap();
        assert_eq!(q3.status, ["OB", "LB"]);
        assert!(q3.variables.contains(&("battery.voltage", "27.30".into())));
        let get = |n: &str| {
            q3.variables
                .iter()
                .find(|(k, _)| *k == n)
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(get("ups.power"), "140");
        assert_eq!(get("ups.test.result"), "no test in progress");
        assert!(Q3Reply::parse(b"(xx\r", 1000, 12).is_err());
    }

    #[test]
    fn series_commands() {
        assert!(Series::A.supports(b"SS---1,01\r"));
        assert!(Series::E.supports(b"PNV=230\r"));
        assert!(Series::E.supports(b"PSR\r"));
        assert!(!Series::A.supports(b"PSR\r"));
        assert!(!Series::E.supports(b"DECO\r"));
        for c in COMMANDS {
            let bytes = command(c, None, 1, 30, 180).unwrap();
            assert!(
                Series::A.supports(&bytes) && Series::E.supports(&bytes),
                "{c}"
            );
        }
    }

    #[test]
    fn commands_and_setvars() {
        assert_eq!(
            command("shutdown.return", None, 1, 30, 180).unwrap(),
            b"S.5R0003\r"
        );
        assert_eq!(
            command("shutdown.stayoff", None, 1, 120, 0).unwrap(),
            b"S02\r"
        );
        assert_eq!(
            command("test.battery.start", Some("120"), 1, 0, 0).unwrap(),
            b"T02\r"
        );
        assert_eq!(command("test.battery.start", Some("30"), 1, 0, 0), None);
        assert_eq!(
            command("beeper.enable", None, 3, 0, 0).unwrap(),
            b"SS---1,03\r"
        );
        assert_eq!(command("nope", None, 3, 0, 0), None);
        assert_eq!(
            set_command("ups.id", "5", 1, (0, 2), &[]).unwrap(),
            b"SS05--,01\r"
        );
        assert_eq!(set_command("battery.packs", "3", 1, (0, 2), &[]), None);
        assert_eq!(
            set_command("device.uptime", "90061", 1, (0, 0), &[]).unwrap(),
            b"SRC0001:01:01:01,01\r"
        );
        let volts = vec!["220".to_owned(), "230".to_owned()];
        assert_eq!(
            set_command("output.voltage.nominal", "220", 1, (0, 0), &volts).unwrap(),
            b"PNV=220\r"
        );
        assert_eq!(
            set_command("output.voltage.nominal", "110", 1, (0, 0), &volts),
            None
        );
    }
}
