//! `apc_modbus` against a simulated APC Smart-UPS (`apc_modbus::sim::SimUnit`, a tokio-modbus
//! TCP server holding NUT's register map), reached through the real `ModbusOpener` and
//! `TokioModbus` (porttype=tcp). Values, status changes, commands and settings, and a unit that goes silent.
#![cfg(feature = "modbus-sim")]

mod runtime_common;

use std::net::SocketAddr;

use nut_core::{StateChange, StateTree};
use nut_drivers::apc_modbus::open::{ModbusOpener, ModbusPort};
use nut_drivers::apc_modbus::sim::SimUnit as Unit;
use nut_drivers::device::{
    CommandError, DeviceError, DeviceProtocol, DriverConfig, Family, PortOpener, Runner, Writable,
};
use nut_drivers::programs::ApcModbusProgram;
use nut_drivers::runtime::Serve;
use nut_hal::ErrorKind;
use runtime_common::until;

fn config(addr: SocketAddr) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.push("driver", Some("apc_modbus"));
    config.push("porttype", Some("tcp"));
    config.push("port", Some(&addr.to_string()));
    config.push("slaveid", Some("1"));
    config.push("response_timeout_ms", Some("300"));
    config.push("pollinterval", Some("1"));
    config
}

/// Our driver and an open port to a fresh simulated unit.
async fn connect(unit: &Unit) -> (ApcModbusProgram, ModbusPort) {
    let addr = unit.serve().await.unwrap();
    let (family, mut opener) = ApcModbusProgram::from_config(&config(addr)).unwrap();
    let port = opener.open().await.unwrap();
    (family, port)
}

#[tokio::test]
async fn identify_reads_inventory_dates_settings_commands_and_writables() {
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    let id = ups.identify(&mut port).await.unwrap();
    let get = |n| id.info.get(n);
    assert_eq!(get("ups.model"), Some("Smart-UPS 1500"));
    assert_eq!(get("ups.firmware"), Some("UPS 15.5"));
    assert_eq!(get("ups.serial"), Some("AS1234567890"));
    assert_eq!(get("ups.power.nominal"), Some("1500"));
    assert_eq!(get("ups.realpower.nominal"), Some("1000"));
    assert_eq!(get("ups.mfr.date"), Some("2024-01-01"));
    assert_eq!(get("battery.date"), Some("2024-08-22"));
    assert_eq!(get("ups.id"), Some("rack-7"));
    assert_eq!(get("outlet.group.count"), Some("2"));
    assert_eq!(get("input.transfer.high"), Some("280"));
    assert_eq!(get("ups.delay.shutdown"), Some("90"));
    assert_eq!(
        get("outlet.group.1.name"),
        None,
        "empty strings are not published"
    );
    assert_eq!(id.commands.len(), 32);
    assert!(id.commands.iter().any(|c| c == "outlet.3.load.cycle"));
    assert!(id.commands.iter().any(|c| c == "test.battery.start"));
    assert!(
        id.writable
            .contains(&("ups.id".into(), Writable::String(16)))
    );
    assert!(
        id.writable
            .contains(&("battery.date".into(), Writable::String(10)))
    );
    assert!(
        id.writable
            .contains(&("input.transfer.low".into(), Writable::Number))
    );
    assert!(!id.writable.iter().any(|(n, _)| n == "ups.model"));
}

