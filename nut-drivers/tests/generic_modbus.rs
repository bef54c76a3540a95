//! `generic_modbus` against a simulated remote-I/O box (`generic_modbus::sim::IoImage`, a
//! tokio-modbus TCP server), reached through the real opener and `ModbusPort`: the status
//! mapping for each register type and NO/NC, exception responses, a box that goes silent (and
//! comes back, under the runtime), `load.off` and `-k` on the FSD output, refused settings.
#![cfg(feature = "modbus-sim")]

mod runtime_common;

use std::net::SocketAddr;

use nut_core::{StateChange, StateTree};
use nut_drivers::apc_modbus::open::{Link, ModbusPort};
use nut_drivers::device::{
    CommandError, DeviceError, DeviceProtocol, DriverConfig, Family, PortOpener, Runner,
};
use nut_drivers::generic_modbus::RegType;
use nut_drivers::generic_modbus::sim::{ExceptionCode, IoImage, Write};
use nut_drivers::programs::GenericModbusProgram;
use nut_drivers::runtime::{DriverLink, Serve};
use nut_hal::ErrorKind;
use nut_hal::modbus::Modbus;
use nut_hal::serial::{Parity, StopBits};
use nut_hal::{PtyPair, TtySerial};
use runtime_common::until;

const TYPES: [RegType; 4] = [
    RegType::Coil,
    RegType::InputBit,
    RegType::InputRegister,
    RegType::Holding,
];

fn config(addr: SocketAddr, settings: &[(&str, &str)]) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.push("driver", Some("generic_modbus"));
    config.push("port", Some(&addr.to_string()));
    config.push("pollinterval", Some("1"));
    for (key, value) in settings {
        config.push(key, Some(value));
    }
    config
}

/// Our driver, identified, and an open port to `image` (served afresh).
async fn connect(image: &IoImage, settings: &[(&str, &str)]) -> (GenericModbusProgram, ModbusPort) {
    let addr = image.serve().await.unwrap();
    let (mut family, mut opener) =
        GenericModbusProgram::from_config(&config(addr, settings)).unwrap();
    let mut port = opener.open().await.unwrap();
    family.identify(&mut port).await.unwrap();
    (family, port)
}

async fn status(ups: &mut GenericModbusProgram, port: &mut ModbusPort) -> String {
    ups.update(port).await.unwrap().status_text()
}

#[tokio::test]
async fn ol_follows_each_register_type_normally_closed_and_open() {
    for (n, table) in TYPES.into_iter().enumerate() {
        for noro in ["0", "1"] {
            let image = IoImage::new();
            let regtype = n.to_string();
            let settings = [
                ("OL_addr", "3"),
                ("OL_regtype", regtype.as_str()),
                ("OL_noro", noro),
            ];
            let (mut ups, mut port) = connect(&image, &settings).await;
            let (on, off) = if noro == "1" { (0, 1) } else { (1, 0) };
            image.set(table, 3, on);
            assert_eq!(
                status(&mut ups, &mut port).await,
                "OL",
                "{table:?} noro {noro}"
            );
            image.set(table, 3, off);
            assert_eq!(
                status(&mut ups, &mut port).await,
                "OB DISCHRG",
                "{table:?} noro {noro}"
            );
        }
    }
}

#[tokio::test]
async fn registers_count_by_their_low_byte_as_nut_masks_them() {
    let image = IoImage::new();
    let (mut ups, mut port) = connect(&image, &[("OL_addr", "0"), ("OL_regtype", "3")]).await;
    for (value, expected) in [
        (0x0101, "OL"),
        (0x0100, "OB DISCHRG"),
        (2, "OB DISCHRG"),
        (1, "OL"),
    ] {
        image.set(RegType::Holding, 0, value);
        assert_eq!(status(&mut ups, &mut port).await, expected, "{value:#x}");
    }
}

