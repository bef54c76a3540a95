//! The Voltronic Power dialect (`voltronic`), a subset: the `QGS` status, `QMOD` mode, `QBV`
//! battery, and the static `QPI`, `QRI`, `QMD`, `QVFW`, `QID` queries. Capability flags
//! (`QFLAG`), transfer limits, outlets, faults and warnings are not modelled.
//!
//! Columns and formats follow NUT's voltronic item table (`dialects/items.tsv` of the research
//! data); every reply starts with `(` and ends with CR, and the UPS answers `(NAK` to what it
//! does not know. A field that is not a number is left out, as NUT skips that item.

use super::megatec::{Regulation, number};

/// The characters of columns `from..=to` (`to` = `None`: up to the CR), or `None` if the
/// reply is shorter.
pub(crate) fn columns(reply: &[u8], from: usize, to: Option<usize>) -> Option<&[u8]> {
    let end = match to {
        Some(to) => to + 1,
        None => reply.len().saturating_sub(1),
    };
    reply.get(from..end)
}

pub(crate) fn checked(reply: &[u8], min: usize) -> Option<&[u8]> {
    (reply.len() >= min && reply.first() == Some(&b'(') && reply.last() == Some(&b'\r'))
        .then_some(reply)
}

/// A field as a number with a printf-like precision; `None` when not numeric.
pub(crate) fn field(
    reply: &[u8],
    from: usize,
    to: Option<usize>,
    precision: usize,
) -> Option<String> {
    let value = number("voltronic", columns(reply, from, to)?).ok()?;
    Some(format!("{value:.precision$}"))
}

