//! The fuji, sgs, snr and armac Qx USB bridges (`nut_drivers::qx::usb`): the exact transfers
//! of each, and the whole `QxDriver` over each of them, including devices that answer garbage,
//! short chunks or nothing.
//!
//! Where the bytes come from: the command framings of fuji, sgs, snr and armac and the reply
//! handling of sgs and snr were read off the real NUT 2.8.0 `nutdrv_qx` (`/lib/nut`), run with
//! `-DDDDD` on a stand-in libusb (LD_PRELOAD) that logged every transfer and handed out chosen
//! replies; the armac reply reports are those of the debug traces in NUT issues #1978 (6-byte
//! reports), #2154 (one 64-byte report) and #3484 (7-byte reports).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_drivers::device::{CommandError, DeviceProtocol, DriverConfig};
use nut_drivers::qx::sim::{SimPort, Simulator};
use nut_drivers::qx::usb::framing::{self, encode_string};
use nut_drivers::qx::usb::sim::{Seen, SimUsb};
use nut_drivers::qx::usb::{
    ARMAC_EMPTY_REPORTS, ArmacWrite, Bridge, QxUsb, SNR_TRIES, UsbSettings, bridge_for,
};
use nut_drivers::qx::{Dialect, QxDriver, QxSettings};
use nut_hal::serial::Serial;
use nut_hal::usb::UsbControl;
use nut_hal::wrap::{Fault, FaultInjecting};
use nut_hal::{Error as _, ErrorKind};

const NEW_BRIDGES: [Bridge; 4] = [Bridge::Fuji, Bridge::Sgs, Bridge::Snr, Bridge::Armac];
const SET_REPORT: nut_hal::usb::ControlRequest = framing::set_report(0x0200);
/// The simulated UPS on battery (status bit 7 set).
const Q1_REPLY: &[u8] = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 10000000\r";

fn megatec() -> QxSettings {
    let mut config = DriverConfig::default();
    config.push("protocol", Some("megatec"));
    QxSettings::from_config(&config).unwrap()
}

fn ups() -> Arc<Mutex<Simulator>> {
    let ups = Arc::new(Mutex::new(Simulator::new(Dialect::Megatec)));
    ups.lock().unwrap().state.on_battery = true;
    ups
}

fn settings(bridge: Bridge) -> UsbSettings {
    UsbSettings {
        bridge,
        langid_fix: None,
    }
}

fn port<U: UsbControl>(usb: U, bridge: Bridge) -> QxUsb<U> {
    QxUsb::new(usb, settings(bridge))
}

/// One command through the bridge; the reply the driver would read (empty: none).
async fn exchange<U: UsbControl>(port: &mut QxUsb<U>, command: &[u8]) -> Vec<u8> {
    port.write_all(command).await.unwrap();
    let mut buf = [0u8; 300];
    match port.read(&mut buf, Duration::ZERO).await {
        Ok(n) => buf[..n].to_vec(),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
            Vec::new()
        }
    }
}

#[tokio::test]
async fn the_new_bridges_read_like_the_serial_port() {
    let mut serial = SimPort::new(ups());
    let mut qx = QxDriver::new(megatec());
    let serial_id = qx.identify(&mut serial).await.unwrap();
    let serial_reading = qx.update(&mut serial).await.unwrap();
    for bridge in NEW_BRIDGES {
        let ups = ups();
        let mut usb = port(SimUsb::new(&ups, bridge), bridge);
        let mut qx = QxDriver::new(megatec());
        let id = qx.identify(&mut usb).await.unwrap();
        let reading = qx.update(&mut usb).await.unwrap();
        assert_eq!(id.info, serial_id.info, "{bridge:?}");
        assert_eq!(reading, serial_reading, "{bridge:?}");
        assert_eq!(reading.get("input.voltage"), Some("215.0"), "{bridge:?}");
        assert!(reading.has_status("OB"), "{bridge:?}");
    }
}

