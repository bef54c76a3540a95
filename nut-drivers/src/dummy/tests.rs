//! The dummy driver against what the real dummy-ups 2.8.0 does.

use std::path::PathBuf;

use nut_core::VarFlags;
use nut_protocol::sock::{SockMessage, dump_reply};

use super::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn driver(text: &str, name: &str) -> DummyDriver {
    DummyDriver::new(DevFile::parse(text.as_bytes(), name).config, name)
}

fn dump_lines(tree: &StateTree) -> String {
    dump_reply(tree.dump(), true)
        .iter()
        .map(SockMessage::to_wire)
        .collect()
}

fn set(name: &str, value: &str) -> StateChange {
    StateChange::SetInfo {
        name: name.into(),
        value: value.into(),
    }
}

/// The real dummy-ups' `DUMPALL` for `tests/fixtures/dev/usbhid-ups.dev`, byte for byte.
#[test]
fn usbhid_dev_dumps_exactly_like_the_real_dummy_ups() {
    let path = fixtures().join("dev/usbhid-ups.dev");
    let bytes = std::fs::read(path).expect("fixture");
    let d = DummyDriver::new(
        DevFile::parse(&bytes, "usbhid-ups.dev").config,
        "usbhid-ups.dev",
    );
    let expected = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../nut-protocol/tests/fixtures/sock/dummy-ups-dumpall.txt"),
    )
    .expect("capture");
    let from_changes = StateTree::from_changes(d.startup_changes());
    assert_eq!(dump_lines(&from_changes), expected);
    assert_eq!(dump_lines(d.tree()), expected);
}

/// An empty file, as the real dummy-ups dumps it.
#[test]
fn empty_file_gives_the_basic_identity() {
    let d = driver("", "empty.dev");
    let expected = "SETINFO device.mfr \"Dummy Manufacturer\"\n\
SETINFO device.model \"Dummy UPS\"\n\
SETINFO device.type \"ups\"\n\
SETINFO driver.name \"dummy-ups\"\n\
SETINFO driver.parameter.mode \"dummy-once\"\n\
SETINFO driver.parameter.pollinterval \"2\"\n\
SETINFO driver.parameter.port \"empty.dev\"\n\
SETINFO driver.parameter.synchronous \"auto\"\n\
SETINFO driver.version \"2.8.0\"\n\
SETINFO driver.version.internal \"0.15\"\n\
SETINFO ups.mfr \"Dummy Manufacturer\"\n\
SETAUX ups.mfr 32\n\
SETFLAGS ups.mfr RW STRING\n\
SETINFO ups.model \"Dummy UPS\"\n\
SETAUX ups.model 32\n\
SETFLAGS ups.model RW STRING\n\
SETINFO ups.status \"OL\"\n\
SETAUX ups.status 32\n\
SETFLAGS ups.status RW STRING\n\
ADDCMD load.off\n\
DATAOK\n\
DUMPDONE\n";
    assert_eq!(dump_lines(d.tree()), expected);
    assert_eq!(d.next_wakeup(), None);
}

/// device.* follow ups.* after the file (the real driver overwrote `device.model: M1` with
/// the default `ups.model`), device.type is kept when the file sets it.
#[test]
fn device_identity_is_copied_from_ups_identity() {
    let d = driver(
        "device.mfr: A\nups.mfr: B\nups.serial: S\ndevice.type: pdu\ndevice.model: M1\n",
        "m.dev",
    );
    let t = d.tree();
    assert_eq!(t.value("device.mfr"), Some("B"));
    assert_eq!(
        t.get("device.mfr").map(|v| v.flags()),
        Some(VarFlags::RW | VarFlags::STRING)
    );
    assert_eq!(t.value("device.model"), Some("Dummy UPS"));
    assert_eq!(t.value("device.serial"), Some("S"));
    assert_eq!(
        t.get("device.serial").map(|v| v.flags()),
        Some(VarFlags::empty())
    );
    assert_eq!(t.value("device.type"), Some("pdu"));
}

