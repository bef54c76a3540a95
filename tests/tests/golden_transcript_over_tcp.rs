//! Interop (issue #3, b): every session of the real upsd's recorded transcript, sent over TCP
//! to OUR upsd set up the same way (the real dummy-ups and the pydrv emulator feeding it),
//! gets the same answers byte for byte. Driver replies arrive asynchronously, so a `GET` whose
//! answer depends on one (a value just SET, a TRACKING result) is asked again until it
//! settles, for at most a few seconds.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use nut_protocol::net::TrackingId;
use nut_tests::realnut::{Sandbox, free_port, wait_until};

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Client { stream, reader }
    }

    fn exchange(&mut self, request: &str, count: usize) -> Vec<String> {
        self.stream
            .write_all(format!("{request}\n").as_bytes())
            .expect("write");
        (0..count)
            .map(|_| {
                let mut line = String::new();
                self.reader.read_line(&mut line).expect("read");
                line.trim_end_matches('\n').to_string()
            })
            .collect()
    }

    fn closed(&mut self) -> bool {
        let mut line = String::new();
        matches!(self.reader.read_line(&mut line), Ok(0))
    }
}

fn mask(line: &str, last_id: &mut Option<String>) -> String {
    match line.split(' ').find(|w| TrackingId::parse(w).is_ok()) {
        Some(id) => {
            *last_id = Some(id.to_string());
            line.replace(id, "<UUID>")
        }
        None => line.to_string(),
    }
}

#[test]
fn our_upsd_answers_the_real_transcript_over_tcp() {
    let fixtures = nut_tests::fixtures_dir();
    let sandbox = Sandbox::golden("golden-tcp");
    let port = free_port();
    nut_tests::realnut::start_our_upsd(&sandbox, port, |_| {});
    for ups in ["dummy", "pyups", "fsdups"] {
        wait_until(
            || {
                let answer =
                    Client::connect(port).exchange(&format!("GET VAR {ups} ups.status"), 1);
                answer[0].starts_with("VAR") && !answer[0].contains("WAIT")
            },
            &format!("{ups} served"),
        );
    }
    wait_until(
        || Client::connect(port).exchange("GET VAR staleups ups.status", 1) == ["ERR DATA-STALE"],
        "staleups stale",
    );

    let text =
        std::fs::read_to_string(fixtures.join("golden/upsd-transcript.txt")).expect("transcript");
    let lines: Vec<&str> = text.lines().collect();
    let mut client: Option<Client> = None;
    let mut last_id: Option<String> = None;
    let mut checked = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.starts_with("=== session") {
            client = Some(Client::connect(port));
            continue;
        }
        if line == "*** connection closed by server" {
            assert!(
                client.as_mut().expect("session").closed(),
                "expected a close before line {i}"
            );
            continue;
        }
        let Some(request) = line.strip_prefix(">>> ") else {
            continue;
        };
        let mut expected = Vec::new();
        while i < lines.len() && lines[i].starts_with("<<< ") {
            expected.push(unescape(&lines[i][4..]));
            i += 1;
        }
        let mut request = unescape(request);
        if request.contains("<UUID>") {
            let id = if expected.first().map(String::as_str) == Some("ERR UNKNOWN") {
                "0F0E0D0C-0B0A-4908-8706-050403020100".to_string()
            } else {
                last_id.clone().expect("an id was issued before")
            };
            request = request.replace("<UUID>", &id);
        }
        let session = client.as_mut().expect("inside a session");
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let got: Vec<String> = session
                .exchange(&request, expected.len())
                .iter()
                .map(|l| mask(l, &mut last_id))
                .collect();
            let settles = request.starts_with("GET ") && Instant::now() < deadline;
            if got == expected || !settles {
                assert_eq!(got, expected, "request {request:?} (transcript line {i})");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        checked += 1;
    }
    assert!(checked >= 290, "only {checked} requests replayed");
}
