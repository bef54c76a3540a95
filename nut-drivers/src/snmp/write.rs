//! Writable variables of `snmp-ups`: the `ST_FLAG_RW` rows that answered at start-up, and
//! `SET` of one of them as an SNMP SET.
//!
//! As NUT 2.8.0 (`su_setinfo`, `su_setvar`):
//!
//! * a text row is writable as a string of at most its length (`STRING:<len>`), a numeric
//!   row as a number, and a row with a lookup as an enumeration of the lookup's texts;
//! * a text is sent as an OCTET STRING, a number divided by the row's multiplier, a lookup
//!   text as its SNMP number.
//!
//! Unlike NUT 2.8.0 (docs/DIFFERENCES.md):
//!
//! * the SNMP type sent is the one the agent holds for the object (read just before the
//!   SET): NUT sends an OCTET STRING for every text row, which agents refuse (`wrongType`)
//!   for the RFC 1628 timers (`ups.timer.*`, INTEGER objects mapped as text rows);
//! * a number is rounded to the nearest step of the multiplier, not truncated (NUT sends
//!   543 for `54.4` with multiplier 0.1);
//! * a text that is not in the lookup, or not a number where one is needed, is refused
//!   (`INVALID`) instead of being sent as -1 or 0.

use nut_hal::snmp::{Oid, Snmp, SnmpValue, VarBind};

use super::tables::{InfoRow, Tables, su};
use super::walk::Item;
use crate::device::{CommandError, DeviceError, Writable};

/// How `row` may be set, if it is writable: `None` for read-only rows, commands, status
/// rows and rows without an OID.
pub fn writable(tables: &Tables, row: &InfoRow) -> Option<Writable> {
    if !row.writable
        || row.flags & (su::TYPE_CMD | su::STATUS_ANY | su::ABSENT) != 0
        || row.oid.is_none()
        || row.nut_name == "ups.status"
    {
        return None;
    }
    how(tables, row)
}

/// How 2.8.0 lists a `SU_FLAG_ABSENT` `ST_FLAG_RW` row of a daisy-capable mapping (its
/// default published, e.g. `outlet.desc`): writable as its type says, though it has no object
/// to SET (a SET is refused; 2.8.0's driver dies on it, docs/DIFFERENCES.md row 80).
pub fn absent_writable(tables: &Tables, row: &InfoRow) -> Option<Writable> {
    if !row.writable || row.flags & su::ABSENT == 0 || row.flags & su::TYPE_CMD != 0 {
        return None;
    }
    how(tables, row)
}

/// The [`Writable`] of a row known to be writable.
fn how(tables: &Tables, row: &InfoRow) -> Option<Writable> {
    if let Some(name) = &row.lookup {
        let texts: Vec<String> = tables
            .lookups
            .get(&(row.file.clone(), name.clone()))
            .map(|l| l.iter().map(|(_, text)| text.clone()).collect())
            .unwrap_or_default();
        if !texts.is_empty() {
            // A text row keeps its length too (2.8.0: `RW STRING`, aux, the enumeration).
            if row.string {
                return Some(Writable::EnumString(texts, string_length(row)));
            }
            return Some(Writable::Enum(texts));
        }
    }
    if row.string {
        return Some(Writable::String(string_length(row)));
    }
    Some(Writable::Number)
}

/// A text row's length: at least 1, at most what a NUT value can hold.
fn string_length(row: &InfoRow) -> usize {
    if row.multiplier.is_finite() && row.multiplier >= 1.0 {
        (row.multiplier as usize).min(255)
    } else {
        1
    }
}

