//! The Qx USB bridges (`nut_drivers::qx::usb`): `QxDriver` over `QxUsb<SimUsb>` gives the same
//! readings as over the serial `SimPort`, for every bridge; the exact transfers of each bridge;
//! USB faults (timeout, stall, disconnect) as typed errors; arbitrary device bytes never panic.
//!
//! `SimUsb` (`qx::usb::sim`) is a bridge chip in front of the Qx simulator (`qx::sim`): it
//! decodes SET_REPORT chunks and string descriptor reads into command lines and answers them
//! from the simulator. No captured USB transfers of these bridges exist in research-data, so
//! the replies are the simulator's (NUT's testing-table values) — except for one real device
//! (the FSP Champ 3000VA dump, a Cypress bridge), whose upsc values are reproduced.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_drivers::device::{CommandError, DeviceProtocol, DriverConfig, Identity, Reading};
use nut_drivers::qx::sim::{SimPort, Simulator};
use nut_drivers::qx::usb::framing::{self, encode_string};
use nut_drivers::qx::usb::sim::{Seen, SimUsb};
use nut_drivers::qx::usb::{Bridge, QxUsb, UsbSettings, bridge_for};
use nut_drivers::qx::{Dialect, QxDriver, QxSettings};
use nut_hal::ErrorKind;
use nut_hal::serial::Serial;
use nut_hal::usb::{ControlRequest, ControlType, Recipient};
use proptest::prelude::*;

fn megatec() -> QxSettings {
    let mut config = DriverConfig::default();
    config.push("protocol", Some("megatec"));
    QxSettings::from_config(&config).unwrap()
}

fn usb(ups: &Arc<Mutex<Simulator>>, bridge: Bridge) -> QxUsb<SimUsb> {
    let mut port = QxUsb::new(
        SimUsb::new(ups, bridge),
        UsbSettings {
            bridge,
            langid_fix: None,
        },
    );
    // The simulated hunnox needs no time to settle.
    port.timeouts.hunnox_settle = Duration::ZERO;
    port
}

async fn run<S: Serial + 'static>(port: &mut S) -> (Identity, Reading) {
    let mut qx = QxDriver::<S>::new(megatec());
    let identity = qx.identify(port).await.unwrap();
    let reading = qx.update(port).await.unwrap();
    (identity, reading)
}

fn ups() -> Arc<Mutex<Simulator>> {
    let ups = Arc::new(Mutex::new(Simulator::new(Dialect::Megatec)));
    ups.lock().unwrap().state.on_battery = true;
    ups
}

#[tokio::test]
async fn every_bridge_reads_like_the_serial_port() {
    let (serial_id, serial_reading) = run(&mut SimPort::new(ups())).await;
    assert_eq!(serial_reading.get("input.voltage"), Some("215.0"));
    assert!(serial_reading.has_status("OB"));
    for bridge in Bridge::ALL {
        let ups = ups();
        let mut port = usb(&ups, bridge);
        let (id, reading) = run(&mut port).await;
        assert_eq!(id.info, serial_id.info, "{bridge:?}");
        assert_eq!(id.commands, serial_id.commands, "{bridge:?}");
        assert_eq!(reading, serial_reading, "{bridge:?}");
        // The simulator heard the commands the driver sent, through the bridge.
        let heard = ups.lock().unwrap().received.clone();
        assert_eq!(
            heard.first().map(Vec::as_slice),
            Some(&b"Q1\r"[..]),
            "{bridge:?}"
        );
    }
}

