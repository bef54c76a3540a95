//! The `omron` dialect (OMRON BN…T units, USB vendor 0590): the Megatec `Q1` status plus
//! one query per value (`Bl ?`, `RTS`, `TPb`, `Lf ?`, `PSNR`, `FWV`, `BRR`, `UN`), commands
//! acknowledged with `OK`, without I/O.
//!
//! Formats are the Omron table (`omron` 0.01, `dialects/items.tsv`, after NUT 2.8.0); the test
//! vectors are its `omron_testing` table.
//!
//! ```
//! use nut_drivers::qx::omron;
//!
//! assert_eq!(omron::charge(b"100\r").as_deref(), Some("100.0"));
//! assert_eq!(omron::runtime(b"0699\r").as_deref(), Some("41940"));
//! assert_eq!(
//!     omron::firmware(b"M:0.17(S:2.00)\r"),
//!     Some(("0.17".to_owned(), "2.00".to_owned()))
//! );
//! ```

/// A reply parser: the value to publish, `None` for a reply that does not fit.
pub type Parser = fn(&[u8]) -> Option<String>;

use super::commands::offdelay_field;

/// The per-value queries read at every poll: (variable, command, parser).
pub const DYNAMIC: &[(&str, &[u8], Parser)] = &[
    ("battery.charge", b"Bl ?\r", charge),
    ("battery.runtime", b"RTS\r", runtime),
    ("battery.temperature", b"TPb\r", temperature),
    ("output.frequency", b"Lf ?\r", frequency),
];

/// The instant commands of the Omron table.
pub const COMMANDS: &[&str] = &["shutdown.return", "shutdown.stayoff", "shutdown.stop"];

/// The reply body (CR cut), if at least `min` bytes long with the CR and not a `NAK`.
fn body(reply: &[u8], min: usize) -> Option<&str> {
    if reply.len() < min || reply.starts_with(b"NAK") {
        return None;
    }
    let body = reply.strip_suffix(b"\r").unwrap_or(reply);
    std::str::from_utf8(body).ok()
}

