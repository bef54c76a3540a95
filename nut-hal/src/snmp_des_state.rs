//! Durable sender state for SNMPv3 DES and 3DES privacy, which async-snmp requires so that
//! no DES salt (local boots epoch + counter, RFC 3414 §8.1.1.1) is ever used twice with one
//! key, across restarts too.
//!
//! The state is a directory holding one empty file, `boots.<n>`, the last boots epoch leased.
//! Each session leases a fresh epoch: the first creates `boots.1` (create-if-absent), later
//! ones rename `boots.<n>` to `boots.<n+1>` (an atomic compare-and-set: of two processes that
//! read the same `n`, one rename fails).

use std::format;
use std::path::{Path, PathBuf};
use std::string::ToString;
use std::vec::Vec;

use async_snmp::{DesSaltState, DesSaltStateError, PersistedDesSaltState};

use crate::snmp_async::SnmpError;

const RECORD_PREFIX: &str = "boots.";

fn record(dir: &Path, engine_boots: u32) -> PathBuf {
    dir.join(format!("{RECORD_PREFIX}{engine_boots}"))
}

fn failed(dir: &Path, why: impl core::fmt::Display) -> SnmpError {
    SnmpError::DesState(format!("{}: {why}", dir.display()))
}

/// The boots epochs recorded in `dir` (normally one, none the first time).
fn recorded_epochs(dir: &Path) -> Result<Vec<u32>, SnmpError> {
    let mut epochs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| failed(dir, e))? {
        let name = entry.map_err(|e| failed(dir, e))?.file_name();
        let Some(epoch) = name.to_str().and_then(|n| n.strip_prefix(RECORD_PREFIX)) else {
            continue;
        };
        let epoch = epoch
            .parse()
            .map_err(|_| failed(dir, format!("{name:?} is not a boots record")))?;
        epochs.push(epoch);
    }
    Ok(epochs)
}

/// Lease a fresh DES boots epoch from the state in `dir` (created if missing).
pub(crate) fn lease(dir: &Path) -> Result<DesSaltState, SnmpError> {
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    let state_error = |e: DesSaltStateError| failed(dir, e.to_string());
    match recorded_epochs(dir)?.as_slice() {
        [] => DesSaltState::install(|first: &PersistedDesSaltState| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(record(dir, first.engine_boots()))
                .map(drop)
        })
        .map_err(state_error),
        [last] => {
            let previous = PersistedDesSaltState::new(*last).map_err(state_error)?;
            DesSaltState::restart(previous, |next: &PersistedDesSaltState| {
                std::fs::rename(record(dir, *last), record(dir, next.engine_boots()))
            })
            .map_err(state_error)
        }
        _ => Err(failed(dir, "more than one boots record")),
    }
}
