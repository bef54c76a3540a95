//! Recording, Replaying and FaultInjecting as `UsbControl`s (USB lines of the capture format).

use std::time::Duration;

use nut_hal::usb::{ControlRequest, ControlType, Recipient, UsbControl};
use nut_hal::wrap::{Exchange, Fault, FaultInjecting, Recording, Replaying, parse_capture};
use nut_hal::{Error, ErrorKind};

const T: Duration = Duration::from_millis(100);

/// A Cypress-style bridge: SET_REPORT carries the command, interrupt IN the reply.
const SET: ControlRequest = ControlRequest {
    control_type: ControlType::Class,
    recipient: Recipient::Interface,
    request: 0x09,
    value: 0x0200,
    index: 0,
};
const STRING: ControlRequest = ControlRequest {
    control_type: ControlType::Standard,
    recipient: Recipient::Device,
    request: 0x06,
    value: 0x0303,
    index: 0x0409,
};

fn bridge() -> Replaying {
    Replaying::from_text(
        "# Q1 over a USB bridge\n\
         control-out class interface 09 0200 0000 51 31 0d 00 00 00 00 00\n\
         interrupt 81 = 28 32 33 30 2e 30 20 31\n\
         interrupt 81 = 0d\n\
         interrupt 81 = error timeout\n\
         control-in standard device 06 0303 0409 = 06 03 41 00 42 00\n\
         control-out class interface 09 0200 0000 51 = error io\n",
    )
    .unwrap()
}

async fn q1<U: UsbControl>(usb: &mut U) -> Result<Vec<u8>, U::Error> {
    usb.control_out(SET, b"Q1\r\0\0\0\0\0", T).await?;
    let mut reply = Vec::new();
    while reply.last() != Some(&b'\r') {
        let mut buf = [0u8; 8];
        let n = usb.interrupt_in(0x81, &mut buf, T).await?;
        reply.extend_from_slice(&buf[..n]);
    }
    Ok(reply)
}