#[test]
fn names_and_selection() {
    for (name, bridge) in [
        ("fuji", Bridge::Fuji),
        ("SGS", Bridge::Sgs),
        ("snr", Bridge::Snr),
        ("armac", Bridge::Armac),
    ] {
        assert_eq!(Bridge::from_name(name), Some(bridge));
        let mut config = DriverConfig::default();
        config.push("subdriver", Some(name));
        let s = UsbSettings::from_config(&config, 0x0001, 0x0000, None).unwrap();
        assert_eq!(s.bridge, bridge);
    }
    // TS Shara is sgs by its id, as in NUT 2.8.0; snr and fuji share 0001:0000 with krauler
    // and armac's 0925:1234 is not in the table: those need subdriver=.
    assert_eq!(bridge_for(0x0483, 0x0035, None), Some(Bridge::Sgs));
    assert_eq!(bridge_for(0x0001, 0x0000, None), Some(Bridge::Krauler));
    assert_eq!(bridge_for(0x0925, 0x1234, Some("UPS USB Mon V2.0")), None);
}

#[tokio::test]
async fn fuji_transfers_are_nut_2_8_0_s() {
    let ups = ups();
    let mut usb = port(SimUsb::new(&ups, Bridge::Fuji), Bridge::Fuji);
    assert_eq!(exchange(&mut usb, b"Q1\r").await, Q1_REPLY);
    exchange(&mut usb, b"I\r").await;
    exchange(&mut usb, b"F\r").await;
    let writes: Vec<Seen> = usb
        .usb_mut()
        .seen
        .iter()
        .filter(|s| matches!(s, Seen::InterruptOut(..)))
        .cloned()
        .collect();
    assert_eq!(
        writes,
        vec![
            Seen::InterruptOut(0x02, vec![0x80, 0x06, 0x03, 0x03, 0x51, 0x31, 0x00, 0x2f]),
            Seen::InterruptOut(0x02, vec![0x80, 0x06, 0x02, 0x03, 0x49, 0x00, 0x00, 0x27]),
            Seen::InterruptOut(0x02, vec![0x80, 0x06, 0x02, 0x03, 0x46, 0x00, 0x00, 0x16]),
        ]
    );
    // The Q1 reply: six 8-byte packets from 0x81, the last with the CR.
    assert_eq!(
        &usb.usb_mut().seen[1..7],
        vec![Seen::Interrupt(0x81, 8); 6].as_slice()
    );

    // A shutdown is cut before its R; stay-off and long commands are refused (echoed) without
    // a transfer.
    usb.usb_mut().seen.clear();
    assert_eq!(exchange(&mut usb, b"S.5R0003\r").await, b"");
    assert_eq!(
        usb.usb_mut().seen[0],
        Seen::InterruptOut(0x02, vec![0x80, 0x06, 0x04, 0x03, b'S', b'.', b'5', 0x00])
    );
    assert_eq!(ups.lock().unwrap().state.shutdown.as_deref(), Some("S.5"));
    usb.usb_mut().seen.clear();
    assert_eq!(exchange(&mut usb, b"S.5R0000\r").await, b"S.5R0000\r");
    assert_eq!(exchange(&mut usb, b"QMOD\r").await, b"QMOD\r");
    assert!(usb.usb_mut().seen.is_empty());
}

#[tokio::test]
async fn fuji_instant_commands_through_the_driver() {
    let ups = ups();
    let mut usb = port(SimUsb::new(&ups, Bridge::Fuji), Bridge::Fuji);
    let mut qx = QxDriver::new(megatec());
    qx.identify(&mut usb).await.unwrap();
    qx.instcmd(&mut usb, "test.battery.start.quick", None)
        .await
        .unwrap();
    assert!(ups.lock().unwrap().state.testing);
    for refused in ["load.off", "shutdown.stayoff"] {
        let r = qx.instcmd(&mut usb, refused, None).await;
        assert!(
            matches!(r, Err(CommandError::Failed(_))),
            "{refused}: {r:?}"
        );
    }
    assert!(!ups.lock().unwrap().state.load_off);
}