#[test]
fn variables_are_typed_by_dummy_ups_table() {
    let d = driver(
        "battery.charge: 80\nbattery.charge.warning: 50\nups.firmware: x\ninput.sensitivity: low\ndriver.name: other\n",
        "x.dev",
    );
    let t = d.tree();
    let typing = |name: &str| t.get(name).map(|v| (v.flags(), v.aux()));
    assert_eq!(typing("battery.charge"), Some((VarFlags::RW, 0)));
    let string = VarFlags::RW | VarFlags::STRING;
    assert_eq!(typing("battery.charge.warning"), Some((string, 32)));
    assert_eq!(typing("ups.firmware"), Some((string, 16)));
    assert_eq!(typing("input.sensitivity"), Some((string, 1)));
    assert_eq!(t.value("driver.name"), Some("dummy-ups"));
}

/// The real driver's broadcasts for `SET` of a new and an existing variable, an empty value
/// (deleted) and `ups.status` (never deleted).
#[test]
fn set_is_accepted_for_any_variable_like_dummy_ups() {
    let mut d = driver("ups.load: 17\ne.f: y\n", "x.dev");
    assert_eq!(
        d.set_var("foo.bar", "12"),
        Ok(vec![
            set("foo.bar", "12"),
            StateChange::SetFlags {
                name: "foo.bar".into(),
                flags: VarFlags::RW | VarFlags::STRING
            },
            StateChange::SetAux {
                name: "foo.bar".into(),
                aux: 32
            },
        ])
    );
    assert_eq!(d.set_var("ups.load", "5"), Ok(vec![set("ups.load", "5")]));
    assert_eq!(d.set_var("ups.load", "5"), Ok(vec![]));
    assert_eq!(
        d.set_var("e.f", ""),
        Ok(vec![StateChange::DelInfo { name: "e.f".into() }])
    );
    assert_eq!(d.set_var("ups.status", ""), Ok(vec![set("ups.status", "")]));
    assert_eq!(d.instcmd("load.off", None), TrackingResult::UNKNOWN);
    assert!(d.tree().has_command("load.off"));
}

#[test]
fn sequences_step_on_timers_and_loop_after_a_poll_interval() {
    let mut d = driver(
        "ups.status: OL\nTIMER 5\nups.status: OB\nTIMER 5\n",
        "x.seq",
    );
    assert_eq!(d.options().mode, Mode::Loop);
    assert_eq!(d.tree().value("driver.parameter.mode"), Some("dummy-loop"));
    assert_eq!(d.next_wakeup(), Some(Duration::from_secs(5)));
    assert!(d.poll(Duration::from_secs(4)).is_empty());
    assert_eq!(d.poll(Duration::from_secs(5)), [set("ups.status", "OB")]);
    assert_eq!(d.next_wakeup(), Some(Duration::from_secs(10)));
    // The end of the file: the next pass starts one poll interval later.
    assert!(d.poll(Duration::from_secs(10)).is_empty());
    assert_eq!(d.next_wakeup(), Some(Duration::from_secs(12)));
    assert_eq!(d.poll(Duration::from_secs(12)), [set("ups.status", "OL")]);
    assert_eq!(d.next_wakeup(), Some(Duration::from_secs(17)));
}

#[test]
fn the_power_cycle_fixture_steps_through_its_timers() {
    let path = fixtures().join("dev/power-cycle.seq");
    let bytes = std::fs::read(path).expect("fixture");
    let file = DevFile::parse(&bytes, "power-cycle.seq").config;
    let timers: Vec<u64> = file
        .entries
        .iter()
        .filter_map(|l| match l.entry {
            Entry::Timer { seconds } => Some(seconds),
            _ => None,
        })
        .collect();
    assert!(timers.len() >= 2, "the fixture has timers");
    let mut d = DummyDriver::new(file, "power-cycle.seq");
    let mut statuses = vec![d.tree().value("ups.status").map(String::from)];
    let mut now = Duration::ZERO;
    for seconds in &timers {
        assert_eq!(d.next_wakeup(), Some(now + Duration::from_secs(*seconds)));
        now += Duration::from_secs(*seconds);
        d.poll(now);
        statuses.push(d.tree().value("ups.status").map(String::from));
    }
    statuses.dedup();
    assert!(statuses.len() >= 2, "the status changed: {statuses:?}");
}

