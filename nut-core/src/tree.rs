//! The device state tree: what one UPS looks like right now, as a driver keeps it and as upsd
//! mirrors it.
//!
//! NUT's semantics, with two of its bugs fixed (see docs/DIFFERENCES.md):
//!
//! * variables are ordered case-insensitively and looked up case-insensitively; a variable
//!   keeps the spelling it was first set with;
//! * values are at most 255 bytes (longer ones are cut);
//! * enum values and ranges keep insertion order; `ADDENUM`/`ADDRANGE` need the variable to
//!   exist; a duplicate is ignored; `DELENUM` matches case-insensitively; ranges are equal
//!   when *both* bounds are (NUT: either bound — a bug);
//! * a value change is a change when the bytes differ (NUT ignores case-only changes — a
//!   bug);
//! * instant commands are sorted case-insensitively and de-duplicated;
//! * an IMMUTABLE variable (`override.*` in `ups.conf`) ignores new values and deletion.
//!
//! ```
//! use nut_core::{StateChange, tree::StateTree};
//!
//! let mut tree = StateTree::new();
//! tree.apply(&StateChange::SetInfo { name: "ups.status".into(), value: "OL".into() });
//! tree.apply(&StateChange::AddCmd { name: "load.off".into() });
//! assert_eq!(tree.get("UPS.STATUS").map(|v| v.value()), Some("OL"));
//! assert_eq!(StateTree::from_changes(tree.dump().iter()), tree);
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::change::{Range, StateChange};
use crate::flags::VarFlags;
use crate::value::truncate_value;

/// One variable with everything NUT keeps about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    name: String,
    value: String,
    flags: VarFlags,
    aux: i64,
    enums: Vec<String>,
    ranges: Vec<Range>,
}

impl Variable {
    fn new(name: &str, value: &str) -> Self {
        Variable {
            name: String::from(name),
            value: String::from(truncate_value(value)),
            flags: VarFlags::empty(),
            aux: 0,
            enums: Vec::new(),
            ranges: Vec::new(),
        }
    }

    /// The name as first set.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The flags (may include the local-only IMMUTABLE).
    pub fn flags(&self) -> VarFlags {
        self.flags
    }

    /// The aux number: the maximum length of a writable string.
    pub fn aux(&self) -> i64 {
        self.aux
    }

    /// Allowed values, in insertion order.
    pub fn enums(&self) -> &[String] {
        &self.enums
    }

    /// Allowed ranges, in insertion order.
    pub fn ranges(&self) -> &[Range] {
        &self.ranges
    }

    /// True for an `override.*` variable that ignores changes.
    pub fn is_immutable(&self) -> bool {
        self.flags.contains(VarFlags::IMMUTABLE)
    }
}

/// The state of one device: variables, instant commands and the driver's data-ok flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateTree {
    variables: BTreeMap<String, Variable>,
    commands: BTreeMap<String, String>,
    data_ok: bool,
}

impl Default for StateTree {
    fn default() -> Self {
        Self::new()
    }
}

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

impl StateTree {
    /// An empty tree whose data is considered fresh.
    pub fn new() -> Self {
        StateTree {
            variables: BTreeMap::new(),
            commands: BTreeMap::new(),
            data_ok: true,
        }
    }

