//! The golden transcript of the real upsd 2.8.0, replayed through our session logic.
//!
//! The server is set up like the recording (../tests/fixtures/golden/README.md): `dummy` is
//! fed the real dummy-ups capture, `pyups` and `staleups` the pydrv devices, `fsdups` the values
//! the real upsd listed, `absent` never connects. The simulated drivers answer SET and INSTCMD
//! the way the real ones did, including dummy-ups 2.8.0's unescaped `SETINFO` [bug], so every
//! answer must come out byte for byte as the real upsd's.

use super::*;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use std::path::PathBuf;

use nut_core::{Range, StateChange, VarFlags};

use crate::config::upsd_users;
use crate::net::{Response, TrackingId};
use crate::sock::{DriverMessage, ServerMessage, SockMessage, SockReader};
use crate::tokenizer::tokenize_line;

const NOW: Duration = Duration::from_secs(100);

fn repo_file(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The pydrv device format: `var: value`, FLAGS, AUX, ENUM, RANGE, CMD, FAILCMD, STALE.
struct PyDev {
    changes: Vec<StateChange>,
    failcmds: Vec<String>,
    stale: bool,
}

fn pydev(path: &str) -> PyDev {
    let text = String::from_utf8(repo_file(path)).expect("utf8");
    let mut dev = PyDev {
        changes: Vec::new(),
        failcmds: Vec::new(),
        stale: false,
    };
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        let name = || words[1].to_string();
        match words[0] {
            "FLAGS" => dev.changes.push(StateChange::SetFlags {
                name: name(),
                flags: words[2..]
                    .iter()
                    .filter_map(|w| VarFlags::from_wire_word(w))
                    .fold(VarFlags::empty(), |a, f| a | f),
            }),
            "AUX" => dev.changes.push(StateChange::SetAux {
                name: name(),
                aux: words[2].parse().expect("aux"),
            }),
            "ENUM" => dev.changes.push(StateChange::AddEnum {
                name: name(),
                value: words[2].to_string(),
            }),
            "RANGE" => dev.changes.push(StateChange::AddRange {
                name: name(),
                range: Range {
                    min: words[2].parse().expect("min"),
                    max: words[3].parse().expect("max"),
                },
            }),
            "CMD" => dev.changes.push(StateChange::AddCmd { name: name() }),
            "FAILCMD" => {
                dev.failcmds.push(name());
                dev.changes.push(StateChange::AddCmd { name: name() });
            }
            "STALE" => dev.stale = true,
            _ => {
                let (var, value) = line.split_once(": ").expect("var: value");
                dev.changes.insert(
                    0,
                    StateChange::SetInfo {
                        name: var.to_string(),
                        value: value.to_string(),
                    },
                );
            }
        }
    }
    dev
}

fn users() -> upsd_users::Users {
    let text = b"[admin]\n password = adminpass\n actions = SET FSD\n instcmds = ALL\n\
[monuser]\n password = monpass\n upsmon primary\n[monsec]\n password = secpass\n upsmon secondary\n\
[viewer]\n password = viewerpass\n";
    upsd_users::parse(text, "upsd.users")
        .into_result()
        .expect("users")
}

struct Harness {
    state: ServerState,
    pyups_failcmds: Vec<String>,
}

const DUMMY: usize = 0;
const PYUPS: usize = 1;

impl Harness {
    fn new() -> Harness {
        let upses = vec![
            UpsEntry::new("dummy", Some("dummy-ups usbhid-ups.dev")),
            UpsEntry::new("pyups", Some("pydrv emulated UPS pyups")),
            UpsEntry::new("fsdups", Some("dummy-ups minimal.dev")),
            UpsEntry::new("staleups", Some("pydrv emulated UPS staleups")),
            UpsEntry::new("absent", Some("never started")),
        ];
        let mut state = ServerState::new(ServerSettings::default(), upses, users(), 42);
        let mut feed = |ups: usize, messages: Vec<DriverMessage>| {
            state.driver_connected(ups, NOW);
            for m in &messages {
                state.driver_message(ups, m, NOW);
            }
        };
        let mut reader = SockReader::<DriverMessage>::new();
        let dummy: Vec<DriverMessage> = reader
            .feed(&repo_file("tests/fixtures/sock/dummy-ups-dumpall.txt"))
            .into_iter()
            .map(|m| m.expect("capture line"))
            .collect();
        feed(DUMMY, dummy);
        let py = pydev("../tests/fixtures/golden/enum-range.pydev");
        feed(PYUPS, crate::sock::dump_reply(py.changes, true));
        let fsd: Vec<StateChange> = golden_block("VAR fsdups")
            .into_iter()
            .map(|line| match Response::parse(line.as_bytes()) {
                Ok(Response::Var { var, value, .. }) => StateChange::SetInfo {
                    name: var,
                    value: value.trim_start_matches("FSD ").to_string(),
                },
                other => panic!("{other:?}"),
            })
            .collect();
        feed(2, crate::sock::dump_reply(fsd, true));
        let stale = pydev("../tests/fixtures/golden/stale.pydev");
        assert!(stale.stale);
        feed(3, crate::sock::dump_reply(stale.changes, false));
        Harness {
            state,
            pyups_failcmds: py.failcmds,
        }
    }

