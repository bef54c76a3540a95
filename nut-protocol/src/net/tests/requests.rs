//! Requests: what upsd 2.8.0 rejects, ignores, and how they are written.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::super::*;

fn s(text: &str) -> String {
    String::from(text)
}

fn parse(line: &str) -> Result<Request, RequestError> {
    match Request::parse_line(line.as_bytes()) {
        Ok(request) => Ok(request),
        Err(ParseLineError::Request(error)) => Err(error),
        Err(other) => panic!("{line}: {other}"),
    }
}

fn lenient(line: &str) -> Option<Leniency> {
    let words: Vec<String> = crate::tokenizer::tokenize_line(line.as_bytes())
        .map(|l| l.words)
        .unwrap_or_default();
    Request::parse_lenient(&words)
        .map(|(_, l)| l)
        .unwrap_or(None)
}

fn code(line: &str) -> ErrorCode {
    parse(line)
        .map(|r| panic!("{line} parsed as {r:?}"))
        .unwrap_or_else(|e| e.error_code())
}

// ---- requests: what upsd rejects -------------------------------------------------------------

#[test]
fn empty_line_is_unknown_command() {
    assert_eq!(parse(""), Err(RequestError::Empty));
    assert_eq!(parse("   "), Err(RequestError::Empty));
    assert_eq!(code(""), ErrorCode::UnknownCommand);
}

#[test]
fn comment_only_line_is_unknown_command() {
    assert_eq!(code("# just a comment"), ErrorCode::UnknownCommand);
}

#[test]
fn empty_quoted_verb_is_unknown_command() {
    assert_eq!(
        parse("\"\" VER"),
        Err(RequestError::UnknownCommand { verb: s("") })
    );
}

#[test]
fn tracking_as_a_verb_is_unknown_command() {
    assert_eq!(code("TRACKING"), ErrorCode::UnknownCommand);
    assert_eq!(code("TRACKING ON"), ErrorCode::UnknownCommand);
}

#[test]
fn attach_and_detach_are_unknown_commands_in_2_8_0() {
    assert_eq!(code("ATTACH dummy"), ErrorCode::UnknownCommand);
    assert_eq!(code("DETACH"), ErrorCode::UnknownCommand);
    assert_eq!(code("QUIT"), ErrorCode::UnknownCommand);
}

#[test]
fn verbs_and_subcommands_are_case_insensitive_names_are_kept() {
    assert_eq!(
        parse("get Var MyUps UPS.Status"),
        Ok(Request::Get(GetQuery::Var {
            ups: s("MyUps"),
            var: s("UPS.Status")
        }))
    );
    assert_eq!(parse("Ver"), Ok(Request::Ver));
    assert_eq!(parse("list ups"), Ok(Request::List(ListQuery::Ups)));
}

#[test]
fn no_argument_commands_reject_extra_words() {
    for line in [
        "VER extra",
        "HELP me",
        "NETVER 1",
        "PROTVER x",
        "LOGOUT now",
    ] {
        let error = parse(line).unwrap_err();
        assert_eq!(error.error_code(), ErrorCode::InvalidArgument, "{line}");
        assert!(
            matches!(
                error,
                RequestError::InvalidArgument {
                    problem: ArgumentProblem::UnexpectedArgument,
                    word: 1,
                    ..
                }
            ),
            "{line}: {error:?}"
        );
    }
}

#[test]
fn one_argument_commands_reject_none_and_two() {
    for verb in ["USERNAME", "PASSWORD", "LOGIN", "PRIMARY", "MASTER", "FSD"] {
        assert_eq!(code(verb), ErrorCode::InvalidArgument, "{verb}");
        assert_eq!(code(&format!("{verb} a b")), ErrorCode::InvalidArgument);
    }
}

