//! The `omron` and `masterguard` Qx dialects through the whole `QxDriver` on the simulator:
//! the simulator plays NUT's `omron_testing` vectors byte for byte
//! (`tests/fixtures/qx/nut-qx-subdriver-testing-tables.tsv`), the driver maps them to the
//! variables the Omron table names; a Masterguard unit (no NUT vectors: replies built from the
//! table's columns) is identified, polled, commanded and written to, with its slave address.

use std::sync::{Arc, Mutex};

use nut_drivers::device::{
    CommandError, DeviceProtocol, DriverConfig, Identity, Reading, Writable,
};
use nut_drivers::qx::sim::{SimPort, Simulator};
use nut_drivers::qx::{Dialect, QxDriver, QxSettings, detect};

const TABLES: &str = include_str!("fixtures/qx/nut-qx-subdriver-testing-tables.tsv");

fn settings(pairs: &[(&str, &str)]) -> QxSettings {
    let mut config = DriverConfig::default();
    for (key, value) in pairs {
        config.push(key, Some(*value));
    }
    QxSettings::from_config(&config).unwrap()
}

fn sim(dialect: Dialect) -> (Arc<Mutex<Simulator>>, SimPort) {
    let ups = Arc::new(Mutex::new(Simulator::new(dialect)));
    let port = SimPort::new(Arc::clone(&ups));
    (ups, port)
}

async fn start(
    dialect: Dialect,
    pairs: &[(&str, &str)],
) -> (
    QxDriver<SimPort>,
    SimPort,
    Arc<Mutex<Simulator>>,
    Identity,
    Reading,
) {
    let (ups, mut port) = sim(dialect);
    let mut qx = QxDriver::new(settings(pairs));
    let identity = qx.identify(&mut port).await.unwrap();
    let reading = qx.update(&mut port).await.unwrap();
    (qx, port, ups, identity, reading)
}

fn get<'a>(identity: &'a Identity, reading: &'a Reading, name: &str) -> Option<&'a str> {
    reading.get(name).or_else(|| identity.info.get(name))
}

/// The simulator answers every `omron_testing` command with the table's reply.
#[test]
fn omron_simulator_plays_the_testing_table() {
    let mut rows = 0;
    for line in TABLES
        .lines()
        .filter(|l| l.starts_with("nutdrv_qx_omron.c\t"))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let command = cols[2].replace("\\r", "\r");
        let reply = cols[3].replace("\\r", "\r");
        let mut ups = Simulator::new(Dialect::Omron);
        assert_eq!(
            ups.respond(command.as_bytes()),
            Some(reply.clone().into_bytes()),
            "{command:?}"
        );
        rows += 1;
    }
    assert_eq!(rows, 16);
    assert_eq!(
        Simulator::new(Dialect::Omron).respond(b"I\r").unwrap(),
        b"NAK\r"
    );
}

/// Every Omron table item from the vectors, as the whole driver publishes it.
#[tokio::test]
async fn omron_values_through_the_driver() {
    let (_, _, _, identity, reading) = start(Dialect::Omron, &[("protocol", "omron")]).await;
    let expected = [
        ("input.voltage", "102.5"),
        ("input.voltage.fault", "0.0"),
        ("output.voltage", "102.4"),
        ("ups.load", "0"),
        ("input.frequency", "49.9"),
        ("battery.voltage", "54.50"),
        ("ups.temperature", "22.7"),
        ("ups.type", "offline / line interactive"),
        ("battery.charge", "100.0"),
        ("battery.runtime", "41940"),
        ("battery.temperature", "22.5"),
        ("output.frequency", "49.9"),
        ("ups.serial", "A0Z25110005109G"),
        ("ups.firmware", "0.17"),
        ("ups.firmware.aux", "2.00"),
        ("battery.date", "2026-07-30"),
        ("ups.realpower.nominal", "1125"),
        ("ups.power.nominal", "1125"),
        ("battery.voltage.nominal", "48"),
        ("driver.version.data", "Omron 0.01"),
    ];
    for (name, value) in expected {
        assert_eq!(get(&identity, &reading, name), Some(value), "{name}");
    }
    // Bit 5 (set in the vector) and the beeper have no item in Omron's table.
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(get(&identity, &reading, "ups.beeper.status"), None);
    assert_eq!(
        identity.commands,
        ["shutdown.return", "shutdown.stayoff", "shutdown.stop"]
    );
    let names: Vec<&str> = identity.writable.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["ups.delay.start", "ups.delay.shutdown"]);
}

