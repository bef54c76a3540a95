use super::*;
use crate::apcsmart::tables::var_named;

fn frame(bytes: &[u8], filter: Filter) -> (Vec<String>, Vec<Alert>) {
    let mut reader = LineReader::default();
    let mut replies = Vec::new();
    if let Some(r) = reader.push(bytes, filter) {
        replies.push(r);
    }
    while let Some(r) = reader.next_reply(filter) {
        replies.push(r);
    }
    (replies, reader.take_alerts())
}

#[test]
fn reply_ends_at_lf_and_drops_cr() {
    assert_eq!(frame(b"230.0\r\n", Filter::Normal).0, vec!["230.0"]);
    assert_eq!(frame(b"NA\r\nSM\r\n", Filter::Normal).0, vec!["NA", "SM"]);
    assert!(frame(b"230.0\r", Filter::Normal).0.is_empty());
}

#[test]
fn star_is_a_whole_reply() {
    assert_eq!(frame(b"*", Filter::Normal).0, vec!["*"]);
}

#[test]
fn alerts_in_mid_reply_are_filtered_and_reported() {
    let (replies, alerts) = frame(b"2!3$0.%0\r+\n", Filter::Normal);
    assert_eq!(replies, vec!["230.0"]);
    assert_eq!(
        alerts,
        vec![
            Alert::OnBattery,
            Alert::OnLine,
            Alert::LowBattery,
            Alert::LowBatteryCleared
        ]
    );
    let (replies, alerts) = frame(b"|&#?=08\r\n", Filter::Normal);
    assert_eq!(replies, vec!["08"]);
    assert_eq!(
        alerts,
        vec![
            Alert::ReplaceBattery,
            Alert::Overload,
            Alert::OverloadCleared
        ]
    );
}

#[test]
fn capability_and_cmdset_filters_keep_their_characters() {
    let (replies, alerts) = frame(b"#uI!43253264271280\r\n", Filter::Capabilities);
    assert_eq!(replies, vec!["#uI43253264271280"]);
    assert_eq!(alerts, vec![Alert::OnBattery]);
    let (replies, alerts) = frame(b"3.!$%+?=#|.QY\r\n", Filter::CommandSet);
    assert_eq!(replies, vec!["3.!$%+?=#.QY"]);
    assert!(alerts.is_empty());
}

#[test]
fn flush_keeps_alerts_drops_text() {
    let mut reader = LineReader::default();
    assert_eq!(reader.push(b"12!", Filter::Normal), None);
    reader.flush();
    assert_eq!(reader.take_alerts(), vec![Alert::OnBattery]);
    assert_eq!(reader.push(b"OK\r\n", Filter::Normal), Some("OK".into()));
}

#[test]
fn every_status_bit() {
    let expected = [
        (0x01, "CAL"),
        (0x02, "TRIM"),
        (0x04, "BOOST"),
        (0x08, "OL"),
        (0x10, "OB"),
        (0x20, "OVER"),
        (0x40, "LB"),
        (0x80, "RB"),
    ];
    for (bit, word) in expected {
        let reply = format!("{bit:02X}");
        let bits = parse_status(&reply).unwrap();
        assert_eq!(status_words(bits), vec![word], "{reply}");
    }
    assert_eq!(status_words(parse_status("00").unwrap()), vec!["OFF"]);
    assert_eq!(
        status_words(parse_status("58").unwrap()),
        vec!["OL", "OB", "LB"]
    );
    assert_eq!(status_words(0xff).len(), 8);
    assert!(parse_status("NA").is_err());
    assert!(parse_status("").is_err());
    assert!(parse_status("123").is_err());
    assert!(parse_status("0x").is_err());
}

#[test]
fn alert_effects_on_status() {
    let ol = 0x08;
    assert_eq!(Alert::OnBattery.apply(ol), 0x10);
    assert_eq!(Alert::OnLine.apply(0x10), 0x08);
    assert_eq!(Alert::LowBattery.apply(0x10), 0x50);
    assert_eq!(Alert::LowBatteryCleared.apply(0x50), 0x10);
    assert_eq!(Alert::ReplaceBattery.apply(ol), 0x88);
    assert_eq!(Alert::Overload.apply(ol), 0x28);
    assert_eq!(Alert::OverloadCleared.apply(0x28), 0x08);
    for byte in b"!$%+#?=" {
        assert_eq!(Alert::from_byte(*byte).map(Alert::byte), Some(*byte));
    }
    assert_eq!(Alert::from_byte(b'|'), None);
}

