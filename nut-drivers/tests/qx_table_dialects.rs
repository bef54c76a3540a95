//! The table-driven Qx dialects newer than NUT 2.8.0 (q2, q6, gtec, innovart31, innovart33)
//! through the whole `QxDriver`, on the simulator playing NUT's testing tables
//! (`tests/fixtures/qx/nut-qx-subdriver-testing-tables.tsv`). Expected values are worked out
//! by hand from the item tables (`dialects/items.tsv`: columns, formats, hooks) and those
//! replies; broken replies give typed errors.

use std::sync::{Arc, Mutex};

use nut_drivers::device::{
    CommandError, DeviceError, DeviceProtocol, DriverConfig, Identity, Reading,
};
use nut_drivers::qx::gtec::Q4;
use nut_drivers::qx::items::{ItemError, table};
use nut_drivers::qx::sim::{SimPort, Simulator};
use nut_drivers::qx::{Dialect, ParseError, QxDriver, QxSettings};
use nut_hal::ErrorKind;
use nut_hal::wrap::{Fault, FaultInjecting};

const TABLES: &str = include_str!("fixtures/qx/nut-qx-subdriver-testing-tables.tsv");

const DIALECTS: [(Dialect, &str); 5] = [
    (Dialect::Q2, "nutdrv_qx_q2.c"),
    (Dialect::Q6, "nutdrv_qx_q6.c"),
    (Dialect::Gtec, "nutdrv_qx_gtec.c"),
    (Dialect::Innovart31, "nutdrv_qx_innovart31.c"),
    (Dialect::Innovart33, "nutdrv_qx_innovart33.c"),
];

fn unescape(s: &str) -> Vec<u8> {
    s.replace("\\r", "\r").into_bytes()
}

fn settings(protocol: Option<&str>) -> QxSettings {
    let mut config = DriverConfig::default();
    if let Some(protocol) = protocol {
        config.push("protocol", Some(protocol));
    }
    QxSettings::from_config(&config).unwrap()
}

fn sim(dialect: Dialect) -> Arc<Mutex<Simulator>> {
    Arc::new(Mutex::new(Simulator::new(dialect)))
}

fn port(ups: &Arc<Mutex<Simulator>>) -> FaultInjecting<SimPort> {
    FaultInjecting::new(SimPort::new(Arc::clone(ups)))
}

async fn run(
    ups: &Arc<Mutex<Simulator>>,
    protocol: Option<&str>,
) -> (QxDriver<FaultInjecting<SimPort>>, Identity, Reading) {
    let mut qx = QxDriver::new(settings(protocol));
    let mut p = port(ups);
    let identity = qx.identify(&mut p).await.unwrap();
    let reading = qx.update(&mut p).await.unwrap();
    (qx, identity, reading)
}

fn check(identity: &Identity, reading: &Reading, expected: &[(&str, &str)], what: &str) {
    for (name, value) in expected {
        let got = reading.get(name).or_else(|| identity.info.get(name));
        assert_eq!(got, Some(*value), "{what}: {name}");
    }
}

#[test]
fn simulator_plays_the_testing_tables() {
    for (dialect, file) in DIALECTS {
        let rows: Vec<_> = TABLES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|cols| cols[0] == file)
            .collect();
        assert!(rows.len() >= 12, "{file}");
        for cols in rows {
            let (command, reply) = (unescape(cols[2]), unescape(cols[3]));
            let got = Simulator::new(dialect).respond(&command);
            let want = (!reply.is_empty()).then_some(reply);
            assert_eq!(got, want, "{file}: {}", cols[2]);
        }
    }
}

/// Values every three-phase `WA` reply gives (`(001.4 … 006.5 … 007 …`): kW/kVA × 1000 as
/// `%.2f`, currents `%.1f`, load `%.0f`.
const WA_3PHASE: &[(&str, &str)] = &[
    ("output.L1.realpower", "1400.00"),
    ("output.L2.realpower", "0.00"),
    ("output.L3.realpower", "0.00"),
    ("output.L1.power", "1400.00"),
    ("output.L2.power", "0.00"),
    ("output.L3.power", "0.00"),
    ("output.L1.current", "6.5"),
    ("output.L2.current", "0.0"),
    ("output.L3.current", "0.0"),
    ("ups.realpower", "1400.00"),
    ("ups.power", "1400.00"),
    ("ups.load", "7"),
];

/// Q1 `00000000`: on line, online type, beeper off; the delays' defaults.
const Q1_BITS: &[(&str, &str)] = &[
    ("ups.type", "online"),
    ("ups.beeper.status", "disabled"),
    ("ups.delay.start", "180"),
    ("ups.delay.shutdown", "30"),
];