#[test]
fn once_mode_plays_a_sequence_to_the_end_and_stops() {
    let file = DevFile::parse(b"ups.status: OL\nTIMER 3\nups.status: OB\n", "x.seq").config;
    let mut options = DummyOptions::new("x.seq");
    options.mode = Mode::Once;
    let mut d = DummyDriver::with_options(file, options);
    assert_eq!(d.tree().value("driver.parameter.mode"), Some("dummy-once"));
    assert_eq!(d.poll(Duration::from_secs(3)), [set("ups.status", "OB")]);
    assert_eq!(d.next_wakeup(), None);
}

#[test]
fn alarms_are_published_with_alarm_first_in_the_status() {
    let mut d = driver(
        "ups.status: OL CHRG\nALARM Replace battery\nTIMER 1\nALARM\nTIMER 1\n",
        "a.seq",
    );
    assert_eq!(d.tree().value("ups.alarm"), Some("Replace battery"));
    assert_eq!(d.tree().value("ups.status"), Some("ALARM OL CHRG"));
    let changes = d.poll(Duration::from_secs(1));
    assert_eq!(
        changes,
        [
            StateChange::DelInfo {
                name: "ups.alarm".into()
            },
            set("ups.status", "OL CHRG")
        ]
    );
}

#[test]
fn reload_emits_only_the_differences() {
    let mut d = driver(
        "ups.status: OL\nbattery.charge: 80\ninput.voltage: 230\n",
        "x.dev",
    );
    d.set_var("ups.id", "rack").expect("set");
    let new = DevFile::parse(
        b"ups.status: OB\nbattery.charge: 80\nn.n: 1\n#CMD:beeper.toggle\n",
        "x.dev",
    )
    .config;
    let changes = d.reload(new);
    assert_eq!(
        changes,
        [
            set("n.n", "1"),
            StateChange::SetFlags {
                name: "n.n".into(),
                flags: VarFlags::RW | VarFlags::STRING
            },
            StateChange::SetAux {
                name: "n.n".into(),
                aux: 32
            },
            set("ups.status", "OB"),
            StateChange::DelInfo {
                name: "input.voltage".into()
            },
            StateChange::DelInfo {
                name: "ups.id".into()
            },
            StateChange::AddCmd {
                name: "beeper.toggle".into()
            },
        ]
    );
    assert_eq!(d.tree().value("ups.mfr"), Some("Dummy Manufacturer"));
}

#[test]
fn structured_comments_add_enums_and_commands() {
    let d = driver(
        "input.transfer.low: 170\n#RW:input.transfer.low:ENUM:\"160\"\n#CMD:beeper.toggle\n",
        "x.dev",
    );
    let enums = d
        .tree()
        .get("input.transfer.low")
        .map(|v| v.enums().to_vec());
    assert_eq!(enums, Some(vec!["160".to_string()]));
    assert!(d.tree().has_command("beeper.toggle"));
    assert!(d.tree().has_command("load.off"));
}

