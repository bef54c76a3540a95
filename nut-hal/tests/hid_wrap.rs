//! Recording, Replaying and FaultInjecting as `HidDevice`s, and the shared capture format
//! (its proptest drives serial, HID and USB calls alike).

use std::time::Duration;

use nut_hal::hid::{HidDevice, HidInfo};
use nut_hal::usb::{ControlRequest, ControlType, Recipient, UsbControl};
use nut_hal::wrap::{
    Exchange, Fault, FaultInjecting, Recording, Replaying, parse_capture, write_capture,
};
use nut_hal::{Error, ErrorKind};
use proptest::prelude::*;

const T: Duration = Duration::from_millis(100);
const CS500: &str = include_str!("fixtures/apc-back-ups-cs-500.hid");
const CS500_DESCRIPTOR: &[u8] = include_bytes!("fixtures/apc-back-ups-cs-500.bin");

/// A small UPS: identity, descriptor, two feature reports, input reports.
fn ups() -> Replaying {
    Replaying::new([
        Exchange::HidInfo(HidInfo {
            vendor_id: 0x051d,
            product_id: 0x0002,
            manufacturer: Some("American \"Power\"\tConversion".into()),
            product: Some("Back-UPS 500 ".into()),
            serial_number: None,
        }),
        Exchange::HidDescriptor(vec![0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0xc0]),
        Exchange::GetFeature {
            report_id: 0x0c,
            reply: Ok(vec![0x0c, 0x64, 0x00]),
        },
        Exchange::GetFeature {
            report_id: 0x0c,
            reply: Ok(vec![0x0c, 0x63, 0x00]),
        },
        Exchange::GetFeature {
            report_id: 0x77,
            reply: Err(ErrorKind::Io),
        },
        Exchange::SetFeature {
            data: vec![0x15, 0x00],
            result: Err(ErrorKind::Protocol),
        },
        Exchange::Input(Ok(vec![0x06, 0x00, 0x00, 0x08])),
        Exchange::Input(Err(ErrorKind::Timeout)),
        Exchange::Input(Ok(vec![0x06, 0x01, 0x00, 0x08])),
        Exchange::HidString {
            index: 3,
            value: Ok(Some("AB0427".into())),
        },
        Exchange::HidString {
            index: 9,
            value: Ok(None),
        },
        Exchange::HidString {
            index: 10,
            value: Err(ErrorKind::Unsupported),
        },
    ])
}

/// A tiny "driver" session touching every call.
async fn session<D: HidDevice>(dev: &mut D) -> Vec<Result<Vec<u8>, ErrorKind>> {
    let mut out = Vec::new();
    let _ = dev.info().await;
    out.push(dev.report_descriptor().await.map_err(|e| e.kind()));
    for id in [0x0c, 0x0c, 0x0c, 0x77] {
        let mut buf = [0u8; 8];
        buf[0] = id;
        out.push(
            dev.get_feature_report(&mut buf)
                .await
                .map(|n| buf[..n].to_vec())
                .map_err(|e| e.kind()),
        );
    }
    out.push(
        dev.set_feature_report(&[0x15, 0x00])
            .await
            .map(|()| vec![])
            .map_err(|e| e.kind()),
    );
    for _ in 0..4 {
        let mut buf = [0u8; 8];
        out.push(
            dev.read_input_report(&mut buf, T)
                .await
                .map(|n| buf[..n].to_vec())
                .map_err(|e| e.kind()),
        );
    }
    for i in [3, 9, 10] {
        out.push(
            dev.string_descriptor(i)
                .await
                .map(|s| s.unwrap_or_default().into_bytes())
                .map_err(|e| e.kind()),
        );
    }
    out
}