fn unsigned_decimal(text: &str) -> Option<f64> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
        && text.bytes().any(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

/// `Bl ?` → `battery.charge` (`%.1f`, 0–100).
pub fn charge(reply: &[u8]) -> Option<String> {
    let value = unsigned_decimal(body(reply, 4)?)?;
    (value <= 100.0).then(|| format!("{value:.1}"))
}

/// `RTS` → `battery.runtime` (minutes → seconds).
pub fn runtime(reply: &[u8]) -> Option<String> {
    let text = body(reply, 4)?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minutes: u64 = text.parse().ok()?;
    Some(minutes.checked_mul(60)?.to_string())
}

/// `TPb` → `battery.temperature` (signed, `%.1f`).
pub fn temperature(reply: &[u8]) -> Option<String> {
    let text = body(reply, 5)?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let value = unsigned_decimal(digits)?;
    let value = if text.starts_with('-') { -value } else { value };
    Some(format!("{value:.1}"))
}

/// `Lf ?` → `output.frequency` (`%.1f`).
pub fn frequency(reply: &[u8]) -> Option<String> {
    Some(format!("{:.1}", unsigned_decimal(body(reply, 4)?)?))
}

/// `PSNR` → `ups.serial` (`#` and space padding trimmed).
pub fn serial(reply: &[u8]) -> Option<String> {
    let text = body(reply, 17)?.trim_matches(|c| c == '#' || c == ' ');
    (!text.is_empty()).then(|| text.to_owned())
}

/// `FWV` `M:<main>(S:<aux>)` → (`ups.firmware`, `ups.firmware.aux`), both `%.2f`.
pub fn firmware(reply: &[u8]) -> Option<(String, String)> {
    let text = body(reply, 15)?.trim_end();
    let rest = text.strip_prefix("M:")?;
    let (main, aux) = rest.split_once("(S:")?;
    let aux = aux.strip_suffix(')')?;
    let main = unsigned_decimal(main)?;
    let aux = unsigned_decimal(aux)?;
    Some((format!("{main:.2}"), format!("{aux:.2}")))
}

/// `BRR` `YYYYMMDD` → `battery.date` `YYYY-MM-DD` (a real calendar date).
pub fn battery_date(reply: &[u8]) -> Option<String> {
    let text = body(reply, 9)?;
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u32 = text.get(..4)?.parse().ok()?;
    let month: u32 = text.get(4..6)?.parse().ok()?;
    let day: u32 = text.get(6..8)?.parse().ok()?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days)
        .contains(&day)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// `UN` `ddddW/ddddVA/dddV/dddW/dddW` → `ups.realpower.nominal`, `ups.power.nominal`,
/// `battery.voltage.nominal`.
pub fn nominals(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let text = body(reply, 27)?;
    let shape = b"ddddW/ddddVA/dddV/dddW/dddW";
    let bytes = text.as_bytes();
    let ok = bytes.len() >= shape.len()
        && shape.iter().zip(bytes).all(|(&s, &b)| match s {
            b'd' => b.is_ascii_digit(),
            _ => s == b,
        });
    if !ok {
        return None;
    }
    let n = |from: usize, to: usize| -> Option<String> {
        text.get(from..=to)?
            .parse::<u32>()
            .ok()
            .map(|v| v.to_string())
    };
    Some(vec![
        ("ups.realpower.nominal", n(0, 3)?),
        ("ups.power.nominal", n(6, 9)?),
        ("battery.voltage.nominal", n(13, 15)?),
    ])
}

/// Whether a command reply acknowledges it (starts with `OK`).
pub fn acknowledged(reply: &[u8]) -> bool {
    reply.starts_with(b"OK")
}

/// The command lines of an Omron instant command, sent in order, each to be acknowledged;
/// `None` for an unknown command or a delay out of range. The shutdowns first set the
/// automatic restart (`An`, on) or clear it (`Af`, off).
pub fn command(name: &str, offdelay: u32) -> Option<Vec<Vec<u8>>> {
    Some(match name {
        "shutdown.return" => vec![
            b"An\r".to_vec(),
            format!("S{}\r", offdelay_field(offdelay).ok()?).into_bytes(),
        ],
        "shutdown.stayoff" => vec![
            b"Af\r".to_vec(),
            format!("Sf{}\r", offdelay_field(offdelay).ok()?).into_bytes(),
        ],
        "shutdown.stop" => vec![b"C\r".to_vec()],
        _ => return None,
    })
}

/// `ups.start.auto` after a shutdown command: `yes` for `shutdown.return`, `no` for
/// `shutdown.stayoff`.
pub fn start_auto(name: &str) -> Option<&'static str> {
    match name {
        "shutdown.return" => Some("yes"),
        "shutdown.stayoff" => Some("no"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testing_table_values() {
        assert_eq!(charge(b"100\r").as_deref(), Some("100.0"));
        assert_eq!(charge(b"101\r"), None);
        assert_eq!(charge(b"NAK\r"), None);
        assert_eq!(runtime(b"0699\r").as_deref(), Some("41940"));
        assert_eq!(runtime(b"-1\r\r"), None);
        assert_eq!(temperature(b"+22.5\r").as_deref(), Some("22.5"));
        assert_eq!(temperature(b"-03.0\r").as_deref(), Some("-3.0"));
        assert_eq!(temperature(b"+2x.5\r"), None);
        assert_eq!(frequency(b"49.9\r").as_deref(), Some("49.9"));
        assert_eq!(
            serial(b"A0Z25110005109G \r").as_deref(),
            Some("A0Z25110005109G")
        );
        assert_eq!(serial(b"NAK\r"), None);
        assert_eq!(battery_date(b"20260730\r").as_deref(), Some("2026-07-30"));
        assert_eq!(battery_date(b"20250229\r"), None);
        assert_eq!(battery_date(b"20240229\r").as_deref(), Some("2024-02-29"));
        assert_eq!(
            nominals(b"1125W/1125VA/048V/160W/020W\r").unwrap(),
            [
                ("ups.realpower.nominal", "1125".to_owned()),
                ("ups.power.nominal", "1125".to_owned()),
                ("battery.voltage.nominal", "48".to_owned()),
            ]
        );
        assert_eq!(nominals(b"1125W/1125VA/048V/160W/02xW\r"), None);
        assert_eq!(firmware(b"M:0.17(S:2.0\r"), None);
    }

    #[test]
    fn commands() {
        assert_eq!(
            command("shutdown.return", 30).unwrap(),
            [b"An\r".to_vec(), b"S.5\r".to_vec()]
        );
        assert_eq!(
            command("shutdown.stayoff", 120).unwrap(),
            [b"Af\r".to_vec(), b"Sf02\r".to_vec()]
        );
        assert_eq!(command("shutdown.stayoff", 6000), None);
        assert_eq!(command("load.off", 30), None);
        assert!(acknowledged(b"OKn\r"));
        assert!(!acknowledged(b"NAK\r"));
    }
}