    /// A tree built by applying `changes` in order to an empty tree.
    pub fn from_changes<'a>(changes: impl IntoIterator<Item = &'a StateChange>) -> Self {
        let mut tree = Self::new();
        tree.apply_all(changes);
        tree
    }

    /// Applies one change; returns true when the tree changed.
    pub fn apply(&mut self, change: &StateChange) -> bool {
        match change {
            StateChange::SetInfo { name, value } => self.set_info(name, value),
            StateChange::DelInfo { name } => self.del_info(name),
            StateChange::AddEnum { name, value } => self.with_var(name, |v| {
                let value = truncate_value(value);
                if v.enums.iter().any(|e| e == value) {
                    return false;
                }
                v.enums.push(String::from(value));
                true
            }),
            StateChange::DelEnum { name, value } => self.with_var(name, |v| {
                let before = v.enums.len();
                if let Some(index) = v.enums.iter().position(|e| e.eq_ignore_ascii_case(value)) {
                    v.enums.remove(index);
                }
                v.enums.len() != before
            }),
            StateChange::AddRange { name, range } => self.with_var(name, |v| {
                if v.ranges.contains(range) {
                    return false;
                }
                v.ranges.push(*range);
                true
            }),
            StateChange::DelRange { name, range } => self.with_var(name, |v| {
                let before = v.ranges.len();
                v.ranges.retain(|r| r != range);
                v.ranges.len() != before
            }),
            StateChange::SetAux { name, aux } => self.with_var(name, |v| {
                let changed = v.aux != *aux;
                v.aux = *aux;
                changed
            }),
            // A SETFLAGS naming no flag is ignored, as upsd 2.8.0 ignores `SETFLAGS var`.
            StateChange::SetFlags { flags, .. } if (*flags - VarFlags::IMMUTABLE).is_empty() => {
                false
            }
            StateChange::SetFlags { name, flags } => self.with_var(name, |v| {
                let kept = v.flags & VarFlags::IMMUTABLE;
                let new = (*flags - VarFlags::IMMUTABLE) | kept;
                let changed = v.flags != new;
                v.flags = new;
                changed
            }),
            StateChange::AddCmd { name } => {
                let k = key(name);
                if self.commands.contains_key(&k) {
                    return false;
                }
                self.commands.insert(k, name.clone());
                true
            }
            StateChange::DelCmd { name } => self.commands.remove(&key(name)).is_some(),
            StateChange::DataOk => self.set_data_ok(true),
            StateChange::DataStale => self.set_data_ok(false),
        }
    }

    /// Applies changes in order; returns true when any of them changed the tree.
    pub fn apply_all<'a>(&mut self, changes: impl IntoIterator<Item = &'a StateChange>) -> bool {
        changes
            .into_iter()
            .fold(false, |changed, change| self.apply(change) | changed)
    }

    fn set_data_ok(&mut self, ok: bool) -> bool {
        let changed = self.data_ok != ok;
        self.data_ok = ok;
        changed
    }

    fn set_info(&mut self, name: &str, value: &str) -> bool {
        let value = truncate_value(value);
        match self.variables.get_mut(&key(name)) {
            Some(v) if v.is_immutable() || v.value == value => false,
            Some(v) => {
                v.value = String::from(value);
                true
            }
            None => {
                self.variables.insert(key(name), Variable::new(name, value));
                true
            }
        }
    }

    fn del_info(&mut self, name: &str) -> bool {
        let k = key(name);
        match self.variables.get(&k) {
            Some(v) if !v.is_immutable() => self.variables.remove(&k).is_some(),
            _ => false,
        }
    }

    fn with_var(&mut self, name: &str, f: impl FnOnce(&mut Variable) -> bool) -> bool {
        self.variables.get_mut(&key(name)).is_some_and(f)
    }

    /// Sets a variable that the driver may not change or delete afterwards (`override.*`).
    pub fn set_override(&mut self, name: &str, value: &str) {
        let variable = self
            .variables
            .entry(key(name))
            .or_insert_with(|| Variable::new(name, value));
        variable.value = String::from(truncate_value(value));
        variable.flags |= VarFlags::IMMUTABLE;
    }

    /// Lets the driver change and delete `name` again (an `override.*` removed on reload);
    /// false when it was not an override.
    pub fn clear_override(&mut self, name: &str) -> bool {
        self.with_var(name, |variable| {
            let was = variable.is_immutable();
            variable.flags -= VarFlags::IMMUTABLE;
            was
        })
    }

    /// A variable by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.variables.get(&key(name))
    }

    /// The value of a variable by name (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(Variable::value)
    }

    /// All variables in case-insensitive alphabetical order.
    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.variables.values()
    }

    /// All instant commands in case-insensitive alphabetical order.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.commands.values().map(String::as_str)
    }

    /// True when the device has this instant command (case-insensitive).
    pub fn has_command(&self, name: &str) -> bool {
        self.commands.contains_key(&key(name))
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.variables.len()
    }

    /// True when there are no variables.
    pub fn is_empty(&self) -> bool {
        self.variables.is_empty()
    }

    /// False after the driver said `DATASTALE`, true again after `DATAOK`.
    pub fn data_ok(&self) -> bool {
        self.data_ok
    }

    /// Forgets everything (a driver disconnected: its mirror is dropped, never merged).
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// The changes that rebuild this tree, in the order of a NUT `DUMPALL` reply: for each
    /// variable alphabetically its `SetInfo`, `AddEnum`s, `AddRange`s, `SetAux` (if not 0) and
    /// `SetFlags` (if any wire flag); then every `AddCmd`. Data-ok is not included: the socket
    /// layer frames it.
    pub fn dump(&self) -> Vec<StateChange> {
        let mut out = Vec::new();
        for v in self.variables.values() {
            out.push(StateChange::SetInfo {
                name: v.name.clone(),
                value: v.value.clone(),
            });
            out.extend(v.enums.iter().map(|value| StateChange::AddEnum {
                name: v.name.clone(),
                value: value.clone(),
            }));
            out.extend(v.ranges.iter().map(|range| StateChange::AddRange {
                name: v.name.clone(),
                range: *range,
            }));
            if v.aux != 0 {
                out.push(StateChange::SetAux {
                    name: v.name.clone(),
                    aux: v.aux,
                });
            }
            let wire_flags = v.flags - VarFlags::IMMUTABLE;
            if !wire_flags.is_empty() {
                out.push(StateChange::SetFlags {
                    name: v.name.clone(),
                    flags: wire_flags,
                });
            }
        }
        out.extend(
            self.commands
                .values()
                .map(|name| StateChange::AddCmd { name: name.clone() }),
        );
        out
    }
}

#[cfg(test)]
mod tests;
