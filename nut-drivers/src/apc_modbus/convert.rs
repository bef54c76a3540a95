//! Raw register words ↔ NUT text: integers, fixed-point scaling, strings, dates.

use super::table::{Converter, Register, ValueType};

/// Unsigned big-endian value over the words (at most 4 words used).
pub fn to_u64(words: &[u16]) -> u64 {
    words
        .iter()
        .fold(0u64, |acc, w| (acc << 16) | u64::from(*w))
}

/// Signed (two's complement) value over the words.
pub fn to_i64(words: &[u16]) -> i64 {
    let bits = 16 * words.len().clamp(1, 4) as u32;
    let raw = to_u64(words);
    if bits >= 64 {
        raw as i64
    } else {
        let shift = 64 - bits;
        ((raw << shift) as i64) >> shift
    }
}

/// ASCII text as NUT's `_apc_modbus_to_string`: leading all-zero registers skipped (and a
/// NUL high byte in the first one), two characters per register (high byte first), trailing
/// NULs and spaces cut, other bytes outside 0x20..=0x7e shown as spaces.
pub fn to_text(words: &[u16]) -> String {
    let mut bytes: Vec<u8> = Vec::with_capacity(words.len() * 2);
    let rest = match words.iter().position(|w| *w != 0) {
        Some(first) => &words[first..],
        None => &[],
    };
    for (i, w) in rest.iter().enumerate() {
        let [hi, lo] = w.to_be_bytes();
        if i > 0 || hi != 0 {
            bytes.push(hi);
        }
        bytes.push(lo);
    }
    while bytes.last().is_some_and(|b| *b == 0 || *b == b' ') {
        bytes.pop();
    }
    bytes
        .into_iter()
        .map(|b| {
            if (0x20..=0x7e).contains(&b) {
                char::from(b)
            } else {
                ' '
            }
        })
        .collect()
}

/// Text as registers, NUL-padded to `count` registers as NUT's `_apc_modbus_from_string`;
/// `None` if it is too long or not printable ASCII.
pub fn from_text(text: &str, count: u16) -> Option<Vec<u16>> {
    let bytes = text.as_bytes();
    if bytes.len() > usize::from(count) * 2 || !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        return None;
    }
    let mut padded = bytes.to_vec();
    padded.resize(usize::from(count) * 2, 0);
    Some(
        padded
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect(),
    )
}