#[test]
fn conversions() {
    let conv = |name: &str, raw: &str| convert(var_named(name).unwrap(), raw);
    assert_eq!(conv("battery.runtime", "0016:"), "960");
    assert_eq!(conv("battery.runtime.low", "02"), "120");
    assert_eq!(conv("ups.test.interval", "336"), "1209600");
    assert_eq!(conv("ups.test.interval", "OFF"), "0");
    assert_eq!(conv("device.uptime", "123.4"), "442800");
    assert_eq!(
        conv("input.transfer.reason", "R"),
        "unacceptable utility voltage rate of change"
    );
    assert_eq!(
        conv("input.transfer.reason", "S"),
        "simulated power failure or UPS test"
    );
    assert_eq!(conv("input.transfer.reason", "Q"), "Q");
    assert_eq!(conv("ups.load", "061.1"), "061.1");
    assert_eq!(leading_integer("  -12x"), -12);
    assert_eq!(leading_integer(""), 0);
    assert_eq!(leading_integer("99999999999999999999999"), i64::MAX);
}

#[test]
fn command_set() {
    let set = parse_command_set("3.!$%+?=#|.\x01QYabc").unwrap();
    assert_eq!(set.version, 3);
    assert_eq!(set.alerts, b"!$%+?=#|");
    assert_eq!(set.commands, b"\x01QYabc");
    assert_eq!(set.extended, None);
    let set = parse_command_set("4..QY.ext").unwrap();
    assert_eq!(set.extended.as_deref(), Some("ext"));
    for bad in ["", "NA", "3.x", "x.y.z", "3.a.", "3.a.b.c.d", "33.a.b"] {
        assert!(parse_command_set(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn capabilities() {
    let entries = parse_capabilities("#uI43253264271280e44200155090").unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].cmd, b'u');
    assert_eq!(entries[0].locale, 'I');
    assert_eq!(entries[0].values, vec!["253", "264", "271", "280"]);
    assert_eq!(entries[1].values, vec!["00", "15", "50", "90"]);
    assert!(parse_capabilities("uI4").is_err());
    assert!(parse_capabilities("#uI43253").is_err());
    assert!(parse_capabilities("#uIx3").is_err());
    assert_eq!(parse_capabilities("#").unwrap(), vec![]);
    let matrix = parse_capabilities("##uI22aabb##e41200").unwrap();
    assert_eq!(matrix.len(), 2);
    assert_eq!(locale_of("736.1.I"), Some('I'));
}

#[test]
fn packed_replies_are_numbered_fields() {
    use crate::apcsmart::tables::var_named;
    let humidity = var_named("ambient.0.humidity").unwrap();
    let pairs = |raw| unpack(humidity, raw);
    assert_eq!(
        pairs("45.0"),
        vec![("ambient.1.humidity".to_string(), "45.0".to_string())]
    );
    // Five fields: the fifth is dropped; an empty field (also a trailing one) is N/A.
    let five = pairs("1,2,,4,5");
    assert_eq!(five.len(), 4);
    assert_eq!(
        five[2],
        ("ambient.3.humidity".to_string(), "N/A".to_string())
    );
    assert_eq!(five[3], ("ambient.4.humidity".to_string(), "4".to_string()));
    assert!(overfull_pack("1,2,,4,5"));
    assert!(!overfull_pack("1,2,3,4"));
    assert_eq!(pairs("20.0,")[1].1, "N/A");
    // Spaces are kept, as the real driver publishes them.
    assert_eq!(pairs("80.0 ,81.0")[0].1, "80.0 ");
    // Rows that are not packed give their one converted value.
    let runtime = var_named("battery.runtime").unwrap();
    assert_eq!(
        unpack(runtime, "0016:"),
        vec![("battery.runtime".to_string(), "960".to_string())]
    );
    assert_eq!(packed_name("ups.load", 2), "ups.load");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            for filter in [Filter::Normal, Filter::Capabilities, Filter::CommandSet] {
                let (replies, _) = frame(&bytes, filter);
                for reply in replies {
                    let _ = parse_status(&reply);
                    let _ = parse_command_set(&reply);
                    let _ = parse_capabilities(&reply);
                    for def in crate::apcsmart::tables::VARS {
                        let _ = convert(def, &reply);
                        prop_assert!(unpack(def, &reply).len() <= crate::apcsmart::tables::PACK_MAX);
                    }
                    prop_assert!(reply.chars().count() <= MAX_REPLY + 1);
                }
            }
        }

        #[test]
        fn status_replies_round_trip(bits in any::<u8>()) {
            prop_assert_eq!(parse_status(&format!("{bits:02X}")), Ok(bits));
        }
    }
}