#[tokio::test]
async fn q2_maps_its_test_vectors() {
    let (qx, identity, reading) = run(&sim(Dialect::Q2), Some("q2")).await;
    assert_eq!(qx.dialect(), Some(Dialect::Q2));
    let expected = [
        ("input.L1-N.voltage", "226.6"),
        ("input.L2-N.voltage", "224.3"),
        ("input.L3-N.voltage", "228.0"),
        ("input.voltage.fault", "226.6"),
        ("input.frequency", "49.9"),
        ("output.L1-N.voltage", "229.9"),
        ("output.L2-N.voltage", "0.0"),
        ("output.L3-N.voltage", "0.0"),
        ("output.L1.load", "0"),
        ("output.L2.load", "0"),
        ("output.L3.load", "0"),
        ("ups.temperature", "18.0"),
        ("battery.voltage", "327.6"),
        // 999.24 minutes.
        ("battery.runtime", "59954"),
        ("battery.charge", "100"),
        ("experimental.input.topology", "star"),
        ("experimental.output.topology", "star"),
        ("driver.version.data", "Q2 0.01"),
    ];
    check(&identity, &reading, &expected, "q2");
    check(&identity, &reading, WA_3PHASE, "q2");
    check(&identity, &reading, Q1_BITS, "q2");
    assert_eq!(reading.status_text(), "OL");
    // Static items are read at start only; Q1's own values are not q2 items.
    assert_eq!(reading.get("experimental.input.topology"), None);
    assert_eq!(reading.get("input.voltage"), None);
    assert_eq!(identity.info.get("battery.voltage.low"), None);
    assert!(identity.commands.iter().any(|c| c == "beeper.toggle"));
}

/// Q6 `(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 327.8 000.0 23.0 06932 100`.
const Q6_COMMON: &[(&str, &str)] = &[
    ("input.L1-N.voltage", "227.0"),
    ("input.L2-N.voltage", "225.6"),
    ("input.L3-N.voltage", "230.0"),
    ("input.frequency", "50.0"),
    ("output.frequency", "49.9"),
    ("ups.temperature", "23.0"),
    ("battery.voltage", "327.8"),
    ("battery.runtime", "6932"),
    ("battery.charge", "100"),
];

/// Q6's three-phase output.
const Q6_3PHASE: &[(&str, &str)] = &[
    ("output.L1-N.voltage", "229.9"),
    ("output.L2-N.voltage", "0.0"),
    ("output.L3-N.voltage", "0.0"),
    ("output.L1.load", "7"),
    ("output.L2.load", "0"),
    ("output.L3.load", "0"),
];

#[tokio::test]
async fn q6_maps_its_test_vectors() {
    let ups = sim(Dialect::Q6);
    let (mut qx, identity, reading) = run(&ups, Some("q6")).await;
    check(&identity, &reading, Q6_COMMON, "q6");
    check(&identity, &reading, Q6_3PHASE, "q6");
    check(&identity, &reading, WA_3PHASE, "q6");
    check(&identity, &reading, Q1_BITS, "q6");
    let own = [
        ("experimental.battery.voltage.negative", "0.0"),
        ("experimental.input.topology", "star"),
        ("experimental.output.topology", "star"),
        ("driver.version.data", "Q6 0.01"),
    ];
    check(&identity, &reading, &own, "q6");
    assert_eq!(reading.status_text(), "OL");
    // Q1's bits follow the unit: on battery, low, failed.
    {
        let mut ups = ups.lock().unwrap();
        ups.state.on_battery = true;
        ups.state.battery_low = true;
        ups.state.failed = true;
    }
    let reading = qx.update(&mut port(&ups)).await.unwrap();
    assert_eq!(reading.status_text(), "OB LB");
    assert_eq!(reading.alarms, ["UPS selftest failed!"]);
    // Commands are the Megatec ones, answered with nothing.
    qx.instcmd(&mut port(&ups), "beeper.toggle", None)
        .await
        .unwrap();
    qx.instcmd(&mut port(&ups), "shutdown.return", None)
        .await
        .unwrap();
    let state = ups.lock().unwrap().state.clone();
    assert!(state.beeper);
    assert_eq!(state.shutdown.as_deref(), Some("S.5R0003"));
}

