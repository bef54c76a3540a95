//! The Voltronic Axpert dialect (`voltronic-axpert`, NUT's `Voltronic-Axpert 0.02`): solar
//! inverter/chargers answering `QPIGS` (general status), `QPIRI` (ratings), `QMOD` (mode),
//! `QPIWS` (warnings), `QPICF`/`QPIHF` (faults), `QFLAG` (capabilities), `QMD`/`QDI` (model
//! data, defaults) and the firmware/serial queries. The UPS claims when `QPI` answers `(PI30`.
//!
//! Columns, formats and texts follow the dialect's rows of `dialects/items.tsv` and
//! `voltronic-codes.tsv`: the items of a normal build (the `WITH_UNMAPPED_DATA_POINTS` groups
//! are left out, except the instant commands, the `battery.energysave` setting and the
//! `QPICF`/`QPIHF` fault query). Commands carry the Voltronic CRC before the CR
//! ([`with_crc`]); a reply ending in a valid CRC has it stripped ([`strip_crc`]), and once a
//! unit has sent one, a reply without a valid CRC is refused. Field helpers are shared with
//! [`super::voltronic`].

use super::voltronic::{checked, columns, field, text};
use super::voltronic_caps::Flags;

/// `driver.version.data` for this dialect.
pub const VERSION_DATA: &str = "Voltronic-Axpert 0.02";

/// The instant commands always offered (`beeper.enable`/`.disable` are added when `QFLAG`
/// reports alarm control).
pub const COMMANDS: &[&str] = &[
    "load.off",
    "load.on",
    "grid.disconnect",
    "grid.connect",
    "standby.on",
    "standby.off",
    "test.grid",
];

/// The Voltronic CRC of `data`: CRC-16/XMODEM (polynomial 0x1021, initial 0), each byte that
/// would read as LF, CR or `(` raised by one.
pub fn crc(data: &[u8]) -> [u8; 2] {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    let [high, low] = crc.to_be_bytes();
    let adjust = |b: u8| {
        if matches!(b, 0x0a | 0x0d | 0x28) {
            b + 1
        } else {
            b
        }
    };
    [adjust(high), adjust(low)]
}

/// `command` (CR-terminated) with its CRC inserted before the CR.
pub fn with_crc(command: &[u8]) -> Vec<u8> {
    let body = command.strip_suffix(b"\r").unwrap_or(command);
    let mut out = body.to_vec();
    out.extend(crc(body));
    out.push(b'\r');
    out
}

/// `line` (CR-terminated) without its two CRC bytes when they are the CRC of what precedes
/// them; otherwise `line` unchanged (a unit that sends no CRC).
pub fn strip_crc(line: &[u8]) -> Vec<u8> {
    split_crc(line).0
}

/// As [`strip_crc`], also telling whether a valid CRC was there.
pub fn split_crc(line: &[u8]) -> (Vec<u8>, bool) {
    let body = line.strip_suffix(b"\r").unwrap_or(line);
    if let Some(split) = body.len().checked_sub(2).filter(|&n| n > 0) {
        let (data, sum) = body.split_at(split);
        if crc(data) == sum {
            let mut out = data.to_vec();
            out.push(b'\r');
            return (out, true);
        }
    }
    (line.to_vec(), false)
}

/// `QPI` → `device.firmware.aux`: only `(PI30` is this dialect's, published `P30`.
pub fn protocol(reply: &[u8]) -> Option<String> {
    let reply = checked(reply, 6)?;
    (columns(reply, 1, Some(4))? == b"PI30").then(|| "P30".to_owned())
}

/// A firmware reply (`QVFW` columns 7–14, `QVFWn` 8–15) as NUT shows it: `0X` and the field.
pub fn firmware(reply: &[u8], from: usize) -> Option<String> {
    let reply = checked(reply, from + 9)?;
    text(reply, from, Some(from + 7)).map(|v| format!("0X{v}"))
}

/// `QFLAG` capabilities: alarm control (`a`) gives `ups.beeper.status`, energy saving (`j`)
/// `battery.energysave` (`yes`/`no`).
pub fn capabilities(flags: &Flags) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(on) = flags.get(b'a') {
        out.push((
            "ups.beeper.status",
            if on { "enabled" } else { "disabled" }.to_owned(),
        ));
    }
    if let Some(on) = flags.get(b'j') {
        out.push((
            "battery.energysave",
            if on { "yes" } else { "no" }.to_owned(),
        ));
    }
    out
}