    /// What the real drivers did with a SET or INSTCMD.
    fn driver(&mut self, ups: usize, message: &ServerMessage) {
        let replies: Vec<String> = match (ups, message) {
            (
                DUMMY,
                ServerMessage::Set {
                    var,
                    value,
                    tracking,
                },
            ) => {
                // dummy-ups 2.8.0 broadcasts the raw value unescaped [bug]; an empty value
                // removes the variable.
                let mut out = if value.is_empty() {
                    vec![alloc::format!("DELINFO {var}")]
                } else {
                    vec![alloc::format!("SETINFO {var} \"{value}\"")]
                };
                out.extend(tracking.iter().map(|id| alloc::format!("TRACKING {id} 0")));
                out
            }
            (DUMMY, ServerMessage::InstCmd { tracking, .. }) => tracking
                .iter()
                .map(|id| alloc::format!("TRACKING {id} 1"))
                .collect(),
            (
                PYUPS,
                ServerMessage::Set {
                    var,
                    value,
                    tracking,
                },
            ) => {
                let tree = &self.state.ups(PYUPS).expect("pyups").tree;
                let code = match tree.get(var) {
                    None => 1,
                    Some(v) if !v.flags().contains(VarFlags::RW) => 2,
                    Some(_) => 0,
                };
                let mut out = Vec::new();
                if code == 0 {
                    out.push(alloc::format!(
                        "SETINFO {var} {}",
                        crate::tokenizer::quote(value)
                    ));
                }
                out.extend(
                    tracking
                        .iter()
                        .map(|id| alloc::format!("TRACKING {id} {code}")),
                );
                out
            }
            (PYUPS, ServerMessage::InstCmd { cmd, tracking, .. }) => {
                let code = if self.pyups_failcmds.contains(cmd) {
                    3
                } else {
                    0
                };
                tracking
                    .iter()
                    .map(|id| alloc::format!("TRACKING {id} {code}"))
                    .collect()
            }
            other => panic!("unexpected driver message {other:?}"),
        };
        for line in replies {
            if let Ok(message) = DriverMessage::parse_line(line.as_bytes()) {
                self.state.driver_message(ups, &message, NOW);
            }
        }
    }
}

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
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).expect("hex")));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn transcript() -> String {
    String::from_utf8(repo_file("../tests/fixtures/golden/upsd-transcript.txt")).expect("utf8")
}

/// The item lines of the first `LIST <what>` block.
fn golden_block(what: &str) -> Vec<String> {
    let text = transcript();
    let begin = alloc::format!("<<< BEGIN LIST {what}");
    let end = alloc::format!("<<< END LIST {what}");
    text.lines()
        .skip_while(|l| *l != begin)
        .skip(1)
        .take_while(|l| *l != end)
        .map(|l| unescape(l.trim_start_matches("<<< ")))
        .collect()
}

fn mask_tracking(line: &str) -> (String, Option<String>) {
    let words: Vec<&str> = line.split(' ').collect();
    if let Some(id) = words.iter().find(|w| TrackingId::parse(w).is_ok()) {
        return (line.replace(id, "<UUID>"), Some(id.to_string()));
    }
    (line.to_string(), None)
}

