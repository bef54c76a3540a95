//! The changes that turn one state tree into another: what a driver broadcasts when it
//! re-reads its whole state at once (a changed `.dev` file, a reconnected device).

use nut_core::tree::Variable;
use nut_core::{StateChange, StateTree, VarFlags};

/// The changes that make `from` equal to `to` (apart from data-ok), in the order a driver
/// would send them: per variable of `to` (alphabetically) `SetInfo`, `SetFlags`, `SetAux`,
/// then enum and range changes; then `DelInfo` for variables `to` lacks; then commands.
pub fn tree_diff(from: &StateTree, to: &StateTree) -> Vec<StateChange> {
    let mut out = Vec::new();
    for new in to.variables() {
        variable_diff(from.get(new.name()), new, &mut out);
    }
    for old in from.variables() {
        if to.get(old.name()).is_none() {
            out.push(StateChange::DelInfo {
                name: old.name().into(),
            });
        }
    }
    for cmd in to.commands() {
        if !from.has_command(cmd) {
            out.push(StateChange::AddCmd { name: cmd.into() });
        }
    }
    for cmd in from.commands() {
        if !to.has_command(cmd) {
            out.push(StateChange::DelCmd { name: cmd.into() });
        }
    }
    out
}

fn variable_diff(old: Option<&Variable>, new: &Variable, out: &mut Vec<StateChange>) {
    let name = || new.name().to_string();
    if old.is_none_or(|old| old.value() != new.value()) {
        out.push(StateChange::SetInfo {
            name: name(),
            value: new.value().into(),
        });
    }
    let old_flags = old.map_or(VarFlags::empty(), |o| o.flags() - VarFlags::IMMUTABLE);
    let new_flags = new.flags() - VarFlags::IMMUTABLE;
    if old_flags != new_flags {
        out.push(StateChange::SetFlags {
            name: name(),
            flags: new_flags,
        });
    }
    if old.map_or(0, Variable::aux) != new.aux() {
        out.push(StateChange::SetAux {
            name: name(),
            aux: new.aux(),
        });
    }
    let old_enums = old.map_or(&[][..], Variable::enums);
    for value in old_enums {
        if !new.enums().contains(value) {
            out.push(StateChange::DelEnum {
                name: name(),
                value: value.clone(),
            });
        }
    }
    for value in new.enums() {
        if !old_enums.contains(value) {
            out.push(StateChange::AddEnum {
                name: name(),
                value: value.clone(),
            });
        }
    }
    let old_ranges = old.map_or(&[][..], Variable::ranges);
    for range in old_ranges {
        if !new.ranges().contains(range) {
            out.push(StateChange::DelRange {
                name: name(),
                range: *range,
            });
        }
    }
    for range in new.ranges() {
        if !old_ranges.contains(range) {
            out.push(StateChange::AddRange {
                name: name(),
                range: *range,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_core::Range;

    fn tree(changes: &[StateChange]) -> StateTree {
        StateTree::from_changes(changes)
    }

    fn set(name: &str, value: &str) -> StateChange {
        StateChange::SetInfo {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn applying_the_diff_gives_the_target() {
        let a = tree(&[
            set("a", "1"),
            set("b", "x"),
            StateChange::AddEnum {
                name: "b".into(),
                value: "x".into(),
            },
            StateChange::AddCmd {
                name: "load.off".into(),
            },
        ]);
        let b = tree(&[
            set("a", "1"),
            set("b", "y"),
            StateChange::AddEnum {
                name: "b".into(),
                value: "y".into(),
            },
            StateChange::AddRange {
                name: "b".into(),
                range: Range { min: 1, max: 2 },
            },
            set("c", "new"),
            StateChange::SetFlags {
                name: "c".into(),
                flags: VarFlags::RW | VarFlags::STRING,
            },
            StateChange::SetAux {
                name: "c".into(),
                aux: 32,
            },
            StateChange::AddCmd {
                name: "beeper.on".into(),
            },
        ]);
        let changes = tree_diff(&a, &b);
        assert!(
            !changes.contains(&set("a", "1")),
            "unchanged values are not sent"
        );
        let mut patched = a.clone();
        patched.apply_all(&changes);
        assert_eq!(patched.dump(), b.dump());
        assert!(tree_diff(&b, &b).is_empty());
        let back = tree_diff(&b, &a);
        let mut patched = b.clone();
        patched.apply_all(&back);
        assert_eq!(patched.dump(), a.dump());
    }
}