#[tokio::test]
async fn gtec_maps_its_test_vectors() {
    let ups = sim(Dialect::Gtec);
    let (mut qx, identity, reading) = run(&ups, Some("gtec")).await;
    let expected = [
        // Q4 `(236.7 243.2 212.1 220.1 230.4 002 001 50.0 371 372 041.3 22.9 IM`.
        ("input.voltage", "236.7"),
        ("input.voltage.fault", "220.1"),
        ("output.voltage", "230.4"),
        ("ups.load", "1"),
        ("input.frequency", "50.0"),
        ("battery.voltage", "41.3"),
        ("ups.temperature", "22.9"),
        // I: test passed.
        ("battery.test.status", "Test passed - Result: OK"),
        // F `#230.0 000 024.0 50.0`.
        ("input.voltage.nominal", "230"),
        ("input.current.nominal", "0.0"),
        ("battery.voltage.nominal", "24.0"),
        ("input.frequency.nominal", "50"),
        ("device.mfr", "NOT_A_LIVE_UPS"),
        ("device.model", "TESTING"),
        ("ups.firmware", "TESTING"),
        // No charge reported: guessed from 104/120 and 130/120 of 24 V; 41.3 V is above.
        ("battery.voltage.low", "20.80"),
        ("battery.voltage.high", "26.00"),
        ("battery.charge", "100"),
        ("driver.version.data", "Gtec 0.01"),
        ("ups.delay.start", "180"),
    ];
    check(&identity, &reading, &expected, "gtec");
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(identity.info.get("ups.type"), None);
    assert_eq!(reading.get("ups.beeper.status"), None);
    // Letters: A on battery, B low, E testing, F shutting down.
    {
        let mut ups = ups.lock().unwrap();
        ups.state.on_battery = true;
        ups.state.battery_low = true;
        ups.state.testing = true;
        ups.state.shutdown = Some("S01".into());
    }
    let reading = qx.update(&mut port(&ups)).await.unwrap();
    assert_eq!(reading.status_text(), "OB LB FSD");
    assert_eq!(reading.get("battery.test.status"), Some("Test in progress"));
    qx.instcmd(&mut port(&ups), "load.off", None).await.unwrap();
    let reading = qx.update(&mut port(&ups)).await.unwrap();
    assert_eq!(reading.get("output.voltage"), Some("0.0"));
    assert!(reading.has_status("OFF"), "{}", reading.status_text());
}

/// innovart31/33's ratings and identification: F `#230.0 087 288.0 50.0`, FW? `05516-1100`,
/// SASV07? from column 7, trimmed.
const INNOVART_STATIC: &[(&str, &str)] = &[
    ("input.voltage.nominal", "230"),
    ("input.current.nominal", "87.0"),
    ("battery.voltage.nominal", "288.0"),
    ("input.frequency.nominal", "50"),
    ("ups.firmware", "05516-1100"),
    ("ups.serial", "N05K10KB100004"),
];