#[tokio::test]
async fn update_scales_values_and_names_codes() {
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    ups.identify(&mut port).await.unwrap();
    let r = ups.update(&mut port).await.unwrap();
    assert_eq!(r.status_text(), "OL");
    assert!(r.alarms.is_empty());
    for (name, value) in [
        ("battery.runtime", "3600"),
        ("battery.charge", "100.00"),
        ("battery.voltage", "27.00"),
        ("battery.temperature", "-5.50"),
        ("ups.load", "25.00"),
        ("ups.realpower", "250.00"),
        ("ups.power", "750.00"),
        ("output.voltage", "230.00"),
        ("output.frequency", "50.00"),
        ("ups.efficiency", "LoadTooLow"),
        ("ups.timer.shutdown", "-1"),
        ("input.transfer.reason", "AcceptableInput"),
        ("ups.test.result", "Passed, Source: Protocol"),
        ("battery.date.maintenance", "2000-01-01"),
    ] {
        assert_eq!(r.get(name), Some(value), "{name}");
    }
    assert_eq!(
        r.get("input.voltage"),
        Some("NA"),
        "0xFFFF is 'not applicable'"
    );
    unit.set(2, 99);
    unit.set(23, (1 << 3) | (1 << 7) | (1 << 11));
    unit.set(151, 235 << 6);
    unit.set(154, 94 << 7);
    let r = ups.update(&mut port).await.unwrap();
    assert_eq!(r.get("input.voltage"), Some("235.00"));
    assert_eq!(r.get("input.transfer.reason"), Some("Unknown"));
    assert_eq!(
        r.get("ups.test.result"),
        Some("Failed, Source: LocalUI, Modifier: StateOfChargeNotAcceptable")
    );
    assert_eq!(r.get("ups.efficiency"), Some("94.0"));
}

#[tokio::test]
async fn status_follows_the_status_registers() {
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    ups.identify(&mut port).await.unwrap();
    unit.set(1, 1 << 2); // on battery
    unit.set(18, 1 << 1); // shutdown imminent
    let r = ups.update(&mut port).await.unwrap();
    assert_eq!(r.status_text(), "OB LB");
    unit.set(1, (1 << 1) | (1 << 5) | (1 << 7)); // on line, fault, testing
    unit.set(18, 0);
    unit.set(0, 1 << 5); // overload (UPSStatus_BF bit 21)
    unit.set(19, 1 << 2); // replace battery
    unit.set(24, 1 << 1); // calibrating
    unit.set(150, 1 << 5); // InputStatus_BF: boost
    let r = ups.update(&mut port).await.unwrap();
    for word in ["OL", "TEST", "OVER", "RB", "CAL", "BOOST"] {
        assert!(r.has_status(word), "{word} in {}", r.status_text());
    }
    assert!(!r.has_status("OB") && !r.has_status("LB"));
    assert_eq!(r.alarms, vec!["General fault".to_string()]);
}

#[tokio::test]
async fn commands_write_their_register() {
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    ups.instcmd(&mut port, "test.battery.start", None)
        .await
        .unwrap();
    assert_eq!(unit.get(1541, 1542), vec![1]);
    ups.instcmd(&mut port, "bypass.start", None).await.unwrap();
    assert_eq!(unit.get(1536, 1538), vec![0, 0x10]);
    ups.instcmd(&mut port, "beeper.mute", None).await.unwrap();
    assert_eq!(unit.get(1543, 1544), vec![4]);
    ups.instcmd(&mut port, "shutdown.return", None)
        .await
        .unwrap();
    assert_eq!(unit.get(1538, 1540), vec![0, 0x188]);
    ups.instcmd(&mut port, "outlet.2.load.off", None)
        .await
        .unwrap();
    assert_eq!(unit.get(1538, 1540), vec![0, 0x404]);
    assert_eq!(
        ups.instcmd(&mut port, "no.such.command", None).await,
        Err(CommandError::Unknown)
    );
    // -k: one single-register write of OUTPUT_SHUTDOWN | TARGET_MAIN_OUTLET_GROUP to 1538.
    unit.set(1539, 0xAAAA);
    ups.kill_power(&mut port).await.unwrap();
    assert_eq!(unit.get(1538, 1540), vec![0x108, 0xAAAA]);
}

#[tokio::test]
async fn settings_are_written_and_read_back() {
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    ups.identify(&mut port).await.unwrap();
    ups.set_var(&mut port, "ups.id", "Rack 9").await.unwrap();
    ups.set_var(&mut port, "input.transfer.high", "285")
        .await
        .unwrap();
    ups.set_var(&mut port, "battery.date", "2025-06-30")
        .await
        .unwrap();
    ups.set_var(&mut port, "ups.delay.reboot", "70000")
        .await
        .unwrap();
    assert_eq!(unit.get(1026, 1027), vec![285]);
    assert_eq!(unit.get(1031, 1033), vec![1, 4464]);
    let id = ups.identify(&mut port).await.unwrap();
    assert_eq!(id.info.get("ups.id"), Some("Rack 9"));
    assert_eq!(id.info.get("battery.date"), Some("2025-06-30"));
    assert_eq!(id.info.get("ups.delay.reboot"), Some("70000"));
    for (name, value, expected) in [
        ("input.transfer.high", "abc", CommandError::Invalid),
        ("input.transfer.high", "70000", CommandError::Invalid),
        ("battery.date", "2025-02-30", CommandError::Invalid),
        ("ups.id", "a name far too long", CommandError::Invalid),
        ("ups.model", "x", CommandError::Invalid),
        ("no.such.var", "1", CommandError::Unknown),
    ] {
        assert_eq!(
            ups.set_var(&mut port, name, value).await,
            Err(expected),
            "{name}={value}"
        );
    }
    assert_eq!(
        unit.get(1026, 1027),
        vec![285],
        "refused values write nothing"
    );
}

