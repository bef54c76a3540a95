//! snmp-ups under faults: a recorded agent (`ReplayingSnmp` on riello-model.snmprec) broken
//! on a schedule by `FaultInjectingSnmp`, under the driver runtime with tokio's paused time.
//! Timeouts, mistyped, truncated and missing bindings make the data stale — typed errors,
//! never a panic, never a wrong status — and it recovers by itself; an agent that disappears
//! is reopened when it returns. A dead agent fails start-up after one request's timeout, not
//! once per mapping probed by `mibs=auto`.

mod snmp_common;

mod runtime_common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig, PortOpener, Runner};
use nut_drivers::runtime::{DriverLink, Serve};
use nut_drivers::snmp::SnmpUps;
use nut_hal::ErrorKind;
use nut_hal::snmp::{Oid, Snmp, SnmpValue, VarBind};
use nut_hal::snmp_wrap::{FaultInjectingSnmp, ReplayingSnmp, SnmpFault};
use tokio::time::Instant;

const RECORDING: &str = "riello-model.snmprec";

type Port = FaultInjectingSnmp<ReplayingSnmp>;

/// What each open gives: an agent with these faults (by request number), or "not there".
enum Open {
    Agent(Vec<(u64, SnmpFault)>),
    Absent,
}

#[derive(Clone)]
struct Opener {
    plan: Arc<Mutex<VecDeque<Open>>>,
    opens: Arc<Mutex<u32>>,
}

impl PortOpener for Opener {
    type Port = Port;

    async fn open(&mut self) -> Result<Port, DeviceError> {
        *self.opens.lock().unwrap() += 1;
        let next = self.plan.lock().unwrap().pop_front();
        match next.unwrap_or(Open::Agent(Vec::new())) {
            Open::Absent => Err(DeviceError::Transport {
                operation: "connect".into(),
                kind: ErrorKind::Io,
                message: "network unreachable".into(),
            }),
            Open::Agent(faults) => {
                let mut port = FaultInjectingSnmp::new(snmp_common::agent(RECORDING));
                for (request, fault) in faults {
                    port = port.on_request(request, fault);
                }
                Ok(port)
            }
        }
    }
}

/// How many requests identify and one poll of the recording take (no faults).
async fn request_counts() -> (u64, u64) {
    let mut agent = snmp_common::agent(RECORDING);
    let mut ups = SnmpUps::<ReplayingSnmp>::new("auto");
    ups.identify(&mut agent).await.expect("identified");
    let identify = agent.requests();
    ups.update(&mut agent).await.expect("polled");
    (identify, agent.requests() - identify)
}

struct Fixture {
    opens: Arc<Mutex<u32>>,
    link: DriverLink,
    tree: StateTree,
}

fn start(plan: Vec<Open>) -> Fixture {
    let opener = Opener {
        plan: Arc::new(Mutex::new(plan.into())),
        opens: Arc::new(Mutex::new(0)),
    };
    let opens = Arc::clone(&opener.opens);
    let mut config = DriverConfig::default();
    config.push("driver", Some("snmp-ups"));
    config.push("port", Some("192.0.2.1"));
    config.push("pollinterval", Some("2"));
    let family = SnmpUps::<Port>::new("auto");
    let runner = Runner::new(family, opener, &config, &["mibs"]).expect("runner");
    let mut tree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    Fixture {
        opens,
        link: runner.start(),
        tree,
    }
}

impl Fixture {
    /// Mirrors broadcasts until `done` holds; returns every status published meanwhile.
    async fn until(&mut self, what: &str, done: impl Fn(&StateTree) -> bool) -> Vec<String> {
        runtime_common::statuses_until(
            &mut self.link,
            what,
            &mut self.tree,
            Duration::from_secs(600),
            &done,
        )
        .await
    }

    fn opens(&self) -> u32 {
        *self.opens.lock().unwrap()
    }
}

fn fresh_ol(tree: &StateTree) -> bool {
    tree.data_ok() && tree.value("ups.status") == Some("OL")
}

fn stale(tree: &StateTree) -> bool {
    !tree.data_ok()
}

/// `fault` on every request of the 2nd to 4th polls after identify.
async fn during_polls(fault: SnmpFault) -> Vec<(u64, SnmpFault)> {
    let (identify, poll) = request_counts().await;
    let first = identify + poll;
    (first..first + 3 * poll)
        .map(|n| (n, fault.clone()))
        .collect()
}

/// The data goes stale under `fault` and fresh again after it, on the same session, never
/// publishing a status other than the agent's.
async fn stale_then_recovers(fault: SnmpFault) {
    let faults = during_polls(fault.clone()).await;
    let mut ups = start(vec![Open::Agent(faults)]);
    ups.until("the first good poll", fresh_ol).await;
    let during = ups.until("stale data", stale).await;
    assert!(during.iter().all(|s| s == "OL"), "{fault:?}: {during:?}");
    assert_eq!(
        ups.tree.value("ups.status"),
        Some("OL"),
        "the last status stays"
    );
    let after = ups.until("fresh data", fresh_ol).await;
    assert!(after.iter().all(|s| s == "OL"), "{fault:?}: {after:?}");
    assert_eq!(ups.opens(), 1, "{fault:?}: recovered on the same session");
}

#[tokio::test(start_paused = true)]
async fn timeouts_make_the_data_stale_and_it_recovers() {
    stale_then_recovers(SnmpFault::Timeout).await;
}

#[tokio::test(start_paused = true)]
async fn a_wrong_type_for_every_row_makes_the_data_stale() {
    stale_then_recovers(SnmpFault::GarbageValue(SnmpValue::OctetString(
        b"\xff garbage".to_vec(),
    )))
    .await;
    stale_then_recovers(SnmpFault::GarbageValue(SnmpValue::ObjectId(Oid::new([
        1, 3, 6,
    ]))))
    .await;
}

