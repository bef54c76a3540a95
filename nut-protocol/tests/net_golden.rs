//! Every line of the real upsd 2.8.0 transcript (tests/fixtures/golden/upsd-transcript.txt)
//! through the typed protocol: requests parse as upsd accepted or rejected them, responses parse
//! with their request as context and are written back byte for byte.

use std::path::PathBuf;

use nut_protocol::net::{
    ErrorCode, GetQuery, Leniency, ListQuery, OkReply, Request, RequestError, Response, TrackingId,
    TrackingStatus, UPSD_2_8_0_HELP_TEXT, UPSD_2_8_0_VERSION_TEXT,
};
use nut_protocol::tokenizer::tokenize_line;

/// The id substituted for `<UUID>` placeholders.
const UUID: &str = "0123ABCD-4567-4ABC-9DEF-0123456789AB";

/// One request of the transcript with the response lines that answered it.
struct Exchange {
    session: String,
    request: Vec<u8>,
    responses: Vec<Vec<u8>>,
}

/// Undoes the recorder's escaping: `\\`, `\n`, `\r`, `\t`, `\xNN`; and fills in `<UUID>`.
fn unescape(text: &str) -> Vec<u8> {
    let text = text.replace("<UUID>", UUID);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'\\' => out.push(b'\\'),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'x' => {
                    let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                other => panic!("unknown escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn transcript() -> Vec<Exchange> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/golden/upsd-transcript.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut session = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== session ") {
            session = name.split(':').next().unwrap().to_string();
        } else if let Some(request) = line.strip_prefix(">>> ") {
            exchanges.push(Exchange {
                session: session.clone(),
                request: unescape(request),
                responses: Vec::new(),
            });
        } else if let Some(response) = line.strip_prefix("<<< ") {
            exchanges
                .last_mut()
                .expect("response before any request")
                .responses
                .push(unescape(response));
        }
    }
    exchanges
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn words(line: &[u8]) -> Vec<String> {
    tokenize_line(line).unwrap().words
}

fn is_auth_error(response: &Response) -> bool {
    matches!(
        response.error_code(),
        Some(ErrorCode::UsernameRequired | ErrorCode::PasswordRequired)
    )
}

/// True when `response` is a plausible single-line answer to `request` (errors aside).
fn answers(request: &Request, response: &Response) -> bool {
    use Response as R;
    match (request, response) {
        (_, R::Err { .. }) => true,
        (Request::Ver, R::Version { text }) => text == UPSD_2_8_0_VERSION_TEXT,
        (Request::NetVer | Request::ProtVer, R::ProtocolVersion { text }) => text == "1.3",
        (Request::Help, R::Help { text }) => text == UPSD_2_8_0_HELP_TEXT,
        (Request::Get(GetQuery::Var { ups, var }), R::Var { ups: u, var: v, .. }) => {
            ups == u && var == v
        }
        (Request::Get(GetQuery::Type { ups, var }), R::Type { ups: u, var: v, .. }) => {
            ups == u && var == v
        }
        (Request::Get(GetQuery::Desc { ups, var }), R::Desc { ups: u, var: v, .. }) => {
            ups == u && var == v
        }
        (Request::Get(GetQuery::CmdDesc { ups, cmd }), R::CmdDesc { ups: u, cmd: c, .. }) => {
            ups == u && cmd == c
        }
        (Request::Get(GetQuery::UpsDesc { ups }), R::UpsDesc { ups: u, .. }) => ups == u,
        (Request::Get(GetQuery::NumLogins { ups }), R::NumLogins { ups: u, .. }) => ups == u,
        (Request::Get(GetQuery::TrackingMode), R::TrackingMode { .. }) => true,
        (Request::Get(GetQuery::TrackingResult { .. }), R::TrackingResult(_)) => true,
        (Request::Primary { .. }, R::Ok(OkReply::PrimaryGranted)) => true,
        (Request::Master { .. }, R::Ok(OkReply::MasterGranted)) => true,
        (Request::Fsd { .. }, R::Ok(OkReply::FsdSet)) => true,
        (Request::Logout, R::Ok(OkReply::Goodbye)) => true,
        (Request::StartTls, R::Ok(OkReply::StartTls)) => true,
        (
            Request::SetVar { .. } | Request::InstCmd { .. },
            R::Ok(OkReply::Plain | OkReply::Tracking(_)),
        ) => true,
        (
            Request::Username { .. }
            | Request::Password { .. }
            | Request::Login { .. }
            | Request::SetTracking { .. },
            R::Ok(OkReply::Plain),
        ) => true,
        _ => false,
    }
}

/// A list answer: `BEGIN LIST q`, items about `q`'s UPS, `END LIST q`.
fn check_list(query: &ListQuery, responses: &[Response], context: &str) {
    let (Some(Response::BeginList(begin)), Some(Response::EndList(end))) =
        (responses.first(), responses.last())
    else {
        panic!("{context}: not a list block: {responses:?}");
    };
    assert_eq!(begin, query, "{context}");
    assert_eq!(end, query, "{context}");
    for item in &responses[1..responses.len() - 1] {
        let fits = match (query, item) {
            (ListQuery::Ups, Response::Ups { .. }) => true,
            (ListQuery::Var { ups }, Response::Var { ups: u, .. })
            | (ListQuery::Rw { ups }, Response::Rw { ups: u, .. })
            | (ListQuery::Cmd { ups }, Response::Cmd { ups: u, .. })
            | (ListQuery::Client { ups }, Response::Client { ups: u, .. }) => ups == u,
            (ListQuery::Enum { ups, var }, Response::Enum { ups: u, var: v, .. })
            | (ListQuery::Range { ups, var }, Response::Range { ups: u, var: v, .. }) => {
                ups == u && var == v
            }
            _ => false,
        };
        assert!(
            fits,
            "{context}: item {item:?} does not belong to {query:?}"
        );
    }
}

#[test]
fn transcript_has_every_session() {
    let exchanges = transcript();
    assert_eq!(exchanges.len(), 294);
    let sessions: std::collections::BTreeSet<_> =
        exchanges.iter().map(|e| e.session.as_str()).collect();
    for name in ["basics", "missing-args", "before-auth", "admin", "primary"] {
        assert!(sessions.contains(name), "session {name} missing");
    }
}

#[test]
fn every_request_parses_as_upsd_accepted_it() {
    let (mut accepted, mut rejected, mut auth_first, mut lenient) = (0, 0, 0, 0);
    for exchange in transcript() {
        let context = format!("[{}] >>> {}", exchange.session, show(&exchange.request));
        let first = Response::parse(&exchange.responses[0]);
        match Request::parse_lenient(&words(&exchange.request)) {
            Ok((request, leniency)) => {
                accepted += 1;
                lenient += usize::from(leniency.is_some());
                // Emitting gives back the same words (up to the case of keywords), unless
                // upsd ignored some of them.
                let emitted = request.to_line();
                assert_eq!(Request::parse_line(emitted.as_bytes()), Ok(request.clone()));
                if leniency.is_none() {
                    let original = words(&exchange.request);
                    let again = words(emitted.as_bytes());
                    assert_eq!(original.len(), again.len(), "{context}");
                    for (a, b) in original.iter().zip(&again) {
                        assert!(a.eq_ignore_ascii_case(b), "{context}: {a} vs {b}");
                    }
                }
                // upsd did not reject it for its arguments.
                if let Ok(response) = &first {
                    assert_ne!(
                        response.error_code(),
                        Some(&ErrorCode::UnknownCommand),
                        "{context}"
                    );
                    if response.error_code() == Some(&ErrorCode::InvalidArgument) {
                        assert!(
                            matches!(request, Request::Get(GetQuery::TrackingResult { .. })),
                            "{context}: upsd said INVALID-ARGUMENT"
                        );
                    }
                }
            }
            Err(error) => {
                let response = first.unwrap_or_else(|e| panic!("{context}: {e}"));
                let deferred = error.command().is_some_and(|c| c.requires_auth());
                rejected += 1;
                auth_first += usize::from(deferred && is_auth_error(&response));
                assert!(
                    response == error.to_response() || (deferred && is_auth_error(&response)),
                    "{context}: we reject with {error} but upsd said {response}"
                );
            }
        }
    }
    assert_eq!((accepted, rejected, auth_first, lenient), (251, 43, 5, 6));
}

#[test]
fn every_response_parses_in_context_and_is_written_back_exactly() {
    let mut lines = 0;
    for exchange in transcript() {
        let context = format!("[{}] >>> {}", exchange.session, show(&exchange.request));
        let request = Request::parse(&words(&exchange.request)).ok();
        let mut parsed = Vec::new();
        for line in &exchange.responses {
            let response = match &request {
                Some(request) => Response::parse_for(request, line),
                None => Response::parse(line),
            }
            .unwrap_or_else(|e| panic!("{context}: <<< {}: {e}", show(line)));
            assert_eq!(response.to_line().as_bytes(), &line[..], "{context}");
            assert_eq!(response.to_string().as_bytes(), &line[..], "{context}");
            parsed.push(response);
            lines += 1;
        }
        let Some(request) = request else { continue };
        match (&request, parsed.as_slice()) {
            (_, [single @ Response::Err { .. }]) => {
                assert!(answers(&request, single), "{context}")
            }
            (Request::List(query), all) => check_list(query, all, &context),
            (_, [single]) => assert!(answers(&request, single), "{context}: {single:?}"),
            (_, many) => panic!("{context}: {} lines for a one-line answer", many.len()),
        }
    }
    assert_eq!(lines, 514);
}

/// Exact typed values for one line of each kind in the transcript.
#[test]
fn representative_requests_have_the_expected_values() {
    let s = String::from;
    let cases: Vec<(&[u8], Result<Request, RequestError>)> = vec![
        (b"VER", Ok(Request::Ver)),
        (b"PROTVER", Ok(Request::ProtVer)),
        (
            b"GET VAR dummy battery.charge extra args",
            Ok(Request::Get(GetQuery::Var {
                ups: s("dummy"),
                var: s("battery.charge"),
            })),
        ),
        (
            b"GET TRACKING not-a-uuid",
            Ok(Request::Get(GetQuery::TrackingResult {
                id: s("not-a-uuid"),
            })),
        ),
        (b"LIST UPS extra", Ok(Request::List(ListQuery::Ups))),
        (
            b"LIST RANGE pyups input.transfer.high",
            Ok(Request::List(ListQuery::Range {
                ups: s("pyups"),
                var: s("input.transfer.high"),
            })),
        ),
        (
            br#"SET VAR dummy ups.mfr "Quoted \"value\" \\ with \# chars""#,
            Ok(Request::SetVar {
                ups: s("dummy"),
                var: s("ups.mfr"),
                value: s(r#"Quoted "value" \ with # chars"#),
            }),
        ),
        (
            b"SET VAR dummy ups.mfr Unquoted Value With Spaces",
            Ok(Request::SetVar {
                ups: s("dummy"),
                var: s("ups.mfr"),
                value: s("Unquoted"),
            }),
        ),
        (
            b"SET TRACKING off",
            Ok(Request::SetTracking { enabled: false }),
        ),
        (
            b"INSTCMD pyups load.off.delay 10",
            Ok(Request::InstCmd {
                ups: s("pyups"),
                cmd: s("load.off.delay"),
                param: Some(s("10")),
            }),
        ),
        (
            b"INSTCMD pyups load.off.delay 10 20",
            Ok(Request::InstCmd {
                ups: s("pyups"),
                cmd: s("load.off.delay"),
                param: None,
            }),
        ),
        (b"MASTER dummy", Ok(Request::Master { ups: s("dummy") })),
        (
            b"TRACKING ON",
            Err(RequestError::UnknownCommand {
                verb: s("TRACKING"),
            }),
        ),
    ];
    for (line, expected) in cases {
        let got = Request::parse_line(line).map_err(|e| match e {
            nut_protocol::net::ParseLineError::Request(e) => e,
            other => panic!("{other}"),
        });
        assert_eq!(got, expected, "{}", show(line));
    }
    assert_eq!(
        Request::parse_lenient(&["INSTCMD", "pyups", "load.off.delay", "10", "20"])
            .unwrap()
            .1,
        Some(Leniency::InstCmdParamDropped { first: 3 })
    );
}

#[test]
fn representative_responses_have_the_expected_values() {
    let id = TrackingId::parse(UUID).unwrap();
    let get_tracking = Request::get_tracking(id);
    assert_eq!(
        Response::parse(format!("OK TRACKING {UUID}").as_bytes()),
        Ok(Response::Ok(OkReply::Tracking(id)))
    );
    for (line, status) in [
        (&b"SUCCESS"[..], TrackingStatus::Success),
        (b"ERR FAILED", TrackingStatus::Failed),
        (b"ERR UNKNOWN", TrackingStatus::Unknown),
    ] {
        assert_eq!(
            Response::parse_for(&get_tracking, line),
            Ok(Response::TrackingResult(status))
        );
    }
    assert_eq!(
        Response::parse_for(&Request::Help, UPSD_2_8_0_HELP_TEXT.as_bytes()),
        Ok(Response::Help {
            text: UPSD_2_8_0_HELP_TEXT.into()
        })
    );
}