#[tokio::test]
async fn a_silent_unit_is_a_typed_timeout() {
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    ups.identify(&mut port).await.unwrap();
    unit.set_silent(true);
    let error = ups.update(&mut port).await.unwrap_err();
    assert!(
        matches!(&error, DeviceError::Transport { kind: ErrorKind::Timeout, operation, .. }
            if operation.contains("Status")),
        "{error:?}"
    );
    assert!(matches!(
        ups.instcmd(&mut port, "test.battery.start", None).await,
        Err(CommandError::Failed(_))
    ));
}

#[tokio::test]
async fn tcp_exceptions_are_typed_and_the_session_survives_them() {
    use nut_drivers::apc_modbus::sim::SimFault;
    use nut_hal::modbus::Modbus;
    use nut_hal::modbus_tokio::ModbusError;
    let unit = Unit::smt1500();
    let (mut ups, mut port) = connect(&unit).await;
    let error = port.read_holding_registers(1990, 20).await.unwrap_err();
    assert_eq!(error, ModbusError::Exception { code: 2 });
    unit.set_fault(SimFault::Busy);
    let error = ups.update(&mut port).await.unwrap_err();
    assert!(
        matches!(
            error,
            DeviceError::Transport {
                kind: ErrorKind::Busy,
                ..
            }
        ),
        "{error:?}"
    );
    unit.set_fault(SimFault::None);
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.get("battery.charge"), Some("100.00"));
}

#[test]
fn bad_settings_are_refused_naming_the_key() {
    let addr: SocketAddr = "127.0.0.1:502".parse().unwrap();
    for (key, value) in [
        ("porttype", "rs485"),
        ("baudrate", "fast"),
        ("parity", "M"),
        ("databits", "9"),
        ("stopbits", "3"),
        ("slaveid", "248"),
        ("response_timeout_ms", "0"),
    ] {
        let mut c = config(addr);
        c.push(key, Some(value));
        let error = ModbusOpener::from_config(&c).unwrap_err();
        assert_eq!(error.key, key);
    }
    let mut c = DriverConfig::default();
    c.push("porttype", Some("tcp"));
    c.push("port", Some("ups.example"));
    assert_eq!(
        ModbusOpener::from_config(&c).unwrap().address(),
        "ups.example:502"
    );
}

/// Under the driver runtime: fresh data, then a silent unit makes it stale with the last
/// status kept, and answering again makes it fresh with the new status.
#[tokio::test]
async fn under_the_runtime_silence_makes_data_stale_and_it_recovers() {
    let unit = Unit::smt1500();
    let addr = unit.serve().await.unwrap();
    let config = config(addr);
    let (family, opener) = ApcModbusProgram::from_config(&config).unwrap();
    let runner = Runner::new(family, opener, &config, ApcModbusProgram::config_keys()).unwrap();
    let mut tree: StateTree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    let mut link = runner.start();
    until(&mut link, "fresh OL", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OL")
    })
    .await;
    assert_eq!(tree.value("ups.model"), Some("Smart-UPS 1500"));
    assert_eq!(tree.value("battery.charge"), Some("100.00"));
    unit.set_silent(true);
    until(&mut link, "stale", &mut tree, &|t| !t.data_ok()).await;
    assert_eq!(
        tree.value("ups.status"),
        Some("OL"),
        "the last status stays"
    );
    unit.set(1, 1 << 2);
    unit.set_silent(false);
    until(&mut link, "fresh OB", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OB")
    })
    .await;
}