/// Numeric fields `(name, from, to, precision)` of one reply.
fn numbers(
    reply: &[u8],
    fields: &[(&'static str, usize, usize, usize)],
) -> Vec<(&'static str, String)> {
    fields
        .iter()
        .filter_map(|&(name, from, to, precision)| {
            field(reply, from, Some(to), precision).map(|v| (name, v))
        })
        .collect()
}

/// A one-character code of `reply` at `at` looked up in `table`.
fn code(
    reply: &[u8],
    from: usize,
    to: usize,
    table: &[(&str, &'static str)],
) -> Option<&'static str> {
    let raw = columns(reply, from, Some(to))?;
    table
        .iter()
        .find(|(key, _)| key.as_bytes() == raw)
        .map(|&(_, value)| value)
}

/// Battery types of `QPIRI`/`QDI`.
const BATTERY_TYPES: &[(&str, &str)] = &[("0", "AGM"), ("1", "Flooded"), ("2", "User")];

/// `QPIRI` ratings (at least 99 bytes): nominals, battery voltages and currents, battery and
/// machine type, transformer.
pub fn ratings(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let reply = checked(reply, 99)?;
    let mut vars = numbers(
        reply,
        &[
            ("input.voltage.nominal", 1, 5, 1),
            ("input.current.nominal", 7, 10, 1),
            ("output.voltage.nominal", 12, 16, 1),
            ("output.frequency.nominal", 18, 21, 1),
            ("output.current.nominal", 23, 26, 1),
            ("output.power.nominal", 28, 31, 1),
            ("output.realpower.nominal", 33, 36, 1),
            ("battery.voltage.nominal", 38, 41, 1),
            ("battery.voltage.recharge", 43, 46, 1),
            ("battery.voltage.under", 48, 51, 1),
            ("battery.voltage.bulk", 53, 56, 1),
            ("battery.voltage.float", 58, 61, 1),
        ],
    );
    vars.extend(code(reply, 63, 63, BATTERY_TYPES).map(|v| ("battery.type", v.to_owned())));
    vars.extend(numbers(
        reply,
        &[
            ("battery.charging.current.ac.high", 65, 66, 1),
            ("battery.charging.current.high", 68, 70, 1),
        ],
    ));
    let model_types = [
        ("00", "Grid-tie"),
        ("01", "Off-grid"),
        ("10", "Hybrid"),
        ("11", "Off Grid with 2 Trackers"),
        ("20", "Off Grid with 3 Trackers"),
    ];
    vars.extend(code(reply, 80, 81, &model_types).map(|v| ("device.model.type", v.to_owned())));
    let transformer = [("0", "Transformerless"), ("1", "With transformer")];
    vars.extend(code(reply, 83, 83, &transformer).map(|v| ("device.description", v.to_owned())));
    Some(vars)
}

/// `QMD` model data (at least 48 bytes): model, nominal power factor, phases, battery number.
pub fn model(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let reply = checked(reply, 48)?;
    let mut vars: Vec<_> = text(reply, 1, Some(15))
        .map(|v| ("device.model", v))
        .into_iter()
        .collect();
    vars.extend(numbers(
        reply,
        &[
            ("output.powerfactor.nominal", 25, 26, 0),
            ("input.phases", 28, 28, 0),
            ("output.phases", 30, 30, 0),
            ("battery.number", 40, 41, 0),
        ],
    ));
    Some(vars)
}

/// `QDI` default settings (at least 80 bytes).
pub fn defaults(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let reply = checked(reply, 80)?;
    let mut vars = numbers(
        reply,
        &[
            ("output.voltage.default", 1, 5, 1),
            ("output.frequency.default", 7, 10, 1),
            (
                "experimental.battery.charging.current.ac.high.default",
                12,
                15,
                1,
            ),
            ("experimental.battery.voltage.under.default", 17, 20, 1),
            ("experimental.battery.voltage.float.default", 22, 25, 1),
            ("experimental.battery.voltage.bulk.default", 27, 30, 1),
            ("experimental.battery.voltage.recharge.default", 32, 35, 1),
            (
                "experimental.battery.charging.current.high.default",
                37,
                38,
                1,
            ),
        ],
    );
    vars.extend(
        code(reply, 46, 46, BATTERY_TYPES)
            .map(|v| ("experimental.battery.type.default", v.to_owned())),
    );
    Some(vars)
}

/// A parsed `QPIGS` general status (at least 108 bytes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneralStatus {
    /// Values read at every poll.
    pub values: Vec<(&'static str, String)>,
    /// Output values NUT's table reads once, at start (its `QX_FLAG_STATIC` rows).
    pub output: Vec<(&'static str, String)>,
    /// Status words: `OFF` when the load is off (column 86), `CHRG` while charging (88).
    pub status: Vec<&'static str>,
}

/// Parses `QPIGS`; `None` when too short or not a `(` reply.
pub fn general_status(reply: &[u8]) -> Option<GeneralStatus> {
    let reply = checked(reply, 108)?;
    let values = numbers(
        reply,
        &[
            ("input.voltage", 1, 5, 1),
            ("input.frequency", 7, 10, 1),
            ("ups.load", 33, 35, 0),
            ("battery.voltage", 41, 45, 1),
            ("battery.charge", 51, 53, 1),
            ("ups.temperature", 55, 58, 1),
            ("experimental.input.pv1.current", 60, 63, 0),
            ("experimental.input.pv1.voltage", 65, 69, 0),
            ("experimental.battery.voltage.scc1", 71, 75, 1),
            ("battery.current", 77, 81, 1),
        ],
    );
    let output = numbers(
        reply,
        &[
            ("output.voltage", 12, 16, 1),
            ("output.frequency", 18, 21, 1),
            ("output.power", 23, 26, 1),
            ("output.realpower", 28, 31, 1),
        ],
    );
    let mut status = Vec::new();
    if reply.get(86) == Some(&b'0') {
        status.push("OFF");
    }
    if reply.get(88) == Some(&b'1') {
        status.push("CHRG");
    }
    Some(GeneralStatus {
        values,
        output,
        status,
    })
}

/// The `QPIWS` warning texts by bit (1-based), with the status word some add.
const WARNINGS: &[(usize, &str, Option<&str>)] = &[
    (1, "Device has fault.", None),
    (
        2,
        "CPU is performing the auto-correction of AD signals.",
        None,
    ),
    (3, "An external Flash device failed.", None),
    (4, "Input PV is found lost.", None),
    (5, "PV input voltage reads low.", None),
    (6, "Power island.", None),
    (7, "An Error occurred in the CPU initialization.", None),
    (8, "Power grid voltage exceeds the upper threshold.", None),
    (
        9,
        "Power grid voltage falls below the lower threshold.",
        None,
    ),
    (
        10,
        "Power grid frequency exceeds the upper threshold.",
        None,
    ),
    (
        11,
        "Power grid frequency falls below the lower threshold.",
        None,
    ),
    (
        12,
        "Power grid-connected average voltage exceeds the maximum threshold.",
        None,
    ),
    (13, "Require power from the power grid.", None),
    (14, "Emergent grid disconnection.", None),
    (15, "Battery voltage is too low.", None),
    (16, "Low battery.", Some("LB")),
    (17, "Battery disconnected.", None),
    (18, "End of battery discharge.", None),
    (19, "Overload.", Some("OVER")),
    (20, "EPO active.", None),
    (23, "Over temperature alarm.", None),
    (24, "No electrical ground.", None),
    (25, "Fan fault.", None),
];

/// Parsed `QPIWS` warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    /// `ups.alarm` text (`Device warnings: …`), when a known bit is set.
    pub alarm: Option<String>,
    /// Status words the warnings add (`LB`, `OVER`).
    pub status: Vec<&'static str>,
}

/// Parses `QPIWS` (at least 27 bytes): a string of bits, `1` set, `0` clear, `-` unknown.
/// `None` for any other character.
pub fn warnings(reply: &[u8]) -> Option<Warnings> {
    let reply = checked(reply, 27)?;
    let bits = columns(reply, 1, None)?;
    if !bits.iter().all(|b| matches!(b, b'0' | b'1' | b'-')) {
        return None;
    }
    let mut texts = Vec::new();
    let mut status = Vec::new();
    for &(bit, text, word) in WARNINGS {
        if bits.get(bit - 1) == Some(&b'1') {
            texts.push(text);
            status.extend(word);
        }
    }
    Some(Warnings {
        alarm: (!texts.is_empty()).then(|| format!("Device warnings: {}", texts.join(" "))),
        status,
    })
}

/// `QPIFS`/`QPIHF` fault codes and their texts.
const FAULTS: &[(u8, &str)] = &[
    (1, "DC bus voltage exceeds the upper threshold."),
    (2, "DC bus voltage falls below the lower threshold."),
    (3, "DC bus voltage soft-start is time-out."),
    (4, "Inverter soft-start is time-out."),
    (5, "An Inverter overcurrent event is detected."),
    (6, "Over temperature fault."),
    (7, "An relay failure event is detected."),
    (
        8,
        "DC component in the output current exceeds the upper threshold.",
    ),
    (9, "PV input voltage exceeds the upper threshold."),
    (10, "Auxiliary power failed."),
    (11, "An PV input overcurrent event is detected."),
    (12, "Leakage current exceeds the allowable range."),
    (13, "PV insulation resistance is too low."),
    (14, "Inverter DC component exceeds the allowable range."),
    (
        15,
        "A difference occurred in the readings from the main and secondary controllers.",
    ),
    (16, "Leakage current CT failed."),
    (
        17,
        "Communication with the main and secondary controllers is interrupted.",
    ),
    (
        18,
        "A communicating error occurred in the handshake between MCU and DSP.",
    ),
    (19, "No electrical ground."),
    (20, "Discharge circuit fault."),
    (21, "Soft start in battery discharge fails."),
    (22, "Charging voltage is too high."),
    (23, "Overload fault."),
    (24, "Battery disconnected."),
    (25, "Inverter current is too high for a long time."),
    (26, "Short circuited on inverter output."),
    (27, "Fan fault."),
    (28, "OP Current Sensor fault."),
    (29, "Charger failure."),
    (
        30,
        "Version mismatch between controller board and power board.",
    ),
    (31, "Reverse connection of input and output wires."),
];

/// A parsed `QPICF` current-fault status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultStatus {
    /// A new fault is reported (status other than `00`).
    pub new_fault: bool,
    /// The latest fault id (for `QPIHF<id>`), when a fault is reported.
    pub id: Option<u8>,
}

/// Parses `QPICF` (at least 7 bytes): status in columns 1–2, fault id in 4–5.
pub fn fault_status(reply: &[u8]) -> Option<FaultStatus> {
    let reply = checked(reply, 7)?;
    let status = columns(reply, 1, Some(2))?;
    if !status.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let new_fault = status != b"00";
    let id = columns(reply, 4, Some(5))
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.parse().ok())
        .filter(|_| new_fault);
    Some(FaultStatus { new_fault, id })
}

/// `QPIHF<id>` (two-digit id) bytes without CRC.
pub fn fault_query(id: u8) -> Vec<u8> {
    format!("QPIHF{id:02}\r").into_bytes()
}

/// A parsed `QPIHF` fault record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRecord {
    /// `ups.alarm` text of the fault code (`No fault found` for `00`).
    pub alarm: &'static str,
    /// Status words the fault adds (`OVER` for an overload).
    pub status: Vec<&'static str>,
    /// When it happened: `experimental.device.date.fault` (`YYYY/MM/DD`) and
    /// `experimental.device.time.fault` (`hh:mm:ss`).
    pub values: Vec<(&'static str, String)>,
}

/// Parses a `QPIHF` fault record (at least 91 bytes); `None` for an unknown code.
pub fn fault_record(reply: &[u8]) -> Option<FaultRecord> {
    let reply = checked(reply, 91)?;
    let code = columns(reply, 1, Some(2))?;
    let (alarm, status) = if code == b"00" {
        ("No fault found", Vec::new())
    } else {
        let code: u8 = std::str::from_utf8(code).ok()?.parse().ok()?;
        let &(_, text) = FAULTS.iter().find(|&&(c, _)| c == code)?;
        (text, if code == 23 { vec!["OVER"] } else { Vec::new() })
    };
    let digits = |from: usize, to: usize| {
        columns(reply, from, Some(to))
            .filter(|c| c.iter().all(u8::is_ascii_digit))
            .map(|c| String::from_utf8_lossy(c).into_owned())
    };
    let mut values = Vec::new();
    if let (Some(y), Some(m), Some(d)) = (digits(4, 7), digits(8, 9), digits(10, 11)) {
        values.push(("experimental.device.date.fault", format!("{y}/{m}/{d}")));
    }
    if let (Some(h), Some(m), Some(s)) = (digits(12, 13), digits(14, 15), digits(16, 17)) {
        values.push(("experimental.device.time.fault", format!("{h}:{m}:{s}")));
    }
    Some(FaultRecord {
        alarm,
        status,
        values,
    })
}

/// What a `QMOD` letter adds: status words and alarms; `None` for an unknown letter.
pub fn mode(reply: &[u8]) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    let reply = checked(reply, 3)?;
    Some(match reply.get(1)? {
        b'P' => (vec![], vec!["Device is going ON."]),
        b'S' => (vec!["OFF"], vec![]),
        b'L' => (vec!["OL"], vec![]),
        b'B' => (vec!["OB"], vec![]),
        b'F' => (vec![], vec!["Fault reported by device."]),
        b'H' => (vec!["ECO"], vec![]),
        _ => return None,
    })
}