#[tokio::test]
async fn sgs_transfers_are_nut_2_8_0_s() {
    let ups = ups();
    let mut usb = port(SimUsb::new(&ups, Bridge::Sgs), Bridge::Sgs);
    assert_eq!(exchange(&mut usb, b"Q1\r").await, Q1_REPLY);
    let seen = usb.usb_mut().seen.clone();
    assert_eq!(seen[0], Seen::Out(SET_REPORT, b"\x03Q1\r\0\0\0\0".to_vec()));
    // 47 bytes in packets of 7, then the read that brings nothing ends the reply.
    assert_eq!(&seen[1..], vec![Seen::Interrupt(0x81, 8); 8].as_slice());
    usb.usb_mut().seen.clear();
    exchange(&mut usb, b"S.5R0003\r").await;
    assert_eq!(
        &usb.usb_mut().seen[..2],
        &[
            Seen::Out(SET_REPORT, b"\x07S.5R000".to_vec()),
            Seen::Out(SET_REPORT, b"\x023\r\0\0\0\0\0".to_vec()),
        ]
    );
    assert_eq!(
        ups.lock().unwrap().state.shutdown.as_deref(),
        Some("S.5R0003")
    );
}

#[tokio::test]
async fn sgs_reads_until_nothing_comes() {
    let ups = ups();
    let mut sim = SimUsb::new(&ups, Bridge::Sgs);
    // A CR does not end the reply; a count above 7 is 7; a packet shorter than its count
    // gives what it holds; a timeout ends the reply, and a partial one is kept.
    sim.raw = Some(VecDeque::from([
        b"\x09(215.0 ".to_vec(),
        b"\x02A\r\0\0\0\0\0".to_vec(),
        b"\x05xy".to_vec(),
    ]));
    let mut usb = port(sim, Bridge::Sgs);
    assert_eq!(exchange(&mut usb, b"Q1\r").await, b"(215.0 A\r");
    assert_eq!(usb.usb_mut().seen.len(), 1 + 4);
    let mut sim = SimUsb::new(&ups, Bridge::Sgs);
    sim.raw = Some(VecDeque::from([b"\x07(215.0 ".to_vec(), Vec::new()]));
    let mut usb = port(sim, Bridge::Sgs);
    assert_eq!(exchange(&mut usb, b"Q1\r").await, b"(215.0 ");
}

#[tokio::test]
async fn snr_transfers_are_nut_2_8_0_s() {
    let ups = ups();
    let mut usb = port(SimUsb::new(&ups, Bridge::Snr), Bridge::Snr);
    assert_eq!(exchange(&mut usb, b"Q1\r").await, Q1_REPLY);
    assert_eq!(exchange(&mut usb, b"I\r").await[0], b'#');
    // Every command, even a refused one, starts with a 102-byte interrupt read; Q1, F and I
    // are strings 3, 0x0d and 0x0c; instant commands are refused.
    assert_eq!(exchange(&mut usb, b"T\r").await, b"T\r");
    assert_eq!(
        usb.usb_mut().seen,
        vec![
            Seen::Interrupt(0x81, 102),
            Seen::In(framing::get_string(0, 0)),
            Seen::In(framing::get_string(0x03, 0x0409)),
            Seen::Interrupt(0x81, 102),
            Seen::In(framing::get_string(0x0c, 0x0409)),
            Seen::Interrupt(0x81, 102),
        ]
    );
    assert!(!ups.lock().unwrap().state.testing);
}

#[tokio::test]
async fn snr_retries_and_adds_no_cr() {
    let ups = ups();
    let mut sim = SimUsb::new(&ups, Bridge::Snr);
    let mut corrupt = encode_string(b"x230.0 000 024.0 50.0\r");
    corrupt[0] += 2;
    sim.raw = Some(VecDeque::from([
        Vec::new(), // the flush read gets nothing
        encode_string(b"UPS No Ack"),
        corrupt,
        encode_string(b"x230.0 000 024.0 50.0"),
    ]));
    let mut usb = QxUsb::new(
        sim,
        UsbSettings {
            bridge: Bridge::Snr,
            langid_fix: Some(0x0409),
        },
    );
    // The string came without its CR: the line has none either (a short reply for NUT).
    assert_eq!(exchange(&mut usb, b"F\r").await, b"#230.0 000 024.0 50.0");
    assert_eq!(usb.usb_mut().seen.len(), 4);
    let mut sim = SimUsb::new(&ups, Bridge::Snr);
    sim.raw = Some(
        std::iter::once(Vec::new())
            .chain(vec![encode_string(b"UPS No Ack"); 20])
            .collect(),
    );
    let mut usb = port(sim, Bridge::Snr);
    usb.write_all(b"Q1\r").await.unwrap();
    // The flush, the language list, then SNR_TRIES refusals.
    assert_eq!(usb.usb_mut().seen.len(), 2 + SNR_TRIES);
}

