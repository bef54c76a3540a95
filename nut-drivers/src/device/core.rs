//! The driver core without I/O or clock: turns what a family reports ([`Identity`], each
//! [`Reading`], a failed poll) into the [`StateChange`]s a NUT driver publishes, as NUT
//! 2.8.0's `dstate`/`status_commit` do:
//!
//! * new and changed values are set, values the device no longer gives are deleted;
//! * `ups.status` from the status words; any alarm sets `ups.alarm` (the texts joined by a
//!   space) and puts `ALARM` first in `ups.status` (a family's own `ALARM` word is dropped);
//! * `override.<var>` is published from the start and never changed by the device (nor made
//!   writable); `default.<var>` is published only while the device gives no value;
//! * `ignorelb`: the device's `LB` is dropped and `LB` is decided from `battery.charge` <
//!   `battery.charge.low` or `battery.runtime` < `battery.runtime.low`; with neither pair
//!   the driver refuses to run, as 2.8.0 does;
//! * the data goes `DATAOK` on the first good poll and `DATASTALE` after a failed one;
//! * writable variables get their flags, enums, ranges and aux; each command an `ADDCMD`.
//!
//! * `CHRG`/`DISCHRG`, when the family gives neither, are inferred from `battery.charge`
//!   (below 100) moving between polls, as NUT 2.8.1 and later do. NUT 2.8.0 does not (checked
//!   with the real dummy-ups: 60 → 40 under `OL` publishes plain `OL`); docs/DIFFERENCES.md
//!   lists it. A family's own words are published as given;
//! * with `sdcommands` set (NUT 2.8.1's setting), the `shutdown.default` command is offered.

use nut_core::{Range, StateChange, StateTree, VarFlags};
use nut_protocol::sock::TrackingResult;

use super::config::{ConfigError, DriverConfig};
use super::published::driver_variables;
use super::{CommandError, Identity, Reading, Writable};
use crate::diff::tree_diff;

/// Why the core cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// `ignorelb` is set but the device (with `override.*`/`default.*`) gives neither
    /// `battery.charge` + `battery.charge.low` nor `battery.runtime` + `battery.runtime.low`.
    #[error(
        "The 'ignorelb' flag is set, but there is no way to determine the battery state of charge."
    )]
    IgnoreLbWithoutCharge,
}

/// The published state of one driver and what it is built from.
#[derive(Debug, Clone)]
pub struct DeviceCore {
    tree: StateTree,
    driver_vars: Vec<(String, String)>,
    overrides: Vec<(String, String)>,
    defaults: Vec<(String, String)>,
    ignorelb: bool,
    identity: Identity,
    reading: Reading,
    /// `battery.charge` at the last good poll, and the word inferred from its moves.
    last_charge: Option<f64>,
    inferred: Option<&'static str>,
    /// `sdcommands` is set: offer `shutdown.default`.
    shutdown_default: bool,
}

impl DeviceCore {
    /// A core for family `name` (version `internal`, own keys `family_keys`) set up by
    /// `config`. Its tree holds the `driver.*` variables, overrides and defaults, and is stale
    /// until the first good poll.
    pub fn new(
        name: &str,
        internal: &str,
        config: &DriverConfig,
        family_keys: &[&str],
    ) -> Result<DeviceCore, ConfigError> {
        let mut core = DeviceCore {
            tree: StateTree::new(),
            driver_vars: driver_variables(name, internal, config, family_keys)?,
            overrides: collect_last(config.prefixed("override.")),
            defaults: collect_last(config.prefixed("default.")),
            ignorelb: config.flag("ignorelb"),
            identity: Identity::default(),
            reading: Reading::default(),
            last_charge: None,
            inferred: None,
            shutdown_default: config.value("sdcommands").is_some(),
        };
        core.tree.apply(&StateChange::DataStale);
        for (name, value) in &core.overrides {
            core.tree.set_override(name, value);
        }
        let _ = core.refresh();
        Ok(core)
    }

    /// Takes the runtime settings of `config` (a reload): `driver.parameter.*`/`driver.flag.*`,
    /// `override.*`, `default.*`, `ignorelb` and `sdcommands`. The changes start with
    /// `driver.state` = `reloading` and end with its removal (NUT 2.8.0 has no
    /// `driver.state`; newer NUT shows `reloading` while a reload runs).
    pub fn reconfigure(
        &mut self,
        name: &str,
        internal: &str,
        config: &DriverConfig,
        family_keys: &[&str],
    ) -> Result<Vec<StateChange>, ConfigError> {
        let driver_vars = driver_variables(name, internal, config, family_keys)?;
        let reloading = StateChange::SetInfo {
            name: DRIVER_STATE.into(),
            value: "reloading".into(),
        };
        let mut changes = Vec::new();
        if self.tree.apply(&reloading) {
            changes.push(reloading);
        }
        self.driver_vars = driver_vars;
        let overrides = collect_last(config.prefixed("override."));
        for (name, _) in &self.overrides {
            if !overrides.iter().any(|(n, _)| n == name) {
                self.tree.clear_override(name);
            }
        }
        self.overrides = overrides;
        for (name, value) in &self.overrides {
            if self.tree.value(name) != Some(value.as_str()) {
                self.tree.clear_override(name);
            }
        }
        self.defaults = collect_last(config.prefixed("default."));
        self.ignorelb = config.flag("ignorelb");
        self.shutdown_default = config.value("sdcommands").is_some();
        changes.extend(self.refresh());
        for (name, value) in &self.overrides {
            self.tree.set_override(name, value);
        }
        Ok(changes)
    }

