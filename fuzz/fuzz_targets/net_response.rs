#![no_main]
//! Fuzzes `nut_protocol::net::Response`: parsing any line (with and without a request as
//! context) never panics, and whatever parses is written back to a line that parses to the
//! same response. The first byte picks the context request.

use libfuzzer_sys::fuzz_target;
use nut_protocol::net::{GetQuery, ListQuery, Request, Response, TrackingId};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, line)) = data.split_first() else {
        return;
    };
    let context = match selector % 7 {
        0 => Request::Ver,
        1 => Request::NetVer,
        2 => Request::ProtVer,
        3 => Request::Help,
        4 => Request::get_tracking(TrackingId::from_random_bytes([0x42; 16])),
        5 => Request::Get(GetQuery::TrackingMode),
        _ => Request::List(ListQuery::Var { ups: "ups".into() }),
    };
    if let Ok(response) = Response::parse(line) {
        let written = response.to_line();
        assert!(!written.contains('\n'));
        assert_eq!(Response::parse(written.as_bytes()), Ok(response));
    }
    if let Ok(response) = Response::parse_for(&context, line) {
        let written = response.to_line();
        assert!(!written.contains('\n'));
        assert_eq!(
            Response::parse_for(&context, written.as_bytes()),
            Ok(response)
        );
    }
});