/// The shutdowns set the automatic restart first (`An`/`Af`), each line acknowledged `OK`
/// (`OKn` included); an unknown command is refused before anything is sent.
#[tokio::test]
async fn omron_commands() {
    let (mut qx, mut port, ups, _, _) = start(
        Dialect::Omron,
        &[("protocol", "omron"), ("offdelay", "120")],
    )
    .await;
    ups.lock().unwrap().received.clear();
    qx.instcmd(&mut port, "shutdown.return", None)
        .await
        .unwrap();
    assert_eq!(
        ups.lock().unwrap().received,
        [b"An\r".to_vec(), b"S02\r".to_vec()]
    );
    assert_eq!(ups.lock().unwrap().state.omron.auto_restart, Some(true));
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.get("ups.start.auto"), Some("yes"));
    assert!(reading.has_status("OL"));
    qx.instcmd(&mut port, "shutdown.stop", None).await.unwrap();
    assert_eq!(ups.lock().unwrap().state.shutdown, None);
    qx.set_var(&mut port, "ups.delay.shutdown", "30")
        .await
        .unwrap();
    qx.instcmd(&mut port, "shutdown.stayoff", None)
        .await
        .unwrap();
    assert_eq!(ups.lock().unwrap().state.shutdown.as_deref(), Some("Sf.5"));
    assert_eq!(
        qx.update(&mut port).await.unwrap().get("ups.start.auto"),
        Some("no")
    );
    assert!(matches!(
        qx.instcmd(&mut port, "load.off", None).await,
        Err(CommandError::Unknown)
    ));
    // -k: cancel, then the restart flag and the shutdown.
    ups.lock().unwrap().received.clear();
    qx.kill_power(&mut port).await.unwrap();
    assert_eq!(
        ups.lock().unwrap().received,
        [b"C\r".to_vec(), b"An\r".to_vec(), b"S.5\r".to_vec()]
    );
}

/// Without `protocol=omron` (and no USB vendor id on a serial port) an Omron unit is not
/// claimed as one: it answers `Q1` only, as the Q1-only dialects read it.
#[test]
fn omron_is_not_auto_detected() {
    let mut ups = Simulator::new(Dialect::Omron);
    let found = detect(|cmd: &[u8]| ups.respond(cmd));
    assert_eq!(found, Some(Dialect::Innovatae));
}

/// A Masterguard unit is detected (after zinto, before hunnox) from `WH` and `MSO`.
#[test]
fn masterguard_is_auto_detected() {
    let mut ups = Simulator::new(Dialect::Masterguard);
    assert_eq!(
        detect(|cmd: &[u8]| ups.respond(cmd)),
        Some(Dialect::Masterguard)
    );
    // An unknown series is not claimed.
    let mut other = Simulator::new(Dialect::Masterguard);
    other.state.masterguard.model = "B 1000".into();
    assert_ne!(
        detect(|cmd: &[u8]| other.respond(cmd)),
        Some(Dialect::Masterguard)
    );
    let order: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
    let at = |n: &str| order.iter().position(|x| *x == n).unwrap();
    assert_eq!(at("omron"), 0);
    assert_eq!(at("masterguard"), at("zinto") + 1);
    assert_eq!(at("hunnox"), at("masterguard") + 1);
}

