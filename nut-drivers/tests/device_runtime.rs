//! The hardware driver runtime with a scripted family, in tokio's paused time: the first
//! dump, staleness and recovery, reconnecting with back-off, overrides, defaults, ignorelb,
//! alarms, TRACKING codes, and DUMPALL through the real driver socket.

use std::time::Duration;

use nut_core::{StateChange, StateTree, VarFlags};
use nut_drivers::device::scripted::{Call, Script, error};
use nut_drivers::device::{
    CommandError, DeviceError, DriverConfig, Identity, Reading, RunError, Runner, Writable,
    kill_power,
};
use nut_drivers::runtime::{DriverLink, Output, Request, Serve};
use nut_hal::ErrorKind;
use nut_protocol::sock::{DriverMessage, ServerMessage, TrackingResult};
use tokio::time::Instant;

fn identity() -> Identity {
    let mut info = Reading::default();
    info.set("ups.mfr", "Scripted");
    info.set("ups.model", "Fake 1000");
    Identity {
        info,
        commands: vec!["beeper.toggle".into(), "test.battery.start".into()],
        writable: vec![
            (
                "input.transfer.low".into(),
                Writable::Enum(vec!["160".into(), "170".into()]),
            ),
            (
                "ups.delay.shutdown".into(),
                Writable::Ranges(vec![(0, 600)]),
            ),
            ("ups.id".into(), Writable::String(8)),
        ],
    }
}

fn reading(charge: &str) -> Reading {
    let mut reading = Reading::default();
    reading.set("battery.charge", charge);
    reading.set("battery.charge.low", "20");
    reading.set("input.transfer.low", "160");
    reading.set("ups.delay.shutdown", "30");
    reading.set("ups.id", "ups1");
    reading.status("OL");
    reading
}

fn config(extra: &[(&str, Option<&str>)]) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.push("driver", Some("scripted"));
    config.push("port", Some("/dev/fake"));
    for (key, value) in extra {
        config.push(key, *value);
    }
    config
}

struct Fixture {
    script: Script,
    link: DriverLink,
    tree: StateTree,
}

fn start(extra: &[(&str, Option<&str>)]) -> Fixture {
    start_with(extra, |_| {})
}

fn start_with(extra: &[(&str, Option<&str>)], prepare: impl FnOnce(&Script)) -> Fixture {
    let script = Script::default();
    script.set_identity(identity());
    script.set_reading(reading("100"));
    prepare(&script);
    let (family, opener) = script.family();
    let runner = Runner::new(family, opener, &config(extra), &["protocol"]).expect("config");
    let mut tree = runner.tree().clone();
    assert!(!tree.data_ok(), "stale until the first poll");
    tree.apply(&StateChange::DataStale);
    Fixture {
        script,
        link: runner.start(),
        tree,
    }
}