#[tokio::test]
async fn armac_transfers_are_nut_2_8_0_s() {
    let ups = ups();
    let mut usb = port(SimUsb::new(&ups, Bridge::Armac), Bridge::Armac);
    assert_eq!(exchange(&mut usb, b"Q1\r").await, Q1_REPLY);
    let seen = usb.usb_mut().seen.clone();
    assert_eq!(
        seen[0],
        Seen::Out(SET_REPORT, vec![0xa3, b'Q', b'1', b'\r'])
    );
    // 47 bytes at 5 a report: ten reports, the last with the CR.
    assert_eq!(&seen[1..], vec![Seen::Interrupt(0x81, 64); 10].as_slice());
    usb.usb_mut().seen.clear();
    // A command without a reply: reports with a count of 0 until the bridge gives up.
    assert_eq!(exchange(&mut usb, b"S.5R0003\r").await, b"");
    let seen = usb.usb_mut().seen.clone();
    assert_eq!(
        &seen[..3],
        &[
            Seen::Out(SET_REPORT, b"\xa3S.5".to_vec()),
            Seen::Out(SET_REPORT, b"\xa3R00".to_vec()),
            Seen::Out(SET_REPORT, b"\xa303\r".to_vec()),
        ]
    );
    assert_eq!(seen.len(), 3 + ARMAC_EMPTY_REPORTS);
    assert_eq!(
        ups.lock().unwrap().state.shutdown.as_deref(),
        Some("S.5R0003")
    );
    assert_eq!(usb.armac_write(), ArmacWrite::SetReport);
}

#[tokio::test]
async fn armac_falls_back_to_interrupt_out() {
    // A unit whose control transfers time out (NUT issue #3243): the first report is sent
    // again on interrupt OUT 0x02, and so is everything after.
    let ups = ups();
    let mut sim = SimUsb::new(&ups, Bridge::Armac);
    sim.interrupt_only = true;
    let mut usb = port(sim, Bridge::Armac);
    let mut qx = QxDriver::new(megatec());
    qx.identify(&mut usb).await.unwrap();
    let reading = qx.update(&mut usb).await.unwrap();
    assert_eq!(reading.get("input.voltage"), Some("215.0"));
    assert_eq!(usb.armac_write(), ArmacWrite::InterruptOut);
    let seen = &usb.usb_mut().seen;
    assert_eq!(
        seen[0],
        Seen::Out(SET_REPORT, vec![0xa3, b'Q', b'1', b'\r'])
    );
    assert_eq!(
        seen[1],
        Seen::InterruptOut(0x02, vec![0xa3, b'Q', b'1', b'\r'])
    );
    let set_reports = seen.iter().filter(|s| matches!(s, Seen::Out(..))).count();
    assert_eq!(set_reports, 1);
}

/// The reports of a reply as real units sent them.
async fn armac_reply(reports: Vec<Vec<u8>>) -> Vec<u8> {
    let mut sim = SimUsb::new(&ups(), Bridge::Armac);
    sim.raw = Some(reports.into());
    exchange(&mut port(sim, Bridge::Armac), b"Q1\r").await
}

