#![no_main]
//! Fuzzes `nut_protocol::net::Request`: parsing any line never panics, and whatever parses is
//! written back to a line that parses to the same request (with the same deferred-error
//! command when it is rejected).

use libfuzzer_sys::fuzz_target;
use nut_protocol::net::{Command, Request, RequestError};
use nut_protocol::tokenizer::tokenize_line;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = tokenize_line(data) else {
        return;
    };
    match Request::parse_lenient(&line.words) {
        Ok((request, leniency)) => {
            let written = request.to_line();
            assert!(!written.contains('\n'));
            assert_eq!(Request::parse_line(written.as_bytes()), Ok(request.clone()));
            if let Some(leniency) = leniency {
                assert!(leniency.first_ignored_word() < line.words.len());
            }
            // The two-step API agrees with the one-step one.
            let (command, args) = Command::split(&line.words).expect("verb was accepted");
            assert_eq!(command, request.command());
            assert_eq!(
                Request::from_args(command, args).map(|(r, _)| r),
                Ok(request)
            );
        }
        Err(error) => {
            let command = error.command();
            match &error {
                RequestError::Empty => assert!(line.words.is_empty()),
                RequestError::UnknownCommand { verb } => {
                    assert_eq!(Command::from_verb(verb), None);
                }
                RequestError::InvalidArgument { word, .. } => {
                    assert!(*word >= 1 && *word <= line.words.len());
                    assert!(command.is_some());
                }
            }
            let _ = error.to_response().to_line();
        }
    }
});
