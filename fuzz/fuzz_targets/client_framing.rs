#![no_main]
//! Fuzzes the client's answer framing: whatever lines a server sends in answer to a request
//! (garbage, half lists, wrong lists, over-long lines), collecting them never panics, and a
//! completed answer only ever holds a list for a LIST request.

use libfuzzer_sys::fuzz_target;
use nut_client::exchange::{Answer, Pending};
use nut_protocol::net::{GetQuery, ListQuery, Request};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, lines)) = data.split_first() else {
        return;
    };
    let request = match selector % 4 {
        0 => Request::List(ListQuery::Var { ups: "ups".into() }),
        1 => Request::Get(GetQuery::Var {
            ups: "ups".into(),
            var: "ups.status".into(),
        }),
        2 => Request::Ver,
        _ => Request::List(ListQuery::Ups),
    };
    let is_list = matches!(request, Request::List(_));
    let mut pending = Pending::new(request);
    for line in lines.split(|&b| b == b'\n') {
        match pending.line(line) {
            Ok(Some(answer)) => {
                if let Answer::List(_) = answer {
                    assert!(is_list);
                }
                break;
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
});
