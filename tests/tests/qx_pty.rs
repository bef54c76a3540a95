//! Our `QxDriver` over a real tty (`TtySerial` on a pty) against the Qx UPS simulator.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_drivers::device::{CommandError, DeviceProtocol, DriverConfig};
use nut_drivers::qx::sim::Simulator;
use nut_drivers::qx::{Dialect, QxDriver};
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_tests::pty::PtyDevice;

fn simulated(dialect: Dialect) -> (Arc<Mutex<Simulator>>, PtyDevice) {
    let sim = Arc::new(Mutex::new(Simulator::new(dialect)));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().unwrap().feed(bytes)).unwrap();
    (sim, pty)
}

fn driver(settings: &[(&str, Option<&str>)]) -> QxDriver<TtySerial> {
    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, *value);
    }
    let mut driver = QxDriver::from_config(&config).unwrap();
    // Commands most units do not answer: wait less than NUT's second for "no reply".
    driver.timeout = Duration::from_millis(300);
    driver
}

#[tokio::test]
async fn identify_update_on_battery_and_commands_over_a_pty() {
    let (sim, pty) = simulated(Dialect::Megatec);
    let mut port = TtySerial::open(pty.path(), LineSettings::new_8n1(2400)).unwrap();
    let mut qx = driver(&[]);
    let identity = qx.identify(&mut port).await.unwrap();
    assert_eq!(qx.dialect(), Some(Dialect::Megatec), "auto-detected");
    let info = &identity.info;
    assert_eq!(info.get("input.voltage.nominal"), Some("230"));
    assert_eq!(info.get("battery.voltage.nominal"), Some("24.0"));
    assert_eq!(info.get("ups.firmware"), Some("TESTING"));
    assert_eq!(info.get("ups.delay.shutdown"), Some("30"));
    assert!(identity.commands.iter().any(|c| c == "beeper.toggle"));

    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(reading.get("input.voltage"), Some("215.0"));
    assert_eq!(reading.get("battery.voltage"), Some("22.70"));
    assert_eq!(reading.get("battery.charge"), Some("37"));
    assert_eq!(reading.get("ups.load"), Some("14"));

    {
        let mut ups = sim.lock().unwrap();
        ups.state.on_battery = true;
        ups.state.battery_low = true;
        ups.state.battery_voltage = 21.0;
    }
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.status_text(), "OB LB");
    assert_eq!(reading.get("battery.charge"), Some("4"));

    sim.lock().unwrap().received.clear();
    qx.instcmd(&mut port, "test.battery.start.quick", None)
        .await
        .unwrap();
    qx.instcmd(&mut port, "test.battery.start", Some("120"))
        .await
        .unwrap();
    qx.instcmd(&mut port, "beeper.toggle", None).await.unwrap();
    qx.set_var(&mut port, "ups.delay.shutdown", "45")
        .await
        .unwrap();
    qx.instcmd(&mut port, "shutdown.return", None)
        .await
        .unwrap();
    qx.instcmd(&mut port, "shutdown.stop", None).await.unwrap();
    qx.instcmd(&mut port, "shutdown.stayoff", None)
        .await
        .unwrap();
    qx.instcmd(&mut port, "load.off", None).await.unwrap();
    qx.instcmd(&mut port, "load.on", None).await.unwrap();
    let sent: Vec<Vec<u8>> = sim.lock().unwrap().received.clone();
    let expected: Vec<&[u8]> = vec![
        b"T\r",
        b"T02\r",
        b"Q\r",
        b"S.7R0003\r",
        b"C\r",
        b"S.7R0000\r",
        b"S00R0000\r",
        b"C\r",
    ];
    assert_eq!(sent, expected);
    let reading = qx.update(&mut port).await.unwrap();
    assert!(reading.has_status("CAL"), "the simulator runs a test");
    assert_eq!(reading.get("ups.beeper.status"), Some("enabled"));

    assert!(matches!(
        qx.instcmd(&mut port, "bypass.start", None).await,
        Err(CommandError::Unknown)
    ));
    assert!(matches!(
        qx.instcmd(&mut port, "test.battery.start", Some("10"))
            .await,
        Err(CommandError::Invalid)
    ));
}

#[tokio::test]
async fn pinned_dialects_over_a_pty() {
    for (dialect, status) in [
        (Dialect::MegatecOld, &b"D\r"[..]),
        (Dialect::Mustek, b"QS\r"),
        (Dialect::Mecer, b"Q1\r"),
        (Dialect::BestUps, b"Q1\r"),
        (Dialect::Q1, b"Q1\r"),
    ] {
        let (sim, pty) = simulated(dialect);
        let mut port = TtySerial::open(pty.path(), LineSettings::new_8n1(2400)).unwrap();
        let mut qx = driver(&[("protocol", Some(dialect.name()))]);
        qx.identify(&mut port).await.unwrap();
        sim.lock().unwrap().received.clear();
        let reading = qx.update(&mut port).await.unwrap();
        assert_eq!(reading.get("output.voltage"), Some("230.0"), "{dialect:?}");
        // The poll starts with the dialect's status query (Best Power then asks RT).
        assert_eq!(sim.lock().unwrap().received.first().unwrap(), status);
    }
}

#[tokio::test]
async fn kill_power_cancels_then_shuts_down() {
    let (sim, pty) = simulated(Dialect::Megatec);
    let mut port = TtySerial::open(pty.path(), LineSettings::new_8n1(2400)).unwrap();
    let mut qx = driver(&[("protocol", Some("megatec")), ("offdelay", Some("120"))]);
    qx.identify(&mut port).await.unwrap();
    sim.lock().unwrap().received.clear();
    qx.kill_power(&mut port).await.unwrap();
    let ups = sim.lock().unwrap();
    assert_eq!(ups.received, [b"C\r".to_vec(), b"S02R0003\r".to_vec()]);
    assert_eq!(ups.state.shutdown.as_deref(), Some("S02R0003"));
}

#[tokio::test]
async fn a_vanished_device_is_a_disconnect() {
    let (_sim, pty) = simulated(Dialect::Megatec);
    let mut port = TtySerial::open(pty.path(), LineSettings::new_8n1(2400)).unwrap();
    let mut qx = driver(&[("protocol", Some("megatec"))]);
    qx.identify(&mut port).await.unwrap();
    drop(pty);
    let error = qx.update(&mut port).await.unwrap_err();
    assert_eq!(error.kind(), nut_hal::ErrorKind::Disconnected, "{error}");
}