#[test]
fn auth_commands_defer_argument_errors_until_after_the_auth_check() {
    for (line, command) in [
        ("LOGIN", Command::Login),
        ("PRIMARY", Command::Primary),
        ("MASTER", Command::Master),
        ("FSD", Command::Fsd),
        ("SET", Command::Set),
        ("INSTCMD", Command::InstCmd),
        ("INSTCMD dummy", Command::InstCmd),
        ("SET VAR dummy x", Command::Set),
    ] {
        let error = parse(line).unwrap_err();
        assert_eq!(error.command(), Some(command), "{line}");
        assert!(command.requires_auth(), "{line}");
    }
    // The two-step API: the verb is known before the arguments are looked at.
    let (command, args) = Command::split(&["LOGIN"]).unwrap();
    assert!(command.requires_auth());
    assert!(Request::from_args(command, args).is_err());
    // Commands that need no user report their argument error at once.
    for command in [Command::Get, Command::List, Command::Username, Command::Ver] {
        assert!(!command.requires_auth());
    }
}

#[test]
fn get_and_list_unknown_subcommands_are_invalid_argument() {
    for line in [
        "GET",
        "GET FOO",
        "GET FOO dummy x",
        "LIST",
        "LIST FOO dummy",
        "SET FOO dummy x 1",
    ] {
        assert_eq!(code(line), ErrorCode::InvalidArgument, "{line}");
    }
}

#[test]
fn missing_arguments_point_at_the_first_missing_word() {
    assert_eq!(
        parse("GET VAR dummy"),
        Err(RequestError::InvalidArgument {
            command: Command::Get,
            problem: ArgumentProblem::MissingArgument,
            word: 3
        })
    );
    assert_eq!(
        parse("LIST ENUM dummy"),
        Err(RequestError::InvalidArgument {
            command: Command::List,
            problem: ArgumentProblem::MissingArgument,
            word: 3
        })
    );
    assert_eq!(
        parse("SET TRACKING MAYBE"),
        Err(RequestError::InvalidArgument {
            command: Command::Set,
            problem: ArgumentProblem::InvalidTrackingMode,
            word: 2
        })
    );
}