    /// The published tree.
    pub fn tree(&self) -> &StateTree {
        &self.tree
    }

    /// The family (re)identified the device: its static data, commands and writable
    /// variables replace the previous ones.
    pub fn identified(&mut self, identity: Identity) -> Vec<StateChange> {
        self.identity = identity;
        self.refresh()
    }

    /// A good poll: publishes `reading` and marks the data fresh.
    pub fn poll_ok(&mut self, reading: Reading) -> Result<Vec<StateChange>, CoreError> {
        let previous = std::mem::replace(&mut self.reading, reading);
        if self.ignorelb && !self.can_decide_lb() {
            self.reading = previous;
            return Err(CoreError::IgnoreLbWithoutCharge);
        }
        self.infer_charging();
        let mut changes = self.refresh();
        if self.tree.apply(&StateChange::DataOk) {
            changes.push(StateChange::DataOk);
        }
        Ok(changes)
    }

    /// A failed poll (or a lost device): the data is stale; the last values stay.
    pub fn poll_failed(&mut self) -> Vec<StateChange> {
        if self.tree.apply(&StateChange::DataStale) {
            vec![StateChange::DataStale]
        } else {
            Vec::new()
        }
    }

    /// `CHRG` when `battery.charge` rose since the last poll, `DISCHRG` when it fell; kept
    /// while it holds still, dropped at 100 % or when the family gives either word itself.
    fn infer_charging(&mut self) {
        let charge = self
            .reading
            .get("battery.charge")
            .and_then(|value| value.trim().parse::<f64>().ok());
        let own = self.reading.has_status("CHRG") || self.reading.has_status("DISCHRG");
        self.inferred = match (charge, self.last_charge) {
            _ if own => None,
            (None, _) => None,
            (Some(now), _) if now >= 100.0 => None,
            (Some(now), Some(before)) if now > before => Some("CHRG"),
            (Some(now), Some(before)) if now < before => Some("DISCHRG"),
            _ => self.inferred,
        };
        self.last_charge = charge;
    }

    fn can_decide_lb(&self) -> bool {
        let desired = self.values();
        let has = |name: &str| desired.iter().any(|(n, _)| n == name);
        (has("battery.charge") && has("battery.charge.low"))
            || (has("battery.runtime") && has("battery.runtime.low"))
    }

