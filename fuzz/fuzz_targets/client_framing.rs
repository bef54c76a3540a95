#![no_main]
//! Fuzzes the client's answer framing: whatever lines a server sends in answer to a request
//! (garbage, half lists, wrong lists, over-long lines), collecting them never panics, and a
//! completed answer only ever holds a list for a LIST request; the same lines fed to a
//! pipeline of several requests never give more answers than requests.

use libfuzzer_sys::fuzz_target;
use nut_client::exchange::{Answer, Pending, Pipeline};
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
    pipelined(&request, lines);
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

/// The lines as answers to the request, NETVER and LIST UPS sent back to back.
fn pipelined(request: &Request, lines: &[u8]) {
    let requests = vec![
        request.clone(),
        Request::NetVer,
        Request::List(ListQuery::Ups),
    ];
    let Ok((_, mut pipeline)) = Pipeline::new(requests) else {
        return;
    };
    for line in lines.split(|&b| b == b'\n') {
        match pipeline.line(line) {
            Ok(true) | Err(_) => break,
            Ok(false) => {}
        }
    }
    assert!(pipeline.into_answers().len() <= 3);
}
