//! The `voltronic-qs` and `voltronic-qs-hex` dialects: Voltronic Power units answering `QS`.
//!
//! * `voltronic-qs`: `M` answers the protocol letter (`V` or `H`, shown as `ups.firmware.aux`
//!   `PM-V`), `QS` has the Megatec `Q1` layout with the output frequency at columns 23–26,
//!   `F` gives output nominals.
//! * `voltronic-qs-hex`: `M` answers `P` or `T`; `QS` is binary: `#`, then space-separated
//!   fields of raw bytes (escape pairs `0x28 0x00..0x04` stand for CR, XON, XOFF, LF and
//!   space), which NUT turns into text — two hex digits a byte, fields 10 and 11 as 8-digit
//!   binary strings — before reading columns of the text.
//!
//! Behaviour follows NUT's `nutdrv_qx_voltronic-qs*.c` tables and test vectors
//! (`QS` hex reply `#\x6C\x01 \x35 \x6C\x01 \x35 \x03 \x51\x9A \x28\x02\x12\xD0 \xE6 \x1E \x09`).

use super::megatec::{StatusBits, StatusReply};

/// The protocol letter of an `M` reply, if `accepted` lists it (case-insensitive).
pub fn protocol_letter(reply: &[u8], accepted: &[u8]) -> Option<u8> {
    let body = reply.strip_suffix(b"\r").unwrap_or(reply);
    match body {
        [letter] if accepted.contains(&letter.to_ascii_uppercase()) => {
            Some(letter.to_ascii_uppercase())
        }
        _ => None,
    }
}

/// `ups.firmware.aux` for a protocol letter (NUT's `PM-%s`).
pub fn firmware_aux(letter: u8) -> String {
    format!("PM-{}", char::from(letter))
}

/// `voltronic-qs` variables of a `QS` reply (the `Q1` layout): as [`StatusReply::variables`]
/// but column 23–26 is `output.frequency`.
pub fn qs_variables(status: &StatusReply) -> Vec<(&'static str, String)> {
    status
        .variables(1)
        .into_iter()
        .map(|(name, value)| match name {
            "input.frequency" => ("output.frequency", value),
            _ => (name, value),
        })
        .collect()
}

/// `voltronic-qs` `F` variables: `#MMM.M QQQ SS.SS RR.R` as output nominals (`%.0f`,
/// `%.1f`, `%.1f`, `%.0f`).
pub fn qs_ratings(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let body = reply.strip_suffix(b"\r")?;
    if body.len() < 21 || body.first() != Some(&b'#') {
        return None;
    }
    let field = |from: usize, to: usize| -> Option<f64> {
        std::str::from_utf8(body.get(from..=to)?)
            .ok()?
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
    };
    Some(vec![
        ("output.voltage.nominal", format!("{:.0}", field(1, 5)?)),
        ("output.current.nominal", format!("{:.1}", field(7, 9)?)),
        ("battery.voltage.nominal", format!("{:.1}", field(11, 15)?)),
        ("output.frequency.nominal", format!("{:.0}", field(17, 20)?)),
    ])
}

/// The text NUT makes of a binary `voltronic-qs-hex` `QS` reply (`#` and 10 or 11 fields,
/// 46 or 55 characters), or `None` when the reply is not one.
pub fn hex_text(reply: &[u8]) -> Option<String> {
    let body = reply.strip_suffix(b"\r").unwrap_or(reply);
    let body = body.strip_prefix(b"#")?;
    let fields: Vec<&[u8]> = body.split(|&b| b == b' ').collect();
    if !(10..=11).contains(&fields.len()) {
        return None;
    }
    let mut text = String::from("#");
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let mut bytes = Vec::with_capacity(field.len());
        let mut iter = field.iter().copied().peekable();
        while let Some(byte) = iter.next() {
            let escaped = match (byte, iter.peek()) {
                (0x28, Some(0x00)) => Some(0x0D),
                (0x28, Some(0x01)) => Some(0x11),
                (0x28, Some(0x02)) => Some(0x13),
                (0x28, Some(0x03)) => Some(0x0A),
                (0x28, Some(0x04)) => Some(0x20),
                _ => None,
            };
            match escaped {
                Some(real) => {
                    iter.next();
                    bytes.push(real);
                }
                None => bytes.push(byte),
            }
        }
        for byte in bytes {
            if i >= 9 {
                text.push_str(&format!("{byte:08b}"));
            } else {
                text.push_str(&format!("{byte:02X}"));
            }
        }
    }
    matches!(text.len(), 46 | 55).then_some(text)
}

