//! `Runner::reload` (SIGHUP / `-c reload` of a driver program): the runtime settings change,
//! `driver.state` shows `reloading` meanwhile, restart-only settings keep their old values,
//! and refused settings change nothing.

use nut_core::{StateChange, VarFlags};
use nut_drivers::device::scripted::Script;
use nut_drivers::device::{DriverConfig, Runner};

fn config(settings: &[(&str, Option<&str>)]) -> DriverConfig {
    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, *value);
    }
    config
}

const BEFORE: &[(&str, Option<&str>)] = &[
    ("driver", Some("scripted-ups")),
    ("port", Some("SN-A")),
    ("protocol", Some("one")),
    ("override.ups.mfr", Some("Old")),
];

fn runner() -> Runner<
    nut_drivers::device::scripted::ScriptedFamily,
    nut_drivers::device::scripted::ScriptedOpener,
> {
    let (family, opener) = Script::default().family();
    Runner::new(family, opener, &config(BEFORE), &["protocol"]).expect("config")
}

fn set(name: &str, value: &str) -> StateChange {
    StateChange::SetInfo {
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn runtime_settings_change_and_the_rest_waits_for_a_restart() {
    let mut runner = runner();
    let changes = runner.reload(&config(&[
        ("driver", Some("scripted-ups")),
        ("port", Some("SN-B")),
        ("protocol", Some("two")),
        ("pollinterval", Some("9")),
        ("override.ups.mfr", Some("New")),
        ("default.ups.contacts", Some("desk")),
    ]));
    assert_eq!(changes.first(), Some(&set("driver.state", "reloading")));
    assert_eq!(
        changes.last(),
        Some(&StateChange::DelInfo {
            name: "driver.state".into()
        })
    );
    assert!(changes.contains(&set("ups.mfr", "New")), "{changes:?}");
    assert!(changes.contains(&set("driver.parameter.pollinterval", "9")));
    let tree = runner.tree();
    assert_eq!(tree.value("ups.mfr"), Some("New"));
    assert!(
        tree.get("ups.mfr")
            .is_some_and(|v| v.flags().contains(VarFlags::IMMUTABLE))
    );
    assert_eq!(tree.value("ups.contacts"), Some("desk"));
    assert_eq!(tree.value("driver.parameter.port"), Some("SN-A"));
    assert_eq!(tree.value("driver.parameter.protocol"), Some("one"));
    assert_eq!(tree.value("driver.state"), None);
}

#[test]
fn a_removed_override_is_given_back_to_the_device() {
    let mut runner = runner();
    let changes = runner.reload(&config(&BEFORE[..3]));
    assert!(
        changes.contains(&StateChange::DelInfo {
            name: "ups.mfr".into()
        }),
        "{changes:?}"
    );
    assert_eq!(runner.tree().value("ups.mfr"), None);
}

#[test]
fn refused_settings_change_nothing() {
    let mut runner = runner();
    let before = runner.tree().clone();
    for bad in [("pollinterval", Some("0")), ("nonsense", Some("1"))] {
        let mut settings = BEFORE.to_vec();
        settings.push(bad);
        assert_eq!(runner.reload(&config(&settings)), [], "{bad:?}");
        assert_eq!(runner.tree(), &before, "{bad:?}");
    }
}