#[tokio::test]
async fn innovart31_maps_its_test_vectors() {
    let ups = sim(Dialect::Innovart31);
    let (mut qx, identity, reading) = run(&ups, Some("innovart31")).await;
    check(&identity, &reading, Q6_COMMON, "innovart31");
    check(&identity, &reading, INNOVART_STATIC, "innovart31");
    check(&identity, &reading, Q1_BITS, "innovart31");
    let own = [
        ("output.voltage", "229.9"),
        ("ups.load", "7"),
        ("output.current", "6.5"),
        ("ups.realpower", "1400.00"),
        ("ups.power", "1400.00"),
        ("input.bypass.voltage", "230.4"),
        ("input.bypass.frequency", "49.9"),
        ("driver.version.data", "INNOVART31 0.02"),
    ];
    check(&identity, &reading, &own, "innovart31");
    assert_eq!(reading.get("output.L1.current"), None);
    assert_eq!(reading.status_text(), "OL");
    // No beeper toggle; tests acknowledged `ACK`, shutdowns answered with nothing.
    assert!(!identity.commands.iter().any(|c| c == "beeper.toggle"));
    assert_eq!(
        qx.instcmd(&mut port(&ups), "beeper.toggle", None).await,
        Err(CommandError::Unknown)
    );
    qx.instcmd(&mut port(&ups), "test.battery.start.quick", None)
        .await
        .unwrap();
    qx.instcmd(&mut port(&ups), "shutdown.stayoff", None)
        .await
        .unwrap();
    let state = ups.lock().unwrap().state.clone();
    assert!(state.testing);
    assert_eq!(state.shutdown.as_deref(), Some("S.5R0000"));
    // A refusal (`NAK`) is a failed command.
    let mut unit = Simulator::new(Dialect::Innovart31);
    assert_eq!(unit.respond(b"Q\r").unwrap(), b"NAK\r");
    let mut refusing = port(&ups).on_read(0, Fault::Garbage(b"NAK\r".to_vec()));
    let error = qx
        .instcmd(&mut refusing, "test.battery.stop", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CommandError::Failed(DeviceError::BadReply { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn innovart33_maps_its_test_vectors() {
    let (qx, identity, reading) = run(&sim(Dialect::Innovart33), Some("innovart33")).await;
    assert_eq!(qx.dialect(), Some(Dialect::Innovart33));
    check(&identity, &reading, Q6_COMMON, "innovart33");
    check(&identity, &reading, Q6_3PHASE, "innovart33");
    check(&identity, &reading, WA_3PHASE, "innovart33");
    check(&identity, &reading, INNOVART_STATIC, "innovart33");
    check(&identity, &reading, Q1_BITS, "innovart33");
    let own = [
        ("input.bypass.L1-N.voltage", "230.4"),
        ("input.bypass.L2-N.voltage", "0.0"),
        ("input.bypass.L3-N.voltage", "0.0"),
        ("input.bypass.frequency", "49.9"),
        ("driver.version.data", "INNOVART33 0.01"),
    ];
    check(&identity, &reading, &own, "innovart33");
    assert_eq!(reading.get("output.voltage"), None);
    assert_eq!(reading.status_text(), "OL");
}

#[tokio::test]
async fn auto_detection_follows_nuts_order() {
    // innovart31 claims before innovart33 (same queries) and innovatae (any Q1 unit) before
    // q2 and q6; a gtec unit does not answer Q1, so gtec claims it.
    for (unit, found) in [
        (Dialect::Gtec, Dialect::Gtec),
        (Dialect::Innovart31, Dialect::Innovart31),
        (Dialect::Innovart33, Dialect::Innovart31),
        (Dialect::Q2, Dialect::Innovatae),
        (Dialect::Q6, Dialect::Innovatae),
    ] {
        let mut qx = QxDriver::new(settings(None));
        qx.identify(&mut port(&sim(unit))).await.unwrap();
        assert_eq!(qx.dialect(), Some(found), "{unit:?}");
    }
    let order: Vec<_> = Dialect::ALL.iter().map(|d| d.name()).collect();
    let at = |name| order.iter().position(|n| *n == name).unwrap();
    assert!(at("ablerex") < at("innovart31"));
    assert!(at("innovart31") < at("innovart33"));
    assert!(at("innovart33") < at("innovatae"));
    assert!(at("innovatae") < at("q2"));
    assert!(at("q2") < at("q6"));
    assert!(at("q6") < at("gtec"));
    assert!(at("gtec") < at("q1"));
}

#[tokio::test]
async fn garbage_and_short_replies_are_typed_errors() {
    for (dialect, _) in DIALECTS {
        let ups = sim(dialect);
        let (mut qx, _, _) = run(&ups, Some(dialect.name())).await;
        // Noise on every read: a bad reply (after the retries), not a reading.
        let mut noisy = port(&ups);
        for i in 0..40 {
            noisy = noisy.on_read(i, Fault::Garbage(b"(2x6.6 garbage\r".to_vec()));
        }
        let error = qx.update(&mut noisy).await.unwrap_err();
        assert!(
            matches!(error, DeviceError::BadReply { .. }),
            "{dialect:?}: {error}"
        );
        // The main status reply cut after 20 bytes, every time: a bad reply, and the
        // parser says why.
        let Some(main) = table(dialect).and_then(|t| t.status.first()) else {
            panic!("{dialect:?} has no status query");
        };
        let reply = Simulator::new(dialect)
            .respond(main.command)
            .unwrap_or_default();
        let cut = [reply.get(..20).unwrap_or_default(), b"\r"].concat();
        let mut short = port(&ups);
        for i in 0..40 {
            short = short.on_read(i, Fault::Garbage(cut.clone()));
        }
        let error = qx.update(&mut short).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Protocol, "{dialect:?}: {error}");
        assert!(
            matches!(
                main.parse(&cut, dialect.rejected_reply()),
                Err(ItemError::Parse(ParseError::TooShort { got: 21, .. }))
            ),
            "{dialect:?}"
        );
        let mut garbled = reply.clone();
        garbled[2] = b'x';
        assert!(
            matches!(
                main.parse(&garbled, None),
                Err(ItemError::Parse(ParseError::NotNumeric { .. }))
            ),
            "{dialect:?}"
        );
    }
    // Letters are not numbers: gtec's status column is text.
    assert!(
        Q4.parse(
            b"(236.7 243.2 212.1 220.1 230.4 002 001 50.0 371 372 041.3 22.9 ??\r",
            None
        )
        .is_ok()
    );
}