#[tokio::test(start_paused = true)]
async fn truncated_answers_make_the_data_stale() {
    stale_then_recovers(SnmpFault::Truncate(0)).await;
}

#[tokio::test(start_paused = true)]
async fn no_such_instance_for_the_power_status_makes_the_data_stale() {
    stale_then_recovers(SnmpFault::GarbageValue(SnmpValue::NoSuchInstance)).await;
    stale_then_recovers(SnmpFault::GarbageValue(SnmpValue::NoSuchObject)).await;
}

#[tokio::test(start_paused = true)]
async fn error_status_answers_are_survived() {
    // noSuchName (v1) / genErr for every row: nothing answers, the status row included.
    stale_then_recovers(SnmpFault::Status(5)).await;
}

#[tokio::test(start_paused = true)]
async fn an_agent_that_disappears_is_reopened_when_it_returns() {
    let (identify, poll) = request_counts().await;
    let mut ups = start(vec![
        Open::Agent(vec![(identify + poll + 1, SnmpFault::Disconnect)]),
        Open::Absent,
        Open::Absent,
        Open::Agent(Vec::new()),
    ]);
    ups.until("the first good poll", fresh_ol).await;
    ups.until("stale data after the agent is gone", stale).await;
    ups.until("fresh data from the returned agent", fresh_ol)
        .await;
    assert_eq!(ups.opens(), 4, "one open, two while absent, one that works");
}

/// One poll's row answering with a different type than at start-up is a typed
/// `BadReply`, and the next good poll reads normally.
#[tokio::test]
async fn a_mistyped_row_is_a_bad_reply_not_a_panic() {
    let (identify, _) = request_counts().await;
    let mut port = FaultInjectingSnmp::new(snmp_common::agent(RECORDING)).on_request(
        identify,
        SnmpFault::GarbageValue(SnmpValue::IpAddress([10, 0, 0, 1])),
    );
    let mut ups = SnmpUps::<Port>::new("auto");
    ups.identify(&mut port).await.expect("identified");
    let err = ups.update(&mut port).await.expect_err("mistyped");
    assert!(matches!(err, DeviceError::BadReply { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Protocol);
    let reading = ups.update(&mut port).await.expect("next poll");
    assert_eq!(reading.status_text(), "OL");
}

/// An agent that never answers: every request costs snmp_timeout × (snmp_retries + 1).
struct DeadAgent {
    per_request: Duration,
    requests: Arc<Mutex<u64>>,
}

impl DeadAgent {
    async fn silence(&mut self) -> Result<Vec<VarBind>, ErrorKind> {
        *self.requests.lock().unwrap() += 1;
        tokio::time::sleep(self.per_request).await;
        Err(ErrorKind::Timeout)
    }
}

impl Snmp for DeadAgent {
    type Error = ErrorKind;

    async fn get(&mut self, _: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.silence().await
    }

    async fn get_next(&mut self, _: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.silence().await
    }

    async fn get_bulk(&mut self, _: u32, _: u32, _: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.silence().await
    }

    async fn walk(&mut self, _: &Oid) -> Result<Vec<VarBind>, ErrorKind> {
        self.silence().await
    }

    async fn set(&mut self, _: &[VarBind]) -> Result<Vec<VarBind>, ErrorKind> {
        self.silence().await
    }
}

/// NUT 2.8.0 probes mapping after mapping on a dead host, each probe costing the whole
/// timeout (#1211, #2134); ours stops at the first request.
#[tokio::test(start_paused = true)]
async fn a_dead_agent_fails_start_up_after_one_requests_timeout() {
    // snmp_timeout 1 s, snmp_retries 5 (NUT's defaults).
    let per_request = Duration::from_secs(1) * (5 + 1);
    for mibs in ["auto", "ietf", "apcc"] {
        let requests = Arc::new(Mutex::new(0));
        let mut agent = DeadAgent {
            per_request,
            requests: Arc::clone(&requests),
        };
        let began = Instant::now();
        let mut ups = SnmpUps::<DeadAgent>::new(mibs);
        let err = ups.identify(&mut agent).await.expect_err("dead");
        assert_eq!(err.kind(), ErrorKind::Timeout, "{mibs}: {err}");
        assert_eq!(*requests.lock().unwrap(), 1, "{mibs}: one request only");
        assert_eq!(began.elapsed(), per_request, "{mibs}");
    }
}

/// The same over real UDP to a port nothing listens on: the first request (sysObjectID)
/// fails, typed, and identify gives up there.
#[cfg(feature = "snmp")]
#[tokio::test]
async fn a_udp_port_with_nothing_listening_fails_at_the_first_request() {
    use nut_hal::snmp_async::AsyncSnmp;
    use nut_hal::snmp_settings::{SnmpSettings, SnmpVersion};
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        s.local_addr().expect("addr").port()
    };
    let mut settings = SnmpSettings::new("127.0.0.1", port, SnmpVersion::V2c);
    settings.timeout = Duration::from_secs(1);
    settings.retries = 0;
    let mut session = AsyncSnmp::connect(&settings).await.expect("session");
    let mut ups = SnmpUps::<AsyncSnmp>::new("auto");
    let err = ups.identify(&mut session).await.expect_err("nobody there");
    assert!(
        matches!(err, DeviceError::Transport { ref operation, kind, .. }
            if operation == "GET 1.3.6.1.2.1.1.2.0"
                && matches!(kind, ErrorKind::Timeout | ErrorKind::Io)),
        "{err:?}"
    );
    assert!(ups.mapping().is_none());
}