#[test]
fn unescaped_hash_in_quotes_is_a_tokenizer_error_with_no_upsd_answer() {
    assert!(matches!(
        Request::parse_line(br#"SET VAR u x "a#b""#),
        Err(ParseLineError::Tokenize(_))
    ));
}

// ---- requests: what upsd silently ignores ----------------------------------------------------

#[test]
fn get_var_extra_words_are_ignored() {
    assert_eq!(
        parse("GET VAR dummy battery.charge extra args"),
        Ok(Request::Get(GetQuery::Var {
            ups: s("dummy"),
            var: s("battery.charge")
        }))
    );
    assert_eq!(
        lenient("GET VAR dummy battery.charge extra args"),
        Some(Leniency::ExtraWordsIgnored { first: 4 })
    );
}

#[test]
fn get_tracking_id_extra_words_are_ignored() {
    assert_eq!(
        parse("GET TRACKING some-id extra"),
        Ok(Request::Get(GetQuery::TrackingResult { id: s("some-id") }))
    );
    assert_eq!(
        lenient("GET TRACKING some-id extra"),
        Some(Leniency::ExtraWordsIgnored { first: 3 })
    );
}

#[test]
fn get_tracking_accepts_any_word_as_id() {
    let request = parse("GET TRACKING not-a-uuid").unwrap();
    let Request::Get(query) = &request else {
        panic!()
    };
    assert_eq!(query.tracking_id(), None);
    let id = TrackingId::from_random_bytes([7; 16]);
    let Request::Get(query) = Request::get_tracking(id) else {
        panic!()
    };
    assert_eq!(query.tracking_id(), Some(id));
}

#[test]
fn list_ups_extra_words_are_ignored() {
    assert_eq!(parse("LIST UPS extra"), Ok(Request::List(ListQuery::Ups)));
    assert_eq!(
        lenient("LIST UPS extra"),
        Some(Leniency::ExtraWordsIgnored { first: 2 })
    );
}

#[test]
fn list_var_extra_words_give_the_normal_list() {
    // The real upsd 2.8.0 answers `LIST VAR dummy extra` with the full list of dummy.
    assert_eq!(
        parse("LIST VAR dummy extra"),
        Ok(Request::List(ListQuery::Var { ups: s("dummy") }))
    );
    assert_eq!(
        parse("LIST ENUM dummy ups.status extra"),
        Ok(Request::List(ListQuery::Enum {
            ups: s("dummy"),
            var: s("ups.status")
        }))
    );
}

#[test]
fn set_var_unquoted_value_is_cut_to_its_first_word() {
    assert_eq!(
        parse("SET VAR dummy ups.mfr Unquoted Value With Spaces"),
        Ok(Request::SetVar {
            ups: s("dummy"),
            var: s("ups.mfr"),
            value: s("Unquoted")
        })
    );
    assert_eq!(
        lenient("SET VAR dummy ups.mfr Unquoted Value"),
        Some(Leniency::ExtraWordsIgnored { first: 5 })
    );
}

#[test]
fn set_tracking_mode_is_case_insensitive_and_extra_words_are_ignored() {
    assert_eq!(
        parse("SET TRACKING off"),
        Ok(Request::SetTracking { enabled: false })
    );
    assert_eq!(
        parse("set tracking On"),
        Ok(Request::SetTracking { enabled: true })
    );
    assert_eq!(
        parse("SET TRACKING ON extra"),
        Ok(Request::SetTracking { enabled: true })
    );
    assert_eq!(
        parse("SET TRACKING off").unwrap().to_line(),
        "SET TRACKING OFF"
    );
}

#[test]
fn instcmd_with_one_param_keeps_it() {
    assert_eq!(
        parse("INSTCMD dummy load.off extra-param"),
        Ok(Request::InstCmd {
            ups: s("dummy"),
            cmd: s("load.off"),
            param: Some(s("extra-param"))
        })
    );
}

#[test]
fn instcmd_with_two_params_drops_the_param() {
    assert_eq!(
        parse("INSTCMD pyups load.off.delay 10 20"),
        Ok(Request::InstCmd {
            ups: s("pyups"),
            cmd: s("load.off.delay"),
            param: None
        })
    );
    assert_eq!(
        lenient("INSTCMD pyups load.off.delay 10 20"),
        Some(Leniency::InstCmdParamDropped { first: 3 })
    );
}

#[test]
fn starttls_ignores_arguments() {
    assert_eq!(parse("STARTTLS x y"), Ok(Request::StartTls));
    assert_eq!(
        lenient("STARTTLS x"),
        Some(Leniency::ExtraWordsIgnored { first: 1 })
    );
}

#[test]
fn username_may_be_empty_when_quoted() {
    assert_eq!(
        parse("USERNAME \"\""),
        Ok(Request::Username { username: s("") })
    );
    assert_eq!(
        Request::Username { username: s("") }.to_line(),
        "USERNAME \"\""
    );
}

// ---- requests: writing -----------------------------------------------------------------------

#[test]
fn values_are_always_quoted_names_only_when_needed() {
    let request = Request::SetVar {
        ups: s("my ups"),
        var: s("ups.id"),
        value: s(r#"a"b\c#d"#),
    };
    assert_eq!(request.to_line(), r#"SET VAR "my ups" ups.id "a\"b\\c\#d""#);
    assert_eq!(parse(&request.to_line()), Ok(request));
    let instcmd = Request::InstCmd {
        ups: s("u"),
        cmd: s("load.off.delay"),
        param: Some(s("10")),
    };
    assert_eq!(instcmd.to_line(), "INSTCMD u load.off.delay \"10\"");
}

#[test]
fn password_is_hidden_from_debug_but_sent_on_the_wire() {
    let request = parse("PASSWORD hunter2").unwrap();
    assert!(!format!("{request:?}").contains("hunter2"));
    assert_eq!(request.to_line(), "PASSWORD hunter2");
}