/// A text field trimmed of spaces and the `#` padding.
pub(crate) fn text(reply: &[u8], from: usize, to: Option<usize>) -> Option<String> {
    let raw = String::from_utf8_lossy(columns(reply, from, to)?).into_owned();
    let trimmed = raw.trim_matches(|c: char| c == ' ' || c == '#');
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A parsed `QGS` status reply (at least 76 bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct QgsReply {
    /// Variables with NUT's formats, in table order (non-numeric fields left out).
    pub variables: Vec<(&'static str, String)>,
    /// `ups.status` words in NUT's order.
    pub status: Vec<&'static str>,
    /// `ups.type`, when the two type bits are known.
    pub ups_type: Option<&'static str>,
    /// Alarm texts.
    pub alarms: Vec<&'static str>,
    /// `ups.beeper.status`.
    pub beeper: &'static str,
    /// Battery voltage as reported (for charge estimation).
    pub battery_voltage: Option<f64>,
}

impl QgsReply {
    /// Parses a `QGS` reply; `None` when it is not one (short, wrong framing, bad bits, or
    /// bit 67 set with an output/input ratio NUT cannot classify). `protocol` is the `QPI`
    /// number (P00/P08 report AVR as an alarm instead of BYPASS).
    pub fn parse(reply: &[u8], protocol: Option<u8>) -> Option<QgsReply> {
        let reply = checked(reply, 76)?;
        let bit = |column: usize| match reply.get(column) {
            Some(b'0') => Some(false),
            Some(b'1') => Some(true),
            _ => None,
        };
        let mut variables = Vec::new();
        for (name, from, to, precision) in [
            ("input.voltage", 1, 5, 1),
            ("input.frequency", 7, 10, 1),
            ("output.voltage", 12, 16, 1),
            ("output.frequency", 18, 21, 1),
            ("output.current", 23, 27, 1),
            ("ups.load", 29, 31, 0),
            ("battery.voltage", 45, 49, 2),
            ("ups.temperature", 57, 61, 1),
        ] {
            if let Some(value) = field(reply, from, Some(to), precision) {
                variables.push((name, value));
            }
        }
        let ups_type = match (bit(63)?, bit(64)?) {
            (false, false) => Some("offline"),
            (false, true) => Some("line-interactive"),
            (true, false) => Some("online"),
            (true, true) => None,
        };
        let mut status = vec![if bit(65)? { "OB" } else { "OL" }];
        if bit(66)? {
            status.push("LB");
        }
        let mut alarms = Vec::new();
        if bit(67)? {
            let input = number("input.voltage", columns(reply, 1, Some(5))?).ok()?;
            let output = number("output.voltage", columns(reply, 12, Some(16))?).ok()?;
            match regulation(input, output)? {
                Regulation::Trim => status.push("TRIM"),
                Regulation::Bypass if matches!(protocol, Some(0 | 8)) => {
                    alarms.push("UPS is in AVR Mode.");
                }
                Regulation::Bypass => status.push("BYPASS"),
                Regulation::Boost => status.push("BOOST"),
            }
        }
        if bit(70)? {
            status.push("CAL");
        }
        if bit(71)? {
            status.push("FSD");
        }
        // Without QFLAG's alarm-control capability, a muted beeper shows as "disabled".
        let beeper = if bit(72)? { "disabled" } else { "enabled" };
        let battery_voltage = number("battery.voltage", columns(reply, 45, Some(49))?).ok();
        Some(QgsReply {
            variables,
            status,
            ups_type,
            alarms,
            beeper,
            battery_voltage,
        })
    }
}

/// Bit 67's meaning by output/input ratio (as the Megatec bit 5).
fn regulation(input: f64, output: f64) -> Option<Regulation> {
    if input <= 0.0 {
        return None;
    }
    let ratio = output / input;
    if ratio < 0.5 {
        None
    } else if ratio < 0.95 {
        Some(Regulation::Trim)
    } else if ratio < 1.05 {
        Some(Regulation::Bypass)
    } else if ratio < 1.5 {
        Some(Regulation::Boost)
    } else {
        None
    }
}

/// What a `QMOD` letter adds: status words and alarms.
pub fn mode(reply: &[u8]) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    let reply = checked(reply, 3)?;
    Some(match reply.get(1)? {
        b'P' => (vec![], vec!["UPS is going ON."]),
        b'S' => (vec!["OFF"], vec![]),
        b'Y' => (vec!["BYPASS"], vec![]),
        b'L' => (vec!["OL"], vec![]),
        b'B' => (vec!["OB"], vec![]),
        b'T' => (vec!["CAL"], vec![]),
        b'F' => (vec![], vec!["Fault reported by UPS."]),
        b'E' | b'C' => (vec![], vec![]),
        b'D' => (vec!["FSD"], vec!["UPS is shutting down!"]),
        _ => return None,
    })
}

/// `test.battery.start` bytes: `T<n>\r` with n = `.d` (seconds / 6, below a minute) or two-digit
/// minutes, for 12..=5940 s.
pub fn test_battery_start(duration: u32) -> Option<Vec<u8>> {
    if !(12..=5940).contains(&duration) {
        return None;
    }
    let n = super::commands::offdelay_field(duration).ok()?;
    Some(format!("T{n}\r").into_bytes())
}

/// The protocol number of a `QPI` reply `(PInn` if NUT's voltronic accepts it.
pub fn protocol(reply: &[u8]) -> Option<u8> {
    let reply = checked(reply, 6)?;
    let digits = reply.get(3..5)?;
    let n: u8 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    [0, 1, 2, 3, 8, 9, 10, 13, 14, 31, 99]
        .contains(&n)
        .then_some(n)
}

/// `QRI` ratings: output voltage/current/frequency and battery voltage nominals.
pub fn ratings(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let reply = checked(reply, 22)?;
    let mut vars = Vec::new();
    for (name, from, to, precision) in [
        ("output.voltage.nominal", 1, 5, 1),
        ("output.current.nominal", 7, 9, 0),
        ("battery.voltage.nominal", 11, 15, 1),
        ("output.frequency.nominal", 17, 20, 1),
    ] {
        vars.extend(field(reply, from, Some(to), precision).map(|v| (name, v)));
    }
    Some(vars)
}

/// `QMD` model data: model, power, power factor, phases, input/output nominal voltage.
pub fn model(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let reply = checked(reply, 48)?;
    let mut vars = Vec::new();
    vars.extend(text(reply, 1, Some(15)).map(|v| ("device.model", v)));
    vars.extend(text(reply, 17, Some(23)).map(|v| ("ups.power.nominal", v)));
    if let Some(Ok(pf)) = columns(reply, 25, Some(26)).map(|c| number("pf", c)) {
        vars.push(("output.powerfactor", format!("{:.1}", pf * 0.01)));
    }
    for (name, from, to, precision) in [
        ("input.phases", 28, 28, 0),
        ("output.phases", 30, 30, 0),
        ("input.voltage.nominal", 32, 34, 1),
        ("output.voltage.nominal", 36, 38, 1),
    ] {
        vars.extend(field(reply, from, Some(to), precision).map(|v| (name, v)));
    }
    Some(vars)
}

/// `QVFW` → `ups.firmware` (columns 7–14).
pub fn firmware(reply: &[u8]) -> Option<String> {
    text(checked(reply, 16)?, 7, Some(14))
}

/// `QID` → `device.serial` (an all-zero serial is refused).
pub fn serial(reply: &[u8]) -> Option<String> {
    let serial = text(checked(reply, 2)?, 1, None)?;
    (!serial.bytes().all(|b| b == b'0')).then_some(serial)
}

/// `QBV` battery data: voltage, packs, charge, runtime (minutes × 60).
pub fn battery(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let reply = checked(reply, 21)?;
    let mut vars = Vec::new();
    vars.extend(field(reply, 1, Some(5), 2).map(|v| ("battery.voltage", v)));
    vars.extend(field(reply, 10, Some(11), 0).map(|v| ("battery.packs", v)));
    vars.extend(field(reply, 13, Some(15), 0).map(|v| ("battery.charge", v)));
    if let Some(Ok(minutes)) = columns(reply, 17, None).map(|c| number("runtime", c)) {
        vars.push(("battery.runtime", format!("{:.0}", minutes * 60.0)));
    }
    Some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QGS: &[u8] =
        b"(234.9 50.0 229.8 50.0 000.0 00A 369.1 ---.- 026.5 ---.- 018.8 100000000001\r";

    #[test]
    fn test_vectors() {
        let s = QgsReply::parse(QGS, Some(1)).unwrap();
        assert_eq!(s.status, ["OL"]);
        assert_eq!(s.ups_type, Some("online"));
        assert_eq!(s.beeper, "enabled");
        assert!(s.variables.contains(&("input.voltage", "234.9".into())));
        assert!(s.variables.contains(&("battery.voltage", "26.50".into())));
        // "00A" is not a load: left out.
        assert!(!s.variables.iter().any(|(n, _)| *n == "ups.load"));
        assert_eq!(protocol(b"(PI01\r"), Some(1));
        assert_eq!(protocol(b"(PI05\r"), None);
        let r = ratings(b"(230.0 004 024.0 50.0\r").unwrap();
        assert_eq!(r[1], ("output.current.nominal", "4".into()));
        let m = model(b"(#######OLHVT1K0 ###1000 80 2/2 230 230 02 12.0\r").unwrap();
        assert_eq!(m[0], ("device.model", "OLHVT1K0".into()));
        assert_eq!(m[1], ("ups.power.nominal", "1000".into()));
        assert_eq!(m[2], ("output.powerfactor", "0.8".into()));
        assert_eq!(firmware(b"(VERFW:00322.02\r").as_deref(), Some("00322.02"));
        assert_eq!(serial(b"(685653211455\r").as_deref(), Some("685653211455"));
        assert_eq!(serial(b"(000000\r"), None);
        let b = battery(b"(026.5 02 01 068 255\r").unwrap();
        assert_eq!(
            b,
            [
                ("battery.voltage", "26.50".into()),
                ("battery.packs", "1".into()),
                ("battery.charge", "68".into()),
                ("battery.runtime", "15300".into()),
            ]
        );
        assert_eq!(mode(b"(B\r"), Some((vec!["OB"], vec![])));
        assert_eq!(mode(b"(?\r"), None);
        assert!(QgsReply::parse(&QGS[..60], None).is_none());
    }
}
