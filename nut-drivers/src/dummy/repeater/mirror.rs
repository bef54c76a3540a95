//! What a repeater publishes for what it read upstream: a pure function from a
//! [`Snapshot`] (and the repeater's own options) to the state tree, so the runtime only
//! diffs trees and tests need no server.

use std::collections::BTreeMap;

use nut_core::{Range, StateChange, StateTree, VarFlags};
use nut_protocol::devfile::is_driver_variable;
use nut_protocol::net::{ValueKind, VarType};

use crate::dummy::DummyOptions;

/// How one writable variable is typed upstream (`GET TYPE`, `LIST ENUM`, `LIST RANGE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    /// `GET TYPE`'s answer.
    pub kind: VarType,
    /// The allowed values, if `ENUM`.
    pub enums: Vec<String>,
    /// The allowed ranges, if `RANGE`.
    pub ranges: Vec<Range>,
}

/// One look at the upstream UPS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// `LIST VAR`: name and value, in the server's order.
    pub values: Vec<(String, String)>,
    /// The typing of every variable `LIST RW` named, by name.
    pub typing: BTreeMap<String, Typing>,
    /// `LIST CMD`.
    pub commands: Vec<String>,
}

/// The flags and aux value NUT's `GET TYPE` answer stands for.
///
/// ```
/// use nut_core::VarFlags;
/// use nut_drivers::dummy::repeater::flags_of;
/// use nut_protocol::net::{ValueKind, VarType};
///
/// let kind = VarType { writable: true, enumerated: false, ranged: false,
///                      kind: ValueKind::String { max_len: 32 } };
/// assert_eq!(flags_of(&kind), (VarFlags::RW | VarFlags::STRING, 32));
/// ```
pub fn flags_of(kind: &VarType) -> (VarFlags, i64) {
    let mut flags = VarFlags::empty();
    if kind.writable {
        flags |= VarFlags::RW;
    }
    match kind.kind {
        ValueKind::String { max_len } => (flags | VarFlags::STRING, max_len),
        ValueKind::Number => (flags | VarFlags::NUMBER, 0),
    }
}

/// The changes that publish `options`' own variables: `driver.*`, then `override.*` and
/// `default.*` values (applied to `tree`, overrides made immutable).
pub fn own_changes(options: &DummyOptions, tree: &mut StateTree) -> Vec<StateChange> {
    let mut out = Vec::new();
    for (name, value) in options.driver_variables() {
        let change = StateChange::SetInfo { name, value };
        if tree.apply(&change) {
            out.push(change);
        }
    }
    for (name, value) in &options.overrides {
        out.push(StateChange::SetInfo {
            name: name.clone(),
            value: value.clone(),
        });
        tree.set_override(name, value);
    }
    for (name, value) in &options.defaults {
        let change = StateChange::SetInfo {
            name: name.clone(),
            value: value.clone(),
        };
        if tree.apply(&change) {
            out.push(change);
        }
    }
    out
}

/// The tree a repeater with `options` publishes for `snapshot`: its own `driver.*` (the
/// upstream's are left out, as dummy-ups does), `override.*`/`default.*`, then every
/// upstream variable with its value, flags, length, enums and ranges, and the upstream's
/// commands.
pub fn mirror_tree(options: &DummyOptions, snapshot: &Snapshot) -> StateTree {
    let mut tree = StateTree::new();
    own_changes(options, &mut tree);
    for (name, value) in &snapshot.values {
        if is_driver_variable(name) {
            continue;
        }
        tree.apply(&StateChange::SetInfo {
            name: name.clone(),
            value: value.clone(),
        });
        let Some(typing) = snapshot.typing.get(name) else {
            continue;
        };
        let (flags, aux) = flags_of(&typing.kind);
        tree.apply(&StateChange::SetFlags {
            name: name.clone(),
            flags,
        });
        if aux != 0 {
            tree.apply(&StateChange::SetAux {
                name: name.clone(),
                aux,
            });
        }
        for value in &typing.enums {
            tree.apply(&StateChange::AddEnum {
                name: name.clone(),
                value: value.clone(),
            });
        }
        for range in &typing.ranges {
            tree.apply(&StateChange::AddRange {
                name: name.clone(),
                range: *range,
            });
        }
    }
    for name in &snapshot.commands {
        tree.apply(&StateChange::AddCmd { name: name.clone() });
    }
    tree
}