/// A parsed `voltronic-qs-hex` `QS` reply.
#[derive(Debug, Clone, PartialEq)]
pub struct QsHexReply {
    /// The status, in the `Q1` shape (input voltage fault and temperature are 0; the
    /// frequency is the output frequency).
    pub status: StatusReply,
    /// Ratings of an 11-field reply: output frequency, battery voltage and output voltage
    /// nominals (published for protocol `T` only).
    pub ratings: Option<(f64, f64, f64)>,
}

fn hex_pair(text: &str) -> Option<(u64, u64)> {
    let mut parts = text.split(' ');
    let a = u64::from_str_radix(parts.next()?, 16).ok()?;
    let b = u64::from_str_radix(parts.next()?, 16).ok()?;
    parts.next().is_none().then_some((a, b))
}

impl QsHexReply {
    /// Parses a binary `QS` reply (see [`hex_text`]).
    pub fn parse(reply: &[u8]) -> Option<QsHexReply> {
        let text = hex_text(reply)?;
        let col = |from: usize, to: usize| text.get(from..=to);
        let voltage = |from, to| {
            let (a, b) = hex_pair(col(from, to)?)?;
            Some((a.checked_mul(b)? / 51) as f64 / 256.0)
        };
        let input_voltage = voltage(1, 7)?;
        let output_voltage = voltage(9, 15)?;
        let load = u64::from_str_radix(col(17, 18)?, 16).ok()? as f64;
        let (a, b) = hex_pair(col(20, 30)?.trim())?;
        let frequency = if a == 0 {
            return None;
        } else {
            (b as f64 / a as f64).min(99.9)
        };
        let (a, b) = hex_pair(col(32, 36)?)?;
        let battery_voltage = a.saturating_mul(b) as f64 / 510.0;
        let bit = |column: usize| match text.as_bytes().get(column) {
            Some(b'0') => Some(false),
            Some(b'1') => Some(true),
            _ => None,
        };
        let bits = StatusBits {
            utility_fail: bit(38)?,
            battery_low: bit(39)?,
            bypass_boost_buck: bit(40)?,
            ups_failed: bit(41)?,
            line_interactive: bit(42)?,
            test_in_progress: bit(43)?,
            shutdown_active: bit(44)?,
            beeper_on: bit(45)?,
        };
        let ratings = if text.len() == 55 {
            let frequency = match col(47, 47)? {
                "0" => 50.0,
                "1" => 60.0,
                _ => return None,
            };
            let battery = match col(48, 49)?.trim_start_matches('0') {
                "" => 12.0,
                "1" => 24.0,
                "10" => 36.0,
                _ => 48.0,
            };
            let voltage = match col(52, 54)?.trim_start_matches('0') {
                "" => 110.0,
                "1" => 120.0,
                "10" => 220.0,
                "11" => 230.0,
                "100" => 240.0,
                _ => return None,
            };
            Some((frequency, battery, voltage))
        } else {
            None
        };
        Some(QsHexReply {
            status: StatusReply {
                input_voltage,
                input_voltage_fault: 0.0,
                output_voltage,
                load,
                input_frequency: frequency,
                battery_voltage,
                temperature: 0.0,
                bits,
            },
            ratings,
        })
    }