/// The bytes (without CRC) of an instant command.
pub fn command(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "load.off" => b"SOFF\r",
        "load.on" => b"SON\r",
        "grid.disconnect" => b"FGD\r",
        "grid.connect" => b"FGE\r",
        "standby.on" => b"GTS1\r",
        "standby.off" => b"GTS0\r",
        "test.grid" => b"ST\r",
        "beeper.enable" => b"PEA\r",
        "beeper.disable" => b"PDA\r",
        _ => return None,
    })
}

/// The bytes (without CRC) setting a writable variable: `battery.energysave` `yes`/`no` →
/// `PEJ`/`PDJ`.
pub fn set_command(name: &str, value: &str) -> Option<Vec<u8>> {
    let verb = match (name, value.trim()) {
        ("battery.energysave", "yes") => "PE",
        ("battery.energysave", "no") => "PD",
        _ => return None,
    };
    Some(format!("{verb}J\r").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_xmodem_with_reserved_bytes_raised() {
        // CRC-16/XMODEM of "123456789" is 0x31C3.
        assert_eq!(crc(b"123456789"), [0x31, 0xc3]);
        assert_eq!(crc(b"QPIGS"), [0xb7, 0xa9]);
        let framed = with_crc(b"QPIGS\r");
        assert_eq!(framed, b"QPIGS\xb7\xa9\r");
        assert_eq!(strip_crc(&framed), b"QPIGS\r");
        // No CRC: unchanged.
        assert_eq!(strip_crc(b"(ACK\r"), b"(ACK\r");
        for data in [&b"(ACK"[..], b"QMOD", b"(NAK", b"QPIWS", b"x"] {
            let sum = crc(data);
            assert!(sum.iter().all(|b| ![0x0a, 0x0d, 0x28].contains(b)));
        }
    }

    #[test]
    fn detected_after_voltronic_before_voltronic_qs() {
        use crate::qx::dialect::{Dialect, detect};
        let axpert = |cmd: &[u8]| {
            let cmd = strip_crc(cmd);
            Some(match cmd.as_slice() {
                b"QPI\r" => b"(PI30\r".to_vec(),
                // It would also pass the voltronic-qs claim.
                b"M\r" => b"V\r".to_vec(),
                b"QS\r" => b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r".to_vec(),
                _ => b"(NAK\r".to_vec(),
            })
        };
        assert_eq!(detect(axpert), Some(Dialect::VoltronicAxpert));
        // A unit that answers only CRC-framed commands is found too: the claim sends QPI
        // with its CRC.
        let crc_only = |cmd: &[u8]| {
            let (cmd, had_crc) = split_crc(cmd);
            Some(if had_crc && cmd == b"QPI\r" {
                b"(PI30\r".to_vec()
            } else {
                b"(NAK\r".to_vec()
            })
        };
        assert_eq!(detect(crc_only), Some(Dialect::VoltronicAxpert));
        let other = |cmd: &[u8]| {
            Some(match cmd {
                b"QPI\r" => b"(PI31\r".to_vec(),
                _ => b"(NAK\r".to_vec(),
            })
        };
        assert_ne!(detect(other), Some(Dialect::VoltronicAxpert));
        let position = |dialect| Dialect::ALL.iter().position(|&d| d == dialect);
        assert_eq!(
            position(Dialect::VoltronicAxpert),
            position(Dialect::Voltronic).map(|p| p + 1)
        );
        assert_eq!(
            position(Dialect::VoltronicQs),
            position(Dialect::VoltronicAxpert).map(|p| p + 1)
        );
    }

    #[test]
    fn status_warnings_and_mode() {
        let s = general_status(b"(233.5 50.1 233.5 50.1 0467 0396 009 440 54.00 000 100 0033 0000 000.0 00.00 00000 00000001 00 00 00000 110\r").unwrap();
        assert_eq!(s.status, ["OFF"]);
        assert!(general_status(b"(233.5 50.1\r").is_none());
        let w = warnings(b"(00000000000000010010000000000000\r").unwrap();
        assert_eq!(
            w.alarm.as_deref(),
            Some("Device warnings: Low battery. Overload.")
        );
        assert_eq!(w.status, ["LB", "OVER"]);
        assert!(warnings(b"(0000000000000000000000000000000x\r").is_none());
        assert_eq!(mode(b"(B\r"), Some((vec!["OB"], vec![])));
        assert_eq!(mode(b"(G\r"), None);
        assert_eq!(
            set_command("battery.energysave", "no"),
            Some(b"PDJ\r".to_vec())
        );
        assert_eq!(set_command("battery.energysave", "maybe"), None);
    }
}
