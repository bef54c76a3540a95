//! `apc_modbus` over Modbus RTU on a real pseudo-terminal (the simulated unit serving the
//! master side, our driver opening the slave through `porttype=serial`) and over APC's
//! RTU-in-USB-HID pipe (`nut_hal::modbus_hid::HidModbus` on the simulated HID device
//! `sim::hid::SimHid`), with the faults of issue #8: exception responses, silence, garbage,
//! the unit going away — typed errors, DATA-STALE under the runtime, and recovery.
#![cfg(feature = "modbus-sim")]

mod runtime_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_drivers::apc_modbus::ApcModbus;
use nut_drivers::apc_modbus::open::{Link, ModbusOpener, ModbusPort};
use nut_drivers::apc_modbus::sim::hid::SimHid;
use nut_drivers::apc_modbus::sim::{SimFault, SimUnit};
use nut_drivers::apc_modbus::usb::report_ids;
use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig, Family, PortOpener, Runner};
use nut_drivers::programs::ApcModbusProgram;
use nut_drivers::runtime::Serve;
use nut_hal::hid::HidDevice;
use nut_hal::modbus::Modbus;
use nut_hal::modbus_hid::{HidModbus, ReportIds};
use nut_hal::modbus_tokio::ModbusError;
use nut_hal::serial::{LineSettings, Parity, StopBits};
use nut_hal::{Error, ErrorKind, PtyPair, TtySerial};
use runtime_common::until;

const UNIT: u8 = 1;

/// The unit answers: battery.charge's register holds 100 % (100 << 9).
async fn assert_charge_word(port: &mut impl Modbus<Error = ModbusError>) {
    assert_eq!(
        port.read_holding_registers(130, 1).await.unwrap(),
        [100 << 9]
    );
}

fn serial_config(path: &str) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.push("driver", Some("apc_modbus"));
    config.push("porttype", Some("serial"));
    config.push("port", Some(path));
    config.push("baudrate", Some("9600"));
    config.push("parity", Some("N"));
    config.push("databits", Some("8"));
    config.push("stopbits", Some("1"));
    config.push("slaveid", Some("1"));
    config.push("response_timeout_ms", Some("300"));
    config.push("pollinterval", Some("1"));
    config
}

/// A pty whose master side the unit serves as RTU: the slave's path, the slave (held open)
/// and the server task (aborting it closes the master: the unit goes away).
struct RtuUnit {
    path: String,
    _slave: TtySerial,
    server: tokio::task::JoinHandle<()>,
}

fn rtu_unit(unit: &SimUnit) -> RtuUnit {
    let PtyPair {
        master,
        slave_path,
        slave,
    } = TtySerial::pty_pair().unwrap();
    RtuUnit {
        path: slave_path.to_str().unwrap().to_owned(),
        _slave: slave,
        server: unit.serve_rtu(UNIT, master),
    }
}

async fn open_serial(path: &str) -> (ApcModbusProgram, ModbusPort) {
    let (family, mut opener) = ApcModbusProgram::from_config(&serial_config(path)).unwrap();
    assert!(matches!(opener.link(), Link::Serial { settings, .. } if settings.baud == 9600));
    let port = opener.open().await.unwrap();
    (family, port)
}

#[tokio::test]
async fn rtu_on_a_pty_identifies_and_reads_the_unit() {
    let unit = SimUnit::smt1500();
    let pty = rtu_unit(&unit);
    let (mut ups, mut port) = open_serial(&pty.path).await;
    let identity = ups.identify(&mut port).await.unwrap();
    assert_eq!(identity.info.get("ups.model"), Some("Smart-UPS 1500"));
    assert_eq!(identity.info.get("ups.serial"), Some("AS1234567890"));
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.get("battery.charge"), Some("100.00"));
    assert_eq!(reading.status_text(), "OL");
    ups.set_var(&mut port, "ups.id", "rack-9").await.unwrap();
    let identity = ups.identify(&mut port).await.unwrap();
    assert_eq!(identity.info.get("ups.id"), Some("rack-9"));
}

#[tokio::test]
async fn rtu_exceptions_are_typed_and_the_session_survives_them() {
    let unit = SimUnit::smt1500();
    let pty = rtu_unit(&unit);
    let (_, mut port) = open_serial(&pty.path).await;
    let error = port.read_holding_registers(1990, 20).await.unwrap_err();
    assert_eq!(error, ModbusError::Exception { code: 2 });
    assert_eq!(error.kind(), ErrorKind::Protocol);
    unit.set_fault(SimFault::Busy);
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error, ModbusError::Exception { code: 6 });
    assert_eq!(error.kind(), ErrorKind::Busy);
    unit.set_fault(SimFault::None);
    assert_charge_word(&mut port).await;
}