    /// Every variable's value as it should be published (status and alarm included).
    fn values(&self) -> Vec<(String, String)> {
        let mut values: Vec<(String, String)> = Vec::new();
        let mut set = |name: &str, value: &str, only_if_absent: bool| match values
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(_) if only_if_absent => {}
            Some((_, old)) => *old = value.into(),
            None => values.push((name.into(), value.into())),
        };
        for (name, value) in &self.driver_vars {
            set(name, value, false);
        }
        for (name, value) in self.identity.info.values.iter().chain(&self.reading.values) {
            set(name, value, false);
        }
        for (name, value) in &self.defaults {
            set(name, value, true);
        }
        for (name, value) in &self.overrides {
            set(name, value, false);
        }
        // As NUT's driver core: `device.type` is `ups`, and `device.mfr`/`.model`/`.serial`
        // follow `ups.*` unless the family sets them itself.
        set("device.type", "ups", true);
        for (from, to) in DEVICE_ALIASES {
            let value = values
                .iter()
                .find(|(n, _)| n == from)
                .map(|(_, v)| v.clone());
            if let Some(value) = value
                && !values.iter().any(|(n, _)| n == to)
            {
                values.push((to.to_string(), value));
            }
        }
        values
    }

    /// The `ups.status` text and the `ups.alarm` text for `values`.
    fn status_and_alarm(&self, values: &[(String, String)]) -> (Option<String>, Option<String>) {
        let number = |name: &str| {
            values
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
        };
        let mut words: Vec<&str> = self
            .reading
            .status
            .iter()
            .map(String::as_str)
            .filter(|word| *word != "ALARM")
            .filter(|word| !(self.ignorelb && *word == "LB"))
            .collect();
        // NUT's order: the device's words, then an inferred CHRG/DISCHRG, then ignorelb's LB.
        words.extend(self.inferred);
        if self.ignorelb {
            let below = |value: &str, low: &str| match (number(value), number(low)) {
                (Some(value), Some(low)) => value < low,
                _ => false,
            };
            if below("battery.charge", "battery.charge.low")
                || below("battery.runtime", "battery.runtime.low")
            {
                words.push("LB");
            }
        }
        let alarm = (!self.reading.alarms.is_empty()).then(|| self.reading.alarms.join(" "));
        let joined = words.join(" ");
        // NUT's status_commit writes "ALARM %s": with no other word the status is "ALARM "
        // (seen with the real 2.8.0 snmp-ups on an alarmed ePDU chain).
        let status = if alarm.is_some() {
            Some(format!("ALARM {joined}"))
        } else {
            (!words.is_empty() || self.reading.status_committed).then_some(joined)
        };
        (status, alarm)
    }

    /// The tree as it should be (data-ok aside).
    fn desired(&self) -> StateTree {
        let mut values = self.values();
        let (status, alarm) = self.status_and_alarm(&values);
        for (name, text) in [("ups.status", status), ("ups.alarm", alarm)] {
            let overridden = self.overrides.iter().any(|(n, _)| n == name);
            if let (Some(text), false) = (text, overridden) {
                match values.iter_mut().find(|(n, _)| n == name) {
                    Some((_, old)) => *old = text,
                    None => values.push((name.into(), text)),
                }
            }
        }
        let mut tree = StateTree::new();
        for (name, value) in &values {
            tree.apply(&StateChange::SetInfo {
                name: name.clone(),
                value: value.clone(),
            });
        }
        for (name, how) in &self.identity.writable {
            let overridden = self.overrides.iter().any(|(n, _)| n == name);
            if tree.get(name).is_some() && !overridden {
                tree.apply_all(&writable_changes(name, how));
            }
        }
        for command in &self.identity.commands {
            tree.apply(&StateChange::AddCmd {
                name: command.clone(),
            });
        }
        if self.shutdown_default && !self.identity.commands.is_empty() {
            tree.apply(&StateChange::AddCmd {
                name: SHUTDOWN_DEFAULT.into(),
            });
        }
        for (name, value) in &self.overrides {
            tree.set_override(name, value);
        }
        tree
    }

    /// Brings the published tree to the desired one; returns what changed.
    fn refresh(&mut self) -> Vec<StateChange> {
        let desired = self.desired();
        tree_diff(&self.tree, &desired)
            .into_iter()
            .filter(|change| self.tree.apply(change))
            .collect()
    }
}

/// The last value of each name in `pairs`.
fn collect_last<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in pairs {
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = value.into(),
            None => out.push((name.into(), value.into())),
        }
    }
    out
}

/// The flags, aux, enums and ranges that make `name` writable as `how` says.
fn writable_changes(name: &str, how: &Writable) -> Vec<StateChange> {
    let flags = |flags| StateChange::SetFlags {
        name: name.into(),
        flags,
    };
    match how {
        Writable::Enum(values) => std::iter::once(flags(VarFlags::RW))
            .chain(values.iter().map(|value| StateChange::AddEnum {
                name: name.into(),
                value: value.clone(),
            }))
            .collect(),
        Writable::Ranges(ranges) => std::iter::once(flags(VarFlags::RW | VarFlags::NUMBER))
            .chain(ranges.iter().map(|&(min, max)| StateChange::AddRange {
                name: name.into(),
                range: Range { min, max },
            }))
            .collect(),
        Writable::String(max) => vec![
            flags(VarFlags::RW | VarFlags::STRING),
            StateChange::SetAux {
                name: name.into(),
                aux: i64::try_from(*max).unwrap_or(i64::MAX),
            },
        ],
        Writable::Number => vec![flags(VarFlags::RW | VarFlags::NUMBER)],
        Writable::EnumString(values, max) => [
            flags(VarFlags::RW | VarFlags::STRING),
            StateChange::SetAux {
                name: name.into(),
                aux: i64::try_from(*max).unwrap_or(i64::MAX),
            },
        ]
        .into_iter()
        .chain(values.iter().map(|value| StateChange::AddEnum {
            name: name.into(),
            value: value.clone(),
        }))
        .collect(),
    }
}

/// The variable that shows a reload running.
pub const DRIVER_STATE: &str = "driver.state";

/// The command that runs `sdcommands` (or the family's own shutdown).
pub const SHUTDOWN_DEFAULT: &str = "shutdown.default";

/// The `ups.*` identity variables NUT's driver core repeats as `device.*`.
const DEVICE_ALIASES: [(&str, &str); 3] = [
    ("ups.mfr", "device.mfr"),
    ("ups.model", "device.model"),
    ("ups.serial", "device.serial"),
];

/// The `TRACKING` code NUT reports for a command's or `SET`'s outcome.
pub fn tracking_result(result: &Result<(), CommandError>) -> TrackingResult {
    match result {
        Ok(()) => TrackingResult::HANDLED,
        Err(CommandError::Unknown) => TrackingResult::UNKNOWN,
        Err(CommandError::Invalid) => TrackingResult::INVALID,
        Err(CommandError::Failed(_)) => TrackingResult::FAILED,
    }
}
