//! Device-file tests: every fixture device file, dummy-ups's quirks by name, bad input.

use super::*;
use alloc::string::ToString;
use alloc::vec;
use proptest::prelude::*;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/dev")
}

fn parse(text: &str) -> Parsed<DevFile> {
    DevFile::parse(text.as_bytes(), "test.dev")
}

fn set(name: &str, value: &str) -> Entry {
    Entry::Set {
        name: name.to_string(),
        value: value.to_string(),
    }
}

#[test]
fn every_fixture_device_file_parses_without_errors() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures()).expect("fixture folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if !(name.ends_with(".dev") || name.ends_with(".seq") || name.ends_with(".nds")) {
            continue;
        }
        let text = std::fs::read(&path).expect("readable");
        let parsed = DevFile::parse(&text, &name);
        let errors: Vec<_> = parsed.errors().collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        for w in parsed.warnings() {
            std::eprintln!("{w}");
        }
        assert!(
            parsed.config.device_values().count() > 0,
            "{name} has no values"
        );
        count += 1;
    }
    assert!(count >= 30, "only {count} fixture files found");
}

#[test]
fn minimal_dev_has_exactly_its_two_values() {
    let text = std::fs::read(fixtures().join("minimal.dev")).expect("fixture");
    let parsed = DevFile::parse(&text, "minimal.dev");
    assert!(parsed.diagnostics.is_empty());
    let values: Vec<_> = parsed.config.device_values().collect();
    assert_eq!(values, [("battery.charge", "80"), ("ups.status", "OL")]);
    assert!(!parsed.config.is_sequence());
}

#[test]
fn evolution500_seq_has_its_timer_steps() {
    let text = std::fs::read(fixtures().join("evolution500.seq")).expect("fixture");
    let file = DevFile::parse(&text, "evolution500.seq").config;
    assert!(file.is_sequence());
    let timers: Vec<u64> = file
        .entries
        .iter()
        .filter_map(|l| match l.entry {
            Entry::Timer { seconds } => Some(seconds),
            _ => None,
        })
        .collect();
    assert_eq!(timers, [300, 300, 60]);
    let statuses: Vec<&str> = file
        .device_values()
        .filter(|(n, _)| *n == "ups.status")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(statuses, ["OL CHRG", "OB DISCHRG", "OB LB DISCHRG"]);
    assert_eq!(file.steps().count(), 3); // the file ends with a TIMER
}

#[test]
fn rw_enum_and_string_comments_become_specs_and_changes() {
    let text = std::fs::read(fixtures().join("APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev"))
        .expect("fixture");
    let file = DevFile::parse(&text, "sc450.dev").config;
    let sens = file
        .rw
        .iter()
        .find(|s| s.name == "input.sensitivity")
        .expect("input.sensitivity spec");
    assert_eq!(sens.enums, ["H", "M", "L"]);
    let date = file
        .rw
        .iter()
        .find(|s| s.name == "battery.date")
        .expect("battery.date");
    assert!(matches!(date.kind, RwKind::String { .. }));
    let changes = file.rw_changes();
    assert!(changes.contains(&StateChange::AddEnum {
        name: "input.sensitivity".into(),
        value: "M".into()
    }));
}

#[test]
fn nds_structured_lines_give_ranges_strings_enums_and_commands() {
    let text = std::fs::read(
        fixtures().join("Manufacturer_Name__Actual_Model__driver-name__2.7.1__01.nds"),
    )
    .expect("fixture");
    let parsed = DevFile::parse(&text, "sample.nds");
    let file = &parsed.config;
    let var3 = file.rw.iter().find(|s| s.name == "var.3").expect("var.3");
    assert_eq!(
        var3.ranges,
        [
            nut_core::Range { min: 1, max: 10 },
            nut_core::Range { min: 15, max: 20 },
            nut_core::Range { min: 25, max: 30 }
        ]
    );
    let var5 = file.rw.iter().find(|s| s.name == "var.5").expect("var.5");
    assert_eq!(var5.kind, RwKind::String { max_len: Some(32) });
    let var6 = file.rw.iter().find(|s| s.name == "var.6").expect("var.6");
    assert_eq!(var6.enums, ["value", "value2", "value3"]);
    assert!(file.commands.iter().any(|c| c == "command.1"));
    assert!(
        !file
            .device_values()
            .any(|(n, _)| n.starts_with("RW:") || n.starts_with("CMD:"))
    );
    let changes = var3.changes();
    assert_eq!(
        changes[0],
        StateChange::SetFlags {
            name: "var.3".into(),
            flags: nut_core::VarFlags::RW | nut_core::VarFlags::NUMBER
        }
    );
}

