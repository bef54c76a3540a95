//! Responses: context, quoting, strictness.

use alloc::string::String;
use alloc::vec;

use super::super::*;

fn s(text: &str) -> String {
    String::from(text)
}

// ---- responses -------------------------------------------------------------------------------

fn response(line: &str) -> Response {
    Response::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn free_text_needs_the_request_as_context() {
    assert!(matches!(
        Response::parse(b"1.3"),
        Err(ResponseError::UnknownKeyword { word: 0, .. })
    ));
    assert_eq!(
        Response::parse_for(&Request::Ver, UPSD_2_8_0_VERSION_TEXT.as_bytes()),
        Ok(Response::Version {
            text: s(UPSD_2_8_0_VERSION_TEXT)
        })
    );
    assert_eq!(
        Response::parse_for(&Request::ProtVer, b"1.3\r\n"),
        Ok(Response::ProtocolVersion {
            text: s(PROTOCOL_VERSION)
        })
    );
}

#[test]
fn err_line_after_ver_is_an_error_not_text() {
    assert_eq!(
        Response::parse_for(&Request::Ver, b"ERR INVALID-ARGUMENT"),
        Ok(Response::error(ErrorCode::InvalidArgument))
    );
}

#[test]
fn free_text_with_control_characters_is_rejected() {
    assert_eq!(
        Response::parse_for(&Request::Help, b"a\tb"),
        Err(ResponseError::InvalidText { byte: 1 })
    );
}

#[test]
fn tracking_errors_are_results_only_after_get_tracking_id() {
    let get = Request::get_tracking(TrackingId::from_random_bytes([1; 16]));
    for status in TrackingStatus::ALL {
        assert_eq!(
            Response::parse_for(&get, status.as_line().as_bytes()),
            Ok(Response::TrackingResult(status))
        );
        assert_eq!(Response::TrackingResult(status).to_line(), status.as_line());
    }
    assert_eq!(
        response("ERR UNKNOWN"),
        Response::error(ErrorCode::Other(s("UNKNOWN")))
    );
    // Tracking off: a real error even after GET TRACKING <id>.
    assert_eq!(
        Response::parse_for(&get, b"ERR FEATURE-NOT-CONFIGURED"),
        Ok(Response::error(ErrorCode::FeatureNotConfigured))
    );
}

#[test]
fn tracking_mode_is_on_or_off() {
    assert_eq!(response("ON"), Response::TrackingMode { enabled: true });
    assert_eq!(response("OFF"), Response::TrackingMode { enabled: false });
    assert!(Response::parse(b"ON now").is_err());
}

#[test]
fn ok_forms_round_trip() {
    let id = TrackingId::from_random_bytes([0x5a; 16]);
    for reply in [
        OkReply::Plain,
        OkReply::Goodbye,
        OkReply::PrimaryGranted,
        OkReply::MasterGranted,
        OkReply::FsdSet,
        OkReply::StartTls,
        OkReply::Tracking(id),
        OkReply::Other(vec![s("Something"), s("new")]),
    ] {
        let line = Response::Ok(reply.clone()).to_line();
        assert_eq!(response(&line), Response::Ok(reply));
    }
    assert_eq!(response("OK Goodbye").to_line(), "OK Goodbye");
    assert!(matches!(
        Response::parse(b"OK TRACKING nope"),
        Err(ResponseError::InvalidTrackingId { word: 2, .. })
    ));
}

#[test]
fn err_extra_words_are_kept_and_quoted() {
    let line = r#"ERR ACCESS-DENIED "SSL handshake failed""#;
    assert_eq!(
        response(line),
        Response::Err {
            code: ErrorCode::AccessDenied,
            extra: vec![s("SSL handshake failed")]
        }
    );
    assert_eq!(response(line).to_line(), line);
}

#[test]
fn type_flags_are_written_in_upsd_order_and_read_in_any() {
    let parsed = response("TYPE u v RANGE ENUM RW STRING:10");
    assert_eq!(parsed.to_line(), "TYPE u v RW ENUM RANGE STRING:10");
    assert_eq!(
        response("TYPE u v NUMBER"),
        Response::Type {
            ups: s("u"),
            var: s("v"),
            var_type: VarType {
                writable: false,
                enumerated: false,
                ranged: false,
                kind: ValueKind::Number
            }
        }
    );
    assert!(matches!(
        Response::parse(b"TYPE u v RW RW NUMBER"),
        Err(ResponseError::InvalidTypeFlag { word: 4, .. })
    ));
    assert!(matches!(
        Response::parse(b"TYPE u v RW"),
        Err(ResponseError::MissingWord { word: 4, .. })
    ));
    assert!(matches!(
        Response::parse(b"TYPE u v STRING:x"),
        Err(ResponseError::InvalidNumber { word: 3, .. })
    ));
}

#[test]
fn desc_text_is_encoded_although_upsd_does_not_encode_it() {
    let desc = Response::Desc {
        ups: s("u"),
        var: s("v"),
        description: s(r#"say "hi" #1"#),
    };
    assert_eq!(desc.to_line(), r#"DESC u v "say \"hi\" \#1""#);
    assert_eq!(response(&desc.to_line()), desc);
    // Plain descriptions (all of cmdvartab) come out exactly as upsd writes them.
    let line = r#"CMDDESC dummy load.off "Turn off the load immediately""#;
    assert_eq!(response(line).to_line(), line);
}

#[test]
fn upsdesc_unavailable_differs_from_list_ups() {
    assert_eq!(UPSDESC_UNAVAILABLE, "Unavailable");
    assert_eq!(DESCRIPTION_UNAVAILABLE, "Description unavailable");
}

#[test]
fn version_and_help_texts_are_those_of_2_8_0() {
    assert!(UPSD_2_8_0_VERSION_TEXT.contains("http://"));
    assert!(!UPSD_2_8_0_HELP_TEXT.contains("PROTVER"));
}

#[test]
fn range_bounds_are_quoted_numbers() {
    let line = r#"RANGE pyups input.transfer.high "250" "270""#;
    assert_eq!(
        response(line),
        Response::Range {
            ups: s("pyups"),
            var: s("input.transfer.high"),
            range: nut_core::Range { min: 250, max: 270 }
        }
    );
    assert_eq!(response(line).to_line(), line);
    assert!(matches!(
        Response::parse(br#"RANGE u v "a" "1""#),
        Err(ResponseError::InvalidNumber { word: 3, .. })
    ));
}

#[test]
fn list_headers_are_strict() {
    assert_eq!(
        response("BEGIN LIST ENUM u v"),
        Response::BeginList(ListQuery::Enum {
            ups: s("u"),
            var: s("v")
        })
    );
    assert!(matches!(
        Response::parse(b"END LIST VAR u extra"),
        Err(ResponseError::UnexpectedWord { word: 4, .. })
    ));
    assert!(matches!(
        Response::parse(b"BEGIN LIST VAR"),
        Err(ResponseError::MissingWord { word: 3, .. })
    ));
    assert!(matches!(
        Response::parse(b"BEGIN LOST VAR u"),
        Err(ResponseError::UnknownKeyword { word: 1, .. })
    ));
}

#[test]
fn items_have_exactly_their_words() {
    assert!(matches!(
        Response::parse(b"VAR u v"),
        Err(ResponseError::MissingWord { word: 3, .. })
    ));
    assert!(matches!(
        Response::parse(b"CMD u c extra"),
        Err(ResponseError::UnexpectedWord { word: 3, .. })
    ));
    assert!(matches!(
        Response::parse(b"NUMLOGINS u -1"),
        Err(ResponseError::InvalidNumber { word: 2, .. })
    ));
    assert_eq!(Response::parse(b""), Err(ResponseError::Empty));
}
