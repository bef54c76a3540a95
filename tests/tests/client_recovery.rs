//! nut-client when things go wrong, against the real upsd and ours (both fed by the real
//! dummy-ups): a connection cut under it is mended (with back-off while the server is away)
//! and the session said again (USERNAME, PASSWORD, LOGIN, PRIMARY); a change is never sent
//! twice; pipelined requests get their answers in order; and a server that sends garbage, an
//! over-long line, half a list, nothing, or closes mid-answer gives a typed error, never a
//! hang or a panic, and the client recovers.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_client::blocking::Connection;
use nut_client::{Answer, Client, ClientError, GetQuery, ListQuery, Options, Reconnect, Request};
use nut_protocol::net::ErrorCode;
use nut_tests::realnut::{Sandbox, start_real_and_our_upsd, wait_until};

/// A TCP relay in front of a server that can cut every relayed connection and refuse new
/// ones, as a network failure or a restarting server would.
struct Relay {
    port: u16,
    state: Arc<RelayState>,
}

struct RelayState {
    target: u16,
    up: AtomicBool,
    refused: AtomicUsize,
    open: Mutex<Vec<TcpStream>>,
}

impl Relay {
    fn start(target: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(RelayState {
            target,
            up: AtomicBool::new(true),
            refused: AtomicUsize::new(0),
            open: Mutex::new(Vec::new()),
        });
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                shared.relay(client);
            }
        });
        Relay { port, state }
    }

    /// Breaks every relayed connection (both ends see EOF).
    fn cut(&self) {
        for stream in self.state.open.lock().expect("lock").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn set_up(&self, up: bool) {
        self.state.up.store(up, Ordering::SeqCst);
    }

    fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }
}

impl RelayState {
    fn relay(&self, client: TcpStream) {
        if !self.up.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let Ok(server) = TcpStream::connect(("127.0.0.1", self.target)) else {
            return;
        };
        let mut open = self.open.lock().expect("lock");
        for stream in [&client, &server] {
            if let Ok(clone) = stream.try_clone() {
                open.push(clone);
            }
        }
        for (mut from, mut to) in [
            (client.try_clone(), server.try_clone()),
            (Ok(server), Ok(client)),
        ]
        .into_iter()
        .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
        {
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(Shutdown::Both);
            });
        }
    }
}

/// The real upsd and ours, one UPS `ups` from the real dummy-ups; their ports.
fn servers(name: &str) -> (Sandbox, [u16; 2]) {
    let device = nut_tests::fixtures_dir().join("dev/minimal.dev");
    let mut sandbox = Sandbox::new(name);
    sandbox.configure_devices(&[("ups".to_string(), device)]);
    sandbox.start_real_driver("ups");
    let ports = start_real_and_our_upsd(&mut sandbox);
    for port in ports {
        wait_until(
            || {
                Connection::connect("127.0.0.1", port, Options::default())
                    .and_then(|mut c| c.get_var("ups", "ups.status"))
                    .is_ok_and(|status| status == "OL")
            },
            "ups served",
        );
    }
    (sandbox, ports)
}

fn quick_reconnect() -> Options {
    Options::default().reconnect(Some(Reconnect {
        attempts: 50,
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
    }))
}

fn get(var: &str) -> Request {
    Request::Get(GetQuery::Var {
        ups: "ups".into(),
        var: var.into(),
    })
}

#[test]
fn a_cut_connection_is_mended_and_the_session_said_again() {
    let (_sandbox, ports) = servers("recover-replay");
    for port in ports {
        let relay = Relay::start(port);
        let mut ups =
            Connection::connect("127.0.0.1", relay.port, quick_reconnect()).expect("connect");
        ups.authenticate("monuser", "monpass").expect("auth");
        ups.login("ups").expect("LOGIN");
        ups.primary("ups").expect("PRIMARY");
        assert_eq!(ups.num_logins("ups").expect("NUMLOGINS"), 1);
        relay.cut();
        // The question is asked again on a new connection, transparently.
        assert_eq!(ups.get_var("ups", "ups.status").expect("after cut"), "OL");
        assert!(ups.is_connected());
        // The new connection is logged in (the old one leaves upsd's count when it notices).
        wait_until(
            || ups.num_logins("ups").is_ok_and(|n| n == 1),
            "one login again",
        );
        let clients = ups.list_clients("ups").expect("LIST CLIENT");
        assert_eq!(clients.len(), 1, "port {port}: {clients:?}");
    }
}

#[test]
fn back_off_retries_until_the_server_takes_connections_again() {
    let (_sandbox, ports) = servers("recover-backoff");
    for port in ports {
        let relay = Arc::new(Relay::start(port));
        let mut ups =
            Connection::connect("127.0.0.1", relay.port, quick_reconnect()).expect("connect");
        // An answer through the relay: the connection is registered, so the cut reaches it
        // (connecting alone can return before the relay's thread has taken it).
        assert_eq!(ups.get_var("ups", "ups.status").expect("relayed"), "OL");
        relay.set_up(false);
        relay.cut();
        let reopener = relay.clone();
        let reopen = std::thread::spawn(move || {
            wait_until(|| reopener.refused() >= 3, "three refused tries");
            reopener.set_up(true);
        });
        assert_eq!(ups.get_var("ups", "ups.status").expect("mended"), "OL");
        reopen.join().expect("reopener");
        assert!(relay.refused() >= 3);
    }
}