#[tokio::test]
async fn masterguard_values_through_the_driver() {
    let (_, _, _, identity, reading) = start(Dialect::Masterguard, &[]).await;
    let expected = [
        ("device.mfr", "Masterguard"),
        ("device.model", "A1000"),
        ("ups.power.nominal", "1000"),
        ("ups.firmware", "V1.30"),
        ("ups.firmware.aux", "V2.10"),
        ("ups.id", "1"),
        ("battery.voltage.nominal", "27.60"),
        ("input.voltage.nominal", "230"),
        ("input.frequency.nominal", "50.00"),
        ("input.voltage.low.critical", "170"),
        ("input.frequency.high", "55.00"),
        ("ambient.0.temperature.high", "40"),
        ("load.high", "140"),
        ("battery.type", "PbAc"),
        ("ups.type", "online"),
        ("device.part", "MG1000"),
        ("device.serial", "4711"),
        ("input.voltage", "215.0"),
        ("output.voltage", "230.0"),
        ("ups.load", "14"),
        ("ups.power", "140"),
        ("output.current", "0.61"),
        ("input.frequency", "49.0"),
        ("battery.voltage", "27.30"),
        ("ups.temperature", "30.0"),
        ("ambient.0.temperature", "30.0"),
        ("battery.runtime", "900"),
        ("battery.charge", "100"),
        ("ups.test.result", "no test in progress"),
        ("battery.packs", "1"),
        ("ups.beeper.status", "disabled"),
        ("device.uptime", "90061"),
        ("output.voltage.nominal", "230"),
        ("output.current.nominal", "4.35"),
        ("driver.version.data", "Masterguard 0.05"),
    ];
    for (name, value) in expected {
        assert_eq!(get(&identity, &reading, name), Some(value), "{name}");
    }
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(identity.commands.len(), 13);
    assert!(
        identity
            .commands
            .iter()
            .any(|c| c == "test.battery.start.low")
    );
    let writable = |name: &str| {
        identity
            .writable
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, w)| w.clone())
    };
    assert_eq!(writable("ups.id"), Some(Writable::Ranges(vec![(0, 99)])));
    assert_eq!(
        writable("battery.packs"),
        Some(Writable::Ranges(vec![(0, 2)]))
    );
    assert_eq!(
        writable("output.voltage.nominal"),
        Some(Writable::Enum(vec![
            "220".into(),
            "230".into(),
            "240".into()
        ]))
    );
    assert_eq!(
        writable("ups.delay.shutdown"),
        Some(Writable::Ranges(vec![(0, 5940)]))
    );
}

/// Q3 status columns map to the status words and alarms.
#[tokio::test]
async fn masterguard_status() {
    let (mut qx, mut port, ups, _, _) = start(Dialect::Masterguard, &[]).await;
    {
        let mut ups = ups.lock().unwrap();
        ups.state.on_battery = true;
        ups.state.battery_low = true;
        ups.state.failed = true;
        ups.state.testing = true;
        ups.state.masterguard.replace_battery = true;
    }
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.status_text(), "OB LB CAL RB");
    assert_eq!(reading.alarms, ["UPS Failed"]);
    assert_eq!(reading.get("ups.test.result"), Some("test in progress"));
}