#[tokio::test]
async fn replaying_serves_reports_by_id() {
    let mut dev = ups();
    let got = session(&mut dev).await;
    let want: Vec<Result<Vec<u8>, ErrorKind>> = vec![
        Ok(vec![0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0xc0]),
        Ok(vec![0x0c, 0x64, 0x00]),
        Ok(vec![0x0c, 0x63, 0x00]),
        Ok(vec![0x0c, 0x63, 0x00]), // the last reply repeats
        Err(ErrorKind::Io),
        Err(ErrorKind::Protocol),
        Ok(vec![0x06, 0x00, 0x00, 0x08]),
        Err(ErrorKind::Timeout),
        Ok(vec![0x06, 0x01, 0x00, 0x08]),
        Err(ErrorKind::Timeout), // no more input: a quiet device
        Ok(b"AB0427".to_vec()),
        Ok(vec![]),
        Err(ErrorKind::Unsupported),
    ];
    assert_eq!(got, want);
    assert!(dev.is_finished());
    assert_eq!(dev.sent_features(), [vec![0x15, 0x00]]);
    // Unknown report id and string index: replay mismatches; empty buffers: invalid input.
    let mut buf = [0x42u8; 4];
    assert_eq!(
        dev.get_feature_report(&mut buf).await.unwrap_err().kind(),
        ErrorKind::Protocol
    );
    assert_eq!(
        dev.string_descriptor(1).await.unwrap_err().kind(),
        ErrorKind::Protocol
    );
    assert_eq!(
        dev.get_feature_report(&mut []).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        dev.set_feature_report(&[]).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // A set with no recorded expectation is accepted; a reply longer than the buffer is cut.
    dev.set_feature_report(&[0x20, 0x01]).await.unwrap();
    let mut small = [0x0cu8; 2];
    assert_eq!(dev.get_feature_report(&mut small).await.unwrap(), 2);
    assert_eq!(small, [0x0c, 0x63]);
    // Nothing recorded at all: info and descriptor are unsupported.
    let mut empty = Replaying::new([]);
    assert_eq!(
        empty.info().await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(
        empty.report_descriptor().await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

#[tokio::test]
async fn replaying_checks_recorded_sets() {
    let mut dev = Replaying::new([Exchange::SetFeature {
        data: vec![0x15, 0x01],
        result: Ok(()),
    }]);
    assert_eq!(
        dev.set_feature_report(&[0x15, 0x02])
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Protocol
    );
    assert!(!dev.is_finished(), "a mismatched set stays expected");
    dev.set_feature_report(&[0x15, 0x01]).await.unwrap();
    assert!(dev.is_finished());
}

#[tokio::test]
async fn record_then_replay_round_trips() {
    let mut rec = Recording::new(ups());
    let live = session(&mut rec).await;
    let text = rec.capture_text();
    assert!(text.contains("get 0c = 0c 64 00\n"), "{text}");
    assert!(text.contains("get 77 = error io\n"), "{text}");
    assert!(text.contains("set 15 00 = error protocol\n"), "{text}");
    assert!(text.contains("input error timeout\n"), "{text}");
    assert!(text.contains("string 9 = none\n"), "{text}");
    assert!(
        text.contains(r#"info 051d 0002 "American \"Power\"\tConversion" "Back-UPS 500 " none"#),
        "{text}"
    );
    assert_eq!(parse_capture(&text).unwrap(), rec.exchanges());

    let mut replay = Replaying::from_text(&text).unwrap();
    assert_eq!(session(&mut replay).await, live);
    let mut original = ups();
    assert_eq!(replay.info().await.unwrap(), original.info().await.unwrap());

    // Mixed serial and HID lines share one capture.
    let mut both = parse_capture("> 51 31 0d\n< 28 0d\n").unwrap();
    both.extend(parse_capture(&text).unwrap());
    assert_eq!(parse_capture(&write_capture(&both)).unwrap(), both);
}

#[tokio::test]
async fn replays_a_real_apc_descriptor_and_reports() {
    let exchanges = parse_capture(CS500).unwrap();
    assert_eq!(
        exchanges
            .iter()
            .filter(|e| matches!(e, Exchange::GetFeature { .. }))
            .count(),
        23
    );
    let mut dev = Replaying::new(exchanges);
    let info = dev.info().await.unwrap();
    assert_eq!((info.vendor_id, info.product_id), (0x051d, 0x0002));
    assert_eq!(
        info.product.as_deref(),
        Some("Back-UPS 500 FW: 6.5.I USB FW: c1 ")
    );
    let descriptor = dev.report_descriptor().await.unwrap();
    assert_eq!(descriptor.len(), 374);
    assert_eq!(
        descriptor, CS500_DESCRIPTOR,
        "capture text and binary descriptor agree"
    );
    assert_eq!(&descriptor[..6], [0x05, 0x84, 0x09, 0x04, 0xa1, 0x01]); // Power Device: UPS
    // Feature report 0x0c: remaining capacity 100 %, runtime 0x1400 ... as NUT logged it.
    let mut buf = [0u8; 64];
    buf[0] = 0x0c;
    let n = dev.get_feature_report(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], [0x0c, 0x64, 0x00, 0x00, 0x14, 0x0a]);
    // Battery.ManufacturerDate (report 0x07): 0x30e3 = 2004/07/03 in HID date form.
    buf[0] = 0x07;
    let n = dev.get_feature_report(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], [0x07, 0xe3, 0x30]);
    // Read twice: the device keeps its state.
    buf[0] = 0x07;
    assert_eq!(dev.get_feature_report(&mut buf).await.unwrap(), 3);
    buf[0] = 0x99;
    assert_eq!(
        dev.get_feature_report(&mut buf).await.unwrap_err().kind(),
        ErrorKind::Protocol
    );
}

#[tokio::test]
async fn each_fault_kind_on_reports() {
    // Timeout: typed error, the device is not touched (its reply stays).
    let mut dev = FaultInjecting::new(ups()).on_read(0, Fault::Timeout);
    let mut buf = [0x0cu8; 8];
    assert_eq!(
        dev.get_feature_report(&mut buf).await.unwrap_err().kind(),
        ErrorKind::Timeout
    );
    buf[0] = 0x0c;
    let n = dev.get_feature_report(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], [0x0c, 0x64, 0x00]);

    // Garbage: these bytes instead of the report, cut to the buffer.
    let mut dev = FaultInjecting::new(ups()).on_read(0, Fault::Garbage(vec![0xff; 12]));
    let mut buf = [0u8; 8];
    assert_eq!(dev.read_input_report(&mut buf, T).await.unwrap(), 8);
    assert_eq!(buf, [0xff; 8]);
    assert_eq!(
        dev.read_input_report(&mut buf, T).await.unwrap(),
        4,
        "real report next"
    );

    // Short: the report is cut.
    let mut dev = FaultInjecting::new(ups()).on_read(1, Fault::Short(1));
    let mut buf = [0x0cu8; 8];
    assert_eq!(dev.get_feature_report(&mut buf).await.unwrap(), 3);
    buf[0] = 0x0c;
    assert_eq!(dev.get_feature_report(&mut buf).await.unwrap(), 1);
    assert_eq!(buf[0], 0x0c);

    // Writes: garbage is sent instead (the replayed device sees a different set), a short
    // set sends part of the data, a timeout sends nothing.
    let mut dev = FaultInjecting::new(ups()).on_write(0, Fault::Garbage(vec![0x15, 0xff]));
    assert_eq!(
        dev.set_feature_report(&[0x15, 0x00])
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Protocol
    );
    let mut dev = FaultInjecting::new(ups())
        .on_write(0, Fault::Short(1))
        .on_write(1, Fault::Timeout);
    assert_eq!(
        dev.set_feature_report(&[0x30, 0x01, 0x02])
            .await
            .map_err(|e| e.kind()),
        Ok(())
    );
    assert_eq!(
        dev.set_feature_report(&[0x30, 0x01])
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
    assert_eq!(dev.into_inner().sent_features(), [vec![0x30]]);

    // Disconnect: this call and every later one, of every kind.
    let mut dev = FaultInjecting::new(ups()).on_read(1, Fault::Disconnect);
    let mut buf = [0u8; 8];
    dev.read_input_report(&mut buf, T).await.unwrap();
    assert_eq!(
        dev.read_input_report(&mut buf, T).await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
    buf[0] = 0x0c;
    assert_eq!(
        dev.get_feature_report(&mut buf).await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
    assert_eq!(
        dev.set_feature_report(&[1]).await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
    assert_eq!(
        dev.info().await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
    assert_eq!(
        dev.report_descriptor().await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
    assert_eq!(
        dev.string_descriptor(3).await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
}

#[tokio::test]
async fn recording_faults_through_a_mut_ref() {
    let mut faulty = FaultInjecting::new(ups())
        .on_read(0, Fault::Timeout)
        .on_read(2, Fault::Disconnect);
    let mut rec = Recording::new(&mut faulty);
    let mut buf = [0u8; 8];
    assert!(rec.read_input_report(&mut buf, T).await.is_err());
    rec.read_input_report(&mut buf, T).await.unwrap();
    assert!(rec.read_input_report(&mut buf, T).await.is_err());
    let text = rec.capture_text();
    assert_eq!(
        text,
        "input error timeout\ninput 06 00 00 08\ninput error disconnected\n"
    );
}

#[test]
fn hid_capture_parse_errors_name_the_line() {
    for (text, line) in [
        ("get 0c 0c 64\n", 1),
        ("# x\nget zz = 00\n", 2),
        ("input error sideways\n", 1),
        ("info 051d\n", 1),
        ("info 051d 0002 \"a\" \"b\"\n", 1),
        ("string 3 = \"unterminated\n", 1),
        ("string 300 = none\n", 1),
        ("string 3 = \"bad \\q escape\"\n", 1),
        ("set 01 = fine\n", 1),
        ("descriptor 0\n", 1),
        ("frobnicate 01\n", 1),
    ] {
        let e = parse_capture(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
    let parsed = parse_capture("string 1 = \"\\x01\\\\ é\"\ninput\n").unwrap();
    assert_eq!(
        parsed,
        [
            Exchange::HidString {
                index: 1,
                value: Ok(Some("\u{1}\\ é".into()))
            },
            Exchange::Input(Ok(vec![])),
        ]
    );
    assert_eq!(parse_capture(&write_capture(&parsed)).unwrap(), parsed);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map(|rt| rt.block_on(f))
        .unwrap()
}

proptest! {
    /// Any text: parsing never panics, and whatever parses replays without a panic, as a
    /// serial port and as a HID device, and writes back to text that parses the same.
    #[test]
    fn replaying_any_capture_text_never_panics(
        text in prop_oneof![
            1 => ".{0,200}",
            4 => proptest::collection::vec(
                // Mostly valid lines, so that most texts parse and get replayed.
                prop_oneof![
                    2 => Just("info 051d 0002 \"a\\\"b\" none \"\\x7f\"".to_string()),
                    8 => "(descriptor|input|set|get [0-9a-f]{2} =)( [0-9a-f]{2}){0,6}",
                    4 => "(input|get 0c =|string 1 =|set 0c 01 =) error (timeout|io|disconnected|busy)",
                    4 => "string [0-9]{1,2} = (none|\"[a-z ]{0,8}\")",
                    6 => "([<>]( [0-9a-f]{2}){0,4}|< timeout)",
                    1 => "#.{0,10}",
                    4 => "control-(in|out) (class|vendor) (device|interface) 0[0-9] 0[0-9]00 0000( [0-9a-f]{2}){0,3}( = error timeout)?",
                    2 => "control-in class interface 0[0-9] 0[0-9]00 0000 = [0-9a-f]{2}",
                    2 => "interrupt 81 = ([0-9a-f]{2}|error io)",
                    1 => ".{0,20}",
                ],
                0..12,
            ).prop_map(|lines| lines.join("\n")),
        ],
        ids in proptest::collection::vec(any::<u8>(), 1..8),
        len in 0usize..6,
    ) {
        // (About half of the generated texts parse, with up to a dozen exchanges.)
        let Ok(exchanges) = parse_capture(&text) else { return Ok(()) };
        prop_assert_eq!(parse_capture(&write_capture(&exchanges)).unwrap(), exchanges.clone());
        block_on(async {
            let mut dev = Replaying::new(exchanges);
            let _ = dev.info().await;
            let _ = dev.report_descriptor().await;
            for id in &ids {
                let mut buf = vec![*id; len];
                let _ = dev.get_feature_report(&mut buf).await;
                let _ = dev.set_feature_report(&buf).await;
                let _ = dev.read_input_report(&mut buf, T).await;
                let _ = dev.string_descriptor(*id).await;
                let _ = nut_hal::Serial::write_all(&mut dev, &buf).await;
                let _ = nut_hal::Serial::read(&mut dev, &mut buf, T).await;
                let setup = ControlRequest {
                    control_type: ControlType::Class,
                    recipient: Recipient::Interface,
                    request: *id % 10,
                    value: u16::from(*id % 10) << 8,
                    index: 0,
                };
                let _ = dev.control_out(setup, &buf, T).await;
                let _ = dev.control_in(setup, &mut buf, T).await;
                let _ = dev.interrupt_in(0x81, &mut buf, T).await;
            }
            let _ = dev.remaining();
            let _ = dev.is_finished();
        });
    }
}

#[tokio::test]
async fn output_reports_are_recorded_and_replayed_with_their_outcome() {
    let mut rec = Recording::new(Replaying::new([Exchange::Output {
        data: vec![0x90, 0x01, 0x03],
        result: Err(ErrorKind::Disconnected),
    }]));
    let error = rec.write_output_report(&[0x90, 0x01, 0x03]).await;
    assert_eq!(error.unwrap_err().kind(), ErrorKind::Disconnected);
    rec.write_output_report(&[0x90, 0x01, 0x04]).await.unwrap();
    let text = rec.capture_text();
    assert!(
        text.contains("output 90 01 03 = error disconnected\n"),
        "{text}"
    );
    assert!(text.contains("output 90 01 04\n"), "{text}");
    assert_eq!(parse_capture(&text).unwrap(), rec.exchanges());
    let mut replay = Replaying::from_text(&text).unwrap();
    assert_eq!(
        replay
            .write_output_report(&[0x90])
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Disconnected
    );
    replay.write_output_report(&[0x90]).await.unwrap();
    assert!(replay.is_finished());
}