#[test]
fn options_from_ups_conf_like_dummy_ups() {
    use nut_protocol::config::ups_conf;
    let conf = ups_conf::parse(
        b"[a]\n driver = dummy-ups\n port = x.dev\n desc = \"d\"\n mode = dummy-loop\n nolock\n pollinterval = 4\n[b]\n driver = dummy-ups\n port = y.dev\n foo = bar\n[c]\n driver = usbhid-ups\n port = auto\n[d]\n driver = dummy-ups\n port = up@host\n[e]\n driver = dummy-ups\n port = t.txt\n mode = bogus\n",
        "ups.conf",
    )
    .config;
    let section = |name: &str| conf.section(name).expect("section");
    let a = DummyOptions::from_section(section("a"), &[]).expect("a");
    assert_eq!(a.mode, Mode::Loop);
    assert_eq!(a.pollinterval, 4);
    assert!(
        a.driver_variables()
            .contains(&("driver.flag.nolock".into(), "enabled".into()))
    );
    let x = DummyOptions::from_section(section("a"), &[("mode".into(), Some("dummy-once".into()))])
        .expect("a with -x");
    assert_eq!(x.mode, Mode::Once);
    let b = DummyOptions::from_section(section("b"), &[]).map_err(|e| e.to_string());
    assert_eq!(
        b,
        Err("'foo' is not a valid variable name for this driver.".into())
    );
    assert!(matches!(
        DummyOptions::from_section(section("c"), &[]),
        Err(OptionError::WrongDriver { .. })
    ));
    let d = DummyOptions::from_section(section("d"), &[]).expect("d");
    assert_eq!(d.mode, Mode::Repeater);
    assert_eq!(
        d.upstream.map(|a| a.to_string()),
        Some("up@host:3493".into())
    );
    let e = DummyOptions::from_section(section("e"), &[]).expect("e");
    assert_eq!(e.mode, Mode::Dummy);
    let flag = DummyOptions::from_settings([("port", Some("x.dev")), ("bogus", None)]);
    assert_eq!(
        flag.map_err(|e| e.to_string()),
        Err("'bogus' is not a valid flag for this driver.".into())
    );
}

#[test]
fn overrides_cannot_be_changed() {
    let mut options = DummyOptions::new("x.dev");
    options
        .overrides
        .push(("battery.charge".into(), "99".into()));
    options.defaults.push(("ups.id".into(), "ID1".into()));
    let file = DevFile::parse(b"battery.charge: 50\n", "x.dev").config;
    let mut d = DummyDriver::with_options(file, options);
    assert_eq!(d.tree().value("battery.charge"), Some("99"));
    assert_eq!(d.tree().value("ups.id"), Some("ID1"));
    assert_eq!(d.set_var("battery.charge", "3"), Ok(vec![]));
    assert_eq!(
        StateTree::from_changes(d.startup_changes()).value("battery.charge"),
        Some("99")
    );
}

#[test]
fn every_fixture_file_loads() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures().join("dev")).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let text = std::fs::read(&path).expect("read");
        let mut d = DummyDriver::new(DevFile::parse(&text, &name).config, &name);
        assert!(d.tree().len() > 10, "{name}");
        assert_eq!(
            StateTree::from_changes(d.startup_changes()).dump(),
            d.tree().dump(),
            "{name}"
        );
        for _ in 0..20 {
            match d.next_wakeup() {
                Some(at) => {
                    d.poll(at);
                }
                None => break,
            }
        }
        count += 1;
    }
    assert!(count > 20);
}

#[test]
fn a_watched_file_is_read_again_when_its_mtime_changes() {
    let dir = std::env::temp_dir().join(format!("nut-rs-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("w.dev");
    std::fs::write(&path, "ups.status: OL\ninput.voltage: 230\n").expect("write");
    let start = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let touch = |at: std::time::SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(at))
            .expect("set mtime");
    };
    touch(start);
    let conf = nut_protocol::config::ups_conf::parse(
        b"[w]\n driver = dummy-ups\n port = w.dev\n",
        "ups.conf",
    )
    .config;
    let mut w = watched_from_ups_conf(&conf, &dir, "w", &[]).expect("driver");
    assert_eq!(w.next_wakeup(), Some(WATCH_INTERVAL));
    assert!(w.poll(WATCH_INTERVAL).is_empty(), "unchanged file");
    std::fs::write(&path, "ups.status: OB\n").expect("rewrite");
    touch(start + Duration::from_secs(60));
    let changes = w.poll(WATCH_INTERVAL * 2);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        changes,
        [
            set("ups.status", "OB"),
            StateChange::DelInfo {
                name: "input.voltage".into()
            }
        ]
    );
    assert_eq!(w.tree().value("ups.status"), Some("OB"));
}