    /// NUT variables in table order (`ups.status`/`ups.alarm` are left to the caller).
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let s = &self.status;
        vec![
            ("input.voltage", format!("{:.1}", s.input_voltage)),
            ("output.voltage", format!("{:.1}", s.output_voltage)),
            ("ups.load", format!("{:.0}", s.load)),
            ("output.frequency", format!("{:.1}", s.input_frequency)),
            ("battery.voltage", format!("{:.2}", s.battery_voltage)),
            ("ups.beeper.status", s.beeper_status().to_owned()),
        ]
    }

    /// The rating variables (protocol `T`).
    pub fn rating_variables(&self) -> Vec<(&'static str, String)> {
        self.ratings
            .map(|(hz, battery, volts)| {
                vec![
                    ("output.frequency.nominal", format!("{hz:.1}")),
                    ("battery.voltage.nominal", format!("{battery:.1}")),
                    ("output.voltage.nominal", format!("{volts:.1}")),
                ]
            })
            .unwrap_or_default()
    }
}

/// Builds a binary `QS` reply for `status` (the simulator's side of [`QsHexReply::parse`]):
/// voltages as `a b` with `b` = 1 scaled so that NUT's formula gives them back.
pub fn hex_reply(status: &StatusReply) -> Vec<u8> {
    let volts = |v: f64| -> [u8; 3] {
        // (a * 0x35 / 51) / 256 = v  →  a ≈ v * 256 * 51 / 53
        let a = (v * 256.0 * 51.0 / 53.0).round().clamp(0.0, 65535.0) as u16;
        let [hi, lo] = a.to_be_bytes();
        [hi, lo, 0x35]
    };
    let mut out = vec![b'#'];
    let push_field = |bytes: &[u8], out: &mut Vec<u8>| {
        for &b in bytes {
            match b {
                0x0D => out.extend([0x28, 0x00]),
                0x11 => out.extend([0x28, 0x01]),
                0x13 => out.extend([0x28, 0x02]),
                0x0A => out.extend([0x28, 0x03]),
                0x20 => out.extend([0x28, 0x04]),
                b => out.push(b),
            }
        }
    };
    let iv = volts(status.input_voltage);
    let ov = volts(status.output_voltage);
    push_field(&iv[..2], &mut out);
    out.push(b' ');
    push_field(&iv[2..], &mut out);
    out.push(b' ');
    push_field(&ov[..2], &mut out);
    out.push(b' ');
    push_field(&ov[2..], &mut out);
    out.push(b' ');
    push_field(&[status.load.clamp(0.0, 255.0) as u8], &mut out);
    out.push(b' ');
    // frequency = b / a with a = 0x519A (20890), b on three bytes.
    let b = (status.input_frequency * 20890.0)
        .round()
        .clamp(0.0, 16_777_215.0) as u32;
    let [_, b2, b1, b0] = b.to_be_bytes();
    push_field(&[0x51, 0x9A], &mut out);
    out.push(b' ');
    push_field(&[b2, b1, b0], &mut out);
    out.push(b' ');
    // battery = a * b / 510: b = 30 while a fits a byte, else a = 255.
    let product = (status.battery_voltage * 510.0).round().clamp(0.0, 65025.0);
    let (a, b) = if product <= 255.0 * 30.0 {
        ((product / 30.0).round() as u8, 30)
    } else {
        (255, (product / 255.0).round() as u8)
    };
    push_field(&[a], &mut out);
    out.push(b' ');
    push_field(&[b], &mut out);
    out.push(b' ');
    let bits = &status.bits;
    let byte = [
        bits.utility_fail,
        bits.battery_low,
        bits.bypass_boost_buck,
        bits.ups_failed,
        bits.line_interactive,
        bits.test_in_progress,
        bits.shutdown_active,
        bits.beeper_on,
    ]
    .iter()
    .fold(0u8, |acc, &b| (acc << 1) | u8::from(b));
    push_field(&[byte], &mut out);
    out.push(b'\r');
    out
}