/// Commands carry the slave address where the table says so; `ups.id` moves the unit and
/// the driver follows it; writes are checked against the model's ranges.
#[tokio::test]
async fn masterguard_commands_and_variables() {
    let (mut qx, mut port, ups, _, _) = start(Dialect::Masterguard, &[]).await;
    let sent = |ups: &Arc<Mutex<Simulator>>| ups.lock().unwrap().received.last().cloned();
    for (command, param, bytes) in [
        ("beeper.enable", None, &b"SS---1,01\r"[..]),
        ("test.battery.start.deep", None, b"TUD,01\r"),
        ("test.battery.start", Some("120"), b"T02\r"),
        ("test.battery.start.low", None, b"TL\r"),
        ("test.battery.stop", None, b"CT\r"),
        ("clear.fault.record", None, b"FCLR,01\r"),
        ("bypass.start", None, b"FOFF\r"),
        ("bypass.stop", None, b"FON\r"),
        ("shutdown.return", None, b"S.5R0003\r"),
        ("shutdown.stop", None, b"C\r"),
        ("shutdown.stayoff", None, b"S.5\r"),
    ] {
        qx.instcmd(&mut port, command, param).await.unwrap();
        assert_eq!(sent(&ups).as_deref(), Some(bytes), "{command}");
    }
    assert!(ups.lock().unwrap().state.beeper);
    assert!(matches!(
        qx.instcmd(&mut port, "test.battery.start", Some("30"))
            .await,
        Err(CommandError::Invalid)
    ));
    assert!(matches!(
        qx.instcmd(&mut port, "load.off", None).await,
        Err(CommandError::Unknown)
    ));
    qx.set_var(&mut port, "battery.packs", "2").await.unwrap();
    assert_eq!(ups.lock().unwrap().state.masterguard.packs, 2);
    assert!(matches!(
        qx.set_var(&mut port, "battery.packs", "3").await,
        Err(CommandError::Invalid)
    ));
    qx.set_var(&mut port, "output.voltage.nominal", "220")
        .await
        .unwrap();
    assert_eq!(ups.lock().unwrap().state.masterguard.output_nominal, 220);
    qx.set_var(&mut port, "device.uptime", "0:1:0:5")
        .await
        .unwrap();
    assert_eq!(ups.lock().unwrap().state.masterguard.uptime, 3605);
    qx.set_var(&mut port, "ups.id", "7").await.unwrap();
    assert_eq!(sent(&ups).as_deref(), Some(&b"SS07--,01\r"[..]));
    assert_eq!(ups.lock().unwrap().state.masterguard.address, 7);
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.get("ups.id"), Some("7"));
    assert_eq!(reading.get("battery.packs"), Some("2"));
    assert_eq!(reading.get("output.voltage.nominal"), Some("220"));
    assert_eq!(reading.get("device.uptime"), Some("3605"));
    qx.instcmd(&mut port, "beeper.disable", None).await.unwrap();
    assert_eq!(sent(&ups).as_deref(), Some(&b"SS---0,07\r"[..]));
    assert!(!ups.lock().unwrap().state.beeper);
    qx.set_var(&mut port, "ups.delay.start", "600")
        .await
        .unwrap();
    assert_eq!(qx.settings().ondelay, 600);
    assert!(matches!(
        qx.set_var(&mut port, "ups.delay.shutdown", "6000").await,
        Err(CommandError::Invalid)
    ));
}

/// `protocol=masterguard` and `protocol=omron` are accepted names now.
#[test]
fn protocol_names() {
    assert_eq!(
        settings(&[("protocol", "masterguard")]).dialect,
        Some(Dialect::Masterguard)
    );
    assert_eq!(
        settings(&[("protocol", "OMRON")]).dialect,
        Some(Dialect::Omron)
    );
}

/// An E-series unit: its own nominal power and `battery.packs` range; every table command is
/// in the E list (`masterguard-series-commands.tsv`), so all 13 are offered.
#[tokio::test]
async fn masterguard_e_series() {
    let (ups, mut port) = sim(Dialect::Masterguard);
    ups.lock().unwrap().state.masterguard.model = "E100".into();
    let mut qx = QxDriver::new(settings(&[("protocol", "masterguard")]));
    let identity = qx.identify(&mut port).await.unwrap();
    assert_eq!(identity.info.get("device.model"), Some("E100"));
    assert_eq!(identity.info.get("ups.power.nominal"), Some("10000"));
    assert!(
        identity
            .writable
            .contains(&("battery.packs".to_owned(), Writable::Ranges(vec![(1, 1)])))
    );
    assert_eq!(identity.commands.len(), 13);
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.get("ups.power"), Some("1400"));
    assert_eq!(reading.get("output.current.nominal"), Some("43.48"));
    assert!(matches!(
        qx.set_var(&mut port, "battery.packs", "0").await,
        Err(CommandError::Invalid)
    ));
}