/// Days since 2000-01-01 → `YYYY-MM-DD`.
pub fn date_from_days(days: u64) -> String {
    // Civil-from-days (H. Hinnant), shifted to the 2000-01-01 epoch (day 10957 since 1970).
    let z = days as i64 + 10957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` → days since 2000-01-01; `None` if malformed or before 2000.
pub fn days_from_date(text: &str) -> Option<u64> {
    let mut parts = text.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468 - 10957;
    let days = u64::try_from(days).ok()?;
    (date_from_days(days) == text).then_some(days)
}

/// Result bits of the battery-test / calibration status fields (NUT's first match wins).
const RESULT_BITS: [(u32, &str); 6] = [
    (0, "Pending"),
    (1, "InProgress"),
    (2, "Passed"),
    (3, "Failed"),
    (4, "Refused"),
    (5, "Aborted"),
];

/// Source bits of the same fields.
const SOURCE_BITS: [(u32, &str); 3] = [
    (6, "Source: Protocol"),
    (7, "Source: LocalUI"),
    (8, "Source: Internal"),
];

/// Modifier bits of the battery-test status field.
const TEST_MODIFIERS: &[(u32, &str)] = &[
    (9, "Modifier: InvalidState"),
    (10, "Modifier: InternalFault"),
    (11, "Modifier: StateOfChargeNotAcceptable"),
];

/// Modifier bits of the runtime-calibration status field (apc_modbus.h).
const CALIBRATION_MODIFIERS: &[(u32, &str)] = &[
    (9, "Modifier: InvalidState"),
    (10, "Modifier: InternalFault"),
    (11, "Modifier: StateOfChargeNotAcceptable"),
    (12, "Modifier: LoadChange"),
    (13, "Modifier: ACInputNotAcceptable"),
    (14, "Modifier: LoadTooLow"),
    (15, "Modifier: OverChargeInProgress"),
];

/// Efficiency reason codes (negative values of register 154).
fn efficiency_reason(code: i64) -> Option<&'static str> {
    Some(match code {
        -1 => "NotAvailable",
        -2 => "LoadTooLow",
        -3 => "OutputOff",
        -4 => "OnBattery",
        -5 => "InBypass",
        -6 => "BatteryCharging",
        -7 => "PoorACInput",
        -8 => "BatteryDisconnected",
        _ => return None,
    })
}

/// Context a conversion may need: the nominal powers and the transfer-cause names.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// `ups.power.nominal` (VA).
    pub power_nominal: Option<f64>,
    /// `ups.realpower.nominal` (W).
    pub realpower_nominal: Option<f64>,
    /// `input.transfer.reason` names.
    pub transfer_causes: &'a [(u16, String)],
}

/// The NUT text for `reg` given its raw words, or `None` when the unit reports "not available"
/// (or the value cannot be computed, e.g. power without a nominal).
pub fn convert(reg: &Register, words: &[u16], ctx: &Context<'_>) -> Option<String> {
    if reg.value_type == ValueType::String {
        let text = to_text(words);
        return (!text.is_empty()).then_some(text);
    }
    let raw = match reg.value_type {
        ValueType::Int => to_i64(words),
        _ => i64::try_from(to_u64(words)).ok()?,
    };
    let scaled = raw as f64 / f64::from(1u32 << reg.scale_bits.min(31));
    let fixed = |v: f64| format!("{v:.*}", reg.decimals);
    match reg.converter {
        Converter::Plain | Converter::Timer => Some(raw.to_string()),
        Converter::Scaled => Some(fixed(scaled)),
        Converter::Voltage if to_u64(words) == 0xFFFF => Some("NA".to_owned()),
        Converter::Voltage => Some(fixed(scaled)),
        Converter::Efficiency => match efficiency_reason(raw) {
            Some(reason) => Some(reason.to_owned()),
            None if raw < 0 => None,
            None => Some(fixed(scaled)),
        },
        Converter::Power => {
            let nominal = if reg.name == "ups.realpower" {
                ctx.realpower_nominal
            } else {
                ctx.power_nominal
            }?;
            Some(fixed(scaled * nominal / 100.0))
        }
        Converter::Date => Some(date_from_days(u64::try_from(raw).ok()?)),
        Converter::TransferCause => {
            let name = u16::try_from(raw)
                .ok()
                .and_then(|code| ctx.transfer_causes.iter().find(|(c, _)| *c == code));
            Some(name.map_or("Unknown", |(_, name)| name.as_str()).to_owned())
        }
        Converter::TestResult | Converter::CalibrationResult => {
            let first = |names: &[(u32, &'static str)]| {
                names
                    .iter()
                    .find(|(bit, _)| raw & (1 << bit) != 0)
                    .map(|(_, name)| *name)
            };
            let modifiers = if reg.converter == Converter::TestResult {
                TEST_MODIFIERS
            } else {
                CALIBRATION_MODIFIERS
            };
            let parts: Vec<&str> = [first(&RESULT_BITS), first(&SOURCE_BITS), first(modifiers)]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
    }
}

/// Registers for a `SET` of `reg` to `value`; `None` if the value does not fit.
pub fn encode(reg: &Register, value: &str) -> Option<Vec<u16>> {
    if reg.value_type == ValueType::String {
        return from_text(value, reg.count);
    }
    let number: i64 = match reg.converter {
        Converter::Date => i64::try_from(days_from_date(value)?).ok()?,
        Converter::Plain => value.trim().parse().ok()?,
        _ => return None,
    };
    let bits = 16 * u32::from(reg.count.clamp(1, 2));
    let fits = match reg.value_type {
        ValueType::Int => {
            let half = 1i64 << (bits - 1);
            (-half..half).contains(&number)
        }
        _ => (0..1i64 << bits).contains(&number),
    };
    if !fits {
        return None;
    }
    let raw = number as u64;
    Some(
        (0..reg.count)
            .rev()
            .map(|i| raw.checked_shr(16 * u32::from(i)).unwrap_or(0) as u16)
            .collect(),
    )
}
