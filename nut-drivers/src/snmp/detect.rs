//! `mibs=auto` / `mibs=<name>`: which mapping drives the agent, in NUT 2.8.0's order.

use nut_hal::Error as _;
use nut_hal::snmp::{Oid, Snmp, SnmpValue};

use super::tables::{MibEntry, Tables};
use crate::device::DeviceError;

/// sysObjectID.0, read first by `mibs=auto`.
pub const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";

/// The OID whose answer proves a mapping fits: its `device.model` row, else `ups.model`.
pub fn model_oid(tables: &Tables, entry: &MibEntry) -> Option<Oid> {
    let rows = tables.rows_of(entry);
    ["device.model", "ups.model"].iter().find_map(|name| {
        let row = rows.iter().find(|r| r.nut_name == *name)?;
        // Daisy-chain templates are tested with index 0, as NUT does.
        row.oid.as_deref()?.replace("%i", "0").parse().ok()
    })
}

/// The sysObjectID as NUT compares it: dotted with a leading dot.
fn sys_oid_text(value: &SnmpValue) -> Option<String> {
    match value {
        SnmpValue::ObjectId(oid) => Some(format!(".{oid}")),
        _ => None,
    }
}

async fn model_answers<S: Snmp>(
    tables: &Tables,
    entry: &MibEntry,
    port: &mut S,
) -> Result<bool, DeviceError> {
    let Some(oid) = model_oid(tables, entry) else {
        return Ok(false);
    };
    match port.get(std::slice::from_ref(&oid)).await {
        Ok(binds) => Ok(binds.first().is_some_and(|b| {
            !matches!(
                b.value,
                SnmpValue::NoSuchObject
                    | SnmpValue::NoSuchInstance
                    | SnmpValue::EndOfMibView
                    | SnmpValue::Null
            )
        })),
        Err(e) if e.kind() == nut_hal::ErrorKind::Protocol => Ok(false),
        Err(e) => Err(DeviceError::transport(&format!("GET {oid}"), &e)),
    }
}

/// Picks the mapping: the candidates of `mibs` whose sysOID equals the agent's `sys_object_id`
/// first, then every candidate in order; the first whose model OID answers wins.
pub async fn select_mapping<S: Snmp>(
    tables: &'static Tables,
    mibs: &str,
    sys_object_id: &SnmpValue,
    port: &mut S,
) -> Result<&'static MibEntry, DeviceError> {
    let candidates = tables.candidates(mibs);
    if candidates.is_empty() {
        return Err(DeviceError::NotSupported(format!(
            "unknown mibs value {mibs:?}"
        )));
    }
    let sys = sys_oid_text(sys_object_id);
    let by_sys = candidates
        .iter()
        .filter(|m| sys.is_some() && m.sys_oid == sys);
    let rest = candidates
        .iter()
        .filter(|m| !(sys.is_some() && m.sys_oid == sys));
    for &entry in by_sys.chain(rest) {
        if model_answers(tables, entry, port).await? {
            return Ok(entry);
        }
    }
    Err(DeviceError::NotSupported(match mibs {
        "auto" => "no mapping fits this agent".into(),
        name => format!("requested mibs value {name:?} did not match this device"),
    }))
}