#[test]
fn command_comments_become_add_cmd_changes() {
    let file = parse("ups.status: OL\n#CMD:load.off\n#CMD:load.on\n#CMD:load.off\n").config;
    assert_eq!(
        file.command_changes(),
        vec![
            StateChange::AddCmd {
                name: "load.off".into()
            },
            StateChange::AddCmd {
                name: "load.on".into()
            }
        ]
    );
}

#[test]
fn quirk_words_are_rejoined_with_single_spaces() {
    let file = parse("battery.charge: 50   60\nups.model: \"quoted   value\"  more\n").config;
    assert_eq!(file.entries[0].entry, set("battery.charge", "50 60"));
    assert_eq!(
        file.entries[1].entry,
        set("ups.model", "quoted   value more")
    );
}

#[test]
fn quirk_equals_sign_becomes_its_own_word() {
    let file = parse("x.y: a=b\n").config;
    assert_eq!(file.entries[0].entry, set("x.y", "a = b"));
}

#[test]
fn quirk_colon_is_optional() {
    let file = parse("nocolon value\n").config;
    assert_eq!(file.entries[0].entry, set("nocolon", "value"));
}

#[test]
fn bug_missing_value_is_empty_not_the_previous_value() {
    let parsed = parse("ups.mfr: Acme\nups.model:\nlonely\n");
    assert_eq!(parsed.config.entries.len(), 2);
    assert_eq!(parsed.config.entries[1].entry, set("ups.model", ""));
    let w: Vec<_> = parsed.warnings().collect();
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].line, w[0].word.as_str()), (3, "lonely"));
}

#[test]
fn name_and_value_without_space_are_split_at_the_colon() {
    let parsed = parse("device.type:ups\n");
    assert_eq!(parsed.config.entries[0].entry, set("device.type", "ups"));
    assert_eq!(parsed.warnings().count(), 1);
}

#[test]
fn driver_variables_are_kept_but_not_device_values() {
    let file = parse("driver.name: usbhid-ups\nups.status: OL\n").config;
    assert_eq!(file.entries.len(), 2);
    assert_eq!(
        file.device_values().collect::<Vec<_>>(),
        [("ups.status", "OL")]
    );
}

#[test]
fn alarm_with_text_and_bare_alarm() {
    let file = parse("ALARM Replace battery!\nALARM\n").config;
    assert_eq!(
        file.entries[0].entry,
        Entry::Alarm(Some("Replace battery!".into()))
    );
    assert_eq!(file.entries[1].entry, Entry::Alarm(None));
}

#[test]
fn bad_timers_are_errors_at_their_line_and_word() {
    let parsed = parse("ups.status: OL\nTIMER abc\nTIMER\nTIMER 999999999\nTIMER 5\n");
    let errors: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
    assert_eq!(
        errors,
        [
            (2, "abc".to_string()),
            (3, "TIMER".to_string()),
            (4, "999999999".to_string())
        ]
    );
    assert_eq!(parsed.config.entries.len(), 2);
}

#[test]
fn hash_inside_quotes_is_an_error_and_the_rest_still_parses() {
    let parsed = parse("ups.test.result: \"a#b\"\nafter: 1\n");
    assert_eq!(parsed.errors().count(), 1);
    assert!(
        parsed
            .config
            .entries
            .iter()
            .any(|l| l.entry == set("after", "1"))
    );
}

#[test]
fn malformed_structured_comment_is_a_warning() {
    let parsed = parse("ups.status: OL\n#RW:x:RANGE:\"a\" \"b\"\n");
    assert_eq!(parsed.warnings().count(), 1);
    assert!(parsed.config.rw.is_empty());
}

proptest! {
    #[test]
    fn generated_files_parse_back_to_their_pairs(
        pairs in proptest::collection::vec(("[a-z]{1,8}(\\.[a-z0-9]{1,8}){0,3}", "[!-~]( ?[!-~]){0,30}"), 0..20)
    ) {
        let mut text = String::new();
        for (name, value) in &pairs {
            text.push_str(name);
            text.push_str(": ");
            text.push_str(&crate::tokenizer::quote(value));
            text.push('\n');
        }
        let parsed = DevFile::parse(text.as_bytes(), "gen.dev");
        prop_assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let got: Vec<(String, String)> = parsed
            .config
            .entries
            .iter()
            .filter_map(|l| match &l.entry { Entry::Set { name, value } => Some((name.clone(), value.clone())), _ => None })
            .collect();
        prop_assert_eq!(got, pairs);
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = DevFile::parse(&bytes, "fuzz.seq");
    }
}