#[test]
fn without_reconnection_a_break_is_reported_and_reconnect_mends_it() {
    let (_sandbox, ports) = servers("recover-manual");
    for port in ports {
        let relay = Relay::start(port);
        let mut ups =
            Connection::connect("127.0.0.1", relay.port, Options::default()).expect("connect");
        ups.authenticate("monuser", "monpass").expect("auth");
        ups.login("ups").expect("LOGIN");
        relay.cut();
        let broken = ups.get_var("ups", "ups.status");
        assert!(
            matches!(broken, Err(ClientError::Closed | ClientError::Io(_))),
            "{broken:?}"
        );
        assert!(matches!(
            ups.get_var("ups", "ups.status"),
            Err(ClientError::NotConnected)
        ));
        ups.reconnect().expect("reconnect");
        assert_eq!(ups.get_var("ups", "ups.status").expect("mended"), "OL");
        wait_until(
            || ups.num_logins("ups").is_ok_and(|n| n == 1),
            "logged in again",
        );
    }
}

#[test]
fn a_change_is_not_sent_again_after_a_break() {
    let (_sandbox, ports) = servers("recover-no-resend");
    for port in ports {
        let relay = Relay::start(port);
        let mut ups =
            Connection::connect("127.0.0.1", relay.port, quick_reconnect()).expect("connect");
        ups.authenticate("admin", "adminpass").expect("auth");
        relay.cut();
        assert!(ups.fsd("ups").is_err(), "FSD on a cut connection fails");
        // The next request reconnects; FSD was not repeated behind the caller's back.
        let status = ups.get_var("ups", "ups.status").expect("mended");
        assert_eq!(status, "OL", "port {port}");
    }
}

#[test]
fn pipelined_requests_are_answered_in_order_alike_by_both_servers() {
    let (_sandbox, ports) = servers("pipeline");
    let requests = vec![
        get("ups.status"),
        get("no.such.var"),
        Request::List(ListQuery::Ups),
        Request::Get(GetQuery::UpsDesc { ups: "ups".into() }),
        Request::List(ListQuery::Cmd { ups: "nope".into() }),
        Request::NetVer,
    ];
    let shown: Vec<String> = ports
        .iter()
        .map(|port| {
            let mut ups =
                Connection::connect("127.0.0.1", *port, Options::default()).expect("connect");
            let answers = ups.pipeline(requests.clone()).expect("pipeline");
            assert_eq!(answers.len(), requests.len());
            assert!(matches!(answers[0], Ok(Answer::Line(_))));
            assert!(matches!(
                answers[1],
                Err(ClientError::Server(ErrorCode::VarNotSupported))
            ));
            assert!(matches!(&answers[2], Ok(Answer::List(items)) if items.len() == 1));
            assert!(matches!(
                answers[4],
                Err(ClientError::Server(ErrorCode::UnknownUps))
            ));
            // The connection goes on in step after the batch.
            assert_eq!(ups.netver().expect("NETVER"), "1.3");
            format!("{answers:?}")
        })
        .collect();
    assert_eq!(shown[0], shown[1]);
}

#[test]
fn the_async_client_mends_a_cut_connection_too() {
    let (_sandbox, ports) = servers("recover-async");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for port in ports {
        let relay = Relay::start(port);
        runtime.block_on(async {
            let mut ups = Client::connect("127.0.0.1", relay.port, quick_reconnect())
                .await
                .expect("connect");
            ups.authenticate("monuser", "monpass").await.expect("auth");
            ups.login("ups").await.expect("LOGIN");
            relay.cut();
            assert_eq!(
                ups.get_var("ups", "ups.status").await.expect("mended"),
                "OL"
            );
            let answers = ups
                .pipeline(vec![get("ups.status"), Request::NetVer])
                .await
                .expect("pipeline");
            assert_eq!(answers.len(), 2);
            assert!(answers.iter().all(Result::is_ok));
        });
    }
}

/// A server that answers the first request line of each connection with `reply` (then
/// closes, or stays silent if `hang`), and properly from the second connection on.
fn misbehaving_server(reply: &'static [u8], hang: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for (index, stream) in listener.incoming().flatten().enumerate() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut writer = stream;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if index > 0 {
                        let _ = writer.write_all(b"VAR ups ups.status \"OL\"\n");
                    } else {
                        let _ = writer.write_all(reply);
                        if hang {
                            // Hold the connection open without answering until the client goes.
                            let _ = reader.read_line(&mut line);
                        }
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

#[test]
fn a_misbehaving_server_gives_typed_errors_and_the_client_recovers() {
    let long_line: &'static [u8] = Box::leak(
        [vec![b'A'; 10_000], b"\n".to_vec()]
            .concat()
            .into_boxed_slice(),
    );
    let cases: [(&str, &'static [u8], bool); 6] = [
        ("garbage", b"HELLO THERE\n", false),
        ("wrong answer", b"VAR other ups.status \"OL\"\n", false),
        ("over-long line", long_line, false),
        (
            "half a list",
            b"BEGIN LIST VAR ups\nVAR ups a \"1\"\n",
            false,
        ),
        ("closed mid-answer", b"VAR ups ups.sta", false),
        ("no answer", b"", true),
    ];
    for (what, reply, hang) in cases {
        let port = misbehaving_server(reply, hang);
        let options = Options::default().timeout(Duration::from_millis(500));
        let mut ups = Connection::connect("127.0.0.1", port, options).expect("connect");
        let error = ups
            .get_var("ups", "ups.status")
            .expect_err(&format!("{what}: must fail"));
        assert!(
            matches!(
                error,
                ClientError::Protocol(_) | ClientError::Closed | ClientError::Timeout
            ),
            "{what}: {error:?}"
        );
        assert!(!ups.is_connected(), "{what}: the stream is out of step");
        ups.reconnect().expect("reconnect");
        assert_eq!(
            ups.get_var("ups", "ups.status").expect(what),
            "OL",
            "{what}"
        );
    }
}