#[tokio::test]
async fn rtu_garbage_and_silence_fail_typed_and_a_reopen_recovers() {
    let unit = SimUnit::smt1500();
    let pty = rtu_unit(&unit);
    let path = pty.path.clone();
    let (_, mut port) = open_serial(&path).await;
    unit.set_fault(SimFault::Garbage);
    // tokio-modbus drops bytes hunting for a frame whose CRC holds and gives up ("too many
    // retries"): a protocol error, and the session is closed (bytes may still be in flight).
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "a bad CRC: {error:?}");
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Disconnected, "{error:?}");
    unit.set_fault(SimFault::None);
    unit.set_silent(true);
    let (_, mut port) = open_serial(&path).await;
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::Disconnected,
        "closed after the timeout"
    );
    unit.set_silent(false);
    let (_, mut port) = open_serial(&path).await;
    assert_charge_word(&mut port).await;
}

#[tokio::test]
async fn rtu_unit_going_away_is_a_disconnection() {
    let unit = SimUnit::smt1500();
    let pty = rtu_unit(&unit);
    let (_, mut port) = open_serial(&pty.path).await;
    assert_charge_word(&mut port).await;
    pty.server.abort();
    let _ = pty.server.await;
    let error = port.read_holding_registers(130, 1).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Disconnected, "{error:?}");
}

#[tokio::test]
async fn rtu_under_the_runtime_silence_is_stale_and_it_recovers() {
    let unit = SimUnit::smt1500();
    let pty = rtu_unit(&unit);
    let config = serial_config(&pty.path);
    let (family, opener) = ApcModbusProgram::from_config(&config).unwrap();
    let runner = Runner::new(family, opener, &config, ApcModbusProgram::config_keys()).unwrap();
    let mut tree: StateTree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    let mut link = runner.start();
    until(&mut link, "fresh OL", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OL")
    })
    .await;
    unit.set_silent(true);
    until(&mut link, "stale", &mut tree, &|t| !t.data_ok()).await;
    unit.set(1, 1 << 2);
    unit.set_silent(false);
    until(&mut link, "fresh OB", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OB")
    })
    .await;
}

// --- RTU in USB HID reports -------------------------------------------------------------

fn usb_session(unit: &SimUnit, unplugged: &Arc<AtomicBool>) -> HidModbus<SimHid> {
    HidModbus::new(
        unit.hid(UNIT, Arc::clone(unplugged)),
        UNIT,
        ReportIds::default(),
        Duration::from_millis(300),
    )
}

#[tokio::test]
async fn usb_requests_are_crc_less_64_byte_reports_and_long_replies_are_reassembled() {
    let unit = SimUnit::smt1500();
    let unplugged = Arc::default();
    let mut port = usb_session(&unit, &unplugged);
    let descriptor = port.device().unwrap().report_descriptor().await.unwrap();
    assert_eq!(report_ids(&descriptor), ReportIds::default());
    let mut ups: ApcModbus<HidModbus<SimHid>> = ApcModbus::new().unwrap();
    let identity = ups.identify(&mut port).await.unwrap();
    // The inventory block is 516..636: 120 registers, a 243-byte reply in four reports.
    assert_eq!(identity.info.get("ups.model"), Some("Smart-UPS 1500"));
    assert_eq!(identity.info.get("ups.firmware"), Some("UPS 15.5"));
    let first = port.device().unwrap().written.first().cloned().unwrap();
    assert_eq!(first.len(), 64);
    // As the nut#2609 trace: [01][03][02][04][00][78], no CRC, zero padding.
    assert_eq!(first[..7], [0x90, 0x01, 0x03, 0x02, 0x04, 0x00, 0x78]);
    assert!(first[7..].iter().all(|b| *b == 0));
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.get("battery.charge"), Some("100.00"));
    assert_eq!(reading.get("output.voltage"), Some("230.00"));
    ups.instcmd(&mut port, "test.battery.start", None)
        .await
        .unwrap();
}

#[tokio::test]
async fn usb_a_late_reply_waiting_on_the_pipe_is_drained_not_taken_as_the_answer() {
    let unit = SimUnit::smt1500();
    let unplugged = Arc::default();
    let mut port = usb_session(&unit, &unplugged);
    // nut#2609: the 54-byte reply to an earlier 27-register read (01 03 36 …) still waiting
    // when the 120-register inventory read goes out.
    let mut late = vec![0x89, 0x01, 0x03, 0x36];
    late.resize(64, 0);
    port.device().unwrap().queue_input(late);
    let words = port.read_holding_registers(516, 120).await.unwrap();
    assert_eq!(words.len(), 120);
    assert_eq!(words[0], u16::from_be_bytes(*b"UP"));
    assert!(port.is_open());
}