#[tokio::test]
async fn a_full_map_gives_nut_words_alarms_and_charger_status() {
    let image = IoImage::new();
    let settings = [
        ("OB_addr", "1"),
        ("OB_regtype", "0"),
        ("LB_addr", "2"),
        ("LB_regtype", "1"),
        ("RB_addr", "3"),
        ("RB_regtype", "2"),
        ("HB_addr", "0x4"),
        ("HB_regtype", "3"),
        ("device_mfr", "PULS"),
        ("device_model", "UB40"),
    ];
    let addr = image.serve().await.unwrap();
    let (mut ups, mut opener) =
        GenericModbusProgram::from_config(&config(addr, &settings)).unwrap();
    let mut port = opener.open().await.unwrap();
    let id = ups.identify(&mut port).await.unwrap();
    assert_eq!(id.info.get("device.mfr"), Some("PULS"));
    assert_eq!(id.info.get("device.model"), Some("UB40"));
    assert!(id.commands.is_empty(), "no FSD_addr, no load.off");

    image.set(RegType::Holding, 4, 1);
    let r = ups.update(&mut port).await.unwrap();
    assert_eq!(r.status_text(), "OL HB");
    assert_eq!(r.get("battery.charger.status"), Some("resting"));

    image.set(RegType::Holding, 4, 0);
    image.set(RegType::Coil, 1, 1);
    image.set(RegType::InputBit, 2, 1);
    image.set(RegType::InputRegister, 3, 1);
    let r = ups.update(&mut port).await.unwrap();
    assert_eq!(r.status_text(), "OB DISCHRG LB RB");
    assert_eq!(r.alarms, ["Low Battery (Charge)", "Replace Battery"]);
    assert_eq!(r.get("battery.charger.status"), Some("discharging"));

    image.set(RegType::Coil, 1, 0);
    image.set(RegType::InputBit, 2, 0);
    image.set(RegType::InputRegister, 3, 0);
    let r = ups.update(&mut port).await.unwrap();
    assert_eq!(r.status_text(), "OL CHRG");
    assert!(r.alarms.is_empty());
}

#[tokio::test]
async fn an_exception_response_is_a_typed_protocol_error() {
    let image = IoImage::new();
    let (mut ups, mut port) = connect(&image, &[("OL_addr", "0"), ("LB_addr", "0x200")]).await;
    let error = ups.update(&mut port).await.unwrap_err();
    assert!(
        matches!(&error, DeviceError::Transport { kind: ErrorKind::Protocol, operation, .. }
            if operation.contains("addr:0x200") && operation.contains("INPUT_B")),
        "{error:?}"
    );
    // The session survives an exception.
    assert_eq!(
        port.read_discrete_inputs(0, 1).await.ok(),
        Some(vec![false])
    );
}

#[tokio::test]
async fn a_silent_box_is_a_typed_timeout() {
    let image = IoImage::new();
    let (mut ups, mut port) = connect(
        &image,
        &[
            ("OL_addr", "0"),
            ("mod_resp_to_us", "100000"),
            ("FSD_addr", "5"),
        ],
    )
    .await;
    image.set_silent(true);
    let error = ups.update(&mut port).await.unwrap_err();
    assert!(
        matches!(&error, DeviceError::Transport { kind: ErrorKind::Timeout, operation, .. }
            if operation.contains("addr:0x0")),
        "{error:?}"
    );
    assert!(matches!(
        ups.instcmd(&mut port, "load.off", None).await,
        Err(CommandError::Failed(_))
    ));
}

