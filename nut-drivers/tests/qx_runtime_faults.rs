//! The real Qx family under the driver runtime, its port broken on a schedule by nut-hal's
//! `FaultInjecting` (tokio's paused time): garbage or silence makes the data stale — never a
//! wrong status — and it recovers by itself; a port that vanishes is reopened when it returns.

mod runtime_common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_drivers::device::{DeviceError, DriverConfig, PortOpener, Runner};
use nut_drivers::qx::Dialect;
use nut_drivers::qx::QxDriver;
use nut_drivers::qx::sim::{SimPort, Simulator};
use nut_drivers::runtime::{DriverLink, Serve};
use nut_hal::ErrorKind;
use nut_hal::wrap::{Fault, FaultInjecting};
use tokio::time::Instant;

type Port = FaultInjecting<SimPort>;

/// What each open gives: a port with these read faults, or "not there".
enum Open {
    Port(Vec<(u64, Fault)>),
    Absent,
}

#[derive(Clone)]
struct Opener {
    ups: Arc<Mutex<Simulator>>,
    plan: Arc<Mutex<VecDeque<Open>>>,
    opens: Arc<Mutex<u32>>,
}

impl PortOpener for Opener {
    type Port = Port;

    async fn open(&mut self) -> Result<Port, DeviceError> {
        *self.opens.lock().unwrap() += 1;
        let next = self.plan.lock().unwrap().pop_front();
        match next.unwrap_or(Open::Port(Vec::new())) {
            Open::Absent => Err(DeviceError::Transport {
                operation: "opening /dev/ttyFAKE".into(),
                kind: ErrorKind::Disconnected,
                message: "no such device".into(),
            }),
            Open::Port(faults) => {
                let mut port = FaultInjecting::new(SimPort::new(Arc::clone(&self.ups)));
                for (read, fault) in faults {
                    port = port.on_read(read, fault);
                }
                Ok(port)
            }
        }
    }
}

struct Fixture {
    ups: Arc<Mutex<Simulator>>,
    opens: Arc<Mutex<u32>>,
    link: DriverLink,
    tree: StateTree,
}

fn start(plan: Vec<Open>) -> Fixture {
    let ups = Arc::new(Mutex::new(Simulator::new(Dialect::Megatec)));
    let opener = Opener {
        ups: Arc::clone(&ups),
        plan: Arc::new(Mutex::new(plan.into())),
        opens: Arc::new(Mutex::new(0)),
    };
    let opens = Arc::clone(&opener.opens);
    let mut config = DriverConfig::default();
    config.push("driver", Some("nutdrv_qx"));
    config.push("port", Some("/dev/ttyFAKE"));
    config.push("protocol", Some("megatec"));
    let family: QxDriver<Port> = QxDriver::from_config(&config).expect("config");
    let runner = Runner::new(family, opener, &config, nut_drivers::qx::QX_KEYS).expect("runner");
    let mut tree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    Fixture {
        ups,
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

fn fresh_and(status: &'static str) -> impl Fn(&StateTree) -> bool {
    move |tree| tree.data_ok() && tree.value("ups.status") == Some(status)
}

fn stale(tree: &StateTree) -> bool {
    !tree.data_ok()
}

/// Every read from the 10th to the 40th answers garbage: several polls in a row fail.
fn garbage_polls() -> Vec<(u64, Fault)> {
    (10..=40)
        .map(|read| (read, Fault::Garbage(b"(#\xff\x00garbage\r".to_vec())))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn garbage_makes_the_data_stale_and_it_recovers_without_a_restart() {
    let mut ups = start(vec![Open::Port(garbage_polls())]);
    ups.until("the first good poll", fresh_and("OL")).await;
    let during = ups.until("stale data", stale).await;
    assert!(
        during.iter().all(|status| status == "OL"),
        "no status but the last good one while the replies are garbage: {during:?}"
    );
    // The mains fail while the device talks garbage: after it recovers, OB shows.
    ups.ups.lock().unwrap().state.on_battery = true;
    let after = ups.until("fresh data on battery", fresh_and("OB")).await;
    assert!(after.iter().all(|s| s == "OL" || s == "OB"), "{after:?}");
    assert_eq!(ups.opens(), 1, "recovered on the same port, no reopen");
}

#[tokio::test(start_paused = true)]
async fn silence_makes_the_data_stale_and_it_recovers() {
    let silence = (10..=40).map(|read| (read, Fault::Timeout)).collect();
    let mut ups = start(vec![Open::Port(silence)]);
    ups.until("the first good poll", fresh_and("OL")).await;
    ups.until("stale data", stale).await;
    assert_eq!(
        ups.tree.value("ups.status"),
        Some("OL"),
        "the last status stays"
    );
    ups.until("fresh data", fresh_and("OL")).await;
    assert_eq!(ups.opens(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_port_that_vanishes_is_reopened_when_it_returns() {
    let mut ups = start(vec![
        Open::Port(vec![(10, Fault::Disconnect)]),
        Open::Absent,
        Open::Absent,
        Open::Port(Vec::new()),
    ]);
    ups.until("the first good poll", fresh_and("OL")).await;
    ups.until("stale data after the port is gone", stale).await;
    let reopened_at = Instant::now();
    ups.until("fresh data on the returned port", fresh_and("OL"))
        .await;
    assert_eq!(ups.opens(), 4, "one open, two while absent, one that works");
    assert!(
        reopened_at.elapsed() >= Duration::from_secs(1),
        "reopening backs off"
    );
}
