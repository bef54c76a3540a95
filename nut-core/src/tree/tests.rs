//! State tree semantics, NUT's and the bugs we fix, plus properties over random changes.

use super::*;
use alloc::string::ToString;
use alloc::vec;
use proptest::prelude::*;

fn set(name: &str, value: &str) -> StateChange {
    StateChange::SetInfo {
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn variables_are_ordered_and_found_case_insensitively() {
    let mut t = StateTree::new();
    t.apply(&set("ups.status", "OL"));
    t.apply(&set("Battery.Charge", "100"));
    t.apply(&set("input.voltage", "230"));
    let names: Vec<_> = t.variables().map(Variable::name).collect();
    assert_eq!(names, ["Battery.Charge", "input.voltage", "ups.status"]);
    assert_eq!(t.value("BATTERY.CHARGE"), Some("100"));
    t.apply(&set("battery.charge", "90"));
    assert_eq!(
        t.get("battery.charge").map(Variable::name),
        Some("Battery.Charge")
    );
}

#[test]
fn values_are_cut_to_255_bytes() {
    let mut t = StateTree::new();
    t.apply(&set("x", &"a".repeat(400)));
    assert_eq!(t.value("x").map(str::len), Some(255));
}

#[test]
fn bug_fixed_case_only_change_is_a_change() {
    let mut t = StateTree::new();
    assert!(t.apply(&set("ups.status", "OL")));
    assert!(!t.apply(&set("ups.status", "OL")));
    assert!(t.apply(&set("ups.status", "ol")));
    assert_eq!(t.value("ups.status"), Some("ol"));
}

#[test]
fn enums_need_the_variable_keep_order_and_ignore_duplicates() {
    let mut t = StateTree::new();
    let add = |v: &str| StateChange::AddEnum {
        name: "input.sensitivity".into(),
        value: v.into(),
    };
    assert!(!t.apply(&add("low")));
    t.apply(&set("input.sensitivity", "normal"));
    assert!(t.apply(&add("low")));
    assert!(t.apply(&add("normal")));
    assert!(!t.apply(&add("low")));
    assert!(t.apply(&add("high")));
    assert!(t.apply(&StateChange::DelEnum {
        name: "input.sensitivity".into(),
        value: "NORMAL".into()
    }));
    assert_eq!(
        t.get("input.sensitivity").map(Variable::enums),
        Some(&["low".to_string(), "high".to_string()][..])
    );
}

#[test]
fn bug_fixed_ranges_match_on_both_bounds() {
    let mut t = StateTree::new();
    t.apply(&set("input.transfer.high", "264"));
    let add = |min, max| StateChange::AddRange {
        name: "input.transfer.high".into(),
        range: Range { min, max },
    };
    assert!(t.apply(&add(250, 270)));
    assert!(
        t.apply(&add(250, 290)),
        "same min, other max is another range"
    );
    assert!(!t.apply(&add(250, 270)));
    assert!(!t.apply(&StateChange::DelRange {
        name: "input.transfer.high".into(),
        range: Range { min: 250, max: 999 }
    }));
    let ranges = t.get("input.transfer.high").map(|v| v.ranges().to_vec());
    assert_eq!(
        ranges,
        Some(vec![
            Range { min: 250, max: 270 },
            Range { min: 250, max: 290 }
        ])
    );
    assert_eq!(
        t.get("input.transfer.high").map(Variable::flags),
        Some(VarFlags::empty()),
        "ADDRANGE does not touch flags on the server side"
    );
}

#[test]
fn commands_are_sorted_and_deduplicated_case_insensitively() {
    let mut t = StateTree::new();
    for c in ["load.off", "beeper.enable", "LOAD.OFF", "shutdown.return"] {
        t.apply(&StateChange::AddCmd { name: c.into() });
    }
    assert_eq!(
        t.commands().collect::<Vec<_>>(),
        ["beeper.enable", "load.off", "shutdown.return"]
    );
    assert!(t.has_command("Load.Off"));
    assert!(t.apply(&StateChange::DelCmd {
        name: "LOAD.off".into()
    }));
    assert!(!t.has_command("load.off"));
}

#[test]
fn overrides_ignore_changes_and_deletion() {
    let mut t = StateTree::new();
    t.set_override("ups.mfr", "Forced");
    assert!(!t.apply(&set("ups.mfr", "Device")));
    assert!(!t.apply(&StateChange::DelInfo {
        name: "ups.mfr".into()
    }));
    t.apply(&StateChange::SetFlags {
        name: "ups.mfr".into(),
        flags: VarFlags::STRING,
    });
    assert_eq!(t.value("ups.mfr"), Some("Forced"));
    assert!(t.get("ups.mfr").is_some_and(Variable::is_immutable));
    let dump = t.dump();
    assert!(dump.contains(&StateChange::SetFlags {
        name: "ups.mfr".into(),
        flags: VarFlags::STRING
    }));
    // A cleared override (removed on reload) takes the device's values again.
    assert!(t.clear_override("ups.mfr"));
    assert!(!t.clear_override("ups.mfr"));
    assert!(!t.clear_override("ups.model"));
    assert!(t.apply(&set("ups.mfr", "Device")));
    assert_eq!(t.get("ups.mfr").map(|v| v.flags()), Some(VarFlags::STRING));
}

#[test]
fn flags_and_aux_need_the_variable() {
    let mut t = StateTree::new();
    assert!(!t.apply(&StateChange::SetAux {
        name: "x".into(),
        aux: 5
    }));
    assert!(!t.apply(&StateChange::SetFlags {
        name: "x".into(),
        flags: VarFlags::RW
    }));
    assert!(t.is_empty());
}

#[test]
fn data_ok_follows_the_driver() {
    let mut t = StateTree::new();
    assert!(t.data_ok());
    assert!(t.apply(&StateChange::DataStale));
    assert!(!t.data_ok());
    assert!(t.apply(&StateChange::DataOk));
    t.apply(&set("a", "b"));
    t.clear();
    assert!(t.is_empty() && t.data_ok());
}

#[test]
fn dump_follows_nut_dumpall_order() {
    let mut t = StateTree::new();
    t.apply_all(&[
        set("ups.status", "OL"),
        set("battery.charge.low", "10"),
        StateChange::SetFlags {
            name: "battery.charge.low".into(),
            flags: VarFlags::RW | VarFlags::STRING,
        },
        StateChange::SetAux {
            name: "battery.charge.low".into(),
            aux: 10,
        },
        set("input.transfer.low", "160"),
        StateChange::AddEnum {
            name: "input.transfer.low".into(),
            value: "160".into(),
        },
        StateChange::AddCmd {
            name: "load.off".into(),
        },
    ]);
    assert_eq!(
        t.dump(),
        vec![
            set("battery.charge.low", "10"),
            StateChange::SetAux {
                name: "battery.charge.low".into(),
                aux: 10
            },
            StateChange::SetFlags {
                name: "battery.charge.low".into(),
                flags: VarFlags::RW | VarFlags::STRING
            },
            set("input.transfer.low", "160"),
            StateChange::AddEnum {
                name: "input.transfer.low".into(),
                value: "160".into()
            },
            set("ups.status", "OL"),
            StateChange::AddCmd {
                name: "load.off".into()
            },
        ]
    );
}

fn change_strategy() -> impl Strategy<Value = StateChange> {
    let name = prop_oneof![
        Just("ups.status"),
        Just("UPS.status"),
        Just("battery.charge"),
        Just("input.voltage"),
        Just("x")
    ]
    .prop_map(String::from);
    let value = "[ -~]{0,300}";
    let range = (-5i64..5, -5i64..5).prop_map(|(min, max)| Range { min, max });
    prop_oneof![
        (name.clone(), value).prop_map(|(name, value)| StateChange::SetInfo { name, value }),
        name.clone().prop_map(|name| StateChange::DelInfo { name }),
        (name.clone(), "[a-cA-C]{0,2}")
            .prop_map(|(name, value)| StateChange::AddEnum { name, value }),
        (name.clone(), "[a-cA-C]{0,2}")
            .prop_map(|(name, value)| StateChange::DelEnum { name, value }),
        (name.clone(), range.clone())
            .prop_map(|(name, range)| StateChange::AddRange { name, range }),
        (name.clone(), range).prop_map(|(name, range)| StateChange::DelRange { name, range }),
        (name.clone(), -3i64..40).prop_map(|(name, aux)| StateChange::SetAux { name, aux }),
        (name.clone(), 0u8..16).prop_map(|(name, bits)| StateChange::SetFlags {
            name,
            flags: VarFlags::from_bits_truncate(bits)
        }),
        name.clone().prop_map(|name| StateChange::AddCmd { name }),
        name.prop_map(|name| StateChange::DelCmd { name }),
        Just(StateChange::DataOk),
        Just(StateChange::DataStale),
    ]
}

proptest! {
    #[test]
    fn dump_rebuilds_an_equal_tree(changes in proptest::collection::vec(change_strategy(), 0..60)) {
        let mut tree = StateTree::new();
        tree.apply_all(&changes);
        let mut rebuilt = StateTree::from_changes(tree.dump().iter());
        rebuilt.apply(if tree.data_ok() { &StateChange::DataOk } else { &StateChange::DataStale });
        prop_assert_eq!(rebuilt, tree.clone());
        for v in tree.variables() {
            prop_assert!(v.value().len() <= crate::value::MAX_VALUE_LEN);
            prop_assert!(!v.is_immutable());
        }
    }
}

#[test]
fn setflags_naming_no_flag_is_ignored_as_upsd_does() {
    let mut tree = StateTree::new();
    tree.apply(&StateChange::SetInfo {
        name: "x".into(),
        value: "1".into(),
    });
    tree.apply(&StateChange::SetFlags {
        name: "x".into(),
        flags: VarFlags::RW | VarFlags::STRING,
    });
    tree.apply(&StateChange::SetFlags {
        name: "x".into(),
        flags: VarFlags::empty(),
    });
    assert_eq!(
        tree.get("x").map(|v| v.flags),
        Some(VarFlags::RW | VarFlags::STRING)
    );
}