#[tokio::test]
async fn load_off_writes_the_fsd_point_and_pulses_it() {
    let image = IoImage::new();
    let (mut ups, mut port) = connect(&image, &[("OL_addr", "0"), ("FSD_addr", "7")]).await;
    assert_eq!(
        ups.instcmd(&mut port, "shutdown.stayoff", None).await,
        Err(CommandError::Unknown)
    );
    ups.instcmd(&mut port, "LOAD.OFF", None).await.unwrap();
    let coil = |addr, value| Write {
        table: RegType::Coil,
        addr,
        value,
    };
    assert_eq!(image.writes(), [coil(7, 1)]);

    let image = IoImage::new();
    let settings = [
        ("FSD_addr", "9"),
        ("FSD_regtype", "3"),
        ("FSD_noro", "1"),
        ("FSD_pulse_duration", "20"),
    ];
    let (mut ups, mut port) = connect(&image, &settings).await;
    ups.instcmd(&mut port, "load.off", None).await.unwrap();
    let holding = |addr, value| Write {
        table: RegType::Holding,
        addr,
        value,
    };
    assert_eq!(image.writes(), [holding(9, 0), holding(9, 1)]);

    // A read-only FSD point: the command is offered but fails, as NUT's.
    let image = IoImage::new();
    let (mut ups, mut port) = connect(&image, &[("FSD_addr", "1"), ("FSD_regtype", "1")]).await;
    assert!(matches!(
        ups.instcmd(&mut port, "load.off", None).await,
        Err(CommandError::Failed(DeviceError::NotSupported(_)))
    ));
    assert!(image.writes().is_empty());
}

#[tokio::test]
async fn kill_power_writes_fsd_and_retries_three_times_as_nut() {
    let image = IoImage::new();
    let (mut ups, mut port) = connect(&image, &[("FSD_addr", "2")]).await;
    ups.kill_power(&mut port).await.unwrap();
    assert_eq!(
        image.writes(),
        [Write {
            table: RegType::Coil,
            addr: 2,
            value: 1
        }]
    );

    // Beyond the image every write is refused: one try and three retries.
    let image = IoImage::new();
    let (mut ups, mut port) = connect(&image, &[("FSD_addr", "0x300")]).await;
    let before = image.requests();
    let error = ups.kill_power(&mut port).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error:?}");
    assert_eq!(image.requests() - before, 4);
}

#[test]
fn serial_ports_open_rtu_and_bad_settings_are_refused_naming_the_key() {
    let addr: SocketAddr = "127.0.0.1:502".parse().unwrap();
    let mut c = config(addr, &[("ser_baud_rate", "19200"), ("ser_parity", "E")]);
    c.push("ser_stop_bit", Some("2"));
    c.push("rio_slave_id", Some("7"));
    c.push("port", Some("/dev/ttyUSB0"));
    let (_, opener) = GenericModbusProgram::from_config(&c).expect("serial settings");
    assert_eq!(opener.unit(), 7);
    match opener.link() {
        Link::Serial { path, settings } => {
            assert_eq!(path, "/dev/ttyUSB0");
            assert_eq!(settings.baud, 19200);
            assert_eq!(settings.data_bits, 8);
            assert_eq!(settings.parity, Parity::Even);
            assert_eq!(settings.stop_bits, StopBits::Two);
        }
        other => panic!("not RTU on a serial line: {other:?}"),
    }

    for (key, value) in [("OL_noro", "yes"), ("FSD_pulse_duration", "1s")] {
        let error =
            GenericModbusProgram::from_config(&config(addr, &[("OL_addr", "1"), (key, value)]))
                .expect_err("refused");
        assert_eq!(error.key, key);
    }
    let c = config(addr, &[("OL_address", "1")]);
    let error = c
        .check_known(GenericModbusProgram::config_keys())
        .expect_err("unknown key");
    assert_eq!(error.key, "OL_address");
}

/// Our driver under the runtime on `image` (served afresh), and the tree its broadcasts are
/// mirrored into (stale until the first good poll).
async fn run(image: &IoImage, settings: &[(&str, &str)]) -> (DriverLink, StateTree) {
    let addr = image.serve().await.unwrap();
    let config = config(addr, settings);
    let (family, opener) = GenericModbusProgram::from_config(&config).unwrap();
    let runner = Runner::new(family, opener, &config, GenericModbusProgram::config_keys()).unwrap();
    let mut tree: StateTree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    (runner.start(), tree)
}

