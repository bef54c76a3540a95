//! One row read as NUT 2.8.0's `su_ups_get` reads it: a plain `snmp_info_t` row or one
//! instance of a template row ([`Item`]), into a [`Reading`].

use nut_hal::snmp::{Oid, Snmp};

use super::alarms::{alarm_text, is_alarm_row, read_alarm_table};
use super::driver::{answered, get_one, integer, publish, readable_as, row_value, status_words};
use super::tables::{InfoRow, MibEntry, Tables, su};
use super::template::instantiate;
use crate::device::{DeviceError, Reading};

/// APC's IEM probe temperature (`APCC_OID_IEM_TEMP`), read in the unit its unit OID gives.
const APCC_IEM_TEMP: &str = "1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1";
/// The unit of [`APCC_IEM_TEMP`]: 2 is Fahrenheit.
const APCC_IEM_TEMP_UNIT: &str = "1.3.6.1.4.1.318.1.1.10.2.3.2.1.5.1";
const APCC_IEM_FAHRENHEIT: i64 = 2;

/// A row as the walk reads it: its NUT name, OID and default with any `%i` filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The NUT variable (or command) name.
    pub name: String,
    /// The OID read (`None`: the row has none, or it does not parse).
    pub oid: Option<Oid>,
    /// The OID as text, without a leading dot.
    pub oid_text: String,
    /// The default value.
    pub default: String,
    /// The table row it comes from (flags, multiplier, lookup).
    pub row: &'static InfoRow,
}

impl Item {
    /// A plain row.
    pub fn plain(row: &'static InfoRow) -> Item {
        let oid_text = row.oid.clone().unwrap_or_default();
        Item {
            name: row.nut_name.clone(),
            oid: oid_text.parse().ok(),
            oid_text,
            default: row.default.clone(),
            row,
        }
    }

    /// Instance `index` of a template row.
    pub fn instance(row: &'static InfoRow, index: i64) -> Item {
        let oid_text = instantiate(row.oid.as_deref().unwrap_or(""), index);
        Item::filled(row, instantiate(&row.nut_name, index), oid_text, index)
    }

    /// `row` read as `name` at `oid_text`, `%i` in its default replaced by `index`.
    pub fn filled(row: &'static InfoRow, name: String, oid_text: String, index: i64) -> Item {
        Item {
            name,
            oid: oid_text.parse().ok(),
            oid_text,
            default: instantiate(&row.default, index),
            row,
        }
    }
}

/// The temperature NUT publishes for an `ambient.temperature` row reading `raw`: one
/// decimal, computed in single precision as the C driver does.
async fn ambient_temperature<S: Snmp>(
    port: &mut S,
    item: &Item,
    raw: i64,
) -> Result<String, DeviceError> {
    let celsius = if item.oid_text.trim_start_matches('.') == APCC_IEM_TEMP {
        let unit = match APCC_IEM_TEMP_UNIT.parse::<Oid>() {
            Ok(oid) => integer(&get_one(port, &oid).await?),
            Err(_) => None,
        };
        if unit.is_none_or(|u| u == APCC_IEM_FAHRENHEIT) {
            (raw as f32 - 32.0) / 1.8
        } else {
            raw as f32
        }
    } else {
        raw as f32 * item.row.multiplier as f32
    };
    Ok(format!("{celsius:.1}"))
}

/// What reading one item gave (NUT's `su_ups_get` result and its `SU_FLAG_OK` effect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The agent answered; the row stays polled.
    Answered,
    /// No answer (or nothing usable): at start-up the row is dropped, later it is only stale.
    Missing,
    /// An answer of a type the row cannot be read as (dropped at start-up; in a poll the
    /// data goes stale).
    Unusable,
    /// A `SU_FLAG_NEGINVALID` negative or `SU_FLAG_ZEROINVALID` zero reading: nothing is
    /// published and the row is never polled again.
    Invalid,
}

/// Reads `item` into `reading`.
pub async fn read_item<S: Snmp>(
    tables: &Tables,
    mapping: &MibEntry,
    port: &mut S,
    item: &Item,
    reading: &mut Reading,
) -> Result<Outcome, DeviceError> {
    let Some(oid) = &item.oid else {
        // A row without an OID publishes its default (`outlet.id` of the XUPS mapping).
        if !item.default.is_empty() {
            publish(reading, &item.name, &item.default);
        }
        return Ok(Outcome::Answered);
    };
    let value = get_one(port, oid).await?;
    if !answered(&value) {
        return Ok(Outcome::Missing);
    }
    if !readable_as(item.row, &value) {
        return Ok(Outcome::Unusable);
    }
    let name = item.name.as_str();
    if name.eq_ignore_ascii_case("ups.status") {
        for word in status_words(tables, item.row, &value) {
            reading.status(word);
        }
    } else if is_alarm_row(name) {
        let Some(n) = integer(&value) else {
            return Ok(Outcome::Missing);
        };
        if let Some(text) = alarm_text(tables, item.row, name, n) {
            reading.alarm(&text);
        }
    } else if name.eq_ignore_ascii_case("ups.alarms") {
        let Some(n) = integer(&value) else {
            return Ok(Outcome::Missing);
        };
        read_alarm_table(port, tables.alarms_of(mapping), oid, n, reading).await?;
    } else if name.eq_ignore_ascii_case("ambient.temperature") {
        let Some(n) = integer(&value) else {
            return Ok(Outcome::Missing);
        };
        let text = ambient_temperature(port, item, n).await?;
        publish(reading, name, &text);
    } else {
        let flags = item.row.flags;
        if !item.row.string
            && let Some(n) = integer(&value)
            && ((flags & su::NEGINVALID != 0 && n < 0) || (flags & su::ZEROINVALID != 0 && n == 0))
        {
            return Ok(Outcome::Invalid);
        }
        if let Some(text) = row_value(tables, item.row, &value) {
            publish(reading, name, &text);
        }
    }
    Ok(Outcome::Answered)
}
