//! Property tests: every request and response written by `nut_protocol::net` reads back as the
//! same value, for names and values made of any printable ASCII (including `"`, `\`, `#`, `=`
//! and spaces); and no input makes a parser panic.

use nut_core::Range;
use nut_protocol::net::{
    ErrorCode, GetQuery, ListQuery, OkReply, Request, Response, Secret, TrackingId, TrackingStatus,
    ValueKind, VarType,
};
use proptest::prelude::*;

/// Printable ASCII, DEL included (the tokenizer keeps 0x20..=0x7F).
fn text() -> impl Strategy<Value = String> {
    "[\\x20-\\x7f]{0,40}"
}

/// A name: usually a plain NUT name, sometimes anything printable.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9._-]{0,20}",
        1 => text(),
    ]
}

fn tracking_id() -> impl Strategy<Value = TrackingId> {
    any::<[u8; 16]>().prop_map(TrackingId::from_random_bytes)
}

fn list_query() -> impl Strategy<Value = ListQuery> {
    prop_oneof![
        Just(ListQuery::Ups),
        name().prop_map(|ups| ListQuery::Var { ups }),
        name().prop_map(|ups| ListQuery::Rw { ups }),
        name().prop_map(|ups| ListQuery::Cmd { ups }),
        name().prop_map(|ups| ListQuery::Client { ups }),
        (name(), name()).prop_map(|(ups, var)| ListQuery::Enum { ups, var }),
        (name(), name()).prop_map(|(ups, var)| ListQuery::Range { ups, var }),
    ]
}

fn get_query() -> impl Strategy<Value = GetQuery> {
    prop_oneof![
        (name(), name()).prop_map(|(ups, var)| GetQuery::Var { ups, var }),
        (name(), name()).prop_map(|(ups, var)| GetQuery::Type { ups, var }),
        (name(), name()).prop_map(|(ups, var)| GetQuery::Desc { ups, var }),
        (name(), name()).prop_map(|(ups, cmd)| GetQuery::CmdDesc { ups, cmd }),
        name().prop_map(|ups| GetQuery::UpsDesc { ups }),
        name().prop_map(|ups| GetQuery::NumLogins { ups }),
        Just(GetQuery::TrackingMode),
        prop_oneof![name(), tracking_id().prop_map(|id| id.to_string())]
            .prop_map(|id| GetQuery::TrackingResult { id }),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        prop_oneof![
            Just(Request::Ver),
            Just(Request::NetVer),
            Just(Request::ProtVer),
            Just(Request::Help),
            Just(Request::StartTls),
            Just(Request::Logout),
        ],
        name().prop_map(|username| Request::Username { username }),
        text().prop_map(|p| Request::Password {
            password: Secret::new(p)
        }),
        name().prop_map(|ups| Request::Login { ups }),
        name().prop_map(|ups| Request::Primary { ups }),
        name().prop_map(|ups| Request::Master { ups }),
        name().prop_map(|ups| Request::Fsd { ups }),
        get_query().prop_map(Request::Get),
        list_query().prop_map(Request::List),
        (name(), name(), text()).prop_map(|(ups, var, value)| Request::SetVar { ups, var, value }),
        any::<bool>().prop_map(|enabled| Request::SetTracking { enabled }),
        (name(), name(), proptest::option::of(text()))
            .prop_map(|(ups, cmd, param)| Request::InstCmd { ups, cmd, param }),
    ]
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        proptest::sample::select(ErrorCode::KNOWN.to_vec()),
        name().prop_map(|code| ErrorCode::parse(&code)),
    ]
}

/// `OK` followed by words that spell none of the known forms.
fn ok_other() -> impl Strategy<Value = OkReply> {
    proptest::collection::vec(name(), 1..4)
        .prop_filter("spells a known OK form", |words| {
            let known = [
                "Goodbye",
                "PRIMARY-GRANTED",
                "MASTER-GRANTED",
                "FSD-SET",
                "STARTTLS",
            ];
            let first_is = |w: &str| words[0].eq_ignore_ascii_case(w);
            let spells_known = words.len() == 1 && known.iter().any(|w| first_is(w));
            let spells_tracking = words.len() == 2 && first_is("TRACKING");
            !spells_known && !spells_tracking
        })
        .prop_map(OkReply::Other)
}

fn ok_reply() -> impl Strategy<Value = OkReply> {
    prop_oneof![
        Just(OkReply::Plain),
        Just(OkReply::Goodbye),
        Just(OkReply::PrimaryGranted),
        Just(OkReply::MasterGranted),
        Just(OkReply::FsdSet),
        Just(OkReply::StartTls),
        tracking_id().prop_map(OkReply::Tracking),
        ok_other(),
    ]
}

fn var_type() -> impl Strategy<Value = VarType> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(any::<i64>()),
    )
        .prop_map(|(writable, enumerated, ranged, len)| VarType {
            writable,
            enumerated,
            ranged,
            kind: len.map_or(ValueKind::Number, |max_len| ValueKind::String { max_len }),
        })
}