#[test]
fn every_session_of_the_real_upsd_transcript_is_answered_identically() {
    let mut h = Harness::new();
    let text = transcript();
    let lines: Vec<&str> = text.lines().collect();
    let mut session: Option<Session> = None;
    let mut last_id: Option<String> = None;
    let mut closed = false;
    let mut checked = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.starts_with("=== session") {
            if let Some(old) = session.take() {
                h.state.session_closed(old.id());
            }
            session = Some(Session::new(&mut h.state, "127.0.0.1"));
            closed = false;
            continue;
        }
        let Some(request) = line.strip_prefix(">>> ") else {
            if line == "*** connection closed by server" {
                assert!(
                    closed,
                    "the real upsd closed the connection here, we did not"
                );
            }
            continue;
        };
        let mut expected: Vec<String> = Vec::new();
        while i < lines.len() && lines[i].starts_with("<<< ") {
            expected.push(unescape(&lines[i][4..]));
            i += 1;
        }
        let mut request = unescape(request);
        if request.contains("<UUID>") {
            // The recording hides ids; an answer of ERR UNKNOWN means the recorder asked for
            // an id that was never issued.
            let id = if expected.first().map(String::as_str) == Some("ERR UNKNOWN") {
                "0F0E0D0C-0B0A-4908-8706-050403020100".to_string()
            } else {
                last_id.clone().expect("an id was issued before")
            };
            request = request.replace("<UUID>", &id);
        }
        let words = tokenize_line(request.as_bytes())
            .expect("request tokenizes")
            .words;
        let sess = session.as_mut().expect("inside a session");
        let reply = sess.handle(&mut h.state, &words, NOW);
        let mut got = Vec::new();
        for l in &reply.lines {
            let (masked, id) = mask_tracking(l);
            if id.is_some() {
                last_id = id;
            }
            got.push(masked);
        }
        assert_eq!(got, expected, "request {request:?} (transcript line {i})");
        for action in reply.actions {
            match action {
                Action::ToDriver { ups, message } => h.driver(ups, &message),
                Action::Close => closed = true,
                Action::StartTls => panic!("no TLS in the recording"),
            }
        }
        checked += 1;
    }
    assert!(checked >= 290, "only {checked} requests replayed");
}

#[test]
fn stale_and_ping_timing_follow_maxage() {
    let mut h = Harness::new();
    let maxage = h.state.settings.maxage;
    assert!(!h.state.ups(DUMMY).expect("dummy").stale);
    // Quiet for more than MAXAGE/3: a PING goes out, once.
    let later = NOW + maxage / 3 + Duration::from_millis(1);
    let pings = h.state.tick(later);
    assert!(pings.contains(&(DUMMY, ServerMessage::Ping)));
    assert!(h.state.tick(later).is_empty());
    // The PONG keeps it fresh.
    h.state.driver_message(DUMMY, &DriverMessage::Pong, later);
    h.state.tick(later + maxage);
    assert!(!h.state.ups(DUMMY).expect("dummy").stale);
    // Silence past MAXAGE + 1 s makes it stale.
    h.state.tick(later + maxage + Duration::from_secs(2));
    assert!(h.state.ups(DUMMY).expect("dummy").stale);
    // A disconnect drops the mirror.
    h.state.driver_disconnected(DUMMY);
    let dummy = h.state.ups(DUMMY).expect("dummy");
    assert!(dummy.tree.is_empty() && !dummy.connected);
}

#[test]
fn status_reads_wait_until_the_first_dump() {
    let mut h = Harness::new();
    let dump = h.state.driver_connected(DUMMY, NOW);
    assert_eq!(dump, ServerMessage::DumpAll);
    let mut s = Session::new(&mut h.state, "::1");
    let reply = s.handle(&mut h.state, &["GET", "VAR", "dummy", "ups.status"], NOW);
    assert_eq!(reply.lines, ["VAR dummy ups.status \"WAIT\""]);
}

#[test]
fn tracking_results_expire_after_trackingdelay() {
    let mut h = Harness::new();
    let mut s = Session::new(&mut h.state, "127.0.0.1");
    for line in [["USERNAME", "admin"], ["PASSWORD", "adminpass"]] {
        s.handle(&mut h.state, &line, NOW);
    }
    s.handle(&mut h.state, &["SET", "TRACKING", "ON"], NOW);
    let reply = s.handle(&mut h.state, &["INSTCMD", "pyups", "beeper.enable"], NOW);
    let id = reply.lines[0]
        .trim_start_matches("OK TRACKING ")
        .to_string();
    let get = ["GET", "TRACKING", id.as_str()];
    assert_eq!(s.handle(&mut h.state, &get, NOW).lines, ["PENDING"]);
    h.state
        .tick(NOW + h.state.settings.tracking_delay + Duration::from_secs(1));
    assert_eq!(s.handle(&mut h.state, &get, NOW).lines, ["ERR UNKNOWN"]);
}
