//! Driver-socket tests: the real dummy-ups capture, every message, bad input, round trips.

use super::*;
use alloc::string::ToString;
use alloc::vec;
use nut_core::{Range, StateTree, VarFlags};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sock")
        .join(name);
    std::fs::read(path).expect("fixture")
}

#[test]
fn real_dummy_ups_dumpall_parses_and_re_emits_byte_for_byte() {
    let bytes = fixture("dummy-ups-dumpall.txt");
    let mut reader = SockReader::<DriverMessage>::new();
    let messages: Vec<DriverMessage> = reader
        .feed(&bytes)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every line parses");
    assert!(!reader.has_partial_line());
    let text = core::str::from_utf8(&bytes).expect("ascii");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(messages.len(), lines.len());
    for (message, line) in messages.iter().zip(&lines) {
        assert_eq!(&message.to_line(), line);
    }
    assert_eq!(
        messages[messages.len() - 2..],
        [
            DriverMessage::Change(StateChange::DataOk),
            DriverMessage::DumpDone
        ]
    );

    // Rebuilding the tree and dumping it again gives NUT's own reply back.
    let changes: Vec<StateChange> = messages
        .iter()
        .filter_map(|m| match m {
            DriverMessage::Change(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let tree = StateTree::from_changes(changes.iter());
    assert_eq!(tree.value("ups.status"), Some("OL CHRG"));
    assert_eq!(tree.get("input.sensitivity").map(|v| v.aux()), Some(1));
    let again: String = dump_reply(tree.dump(), tree.data_ok())
        .iter()
        .map(DriverMessage::to_wire)
        .collect();
    assert_eq!(again, text);
}

#[test]
fn real_dummy_ups_exchange_parses_both_ways() {
    let bytes = fixture("dummy-ups-exchange.txt");
    let text = core::str::from_utf8(&bytes).expect("ascii");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        ServerMessage::parse_line(lines[0].as_bytes()),
        Ok(ServerMessage::Ping)
    );
    assert_eq!(
        DriverMessage::parse_line(lines[1].as_bytes()),
        Ok(DriverMessage::Pong)
    );
    let instcmd = ServerMessage::parse_line(lines[2].as_bytes()).expect("instcmd");
    assert_eq!(instcmd.to_line(), lines[2]);
    let result = DriverMessage::parse_line(lines[3].as_bytes()).expect("tracking");
    assert_eq!(
        result,
        DriverMessage::Tracking {
            id: "1B4E28BA-2FA1-4D8E-9A3B-6C7D8E9F0A1B".into(),
            result: TrackingResult::UNKNOWN
        }
    );
    let set = ServerMessage::parse_line(lines[4].as_bytes()).expect("set");
    assert_eq!(set.to_line(), lines[4]);
    for line in &lines[5..] {
        assert_eq!(
            DriverMessage::parse_line(line.as_bytes()).map(|m| m.to_line()),
            Ok(line.to_string())
        );
    }
}

#[test]
fn stale_dump_starts_with_datastale_and_has_no_dataok() {
    let reply = dump_reply(
        vec![StateChange::AddCmd {
            name: "load.off".into(),
        }],
        false,
    );
    let lines: Vec<String> = reply.iter().map(DriverMessage::to_line).collect();
    assert_eq!(lines, ["DATASTALE", "ADDCMD load.off", "DUMPDONE"]);
}

#[test]
fn bug_fixed_values_are_always_escaped() {
    let msg = DriverMessage::Change(StateChange::SetInfo {
        name: "outlet.1.desc".into(),
        value: r#"PowerShare "Outlet" #1 \ x"#.into(),
    });
    assert_eq!(
        msg.to_line(),
        r#"SETINFO outlet.1.desc "PowerShare \"Outlet\" \#1 \\ x""#
    );
}

#[test]
fn bug_fixed_instcmd_parameter_is_quoted_and_nut_form_still_parses() {
    let ours = ServerMessage::InstCmd {
        cmd: "load.off.delay".into(),
        param: Some("10 s".into()),
        tracking: Some("ID".into()),
    };
    assert_eq!(
        ours.to_line(),
        r#"INSTCMD load.off.delay "10 s" TRACKING ID"#
    );
    assert_eq!(
        ServerMessage::parse_line(ours.to_line().as_bytes()),
        Ok(ours)
    );
    assert_eq!(
        ServerMessage::parse_line(b"INSTCMD load.off.delay 10"),
        Ok(ServerMessage::InstCmd {
            cmd: "load.off.delay".into(),
            param: Some("10".into()),
            tracking: None
        })
    );
}

#[test]
fn instcmd_accepts_exactly_two_to_five_words() {
    assert!(ServerMessage::parse_line(b"INSTCMD a TRACKING id").is_ok());
    let bad = ServerMessage::parse_line(b"INSTCMD a b c").unwrap_err();
    assert_eq!(
        (bad.kind, bad.index, bad.word.as_str()),
        (SockErrorKind::Malformed, 2, "b")
    );
    assert!(ServerMessage::parse_line(b"INSTCMD a b c d e").is_err());
    assert_eq!(
        ServerMessage::parse_line(b"INSTCMD").unwrap_err().kind,
        SockErrorKind::MissingArgument
    );
}

#[test]
fn set_accepts_three_or_five_words() {
    assert!(ServerMessage::parse_line(br#"SET x "1""#).is_ok());
    assert!(ServerMessage::parse_line(br#"SET x "1" TRACKING id"#).is_ok());
    assert!(ServerMessage::parse_line(br#"SET x "1" extra"#).is_err());
    assert!(ServerMessage::parse_line(br#"SET x "1" NOTTRACKING id"#).is_err());
}

#[test]
fn numbers_are_read_like_atoi() {
    assert_eq!(
        DriverMessage::parse_line(b"ADDRANGE x 90abc -5"),
        Ok(DriverMessage::Change(StateChange::AddRange {
            name: "x".into(),
            range: Range { min: 90, max: -5 }
        }))
    );
    assert_eq!(
        DriverMessage::parse_line(b"SETAUX x none"),
        Ok(DriverMessage::Change(StateChange::SetAux {
            name: "x".into(),
            aux: 0
        }))
    );
    assert_eq!(
        ServerMessage::parse_line(b"BROADCAST 0"),
        Ok(ServerMessage::Broadcast(Some(0)))
    );
}

#[test]
fn setflags_ignores_unknown_words_and_never_sends_immutable() {
    assert_eq!(
        DriverMessage::parse_line(b"SETFLAGS x RW FOO STRING IMMUTABLE"),
        Ok(DriverMessage::Change(StateChange::SetFlags {
            name: "x".into(),
            flags: VarFlags::RW | VarFlags::STRING
        }))
    );
    let msg = DriverMessage::Change(StateChange::SetFlags {
        name: "x".into(),
        flags: VarFlags::IMMUTABLE,
    });
    assert_eq!(msg.to_line(), "SETFLAGS x");
}

#[test]
fn bad_lines_are_typed_errors() {
    assert_eq!(
        DriverMessage::parse_line(b"").unwrap_err().kind,
        SockErrorKind::Empty
    );
    let unknown = DriverMessage::parse_line(b"HELLO there").unwrap_err();
    assert_eq!(
        (unknown.kind, unknown.word.as_str()),
        (SockErrorKind::UnknownVerb, "HELLO")
    );
    let missing = DriverMessage::parse_line(b"SETINFO x").unwrap_err();
    assert_eq!(
        (missing.kind, missing.index),
        (SockErrorKind::MissingArgument, 2)
    );
    assert!(matches!(
        DriverMessage::parse_line(br#"SETINFO x "a#b""#)
            .unwrap_err()
            .kind,
        SockErrorKind::Tokenize(_)
    ));
    assert!(DriverMessage::parse_line(b"OK").is_err());
}

#[test]
fn reader_keeps_going_after_a_bad_line_and_across_chunks() {
    let mut reader = SockReader::<DriverMessage>::new();
    let mut results = reader.feed(b"PONG\nBOGUS\n\nSETI");
    results.extend(reader.feed(b"NFO a \"b\"\n"));
    assert_eq!(results.len(), 3);
    assert_eq!(results[0], Ok(DriverMessage::Pong));
    assert!(results[1].is_err());
    assert!(results[2].is_ok());
}

#[test]
fn tracking_results_map_to_client_statuses() {
    use crate::net::TrackingStatus;
    assert_eq!(
        TrackingResult::HANDLED.status(),
        Some(TrackingStatus::Success)
    );
    assert_eq!(
        TrackingResult::UNKNOWN.status(),
        Some(TrackingStatus::Unknown)
    );
    assert_eq!(
        TrackingResult::INVALID.status(),
        Some(TrackingStatus::InvalidArgument)
    );
    assert_eq!(
        TrackingResult::FAILED.status(),
        Some(TrackingStatus::Failed)
    );
    // upsd 2.8.0 answers ERR UNKNOWN to 4 and above, and keeps a negative code pending.
    assert_eq!(
        TrackingResult::CONVERSION_FAILED.status(),
        Some(TrackingStatus::Unknown)
    );
    assert_eq!(TrackingResult(9).status(), Some(TrackingStatus::Unknown));
    assert_eq!(TrackingResult(-1).status(), None);
}

fn name() -> impl Strategy<Value = String> {
    "[a-z]{1,8}(\\.[a-z0-9]{1,6}){0,3}"
}

fn value() -> impl Strategy<Value = String> {
    "[ -~]{0,60}"
}

fn change() -> impl Strategy<Value = StateChange> {
    let range = (any::<i32>(), any::<i32>()).prop_map(|(a, b)| Range {
        min: i64::from(a),
        max: i64::from(b),
    });
    prop_oneof![
        (name(), value()).prop_map(|(name, value)| StateChange::SetInfo { name, value }),
        name().prop_map(|name| StateChange::DelInfo { name }),
        (name(), value()).prop_map(|(name, value)| StateChange::AddEnum { name, value }),
        (name(), value()).prop_map(|(name, value)| StateChange::DelEnum { name, value }),
        (name(), range.clone()).prop_map(|(name, range)| StateChange::AddRange { name, range }),
        (name(), range).prop_map(|(name, range)| StateChange::DelRange { name, range }),
        (name(), any::<i64>()).prop_map(|(name, aux)| StateChange::SetAux { name, aux }),
        (name(), 0u8..8).prop_map(|(name, bits)| StateChange::SetFlags {
            name,
            flags: VarFlags::from_bits_truncate(bits)
        }),
        name().prop_map(|name| StateChange::AddCmd { name }),
        name().prop_map(|name| StateChange::DelCmd { name }),
        Just(StateChange::DataOk),
        Just(StateChange::DataStale),
    ]
}

fn driver_message() -> impl Strategy<Value = DriverMessage> {
    prop_oneof![
        change().prop_map(DriverMessage::Change),
        Just(DriverMessage::DumpDone),
        Just(DriverMessage::Pong),
        Just(DriverMessage::Goodbye),
        ("[!-~]{1,40}", any::<i64>()).prop_map(|(id, code)| DriverMessage::Tracking {
            id,
            result: TrackingResult(code)
        }),
        "[!-~]{1,20}".prop_map(DriverMessage::Pid),
    ]
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    let tracking = proptest::option::of("[!-~]{1,40}");
    prop_oneof![
        Just(ServerMessage::DumpAll),
        name().prop_map(ServerMessage::DumpValue),
        Just(ServerMessage::DumpStatus),
        Just(ServerMessage::Ping),
        Just(ServerMessage::GetPid),
        Just(ServerMessage::NoBroadcast),
        proptest::option::of(any::<i64>()).prop_map(ServerMessage::Broadcast),
        Just(ServerMessage::Logout),
        (name(), proptest::option::of(value()), tracking.clone()).prop_map(
            |(cmd, param, tracking)| ServerMessage::InstCmd {
                cmd,
                param,
                tracking
            }
        ),
        (name(), value(), tracking).prop_map(|(var, value, tracking)| ServerMessage::Set {
            var,
            value,
            tracking
        }),
    ]
}

proptest! {
    #[test]
    fn driver_messages_round_trip(msg in driver_message()) {
        let line = msg.to_line();
        prop_assert!(line.len() <= 1024);
        prop_assert_eq!(DriverMessage::parse_line(line.as_bytes()), Ok(msg));
    }

    #[test]
    fn server_messages_round_trip(msg in server_message()) {
        prop_assert_eq!(ServerMessage::parse_line(msg.to_line().as_bytes()), Ok(msg));
    }

    #[test]
    fn reader_never_panics_and_reparses_what_it_reads(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let mut reader = SockReader::<DriverMessage>::new();
        for msg in reader.feed(&bytes).into_iter().flatten() {
            prop_assert_eq!(DriverMessage::parse_line(msg.to_line().as_bytes()), Ok(msg.clone()));
        }
    }
}