/// Every response that reads back without context.
fn structured_response() -> impl Strategy<Value = Response> {
    prop_oneof![
        ok_reply().prop_map(Response::Ok),
        (error_code(), proptest::collection::vec(text(), 0..3))
            .prop_map(|(code, extra)| Response::Err { code, extra }),
        (name(), name(), text()).prop_map(|(ups, var, value)| Response::Var { ups, var, value }),
        (name(), name(), text()).prop_map(|(ups, var, value)| Response::Rw { ups, var, value }),
        (name(), name(), text()).prop_map(|(ups, var, value)| Response::Enum { ups, var, value }),
        (name(), name(), any::<i64>(), any::<i64>()).prop_map(|(ups, var, min, max)| {
            Response::Range {
                ups,
                var,
                range: Range { min, max },
            }
        }),
        (name(), name()).prop_map(|(ups, cmd)| Response::Cmd { ups, cmd }),
        (name(), name()).prop_map(|(ups, address)| Response::Client { ups, address }),
        (name(), text()).prop_map(|(ups, description)| Response::Ups { ups, description }),
        (name(), name(), var_type()).prop_map(|(ups, var, var_type)| Response::Type {
            ups,
            var,
            var_type
        }),
        (name(), name(), text()).prop_map(|(ups, var, description)| Response::Desc {
            ups,
            var,
            description
        }),
        (name(), name(), text()).prop_map(|(ups, cmd, description)| Response::CmdDesc {
            ups,
            cmd,
            description
        }),
        (name(), text()).prop_map(|(ups, description)| Response::UpsDesc { ups, description }),
        (name(), any::<u32>()).prop_map(|(ups, count)| Response::NumLogins { ups, count }),
        list_query().prop_map(Response::BeginList),
        list_query().prop_map(Response::EndList),
        any::<bool>().prop_map(|enabled| Response::TrackingMode { enabled }),
        prop_oneof![Just(TrackingStatus::Pending), Just(TrackingStatus::Success)]
            .prop_map(Response::TrackingResult),
    ]
}

/// Free text as upsd could send it: printable, and not an `ERR` line.
fn free_text() -> impl Strategy<Value = String> {
    "[\\x20-\\x7e]{0,60}".prop_filter("is an ERR line", |t| t != "ERR" && !t.starts_with("ERR "))
}

/// Responses that need a request as context, with that request.
fn contextual_response() -> impl Strategy<Value = (Request, Response)> {
    prop_oneof![
        free_text().prop_map(|text| (Request::Ver, Response::Version { text })),
        free_text().prop_map(|text| (Request::NetVer, Response::ProtocolVersion { text })),
        free_text().prop_map(|text| (Request::ProtVer, Response::ProtocolVersion { text })),
        free_text().prop_map(|text| (Request::Help, Response::Help { text })),
        (
            tracking_id(),
            proptest::sample::select(TrackingStatus::ALL.to_vec())
        )
            .prop_map(|(id, status)| (Request::get_tracking(id), Response::TrackingResult(status))),
    ]
}

/// First words of requests and responses, to make random lines that often parse.
const KEYWORDS: [&str; 24] = [
    "GET VAR",
    "GET TRACKING",
    "LIST",
    "LIST ENUM",
    "SET VAR",
    "SET TRACKING",
    "INSTCMD",
    "LOGIN",
    "USERNAME",
    "VER",
    "STARTTLS",
    "OK",
    "OK TRACKING",
    "ERR",
    "VAR",
    "RANGE",
    "TYPE",
    "TYPE u v",
    "BEGIN LIST",
    "END LIST",
    "UPS",
    "NUMLOGINS u",
    "CLIENT",
    "DESC",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn request_write_then_parse_is_identity(request in request()) {
        let line = request.to_line();
        prop_assert!(!line.contains('\n'));
        prop_assert_eq!(Request::parse_line(line.as_bytes()), Ok(request.clone()));
        // With a trailing LF too, as it goes on the wire.
        let wire = format!("{line}\n");
        prop_assert_eq!(Request::parse_line(wire.as_bytes()), Ok(request));
    }

    #[test]
    fn response_write_then_parse_is_identity(response in structured_response()) {
        let line = response.to_line();
        prop_assert!(!line.contains('\n'));
        prop_assert_eq!(Response::parse(line.as_bytes()), Ok(response.clone()));
        // Context that needs none changes nothing.
        let get = Request::Get(GetQuery::Var { ups: "u".into(), var: "v".into() });
        prop_assert_eq!(Response::parse_for(&get, line.as_bytes()), Ok(response));
    }

    #[test]
    fn contextual_response_write_then_parse_is_identity(
        (request, response) in contextual_response()
    ) {
        let wire = format!("{response}\n");
        prop_assert_eq!(Response::parse_for(&request, wire.as_bytes()), Ok(response));
    }

    #[test]
    fn tracking_id_format_then_parse_is_identity(id in tracking_id()) {
        let text = id.to_string();
        prop_assert_eq!(text.len(), 36);
        prop_assert_eq!(text.to_ascii_uppercase(), text.clone());
        prop_assert_eq!(TrackingId::parse(&text), Ok(id));
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Request::parse_line(&bytes);
        let _ = Response::parse(&bytes);
        let _ = Response::parse_for(&Request::Ver, &bytes);
        let _ = Response::parse_for(&Request::get_tracking(TrackingId::from_random_bytes([0; 16])), &bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = TrackingId::parse(text);
        }
    }

    #[test]
    fn whatever_parses_round_trips(
        keyword in proptest::sample::select(KEYWORDS.to_vec()),
        rest in "[\\x20-\\x7f]{0,80}",
    ) {
        let line = format!("{keyword} {rest}");
        if let Ok(request) = Request::parse_line(line.as_bytes()) {
            prop_assert_eq!(Request::parse_line(request.to_line().as_bytes()), Ok(request));
        }
        if let Ok(response) = Response::parse(line.as_bytes()) {
            prop_assert_eq!(Response::parse(response.to_line().as_bytes()), Ok(response));
        }
    }
}