/// The writable variables among `rows` (those that answered at start-up), in order.
pub fn writable_variables(tables: &Tables, rows: &[&'static InfoRow]) -> Vec<(String, Writable)> {
    let mut out: Vec<(String, Writable)> = Vec::new();
    for row in rows {
        if let Some(how) = writable(tables, row)
            && !out.iter().any(|(name, _)| *name == row.nut_name)
        {
            out.push((row.nut_name.clone(), how));
        }
    }
    out
}

/// The SNMP number for NUT value `value` of numeric `row`: a lookup text's number, else the
/// value divided by the multiplier, rounded.
pub fn number_for(tables: &Tables, row: &InfoRow, value: &str) -> Result<i64, CommandError> {
    let value = value.trim();
    if let Some(name) = &row.lookup
        && let Some(lookup) = tables.lookups.get(&(row.file.clone(), name.clone()))
    {
        return lookup
            .iter()
            .find(|(_, text)| text == value)
            .map(|(n, _)| *n)
            .ok_or(CommandError::Invalid);
    }
    let x: f64 = value.parse().map_err(|_| CommandError::Invalid)?;
    let step = if row.string || row.multiplier == 0.0 || !row.multiplier.is_finite() {
        1.0
    } else {
        row.multiplier
    };
    let raw = (x / step).round();
    if !raw.is_finite() || raw < i64::MIN as f64 || raw > i64::MAX as f64 {
        return Err(CommandError::Invalid);
    }
    Ok(raw as i64)
}

/// The value to SET for NUT value `value` of `row`, given what the agent holds now
/// (`current`; an exception or an unexpected type when unknown).
pub fn encode(
    tables: &Tables,
    row: &InfoRow,
    current: &SnmpValue,
    value: &str,
) -> Result<SnmpValue, CommandError> {
    let unsigned = |n: i64| u32::try_from(n).map_err(|_| CommandError::Invalid);
    match current {
        SnmpValue::OctetString(_) => Ok(SnmpValue::OctetString(value.as_bytes().to_vec())),
        SnmpValue::Integer(_) => number_for(tables, row, value).map(SnmpValue::Integer),
        SnmpValue::Gauge32(_) => unsigned(number_for(tables, row, value)?).map(SnmpValue::Gauge32),
        SnmpValue::Counter32(_) => {
            unsigned(number_for(tables, row, value)?).map(SnmpValue::Counter32)
        }
        // Read as seconds (NUT converts TimeTicks to seconds): back to hundredths.
        SnmpValue::TimeTicks(_) => {
            let n = number_for(tables, row, value)?;
            unsigned(n.checked_mul(100).ok_or(CommandError::Invalid)?).map(SnmpValue::TimeTicks)
        }
        // Unknown: the type NUT sends.
        _ if row.string && row.lookup.is_none() => {
            Ok(SnmpValue::OctetString(value.as_bytes().to_vec()))
        }
        _ => number_for(tables, row, value).map(SnmpValue::Integer),
    }
}

/// The row and OID a SET of `name` to `value` writes, checked before anything is sent.
fn target(
    tables: &Tables,
    rows: &[&'static InfoRow],
    name: &str,
    value: &str,
) -> Result<(&'static InfoRow, Oid), CommandError> {
    let mut known = false;
    for &row in rows {
        if row.nut_name != name {
            continue;
        }
        known = true;
        let Some(how) = writable(tables, row) else {
            continue;
        };
        if matches!(how, Writable::String(max) if value.len() > max) {
            return Err(CommandError::Invalid);
        }
        let oid = row
            .oid
            .as_deref()
            .and_then(|o| o.parse().ok())
            .ok_or(CommandError::Invalid)?;
        return Ok((row, oid));
    }
    Err(if known {
        CommandError::Invalid
    } else {
        CommandError::Unknown
    })
}

/// Sets writable variable `name` (one of `rows`) to `value`: reads the object's current
/// type, then sends an SNMP SET. Returns the row written.
///
/// `Unknown` when no row of that name answered at start-up, `Invalid` when it is read-only
/// or the value does not fit, `Failed` when the agent refused or did not answer.
pub async fn set_var<S: Snmp>(
    tables: &Tables,
    port: &mut S,
    rows: &[&'static InfoRow],
    name: &str,
    value: &str,
) -> Result<&'static InfoRow, CommandError> {
    let (row, oid) = target(tables, rows, name, value)?;
    write_oid(tables, port, name, row, oid, value).await?;
    Ok(row)
}

/// Sets template instance `item` (an `outlet.N.*` row that answered at start-up) to
/// `value`, as [`set_var`] sets a plain row: `Invalid` when the row is read-only or the value
/// does not fit.
pub async fn set_instance<S: Snmp>(
    tables: &Tables,
    port: &mut S,
    item: &Item,
    value: &str,
) -> Result<(), CommandError> {
    let how = writable(tables, item.row).ok_or(CommandError::Invalid)?;
    if matches!(how, Writable::String(max) if value.len() > max) {
        return Err(CommandError::Invalid);
    }
    let oid = item.oid.clone().ok_or(CommandError::Invalid)?;
    write_oid(tables, port, &item.name, item.row, oid, value).await
}

/// Reads `oid`'s current type, then SETs `value` for `row` in that type.
async fn write_oid<S: Snmp>(
    tables: &Tables,
    port: &mut S,
    name: &str,
    row: &InfoRow,
    oid: Oid,
    value: &str,
) -> Result<(), CommandError> {
    let failed = |e: &dyn std::fmt::Display, kind| {
        CommandError::Failed(DeviceError::Transport {
            operation: format!("SET {name}"),
            kind,
            message: e.to_string(),
        })
    };
    use nut_hal::Error as _;
    let current = match port.get(std::slice::from_ref(&oid)).await {
        Ok(binds) => binds
            .into_iter()
            .find(|b| b.oid == oid)
            .map_or(SnmpValue::NoSuchObject, |b| b.value),
        Err(e) if e.kind() == nut_hal::ErrorKind::Protocol => SnmpValue::NoSuchObject,
        Err(e) => return Err(failed(&format!("{e:?}"), e.kind())),
    };
    let new = encode(tables, row, &current, value)?;
    port.set(&[VarBind { oid, value: new }])
        .await
        .map(|_| ())
        .map_err(|e| failed(&format!("{e:?}"), e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(string: bool, multiplier: f64, lookup: Option<&str>) -> InfoRow {
        InfoRow {
            nut_name: "x".into(),
            string,
            writable: true,
            multiplier,
            oid: Some("1.3.6.1.4.1.99.1.0".into()),
            default: String::new(),
            flags: 0,
            lookup: lookup.map(Into::into),
            file: "ietf-mib.c".into(),
        }
    }

    #[test]
    fn numbers_are_scaled_back_and_rounded() {
        let t = Tables::get();
        assert_eq!(number_for(t, &row(false, 0.1, None), "54.4"), Ok(544));
        assert_eq!(number_for(t, &row(false, 60.0, None), "3600"), Ok(60));
        assert_eq!(number_for(t, &row(false, 1.0, None), "-1"), Ok(-1));
        assert_eq!(
            number_for(t, &row(false, 1.0, None), "ten"),
            Err(CommandError::Invalid)
        );
        assert_eq!(
            number_for(t, &row(false, 1e-300, None), "1e300"),
            Err(CommandError::Invalid)
        );
        // A text row holding a number is not scaled by its length.
        assert_eq!(number_for(t, &row(true, 8.0, None), "30"), Ok(30));
    }

    #[test]
    fn lookups_map_back_to_numbers() {
        let t = Tables::get();
        let beeper = row(false, 1.0, Some("ietf_beeper_status_info"));
        assert_eq!(number_for(t, &beeper, "disabled"), Ok(1));
        assert_eq!(number_for(t, &beeper, "enabled"), Ok(2));
        assert_eq!(number_for(t, &beeper, "loud"), Err(CommandError::Invalid));
        assert!(
            matches!(writable(t, &beeper), Some(Writable::Enum(v)) if v.contains(&"muted".to_string()))
        );
        let text = InfoRow {
            string: true,
            multiplier: 128.0,
            ..beeper
        };
        assert!(
            matches!(writable(t, &text), Some(Writable::EnumString(v, 128)) if v.contains(&"muted".to_string()))
        );
    }

    #[test]
    fn the_agents_type_is_kept() {
        let t = Tables::get();
        let timer = row(true, 8.0, None);
        assert_eq!(
            encode(t, &timer, &SnmpValue::Integer(-1), "30"),
            Ok(SnmpValue::Integer(30))
        );
        assert_eq!(
            encode(t, &timer, &SnmpValue::OctetString(b"-1".to_vec()), "30"),
            Ok(SnmpValue::OctetString(b"30".to_vec()))
        );
        assert_eq!(
            encode(t, &timer, &SnmpValue::NoSuchObject, "30"),
            Ok(SnmpValue::OctetString(b"30".to_vec()))
        );
        let n = row(false, 1.0, None);
        assert_eq!(
            encode(t, &n, &SnmpValue::Gauge32(5), "7"),
            Ok(SnmpValue::Gauge32(7))
        );
        assert_eq!(
            encode(t, &n, &SnmpValue::Gauge32(5), "-7"),
            Err(CommandError::Invalid)
        );
        assert_eq!(
            encode(t, &n, &SnmpValue::TimeTicks(0), "60"),
            Ok(SnmpValue::TimeTicks(6000))
        );
        assert_eq!(
            encode(t, &n, &SnmpValue::Null, "60"),
            Ok(SnmpValue::Integer(60))
        );
    }

    #[test]
    fn read_only_and_command_rows_are_not_writable() {
        let t = Tables::get();
        let mut r = row(false, 1.0, None);
        r.writable = false;
        assert_eq!(writable(t, &r), None);
        let mut c = row(false, 1.0, None);
        c.flags = su::TYPE_CMD;
        assert_eq!(writable(t, &c), None);
        assert_eq!(
            writable(t, &row(true, 128.0, None)),
            Some(Writable::String(128))
        );
        assert_eq!(writable(t, &row(false, 0.1, None)), Some(Writable::Number));
    }
}