#[tokio::test]
async fn armac_reads_the_reports_of_real_units() {
    // NUT issue #1978 (6-byte reports, bit 6 toggling, 1 to 4 bytes each, stale bytes after
    // the count): "(233.0" then the CR, then a report with a count of 0.
    let six = vec![
        b"\xc1(1\x0000".to_vec(),
        b"\x8121\x0000".to_vec(),
        b"\xc333.00".to_vec(),
        b"\x840 000".to_vec(),
        b"\xc1\r0\x0000".to_vec(),
        b"\x80\r1\x0000".to_vec(),
    ];
    assert_eq!(armac_reply(six).await, b"(233.0 00\r");
    // NUT issue #2154: the whole reply in one 64-byte report, count 0x2f (47) under 0xc0.
    let mut big = vec![0xef];
    big.extend_from_slice(b"(233.0 000.0 234.0 020 50.0 13.7 20.8 00001000\r");
    big.resize(64, 0);
    assert_eq!(
        armac_reply(vec![big]).await,
        b"(233.0 000.0 234.0 020 50.0 13.7 20.8 00001000\r"
    );
    // NUT issue #3484: 7-byte reports are as good as 6-byte ones.
    let seven = vec![b"\x83(23\0\0\0".to_vec(), b"\xc2\r0\0\0\0\0".to_vec()];
    assert_eq!(armac_reply(seven).await, b"(23\r");
    // No data yet, then the reply.
    let late = vec![b"\x80".to_vec(), b"\xc0".to_vec(), b"\x82A\r".to_vec()];
    assert_eq!(armac_reply(late).await, b"A\r");
    // Bytes then a count of 0 end the reply (NUT 2.8.0's end mark): handed on without a CR
    // (a short reply).
    let cut = vec![b"\x82AB".to_vec(), b"\xc0".to_vec()];
    assert_eq!(armac_reply(cut).await, b"AB");
    // A reply cut short by a timeout is no reply.
    assert_eq!(armac_reply(vec![b"\x82AB".to_vec()]).await, b"");
}

/// The kind of error a poll gives on `bridge` when the device misbehaves as `usb` does.
async fn poll_kind<U: UsbControl + 'static>(usb: U, bridge: Bridge) -> Option<ErrorKind> {
    let mut usb = port(usb, bridge);
    let mut qx = QxDriver::new(megatec());
    if let Err(e) = qx.identify(&mut usb).await {
        return Some(e.kind());
    }
    qx.update(&mut usb).await.err().map(|e| e.kind())
}

#[tokio::test]
async fn garbage_short_chunks_and_silence_are_typed_errors() {
    for bridge in NEW_BRIDGES {
        // Garbage on every read, or every read cut to 2 bytes.
        for fault in [
            Fault::Garbage(b"\xff\x07\x00garbage\xfe".to_vec()),
            Fault::Short(2),
        ] {
            let mut faulty = FaultInjecting::new(SimUsb::new(&ups(), bridge));
            for i in 0..400 {
                faulty = faulty.on_read(i, fault.clone());
            }
            let kind = poll_kind(faulty, bridge).await;
            assert!(
                matches!(kind, Some(ErrorKind::Timeout | ErrorKind::Protocol)),
                "{bridge:?} {fault:?}: {kind:?}"
            );
        }

        // Every write cut short: nothing sent is an I/O error, part of a packet is what the
        // device sees (and answers, or not).
        let mut cut = FaultInjecting::new(SimUsb::new(&ups(), bridge));
        for i in 0..100 {
            cut = cut.on_write(i, Fault::Short(0));
        }
        let kind = poll_kind(cut, bridge).await;
        // snr writes nothing: its polls go on.
        assert_eq!(
            kind.is_some(),
            bridge != Bridge::Snr,
            "{bridge:?}: {kind:?}"
        );

        // A silent device: the poll times out.
        let mut silent = SimUsb::new(&ups(), bridge);
        silent.faults = (0..400).map(|i| (i, ErrorKind::Timeout)).collect();
        assert_eq!(
            poll_kind(silent, bridge).await,
            Some(ErrorKind::Timeout),
            "{bridge:?}"
        );

        // Unplugged.
        let gone = FaultInjecting::new(SimUsb::new(&ups(), bridge)).on_read(0, Fault::Disconnect);
        let gone = gone.on_write(0, Fault::Disconnect);
        assert_eq!(
            poll_kind(gone, bridge).await,
            Some(ErrorKind::Disconnected),
            "{bridge:?}"
        );
    }
}