#[tokio::test(start_paused = true)]
async fn usb_faults_are_typed_and_close_the_session_when_it_cannot_go_on() {
    let unit = SimUnit::smt1500();
    let unplugged = Arc::new(AtomicBool::new(false));
    let mut port = usb_session(&unit, &unplugged);
    let error = port.read_holding_registers(1990, 20).await.unwrap_err();
    assert_eq!(error, ModbusError::Exception { code: 2 });
    unit.set_fault(SimFault::Busy);
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Busy);
    assert!(port.is_open(), "exceptions leave the session usable");
    unit.set_fault(SimFault::Garbage);
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error:?}");
    assert!(!port.is_open(), "a stray reply closes the session");
    unit.set_fault(SimFault::None);
    let mut port = usb_session(&unit, &unplugged);
    unit.set_silent(true);
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error, ModbusError::Timeout(Duration::from_millis(300)));
    assert_eq!(
        port.read_holding_registers(0, 27).await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
    unit.set_silent(false);
    let mut port = usb_session(&unit, &unplugged);
    unplugged.store(true, Ordering::SeqCst);
    let error = port.read_holding_registers(0, 27).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Disconnected, "{error:?}");
    unplugged.store(false, Ordering::SeqCst);
    let mut port = usb_session(&unit, &unplugged);
    assert_charge_word(&mut port).await;
}

/// Opens a fresh USB session on the simulated unit, failing while it is unplugged.
struct SimUsbOpener {
    unit: SimUnit,
    unplugged: Arc<AtomicBool>,
}

impl PortOpener for SimUsbOpener {
    type Port = HidModbus<SimHid>;

    async fn open(&mut self) -> Result<HidModbus<SimHid>, DeviceError> {
        if self.unplugged.load(Ordering::SeqCst) {
            return Err(DeviceError::Transport {
                operation: "finding the UPS".into(),
                kind: ErrorKind::Disconnected,
                message: "unplugged".into(),
            });
        }
        Ok(usb_session(&self.unit, &self.unplugged))
    }
}

#[tokio::test]
async fn usb_under_the_runtime_unplugging_is_stale_and_replugging_recovers() {
    let unit = SimUnit::smt1500();
    let unplugged = Arc::new(AtomicBool::new(false));
    let mut config = DriverConfig::default();
    config.push("driver", Some("apc_modbus"));
    config.push("porttype", Some("usb"));
    config.push("pollinterval", Some("1"));
    assert!(matches!(
        ModbusOpener::from_config(&config).unwrap().link(),
        Link::Usb(_)
    ));
    let opener = SimUsbOpener {
        unit: unit.clone(),
        unplugged: Arc::clone(&unplugged),
    };
    let family: ApcModbus<HidModbus<SimHid>> = ApcModbus::new().unwrap();
    let runner = Runner::new(family, opener, &config, ApcModbusProgram::config_keys()).unwrap();
    let mut tree: StateTree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    let mut link = runner.start();
    until(&mut link, "fresh OL", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OL")
    })
    .await;
    unplugged.store(true, Ordering::SeqCst);
    until(&mut link, "stale", &mut tree, &|t| !t.data_ok()).await;
    unit.set(1, 1 << 2);
    unplugged.store(false, Ordering::SeqCst);
    until(&mut link, "fresh OB", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OB")
    })
    .await;
}

#[test]
fn unknown_keys_and_bad_serial_settings_are_refused() {
    let mut config = serial_config("/dev/ttyS0");
    config.push("baud", Some("9600"));
    let error = config
        .check_known(ApcModbusProgram::config_keys())
        .unwrap_err();
    assert_eq!(error.key, "baud");
    assert!(
        serial_config("/dev/ttyS0")
            .check_known(ApcModbusProgram::config_keys())
            .is_ok()
    );
    let mut config = DriverConfig::default();
    config.push("porttype", Some("serial"));
    config.push("port", Some("/dev/ttyUSB1"));
    for (key, value) in [
        ("baudrate", "19200"),
        ("parity", "E"),
        ("databits", "7"),
        ("stopbits", "2"),
        ("slaveid", "7"),
    ] {
        config.push(key, Some(value));
    }
    let opener = ModbusOpener::from_config(&config).unwrap();
    let Link::Serial { path, settings } = opener.link() else {
        panic!("not serial: {:?}", opener.link());
    };
    assert_eq!(path, "/dev/ttyUSB1");
    assert_eq!(
        *settings,
        LineSettings {
            baud: 19200,
            data_bits: 7,
            parity: Parity::Even,
            stop_bits: StopBits::Two,
        }
    );
    assert_eq!(opener.unit(), 7);
    let mut config = DriverConfig::default();
    config.push("porttype", Some("serial"));
    config.push("port", Some("/dev/ttyS0"));
    config.push("parity", Some("X"));
    assert_eq!(
        ModbusOpener::from_config(&config).unwrap_err().key,
        "parity"
    );
}