#[tokio::test]
async fn replaying_plays_usb_lines_in_order() {
    let mut usb = bridge();
    // A read before the expected command: nothing came yet.
    let mut buf = [0u8; 8];
    let e = usb.interrupt_in(0x81, &mut buf, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    // A different command: replay mismatch; the expected one still works after.
    let e = usb.control_out(SET, b"Q2\r", T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(q1(&mut usb).await.unwrap(), b"(230.0 1\r");
    let e = usb.interrupt_in(0x81, &mut buf, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "recorded timeout");
    // control_in checks the setup packet.
    let wrong = ControlRequest {
        value: 0x0302,
        ..STRING
    };
    let e = usb.control_in(wrong, &mut buf, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    let mut small = [0u8; 4];
    assert_eq!(usb.control_in(STRING, &mut small, T).await.unwrap(), 4);
    assert_eq!(small, [0x06, 0x03, 0x41, 0x00]);
    let e = usb.control_out(SET, b"Q", T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "recorded error");
    assert!(usb.is_finished());
    let e = usb.control_out(SET, b"Q", T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
}

#[tokio::test]
async fn record_then_replay_round_trips() {
    let mut rec = Recording::new(bridge());
    let live = q1(&mut rec).await.unwrap();
    let mut buf = [0u8; 8];
    assert!(rec.interrupt_in(0x81, &mut buf, T).await.is_err());
    rec.control_in(STRING, &mut buf, T).await.unwrap();
    assert!(rec.control_out(SET, b"Q", T).await.is_err());
    let text = rec.capture_text();
    assert_eq!(parse_capture(&text).unwrap(), rec.exchanges());
    assert_eq!(parse_capture(&text).unwrap(), bridge().remaining());

    let mut replay = Replaying::from_text(&text).unwrap();
    assert_eq!(q1(&mut replay).await.unwrap(), live);
    assert_eq!(replay.remaining().len(), 3);
}

#[tokio::test]
async fn each_fault_kind_on_transfers() {
    // Timeout on a read: typed error, the packet stays for the next read.
    let mut usb = FaultInjecting::new(bridge()).on_read(0, Fault::Timeout);
    usb.control_out(SET, b"Q1\r\0\0\0\0\0", T).await.unwrap();
    let mut buf = [0u8; 8];
    let e = usb.interrupt_in(0x81, &mut buf, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(usb.interrupt_in(0x81, &mut buf, T).await.unwrap(), 8);

    // Garbage and short reads.
    let mut usb = FaultInjecting::new(bridge())
        .on_read(0, Fault::Garbage(vec![0xee; 3]))
        .on_read(1, Fault::Short(2));
    usb.control_out(SET, b"Q1\r\0\0\0\0\0", T).await.unwrap();
    assert_eq!(usb.interrupt_in(0x81, &mut buf, T).await.unwrap(), 3);
    assert_eq!(buf[..3], [0xee; 3]);
    assert_eq!(usb.interrupt_in(0x81, &mut buf, T).await.unwrap(), 2);
    assert_eq!(buf[..2], *b"(2");

    // Writes: garbage sent instead (the replayed bridge sees a wrong command), a short
    // write sends the first bytes, a timeout sends nothing.
    let mut usb = FaultInjecting::new(bridge()).on_write(0, Fault::Garbage(b"XX".to_vec()));
    let e = usb
        .control_out(SET, b"Q1\r\0\0\0\0\0", T)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    let mut usb = FaultInjecting::new(bridge()).on_write(0, Fault::Short(1));
    let e = usb
        .control_out(SET, b"Q1\r\0\0\0\0\0", T)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Protocol,
        "the bridge expects the whole command"
    );
    let mut usb = FaultInjecting::new(bridge()).on_write(0, Fault::Timeout);
    let e = usb
        .control_out(SET, b"Q1\r\0\0\0\0\0", T)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(q1(&mut usb).await.unwrap(), b"(230.0 1\r");

    // Disconnect: that call and every later one.
    let mut usb = FaultInjecting::new(bridge()).on_read(1, Fault::Disconnect);
    let e = q1(&mut usb).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    let e = usb.control_in(STRING, &mut buf, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    let e = usb.control_out(SET, b"Q", T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
}

#[tokio::test]
async fn recording_through_a_mut_ref_logs_short_writes() {
    let mut faulty = FaultInjecting::new(Replaying::new([Exchange::ControlOut {
        request: SET,
        data: b"Q".to_vec(),
        result: Ok(()),
    }]))
    .on_write(0, Fault::Short(1));
    let mut rec = Recording::new(&mut faulty);
    assert_eq!(rec.control_out(SET, b"Q1\r", T).await.unwrap(), 1);
    assert_eq!(
        rec.capture_text(),
        "control-out class interface 09 0200 0000 51\n"
    );
}

#[test]
fn usb_capture_parse_errors_name_the_line() {
    for text in [
        "control-in class interface 01 0000 = 00\n",
        "control-in sideways interface 01 0000 0000 = 00\n",
        "control-in class nowhere 01 0000 0000 = 00\n",
        "control-in class interface 01 0000 0000 00 = 00\n",
        "control-out class interface 01 0000 0000 00 = fine\n",
        "control-out class interface 1ff 0000 0000\n",
        "interrupt 81 00\n",
        "interrupt 811 = 00\n",
    ] {
        let e = parse_capture(text).unwrap_err();
        assert_eq!(e.line, 1, "{text:?}: {e}");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
    let ok = parse_capture("control-out vendor other ff ffff ffff\n").unwrap();
    assert_eq!(
        ok,
        [Exchange::ControlOut {
            request: ControlRequest {
                control_type: ControlType::Vendor,
                recipient: Recipient::Other,
                request: 0xff,
                value: 0xffff,
                index: 0xffff,
            },
            data: vec![],
            result: Ok(()),
        }]
    );
}

/// A bridge that takes commands on interrupt OUT endpoint 0x02 (fuji, armac on newer units).
fn interrupt_bridge() -> Replaying {
    Replaying::from_text(
        "interrupt-out 02 80 06 03 03 51 31 00 2f\n\
         interrupt 81 = 28 32 0d\n\
         interrupt-out 02 a2 43 0d = error timeout\n",
    )
    .unwrap()
}

#[tokio::test]
async fn interrupt_out_is_replayed_recorded_and_faulted() {
    const Q1: &[u8] = &[0x80, 0x06, 0x03, 0x03, b'Q', b'1', 0x00, 0x2f];
    let mut usb = interrupt_bridge();
    // Another endpoint or other data: a mismatch, the expected write still works after.
    let e = usb.interrupt_out(0x01, Q1, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    let e = usb.control_out(SET, Q1, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(usb.interrupt_out(0x02, Q1, T).await.unwrap(), 8);
    let mut buf = [0u8; 8];
    assert_eq!(usb.interrupt_in(0x81, &mut buf, T).await.unwrap(), 3);
    let e = usb.interrupt_out(0x02, b"\xa2C\r", T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "recorded error");
    assert!(usb.is_finished());

    // Recorded, written as text and parsed back: the same exchanges.
    let mut rec = Recording::new(interrupt_bridge());
    rec.interrupt_out(0x02, Q1, T).await.unwrap();
    rec.interrupt_in(0x81, &mut buf, T).await.unwrap();
    assert!(rec.interrupt_out(0x02, b"\xa2C\r", T).await.is_err());
    let text = rec.capture_text();
    assert!(
        text.contains("interrupt-out 02 a2 43 0d = error timeout"),
        "{text}"
    );
    assert_eq!(
        parse_capture(&text).unwrap(),
        interrupt_bridge().remaining()
    );
    assert!(parse_capture("interrupt-out zz 00").is_err());

    // Faults: interrupt writes count as writes.
    let mut usb = FaultInjecting::new(interrupt_bridge())
        .on_write(0, Fault::Short(4))
        .on_write(1, Fault::Disconnect);
    // Only the first 4 bytes go out: the replayed device expected all 8.
    let e = usb.interrupt_out(0x02, Q1, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    let e = usb.interrupt_out(0x02, Q1, T).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    let exchanges = parse_capture("interrupt-out 02 01 02").unwrap();
    assert_eq!(
        exchanges,
        vec![Exchange::InterruptOut {
            endpoint: 2,
            data: vec![1, 2],
            result: Ok(())
        }]
    );
}
