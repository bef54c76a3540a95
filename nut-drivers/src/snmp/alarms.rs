//! Alarms as NUT 2.8.0's `snmp-ups` raises them:
//!
//! * a row whose name ends in `.alarm` (`ups.alarm`, `outlet.N.alarm`, `L1.alarm`, …) reads
//!   an integer and adds the text its lookup gives (if not empty) to `ups.alarm`, prefixed
//!   `outlet N ` / `outlet group N ` on outlet templates and `phase Lx ` on `Lx.*` names;
//! * the `ups.alarms` row reads the number of active alarms; when above 0, that many
//!   entries are walked from its OID (one GET of the OID itself, then GETNEXTs, stopping at a
//!   shorter OID or an exception), and each value that is an OID equal, as text with its
//!   leading dot, to one of the mapping's `alarms_info_t` OIDs adds that row's `ups.status`
//!   word and `ups.alarm` text. As in NUT, the count bounds the walk (the count entry itself
//!   is the first), and a table OID written without its leading dot never matches.
//!
//! Any alarm puts `ALARM` first in `ups.status` (done by the driver core).

use nut_hal::Error as _;
use nut_hal::snmp::{Oid, Snmp, SnmpValue, VarBind};

use super::tables::{AlarmRow, InfoRow, Tables, su};
use crate::device::{DeviceError, Reading};
use nut_core::value::parse_c_int as atoi;

/// Walk no further than this many entries, whatever count the agent claims.
const MAX_WALK: i64 = 1024;

/// True for rows handled as an alarm (the name ends in `.alarm`).
pub fn is_alarm_row(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, last)| last == "alarm")
}

/// The `ups.alarm` text a `.alarm` row named `name` gives for `value`, if any.
pub fn alarm_text(tables: &Tables, row: &InfoRow, name: &str, value: i64) -> Option<String> {
    let text = tables.lookup(row, value).filter(|t| !t.is_empty())?;
    let mut text = text.to_string();
    if row.flags & (su::OUTLET | su::OUTLET_GROUP) != 0 {
        let group = row.flags & su::OUTLET_GROUP != 0;
        let number = atoi(name.get(if group { 13 } else { 7 }..).unwrap_or(""));
        text = format!(
            "outlet{} {number} {text}",
            if group { " group" } else { "" }
        );
    }
    if let Some(rest) = name.strip_prefix('L') {
        text = format!("phase L{} {text}", atoi(rest));
    }
    Some(text)
}

/// The entries NUT's `nut_snmp_walk(root, count)` returns.
async fn walk_entries<S: Snmp>(
    port: &mut S,
    root: &Oid,
    count: i64,
) -> Result<Vec<VarBind>, DeviceError> {
    let mut entries = Vec::new();
    let mut current = root.clone();
    while (entries.len() as i64) < count.min(MAX_WALK) {
        if current.arcs().len() < root.arcs().len() {
            break;
        }
        let answer = if entries.is_empty() {
            port.get(std::slice::from_ref(&current)).await
        } else {
            port.get_next(std::slice::from_ref(&current)).await
        };
        let bind = match answer {
            Ok(binds) => match binds.into_iter().next() {
                Some(bind) => bind,
                None => break,
            },
            Err(e) if e.kind() == nut_hal::ErrorKind::Protocol => break,
            Err(e) => return Err(DeviceError::transport(&format!("walk {root}"), &e)),
        };
        if matches!(
            bind.value,
            SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance | SnmpValue::EndOfMibView
        ) {
            break;
        }
        current = bind.oid.clone();
        entries.push(bind);
    }
    Ok(entries)
}

/// Reads the alarm table behind an `ups.alarms` row whose count answered `count`.
pub async fn read_alarm_table<S: Snmp>(
    port: &mut S,
    alarms: &[AlarmRow],
    root: &Oid,
    count: i64,
    reading: &mut Reading,
) -> Result<(), DeviceError> {
    if count <= 0 {
        return Ok(());
    }
    for bind in walk_entries(port, root, count).await? {
        let SnmpValue::ObjectId(pointer) = &bind.value else {
            continue;
        };
        let text = format!(".{pointer}");
        if let Some(alarm) = alarms.iter().find(|a| a.oid == text) {
            if let Some(word) = &alarm.status {
                reading.status(word);
            }
            if let Some(message) = &alarm.text {
                reading.alarm(message);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_rows_are_named_dot_alarm() {
        assert!(is_alarm_row("ups.alarm"));
        assert!(is_alarm_row("L1.alarm"));
        assert!(is_alarm_row("outlet.3.alarm"));
        assert!(!is_alarm_row("ups.alarms"));
        assert!(!is_alarm_row("alarm"));
    }

    #[test]
    fn outlet_and_phase_alarms_say_where() {
        let t = Tables::get();
        let row = |flags| InfoRow {
            nut_name: String::new(),
            string: true,
            writable: false,
            multiplier: 1.0,
            oid: None,
            default: String::new(),
            flags,
            lookup: Some("pw_threshold_temperature_alarms_info".into()),
            file: "eaton-ups-pwnm2-mib.c".into(),
        };
        let plain = row(0);
        assert_eq!(
            alarm_text(t, &plain, "ups.alarm", 3).as_deref(),
            Some("high temperature warning!")
        );
        assert_eq!(alarm_text(t, &plain, "ups.alarm", 0), None, "empty text");
        assert_eq!(
            alarm_text(t, &row(su::OUTLET), "outlet.2.alarm", 1).as_deref(),
            Some("outlet 2 low temperature warning!")
        );
        assert_eq!(
            alarm_text(t, &row(su::OUTLET_GROUP), "outlet.group.4.alarm", 1).as_deref(),
            Some("outlet group 4 low temperature warning!")
        );
        assert_eq!(
            alarm_text(t, &plain, "L3.alarm", 4).as_deref(),
            Some("phase L3 high temperature critical!")
        );
    }
}