/// Under the driver runtime: fresh data; exception answers, then silence, make it stale with
/// the last status kept; answering again makes it fresh; a restarted box is connected again.
#[tokio::test]
async fn under_the_runtime_errors_make_data_stale_and_it_recovers() {
    let image = IoImage::new();
    image.set(RegType::InputBit, 0, 1);
    let (mut link, mut tree) = run(&image, &[("OL_addr", "0"), ("LB_addr", "1")]).await;
    until(&mut link, "fresh OL", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OL")
    })
    .await;
    assert_eq!(tree.value("device.mfr"), Some("UNKNOWN"));
    assert_eq!(tree.value("driver.name"), Some("generic_modbus"));

    image.set_refusing(Some(ExceptionCode::ServerDeviceFailure));
    until(&mut link, "stale on exceptions", &mut tree, &|t| {
        !t.data_ok()
    })
    .await;
    image.set_refusing(None);
    until(&mut link, "fresh again", &mut tree, &|t| t.data_ok()).await;

    image.set_silent(true);
    until(&mut link, "stale", &mut tree, &|t| !t.data_ok()).await;
    assert_eq!(
        tree.value("ups.status"),
        Some("OL"),
        "the last status stays"
    );
    image.set(RegType::InputBit, 0, 0);
    image.set(RegType::InputBit, 1, 1);
    image.set_silent(false);
    until(&mut link, "fresh OB LB", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("ALARM OB DISCHRG LB")
    })
    .await;
    assert_eq!(tree.value("ups.alarm"), Some("Low Battery (Charge)"));

    // A box that restarts: the connection is dropped and opened again.
    let connections = image.connections();
    image.restart();
    image.set(RegType::InputBit, 0, 1);
    until(&mut link, "OL after the restart", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("ALARM OL LB")
    })
    .await;
    assert!(image.connections() > connections);
}

/// With no OL/OB point and no state on, `ups.status` is published empty, as NUT's
/// `status_commit` does; an alarm word shows once LB is on.
#[tokio::test]
async fn without_mains_points_the_status_is_empty_not_absent() {
    let image = IoImage::new();
    let (mut link, mut tree) = run(&image, &[("LB_addr", "1")]).await;
    until(&mut link, "fresh, empty status", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("")
    })
    .await;
    image.set(RegType::InputBit, 1, 1);
    until(&mut link, "LB", &mut tree, &|t| {
        t.value("ups.status") == Some("ALARM LB")
    })
    .await;
}

/// Modbus RTU on a serial line: a pseudo-terminal, reached through a link whose name contains
/// `/dev/tty` (NUT's test for a serial port), unit 5 (NUT's default `rio_slave_id`).
#[tokio::test]
async fn over_rtu_on_a_pty() {
    let PtyPair {
        master,
        slave_path,
        slave: _slave,
    } = TtySerial::pty_pair().unwrap();
    let image = IoImage::new();
    let _server = image.serve_rtu(5, master);
    let dir = std::env::temp_dir().join(format!("generic-modbus-rtu-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("dev")).unwrap();
    let link = dir.join("dev/ttyRIO0");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&slave_path, &link).unwrap();

    let addr: SocketAddr = "127.0.0.1:502".parse().unwrap();
    let mut c = config(addr, &[("OL_addr", "0"), ("FSD_addr", "1")]);
    c.push("port", link.to_str());
    let (mut ups, mut opener) = GenericModbusProgram::from_config(&c).unwrap();
    assert!(matches!(opener.link(), Link::Serial { .. }));
    let mut port = opener.open().await.unwrap();
    ups.identify(&mut port).await.unwrap();
    image.set(RegType::InputBit, 0, 1);
    assert_eq!(status(&mut ups, &mut port).await, "OL");
    image.set(RegType::InputBit, 0, 0);
    assert_eq!(status(&mut ups, &mut port).await, "OB DISCHRG");
    ups.instcmd(&mut port, "load.off", None).await.unwrap();
    assert_eq!(
        image.writes(),
        [Write {
            table: RegType::Coil,
            addr: 1,
            value: 1
        }]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