impl Fixture {
    /// Reads output until `done` holds for the mirrored tree; returns the broadcasts.
    async fn until(&mut self, what: &str, done: impl Fn(&StateTree) -> bool) -> Vec<StateChange> {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        while !done(&self.tree) {
            let output = tokio::time::timeout_at(deadline, self.link.output.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("driver running");
            if let Output::Broadcast(DriverMessage::Change(change)) = output {
                self.tree.apply(&change);
                seen.push(change);
            }
        }
        seen
    }

    async fn ask(&mut self, message: ServerMessage) -> Vec<DriverMessage> {
        self.link
            .requests
            .send(Request { client: 7, message })
            .expect("driver running");
        let mut replies = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let output = tokio::time::timeout_at(deadline, self.link.output.recv())
                .await
                .expect("a reply in time")
                .expect("driver running");
            match output {
                Output::Broadcast(DriverMessage::Change(change)) => {
                    self.tree.apply(&change);
                }
                Output::Reply { client, message } => {
                    assert_eq!(client, 7);
                    let last = matches!(
                        message,
                        DriverMessage::DumpDone | DriverMessage::Tracking { .. }
                    );
                    replies.push(message);
                    if last {
                        return replies;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    async fn tracked(&mut self, message: ServerMessage) -> TrackingResult {
        match self.ask(message).await.as_slice() {
            [DriverMessage::Tracking { id, result }] if id == "t1" => *result,
            other => panic!("no tracking reply: {other:?}"),
        }
    }
}

fn value<'a>(tree: &'a StateTree, name: &str) -> Option<&'a str> {
    tree.value(name)
}

#[tokio::test(start_paused = true)]
async fn first_dump_has_the_device_the_driver_variables_and_dataok() {
    let mut f = start(&[("protocol", Some("q1")), ("desc", Some("x"))]);
    f.until("data ok", StateTree::data_ok).await;
    let dump = f.ask(ServerMessage::DumpAll).await;
    let tree = StateTree::from_changes(dump.iter().filter_map(|m| match m {
        DriverMessage::Change(change) => Some(change),
        _ => None,
    }));
    assert_eq!(dump.last(), Some(&DriverMessage::DumpDone));
    assert_eq!(
        dump.get(dump.len() - 2),
        Some(&DriverMessage::Change(StateChange::DataOk))
    );
    assert_eq!(value(&tree, "ups.mfr"), Some("Scripted"));
    assert_eq!(value(&tree, "battery.charge"), Some("100"));
    assert_eq!(value(&tree, "ups.status"), Some("OL"));
    assert_eq!(value(&tree, "driver.name"), Some("scripted-ups"));
    assert_eq!(value(&tree, "driver.version"), Some("2.8.0"));
    assert_eq!(value(&tree, "driver.version.internal"), Some("0.01"));
    assert_eq!(value(&tree, "driver.parameter.port"), Some("/dev/fake"));
    assert_eq!(value(&tree, "driver.parameter.protocol"), Some("q1"));
    assert_eq!(value(&tree, "driver.parameter.pollinterval"), Some("2"));
    assert_eq!(value(&tree, "driver.parameter.synchronous"), Some("auto"));
    assert_eq!(value(&tree, "driver.parameter.desc"), None, "as 2.8.0");
    let commands: Vec<&str> = tree.commands().collect();
    assert_eq!(commands, ["beeper.toggle", "test.battery.start"]);
    let enum_var = tree.get("input.transfer.low").expect("published");
    assert_eq!(enum_var.flags(), VarFlags::RW);
    assert_eq!(enum_var.enums(), ["160", "170"]);
    let range_var = tree.get("ups.delay.shutdown").expect("published");
    assert_eq!(range_var.flags(), VarFlags::RW | VarFlags::NUMBER);
    assert_eq!(range_var.ranges().len(), 1);
    let string_var = tree.get("ups.id").expect("published");
    assert_eq!(string_var.flags(), VarFlags::RW | VarFlags::STRING);
    assert_eq!(string_var.aux(), 8);
}

#[tokio::test(start_paused = true)]
async fn polls_every_pollinterval_and_publishes_only_changes() {
    let mut f = start(&[("pollinterval", Some("5"))]);
    f.until("data ok", StateTree::data_ok).await;
    let started = Instant::now();
    f.script.set_reading(reading("90"));
    let changes = f
        .until("new charge", |t| t.value("battery.charge") == Some("90"))
        .await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(4) && waited <= Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(
        changes,
        [StateChange::SetInfo {
            name: "battery.charge".into(),
            value: "90".into()
        }]
    );
    // The charge fell, and the family gave no CHRG/DISCHRG: DISCHRG is inferred.
    f.until("DISCHRG", |t| t.value("ups.status") == Some("OL DISCHRG"))
        .await;
    // A vanished value is deleted.
    let mut less = reading("90");
    less.values.retain(|(name, _)| name != "ups.id");
    f.script.set_reading(less);
    let changes = f.until("ups.id gone", |t| t.get("ups.id").is_none()).await;
    assert_eq!(
        changes,
        [StateChange::DelInfo {
            name: "ups.id".into()
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_poll_makes_the_data_stale_until_the_next_good_one() {
    let mut f = start(&[]);
    f.until("data ok", StateTree::data_ok).await;
    f.script.push_update(Err(DeviceError::BadReply {
        operation: "Q1".into(),
        reply: "garbage".into(),
    }));
    f.until("stale", |t| !t.data_ok()).await;
    assert_eq!(value(&f.tree, "battery.charge"), Some("100"), "kept");
    let dump = f.ask(ServerMessage::DumpAll).await;
    assert_eq!(
        dump.first(),
        Some(&DriverMessage::Change(StateChange::DataStale))
    );
    f.until("fresh again", StateTree::data_ok).await;
    assert_eq!(f.script.count(&Call::Open), 1, "no reopen for a bad reply");
    assert_eq!(f.script.count(&Call::Identify), 1);
}

#[tokio::test(start_paused = true)]
async fn a_lost_port_is_reopened_with_back_off_and_the_data_recovers() {
    let mut f = start(&[]);
    f.until("data ok", StateTree::data_ok).await;
    f.script.push_update(Err(error(ErrorKind::Disconnected)));
    f.script.fail_opens(3, ErrorKind::Io);
    f.until("stale", |t| !t.data_ok()).await;
    let lost = Instant::now();
    f.until("fresh again", StateTree::data_ok).await;
    // Reopen attempts after 1, 2, 4 and 8 s of back-off: the fourth works.
    let waited = lost.elapsed();
    assert_eq!(waited, Duration::from_secs(1 + 2 + 4 + 8), "{waited:?}");
    assert_eq!(f.script.count(&Call::Open), 1 + 4);
    assert_eq!(f.script.count(&Call::Identify), 2, "identified again");
}

#[tokio::test(start_paused = true)]
async fn a_port_missing_at_start_is_waited_for() {
    let mut f = start_with(&[], |s| s.fail_opens(2, ErrorKind::Disconnected));
    let dump = f.ask(ServerMessage::DumpAll).await;
    assert_eq!(
        dump.first(),
        Some(&DriverMessage::Change(StateChange::DataStale))
    );
    f.until("data ok", StateTree::data_ok).await;
    assert_eq!(f.script.count(&Call::Open), 3);
}

#[tokio::test(start_paused = true)]
async fn overrides_win_and_defaults_fill_gaps() {
    let mut f = start(&[
        ("override.battery.charge", Some("55")),
        ("override.input.transfer.low", Some("150")),
        ("default.battery.runtime", Some("1200")),
        ("default.battery.charge.low", Some("5")),
    ]);
    assert_eq!(
        value(&f.tree, "battery.charge"),
        Some("55"),
        "from the start"
    );
    f.until("data ok", StateTree::data_ok).await;
    assert_eq!(value(&f.tree, "battery.charge"), Some("55"));
    assert_eq!(value(&f.tree, "battery.runtime"), Some("1200"));
    assert_eq!(
        value(&f.tree, "battery.charge.low"),
        Some("20"),
        "device wins"
    );
    let overridden = f.tree.get("input.transfer.low").expect("published");
    assert_eq!(overridden.value(), "150");
    assert!(overridden.enums().is_empty(), "not made writable");
    assert_eq!(
        value(&f.tree, "driver.parameter.override.battery.charge"),
        None
    );
    let mut with_runtime = reading("40");
    with_runtime.set("battery.runtime", "600");
    f.script.set_reading(with_runtime);
    f.until("device runtime", |t| {
        t.value("battery.runtime") == Some("600")
    })
    .await;
    assert_eq!(value(&f.tree, "battery.charge"), Some("55"));
    f.script.set_reading(reading("40"));
    f.until("default again", |t| {
        t.value("battery.runtime") == Some("1200")
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn ignorelb_decides_lb_from_the_charge() {
    let mut f = start(&[("ignorelb", None)]);
    let mut low_by_device = reading("50");
    low_by_device.status("LB");
    f.script.set_reading(low_by_device);
    f.until("data ok", StateTree::data_ok).await;
    assert_eq!(
        value(&f.tree, "ups.status"),
        Some("OL"),
        "device LB ignored"
    );
    assert_eq!(value(&f.tree, "driver.flag.ignorelb"), Some("enabled"));
    f.script.set_reading(reading("10"));
    f.until("LB", |t| t.value("ups.status") == Some("OL DISCHRG LB"))
        .await;
}

#[tokio::test(start_paused = true)]
async fn ignorelb_without_a_charge_stops_the_driver() {
    let script = Script::default();
    script.set_identity(identity());
    script.set_reading(Reading::default());
    let (family, opener) = script.family();
    let mut runner = Runner::new(family, opener, &config(&[("ignorelb", None)]), &[]).expect("ok");
    let fatal = runner.on_fatal();
    let _link = runner.start();
    assert_eq!(
        fatal.await,
        Ok(RunError::Core(
            nut_drivers::device::CoreError::IgnoreLbWithoutCharge
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn alarms_set_ups_alarm_and_the_alarm_status() {
    let mut f = start(&[]);
    let mut alarmed = reading("100");
    alarmed.alarm("Replace battery!");
    alarmed.alarm("Fan failure!");
    alarmed.status("ALARM");
    f.script.set_reading(alarmed);
    f.until("data ok", StateTree::data_ok).await;
    assert_eq!(value(&f.tree, "ups.status"), Some("ALARM OL"));
    assert_eq!(
        value(&f.tree, "ups.alarm"),
        Some("Replace battery! Fan failure!")
    );
    f.script.set_reading(reading("100"));
    f.until("alarm gone", |t| t.get("ups.alarm").is_none())
        .await;
    assert_eq!(value(&f.tree, "ups.status"), Some("OL"));
    // An alarm with no status word: NUT's "ALARM %s" leaves a trailing space.
    let mut bare = reading("100");
    bare.status.clear();
    bare.alarm("Fan failure!");
    f.script.set_reading(bare);
    f.until("status changed", |t| {
        t.get("ups.alarm").is_some() && value(t, "ups.status") != Some("OL")
    })
    .await;
    assert_eq!(value(&f.tree, "ups.status"), Some("ALARM "));
}

#[tokio::test(start_paused = true)]
async fn set_and_instcmd_report_each_outcome_as_nut_tracking_codes() {
    let mut f = start(&[]);
    f.until("data ok", StateTree::data_ok).await;
    let instcmd = |cmd: &str| ServerMessage::InstCmd {
        cmd: cmd.into(),
        param: Some("5".into()),
        tracking: Some("t1".into()),
    };
    let cases = [
        (Ok(()), TrackingResult::HANDLED),
        (Err(CommandError::Unknown), TrackingResult::UNKNOWN),
        (Err(CommandError::Invalid), TrackingResult::INVALID),
        (
            Err(CommandError::Failed(error(ErrorKind::Timeout))),
            TrackingResult::FAILED,
        ),
    ];
    for (outcome, code) in cases.clone() {
        f.script.push_command_result(outcome);
        assert_eq!(f.tracked(instcmd("test.battery.start")).await, code);
    }
    assert_eq!(
        f.script.count(&Call::InstCmd(
            "test.battery.start".into(),
            Some("5".into())
        )),
        4
    );
    for (outcome, code) in cases {
        f.script.push_command_result(outcome);
        let set = ServerMessage::Set {
            var: "ups.id".into(),
            value: "new".into(),
            tracking: Some("t1".into()),
        };
        assert_eq!(f.tracked(set).await, code);
    }
    // The successful SET shows at the next poll, which comes at once.
    let before = Instant::now();
    f.until("set value", |t| t.value("ups.id") == Some("new"))
        .await;
    assert!(before.elapsed() < Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn commands_fail_while_the_device_is_away() {
    let mut f = start_with(&[], |s| s.fail_opens(100, ErrorKind::Disconnected));
    let set = ServerMessage::Set {
        var: "ups.id".into(),
        value: "x".into(),
        tracking: Some("t1".into()),
    };
    assert_eq!(f.tracked(set).await, TrackingResult::FAILED);
    assert!(!f.script.calls().iter().any(|c| matches!(c, Call::Set(..))));
}

#[tokio::test(start_paused = true)]
async fn kill_power_opens_identifies_and_kills() {
    let script = Script::default();
    let (mut family, mut opener) = script.family();
    assert_eq!(
        kill_power(&mut family, &mut opener, &DriverConfig::default()).await,
        Ok(())
    );
    assert_eq!(
        script.calls(),
        [Call::Open, Call::Identify, Call::KillPower]
    );
    script.fail_kill_power(error(ErrorKind::Timeout));
    assert!(
        kill_power(&mut family, &mut opener, &DriverConfig::default())
            .await
            .is_err()
    );
    script.fail_opens(1, ErrorKind::Disconnected);
    assert!(
        kill_power(&mut family, &mut opener, &DriverConfig::default())
            .await
            .is_err()
    );
}

/// Real time here: paused time races ahead while a task waits for real socket I/O.
#[tokio::test]
async fn dumpall_through_the_real_driver_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = std::env::temp_dir().join(format!("nut-rs-device-runtime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("scripted-ups1");
    let script = Script::default();
    script.set_identity(identity());
    script.set_reading(reading("100"));
    let (family, opener) = script.family();
    let runner = Runner::new(family, opener, &config(&[]), &[]).expect("config");
    let listener = nut_drivers::socket::bind(&path).expect("bind");
    tokio::spawn(nut_drivers::socket::serve(runner, listener));
    let mut stream = tokio::net::UnixStream::connect(&path)
        .await
        .expect("connect");
    stream.write_all(b"DUMPALL\n").await.expect("write");
    let mut text = String::new();
    let mut buffer = [0u8; 4096];
    // The first poll runs at once; until then the dump says DATASTALE: ask again.
    while !text.ends_with("DATAOK\nDUMPDONE\n") {
        if text.ends_with("DUMPDONE\n") {
            text.clear();
            tokio::time::sleep(Duration::from_millis(20)).await;
            stream.write_all(b"DUMPALL\n").await.expect("write");
        }
        let n = stream.read(&mut buffer).await.expect("read");
        assert!(n > 0, "closed early: {text}");
        text.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    assert!(text.contains("SETINFO ups.status \"OL\"\n"), "{text}");
    assert!(
        text.contains("SETINFO driver.name \"scripted-ups\"\n"),
        "{text}"
    );
    assert!(
        text.contains("ADDENUM input.transfer.low \"170\"\n"),
        "{text}"
    );
    assert!(text.contains("SETFLAGS ups.id RW STRING\n"), "{text}");
    assert!(text.contains("ADDCMD test.battery.start\n"), "{text}");
    assert!(text.ends_with("DATAOK\nDUMPDONE\n"), "{text}");
    stream
        .write_all(b"INSTCMD beeper.toggle TRACKING abc\n")
        .await
        .expect("write");
    let mut reply = String::new();
    while !reply.ends_with('\n') {
        let n = stream.read(&mut buffer).await.expect("read");
        assert!(n > 0);
        reply.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    assert_eq!(reply, "TRACKING abc 0\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(start_paused = true)]
async fn the_runner_serves_the_in_process_channel_too() {
    let script = Script::default();
    script.set_identity(identity());
    script.set_reading(reading("77"));
    let (family, opener) = script.family();
    let runner = Runner::new(family, opener, &config(&[]), &[]).expect("config");
    let mut channel = nut_drivers::in_process::spawn(runner);
    let mut tree = StateTree::new();
    tree.apply(&StateChange::DataStale);
    while !(tree.data_ok() && tree.value("battery.charge") == Some("77")) {
        match channel.from_driver.recv().await.expect("driver running") {
            DriverMessage::Change(change) => {
                tree.apply(&change);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    channel
        .to_driver
        .send(ServerMessage::InstCmd {
            cmd: "beeper.toggle".into(),
            param: None,
            tracking: Some("t9".into()),
        })
        .expect("send");
    let reply = channel.from_driver.recv().await.expect("reply");
    assert_eq!(
        reply,
        DriverMessage::Tracking {
            id: "t9".into(),
            result: TrackingResult::HANDLED
        }
    );
    assert_eq!(
        script.count(&Call::InstCmd("beeper.toggle".into(), None)),
        1
    );
}

/// `CHRG`/`DISCHRG` inferred from `battery.charge` moving, as NUT 2.8.1+ (not 2.8.0: see
/// docs/DIFFERENCES.md), only when the family gives neither word.
#[tokio::test(start_paused = true)]
async fn charging_is_inferred_from_the_charge_moving() {
    let mut f = start(&[]);
    f.until("first poll", |t| {
        t.data_ok() && t.value("ups.status") == Some("OL")
    })
    .await;
    f.script.set_reading(reading("90"));
    f.until("discharging", |t| {
        t.value("ups.status") == Some("OL DISCHRG")
    })
    .await;
    // Still 90 on the next polls: the last direction stays.
    let polls = f.script.count(&Call::Update);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        f.script.count(&Call::Update) >= polls + 2,
        "polled meanwhile"
    );
    while let Ok(output) = f.link.output.try_recv() {
        if let Output::Broadcast(DriverMessage::Change(change)) = output {
            f.tree.apply(&change);
        }
    }
    assert_eq!(value(&f.tree, "ups.status"), Some("OL DISCHRG"));
    f.script.set_reading(reading("95"));
    f.until("charging", |t| t.value("ups.status") == Some("OL CHRG"))
        .await;
    f.script.set_reading(reading("100"));
    f.until("full", |t| t.value("ups.status") == Some("OL"))
        .await;
    // A family that says it itself is believed, whichever way the charge moves.
    let mut own = reading("80");
    own.status("CHRG");
    f.script.set_reading(own);
    f.until("the family's word", |t| {
        t.value("ups.status") == Some("OL CHRG")
    })
    .await;
}

/// `sdcommands` (NUT 2.8.1's setting): `shutdown.default` is offered and runs the first of
/// the listed commands the device accepts; `-k` does the same.
#[tokio::test(start_paused = true)]
async fn shutdown_default_runs_the_first_accepted_sdcommand() {
    let mut f = start(&[("sdcommands", Some("shutdown.stayoff,load.off"))]);
    f.until("first poll", StateTree::data_ok).await;
    let commands: Vec<&str> = f.tree.commands().collect();
    assert!(commands.contains(&"shutdown.default"), "{commands:?}");
    assert_eq!(
        value(&f.tree, "driver.parameter.sdcommands"),
        Some("shutdown.stayoff,load.off")
    );
    f.script.push_command_result(Err(CommandError::Unknown));
    f.script.push_command_result(Ok(()));
    let run = ServerMessage::InstCmd {
        cmd: "shutdown.default".into(),
        param: None,
        tracking: Some("t1".into()),
    };
    assert_eq!(f.tracked(run).await, TrackingResult::HANDLED);
    let tried: Vec<Call> = f
        .script
        .calls()
        .into_iter()
        .filter(|c| matches!(c, Call::InstCmd(..) | Call::KillPower))
        .collect();
    assert_eq!(
        tried,
        [
            Call::InstCmd("shutdown.stayoff".into(), None),
            Call::InstCmd("load.off".into(), None)
        ]
    );

    // Without sdcommands: no shutdown.default, and -k uses the family's own method.
    let plain = start(&[]);
    let script = plain.script.clone();
    drop(plain);
    let (mut family, mut opener) = script.family();
    let mut listed = DriverConfig::default();
    listed.push("sdcommands", Some("load.off"));
    script.push_command_result(Err(CommandError::Invalid));
    assert!(kill_power(&mut family, &mut opener, &listed).await.is_err());
    assert!(!script.calls().contains(&Call::KillPower));
    assert_eq!(
        kill_power(&mut family, &mut opener, &DriverConfig::default()).await,
        Ok(())
    );
    assert!(script.calls().contains(&Call::KillPower));
}