/// upsc values of `fixtures/qx/FSP__...blazer_usb...dev` (a real FSP Champ 3000VA on a
/// Cypress bridge, USB 0665:5161 "INNO TECH" / "USB to Serial", interrupt EP 0x81 of 8 bytes).
fn fsp_dump() -> Vec<(String, String)> {
    include_str!("fixtures/qx/FSP__Fortron_UPS_Champ_3000VA_Tower__blazer_usb__2.7.4__01.dev")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[tokio::test]
async fn real_fsp_champ_over_its_cypress_bridge() {
    let dump = fsp_dump();
    let want = |name: &str| {
        dump.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // The bridge chosen for the device's ids, as NUT's auto-selection does.
    let mut config = DriverConfig::default();
    config.push("vendorid", Some("0665"));
    config.push("productid", Some("5161"));
    let settings =
        UsbSettings::from_config(&config, 0x0665, 0x5161, Some("USB to Serial")).unwrap();
    assert_eq!(settings.bridge, Bridge::Cypress);
    // The UPS behind it, set to what upsc showed (Q1 reconstructed as in tests/qx.rs).
    let ups = Arc::new(Mutex::new(Simulator::new(Dialect::Megatec)));
    {
        let mut u = ups.lock().unwrap();
        let s = &mut u.state;
        (s.input_voltage, s.input_voltage_fault, s.output_voltage) = (231.8, 231.8, 220.1);
        (s.load, s.input_frequency, s.battery_voltage, s.temperature) = (1, 50.0, 2.27, 18.0);
        s.beeper = true;
        s.rating = (220.0, 13, 72.0, 50.0);
        s.info = format!("{:15} {:10} {:10}", "", "WPHVT3K0", "01060.04");
    }
    let mut port = QxUsb::new(SimUsb::new(&ups, settings.bridge), settings);
    // blazer_usb shows the pack voltage (2.27 V per cell × 36 cells).
    let mut qx = QxDriver::new(megatec()).as_blazer();
    let identity = qx.identify(&mut port).await.unwrap();
    let reading = qx.update(&mut port).await.unwrap();
    for name in [
        "input.voltage",
        "input.voltage.fault",
        "output.voltage",
        "ups.load",
        "input.frequency",
        "battery.voltage",
        "ups.temperature",
        "ups.beeper.status",
        "ups.type",
    ] {
        assert_eq!(reading.get(name), want(name), "{name}");
    }
    assert_eq!(Some(reading.status_text().as_str()), want("ups.status"));
    for name in [
        "ups.model",
        "ups.firmware",
        "input.voltage.nominal",
        "input.current.nominal",
        "battery.voltage.nominal",
    ] {
        assert_eq!(identity.info.get(name), want(name), "{name}");
    }
}

#[tokio::test]
async fn commands_through_the_bridges() {
    // Krauler: beeper toggle is string 0x07.
    let ups_k = ups();
    let mut port = usb(&ups_k, Bridge::Krauler);
    let mut qx = QxDriver::new(megatec());
    qx.identify(&mut port).await.unwrap();
    qx.instcmd(&mut port, "beeper.toggle", None).await.unwrap();
    assert!(ups_k.lock().unwrap().state.beeper);
    // Krauler has no shutdowns: the bridge echoes, the driver sees a rejection.
    let refused = qx.instcmd(&mut port, "shutdown.return", None).await;
    assert!(
        matches!(refused, Err(CommandError::Failed(_))),
        "{refused:?}"
    );
    assert_eq!(ups_k.lock().unwrap().state.shutdown, None);

    // Fabula: shutdown.return is encoded in the index; tests are not supported.
    let ups_f = ups();
    let mut port = usb(&ups_f, Bridge::Fabula);
    let mut qx = QxDriver::new(megatec());
    qx.identify(&mut port).await.unwrap();
    qx.instcmd(&mut port, "shutdown.return", None)
        .await
        .unwrap();
    assert_eq!(
        ups_f.lock().unwrap().state.shutdown.as_deref(),
        Some("S.5R0001")
    );
    assert!(
        port.usb_mut()
            .seen
            .contains(&Seen::In(framing::get_string(0x18, 0x0409)))
    );
    let test = qx
        .instcmd(&mut port, "test.battery.start.quick", None)
        .await;
    assert!(test.is_err());
    assert!(!ups_f.lock().unwrap().state.testing);

    // Cypress: any command goes through.
    let ups_c = ups();
    let mut port = usb(&ups_c, Bridge::Cypress);
    let mut qx = QxDriver::new(megatec());
    qx.identify(&mut port).await.unwrap();
    qx.instcmd(&mut port, "test.battery.start.quick", None)
        .await
        .unwrap();
    assert!(ups_c.lock().unwrap().state.testing);
}

const SET_REPORT: ControlRequest = framing::set_report(0x0200);

#[tokio::test]
async fn cypress_transfers() {
    let ups = ups();
    let mut port = usb(&ups, Bridge::Cypress);
    port.write_all(b"S.5R0003\r").await.unwrap();
    port.write_all(b"Q1\r").await.unwrap();
    let seen = &port.usb_mut().seen;
    assert_eq!(seen[0], Seen::Out(SET_REPORT, b"S.5R0003".to_vec()));
    assert_eq!(seen[1], Seen::Out(SET_REPORT, b"\r\0\0\0\0\0\0\0".to_vec()));
    // No reply to a shutdown: one interrupt read that times out.
    assert_eq!(seen[2], Seen::Interrupt(0x81, 8));
    assert_eq!(seen[3], Seen::Out(SET_REPORT, b"Q1\r\0\0\0\0\0".to_vec()));
    // 47 bytes: six 8-byte packets until the CR.
    assert_eq!(&seen[4..], vec![Seen::Interrupt(0x81, 8); 6].as_slice());
    let mut buf = [0u8; 64];
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    assert_eq!(n, 47);
    assert_eq!(&buf[..6], b"(215.0");
    assert_eq!(SET_REPORT.control_type, ControlType::Class);
    assert_eq!(SET_REPORT.recipient, Recipient::Interface);
}

#[tokio::test]
async fn phoenix_flushes_stale_data_first() {
    let ups = ups();
    let mut port = usb(&ups, Bridge::Phoenix);
    port.usb_mut().interrupt.extend(b"stale junk\r");
    port.write_all(b"F\r").await.unwrap();
    let seen = port.usb_mut().seen.clone();
    // Two packets of junk, then a timed-out read, then the command.
    assert_eq!(&seen[..3], vec![Seen::Interrupt(0x81, 8); 3].as_slice());
    assert_eq!(seen[3], Seen::Out(SET_REPORT, b"F\r\0\0\0\0\0\0".to_vec()));
    let mut buf = [0u8; 64];
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    assert_eq!(&buf[..n], b"#230.0 000 024.0 50.0\r");

    // A stalled endpoint during the flush is cleared, then the exchange goes on.
    let mut port = QxUsb::new(
        SimUsb::new(&ups, Bridge::Phoenix).fail(0, ErrorKind::Io),
        UsbSettings {
            bridge: Bridge::Phoenix,
            langid_fix: None,
        },
    );
    port.write_all(b"F\r").await.unwrap();
    let clear = ControlRequest {
        control_type: ControlType::Standard,
        recipient: Recipient::Endpoint,
        request: 0x01,
        value: 0,
        index: 0x81,
    };
    assert_eq!(port.usb_mut().seen[1], Seen::Out(clear, Vec::new()));
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    assert_eq!(n, 22);
}

#[tokio::test]
async fn ippon_transfers() {
    let ups = ups();
    let mut port = usb(&ups, Bridge::Ippon);
    port.write_all(b"I\r").await.unwrap();
    let seen = port.usb_mut().seen.clone();
    assert_eq!(
        seen,
        vec![
            Seen::Out(framing::set_report(0x0002), b"I\r\0\0\0\0\0\0".to_vec()),
            Seen::Interrupt(0x81, 64),
        ]
    );
    let mut buf = [0u8; 64];
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    assert_eq!(&buf[..n], b"#NOT_A_LIVE_UPS  TESTING    TESTING   \r");
}

#[tokio::test]
async fn krauler_and_hunnox_transfers() {
    let ups = ups();
    let mut port = usb(&ups, Bridge::Krauler);
    port.write_all(b"Q1\r").await.unwrap();
    port.write_all(b"F\r").await.unwrap();
    // The language list once, then one string per command.
    assert_eq!(
        port.usb_mut().seen,
        vec![
            Seen::In(framing::get_string(0, 0)),
            Seen::In(framing::get_string(0x03, 0x0409)),
            Seen::In(framing::get_string(0x0d, 0x0409)),
        ]
    );
    let mut buf = [0u8; 64];
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    // The garbage lead is replaced with '#', a CR added.
    assert_eq!(&buf[..n], b"#230.0 000 024.0 50.0\r");
    // Unknown commands are echoed without a transfer.
    port.write_all(b"XYZ\r").await.unwrap();
    assert_eq!(port.usb_mut().seen.len(), 3);
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    assert_eq!(&buf[..n], b"XYZ\r");

    // Hunnox: the wake-up sequence once, then strings in the fixed language.
    let mut port = usb(&ups, Bridge::Hunnox);
    port.write_all(b"Q1\r").await.unwrap();
    port.write_all(b"F\r").await.unwrap();
    assert_eq!(
        port.usb_mut().seen,
        vec![
            Seen::In(framing::get_string(0, 0)),
            Seen::In(framing::get_string(0, 0)),
            Seen::In(framing::get_string(1, 0x0409)),
            Seen::In(framing::get_string(0x03, 0x0409)),
            Seen::In(framing::get_string(0x0d, 0x0409)),
        ]
    );
}

#[tokio::test]
async fn krauler_retries_refusals_and_corrupt_strings() {
    let ups = ups();
    let mut sim = SimUsb::new(&ups, Bridge::Krauler);
    let mut corrupt = encode_string(b"x230.0 000 024.0 50.0");
    corrupt[0] += 2; // says 2 bytes more than it holds
    sim.raw = Some(VecDeque::from([
        encode_string(b"UPS No Ack"),
        corrupt,
        encode_string(b"x230.0 000 024.0 50.0"),
    ]));
    let mut port = QxUsb::new(
        sim,
        UsbSettings {
            bridge: Bridge::Krauler,
            langid_fix: Some(0x4095),
        },
    );
    port.write_all(b"F\r").await.unwrap();
    // Three reads of string 0x0d in the fixed language, no language list.
    assert_eq!(
        port.usb_mut().seen,
        vec![Seen::In(framing::get_string(0x0d, 0x4095)); 3]
    );
    let mut buf = [0u8; 64];
    let n = port.read(&mut buf, Duration::ZERO).await.unwrap();
    assert_eq!(&buf[..n], b"#230.0 000 024.0 50.0\r");
    // Refused every time: no reply after KRAULER_TRIES reads.
    let mut sim = SimUsb::new(&ups, Bridge::Krauler);
    sim.raw = Some(vec![encode_string(b"UPS No Ack"); 20].into());
    let mut port = QxUsb::new(
        sim,
        UsbSettings {
            bridge: Bridge::Krauler,
            langid_fix: Some(0x0409),
        },
    );
    port.write_all(b"Q1\r").await.unwrap();
    assert_eq!(
        port.usb_mut().seen.len(),
        nut_drivers::qx::usb::KRAULER_TRIES
    );
    let none = port.read(&mut buf, Duration::ZERO).await.unwrap_err();
    assert_eq!(nut_hal::Error::kind(&none), ErrorKind::Timeout);
}

#[test]
fn framing_bytes() {
    assert_eq!(
        framing::chunks(b"S.5R0003\r"),
        vec![*b"S.5R0003", *b"\r\0\0\0\0\0\0\0"]
    );
    assert_eq!(framing::fabula_shutdown_index(b"S10R0000\r"), Some(0xf0));
    assert_eq!(framing::fabula_shutdown_index(b"S.2\r"), Some(0x18));
    assert_eq!(framing::fabula_shutdown_index(b"S.9R0001\r"), Some(0x58));
    assert_eq!(framing::fabula_shutdown_index(b"S01R0000\r"), Some(0x60));
    assert_eq!(framing::fabula_shutdown_index(b"SxR\r"), None);
    let desc = encode_string(b"(ab");
    assert_eq!(desc, vec![8, 3, b'(', 0, b'a', 0, b'b', 0]);
    assert_eq!(framing::decode_ascii(&desc).unwrap(), b"(ab");
    assert_eq!(
        framing::decode_ascii(&[6, 3, 0xe9, 0, b'a', 0]).unwrap(),
        b"?a"
    );
    assert_eq!(
        framing::decode_fixed(&desc, 10),
        Err(framing::DescriptorError::SizeMismatch)
    );
    assert_eq!(
        framing::decode_ascii(&[9, 3, b'a', 0]),
        Err(framing::DescriptorError::Truncated)
    );
    assert_eq!(framing::first_langid(&[4, 3, 0x09, 0x04]), Ok(0x0409));
    assert_eq!(framing::query_line(b"x1.0", b'('), Some(b"(1.0\r".to_vec()));
    assert!(framing::is_no_ack(b"ups no ack"));
}

#[test]
fn selection() {
    assert_eq!(bridge_for(0x06da, 0x0003, None), Some(Bridge::Ippon));
    assert_eq!(bridge_for(0x14f0, 0x00c9, None), Some(Bridge::Phoenix));
    assert_eq!(bridge_for(0x0001, 0x0000, Some("X")), Some(Bridge::Krauler));
    assert_eq!(bridge_for(0x1234, 0x5678, None), None);
    let mut config = DriverConfig::default();
    config.push("subdriver", Some("Fabula"));
    config.push("langid_fix", Some("0x4095"));
    let s = UsbSettings::from_config(&config, 0x0665, 0x5161, None).unwrap();
    assert_eq!((s.bridge, s.langid_fix), (Bridge::Fabula, Some(0x4095)));
    let by_id = UsbSettings::from_config(&DriverConfig::default(), 0x0665, 0x5161, None);
    assert_eq!(by_id.unwrap().bridge, Bridge::Cypress);
    assert!(UsbSettings::from_config(&DriverConfig::default(), 1, 2, None).is_err());
    let mut bad = DriverConfig::default();
    bad.push("subdriver", Some("ablerex"));
    assert_eq!(
        UsbSettings::from_config(&bad, 0x0665, 0x5161, None)
            .unwrap_err()
            .key,
        "subdriver"
    );
}

/// An identified driver on `bridge` whose device then fails every transfer with `kind`; the
/// poll's error kind.
async fn poll_failing(bridge: Bridge, kind: ErrorKind) -> ErrorKind {
    let ups = ups();
    let mut port = usb(&ups, bridge);
    let mut qx = QxDriver::new(megatec());
    qx.identify(&mut port).await.unwrap();
    let done = port.usb_mut().seen.len();
    port.usb_mut().faults = (done..done + 200).map(|i| (i, kind)).collect();
    qx.update(&mut port).await.unwrap_err().kind()
}

#[tokio::test]
async fn usb_faults_are_typed_errors() {
    for bridge in Bridge::ALL {
        // Unplugged.
        let gone = poll_failing(bridge, ErrorKind::Disconnected).await;
        assert_eq!(gone, ErrorKind::Disconnected, "{bridge:?}");
        // A stalled pipe (libusb's PIPE error is an I/O error; phoenix's clear-halt stalls too).
        let stalled = poll_failing(bridge, ErrorKind::Io).await;
        assert_eq!(stalled, ErrorKind::Io, "{bridge:?}");
        // A device that stops answering: the poll is a timeout after the retries.
        let silent = poll_failing(bridge, ErrorKind::Timeout).await;
        assert_eq!(silent, ErrorKind::Timeout, "{bridge:?}");
    }
}

fn bridge() -> impl Strategy<Value = Bridge> {
    prop::sample::select(Bridge::ALL.to_vec())
}

proptest! {
    #[test]
    fn arbitrary_device_bytes_never_panic(
        bridge in bridge(),
        replies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..12),
        command in prop::sample::select(vec![&b"Q1\r"[..], b"F\r", b"I\r", b"Q\r", b"S.5R0001\r"]),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let ups = ups();
            let mut sim = SimUsb::new(&ups, bridge);
            sim.raw = Some(replies.into_iter().collect());
            let mut port = QxUsb::new(sim, UsbSettings { bridge, langid_fix: Some(0x0409) });
            port.timeouts.hunnox_settle = Duration::ZERO;
            match port.write_all(command).await {
                Ok(()) => {
                    let mut buf = [0u8; 300];
                    if let Ok(n) = port.read(&mut buf, Duration::ZERO).await {
                        prop_assert!(n > 0 && n <= 300);
                    }
                }
                Err(e) => prop_assert!(matches!(
                    nut_hal::Error::kind(&e),
                    ErrorKind::Protocol | ErrorKind::Timeout
                )),
            }
            Ok(())
        })?;
    }

    #[test]
    fn framing_functions_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = framing::decode_ascii(&bytes);
        let _ = framing::decode_fixed(&bytes, bytes.len());
        let _ = framing::first_langid(&bytes);
        let _ = framing::fabula_shutdown_index(&bytes);
        let _ = framing::krauler_command(&bytes);
        let line = framing::as_line(&bytes);
        prop_assert_eq!(line.last(), Some(&b'\r'));
        prop_assert!(framing::chunks(&bytes).len() == bytes.len().div_ceil(8));
    }
}
