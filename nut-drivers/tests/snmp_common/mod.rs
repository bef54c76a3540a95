//! Shared by the snmp-ups tests: recorded agents and `upsc`-like dumps of one poll.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nut_drivers::device::{DeviceError, DeviceProtocol};
use nut_drivers::snmp::SnmpUps;
use nut_hal::snmp::Snmp;
use nut_hal::snmp_wrap::ReplayingSnmp;

/// tests/fixtures/snmp.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snmp")
}

/// A recorded agent answering from `file`.
pub fn agent(file: &str) -> ReplayingSnmp {
    let text = std::fs::read_to_string(fixtures().join(file)).expect("fixture");
    ReplayingSnmp::from_snmprec(&text).expect("snmprec")
}

/// identify + one update over `port`, merged as `upsc` would list them (without the
/// `driver.*` variables the runtime adds).
pub async fn dump_over<S: Snmp + 'static>(
    port: &mut S,
    mibs: &str,
) -> Result<BTreeMap<String, String>, DeviceError> {
    let mut ups = SnmpUps::<S>::new(mibs);
    let identity = ups.identify(port).await?;
    let reading = ups.update(port).await?;
    let mut all: BTreeMap<String, String> = identity.info.values.into_iter().collect();
    all.extend(reading.values.iter().cloned());
    all.insert("ups.status".into(), reading.status_text());
    Ok(all)
}

/// [`dump_over`] a recorded agent.
pub async fn dump(file: &str, mibs: &str) -> Result<BTreeMap<String, String>, DeviceError> {
    dump_over(&mut agent(file), mibs).await
}

/// `name: value` lines as a map.
pub fn golden(lines: &str) -> BTreeMap<String, String> {
    lines
        .lines()
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
