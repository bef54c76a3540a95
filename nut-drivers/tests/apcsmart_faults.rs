//! The APC Smart family on broken lines: a recorded session (the simulator seeded from the
//! SC450 dump, recorded with `Recording`) is replayed with its poll changed: garbage, half a
//! reply, nothing, a disconnect in the middle of the poll, arbitrary bytes. Every failure is
//! a typed `DeviceError`, never a panic, and never a wrong status.

use std::sync::OnceLock;

use nut_drivers::apcsmart::ApcSmart;
use nut_drivers::apcsmart::sim::{SimPort, Simulator};
use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig, Reading};
use nut_hal::ErrorKind;
use nut_hal::wrap::{Exchange, Fault, FaultInjecting, Recording, Replaying};
use proptest::prelude::*;

const SC450: &str =
    include_str!("fixtures/apcsmart/APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev");

/// The identify part and the first update part of a recorded session, and the reading.
struct Session {
    identify: Vec<Exchange>,
    update: Vec<Exchange>,
    reading: Reading,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    // Recorded on a thread of its own: the async tests already run inside a runtime.
    SESSION.get_or_init(|| {
        std::thread::spawn(|| {
            runtime().block_on(async {
                let mut port = Recording::new(SimPort::new(Simulator::from_dev(SC450).unwrap()));
                let mut ups: ApcSmart<Recording<SimPort>> =
                    ApcSmart::new(&DriverConfig::default()).unwrap();
                ups.identify(&mut port).await.unwrap();
                let split = port.exchanges().len();
                let reading = ups.update(&mut port).await.unwrap();
                let all = port.exchanges().to_vec();
                Session {
                    identify: all[..split].to_vec(),
                    update: all[split..].to_vec(),
                    reading,
                }
            })
        })
        .join()
        .expect("recording thread")
    })
}

/// Replays identify, then `update` as the poll, with `faults` on the reads counted from the
/// start of the poll.
async fn poll_with(
    update: Vec<Exchange>,
    faults: &[(u64, Fault)],
) -> (
    ApcSmart<FaultInjecting<Replaying>>,
    FaultInjecting<Replaying>,
    Result<Reading, DeviceError>,
) {
    let s = session();
    let identify_reads = s
        .identify
        .iter()
        .filter(|e| !matches!(e, Exchange::Write(_)))
        .count() as u64;
    let script: Vec<Exchange> = s.identify.iter().cloned().chain(update).collect();
    let mut port = FaultInjecting::new(Replaying::new(script));
    for (index, fault) in faults {
        port = port.on_read(identify_reads + index, fault.clone());
    }
    let mut ups: ApcSmart<FaultInjecting<Replaying>> =
        ApcSmart::new(&DriverConfig::default()).unwrap();
    ups.identify(&mut port).await.expect("replayed identify");
    let result = ups.update(&mut port).await;
    (ups, port, result)
}

/// The poll with the reply to `Q` replaced by `replacement`.
fn with_status_reply(replacement: Vec<Exchange>) -> Vec<Exchange> {
    let update = &session().update;
    let q = update
        .iter()
        .position(|e| *e == Exchange::Write(b"Q".to_vec()))
        .expect("the poll asks Q");
    let mut out = update[..=q].to_vec();
    out.extend(replacement);
    out.extend(update[q + 2..].iter().cloned());
    out
}

fn transport_kind(result: &Result<Reading, DeviceError>) -> Option<ErrorKind> {
    match result {
        Err(e @ DeviceError::Transport { .. }) => Some(e.kind()),
        _ => None,
    }
}

#[tokio::test]
async fn the_recorded_poll_replays() {
    let (_, port, result) = poll_with(session().update.clone(), &[]).await;
    assert_eq!(result.unwrap(), session().reading);
    assert!(port.into_inner().is_finished());
    assert_eq!(session().reading.status_text(), "OL");
}

#[tokio::test]
async fn garbage_status_is_a_bad_reply() {
    let poll = with_status_reply(vec![Exchange::Read(b"zz\r\n".to_vec())]);
    let (_, _, result) = poll_with(poll, &[]).await;
    match result {
        Err(DeviceError::BadReply { operation, reply }) => {
            assert_eq!(operation, "Q");
            assert_eq!(reply, "zz");
        }
        other => panic!("expected a bad reply, got {other:?}"),
    }
}

#[tokio::test]
async fn half_a_reply_then_nothing_times_out() {
    let poll = with_status_reply(vec![Exchange::Read(b"0".to_vec()), Exchange::ReadTimeout]);
    let (_, _, result) = poll_with(poll, &[]).await;
    assert_eq!(transport_kind(&result), Some(ErrorKind::Timeout));
}

#[tokio::test]
async fn no_answer_times_out() {
    let poll = with_status_reply(vec![Exchange::ReadTimeout]);
    let (_, _, result) = poll_with(poll, &[]).await;
    assert_eq!(transport_kind(&result), Some(ErrorKind::Timeout));
}

#[tokio::test]
async fn half_a_reply_then_the_end_is_a_disconnect() {
    let update = &session().update;
    let q = update
        .iter()
        .position(|e| *e == Exchange::Write(b"Q".to_vec()))
        .unwrap();
    let mut poll = update[..=q].to_vec();
    poll.push(Exchange::Read(b"0".to_vec()));
    let (_, _, result) = poll_with(poll, &[]).await;
    assert_eq!(transport_kind(&result), Some(ErrorKind::Disconnected));
}

#[tokio::test]
async fn disconnect_in_the_middle_of_the_poll() {
    // Read 0 is the flush, 1 the status, 2.. the variables.
    let (_, _, result) = poll_with(session().update.clone(), &[(4, Fault::Disconnect)]).await;
    assert_eq!(transport_kind(&result), Some(ErrorKind::Disconnected));
}

#[tokio::test]
async fn line_noise_in_a_reply_is_a_bad_status_not_a_wrong_one() {
    let (_, _, result) = poll_with(
        session().update.clone(),
        &[(1, Fault::Garbage(b"\x00\xfe\r\n".to_vec()))],
    )
    .await;
    assert!(
        matches!(result, Err(DeviceError::BadReply { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn after_a_failed_poll_the_next_one_is_right() {
    // The failed poll sees `!` (on battery) and then garbage instead of the status byte;
    // the next poll reads Q again and reports what the UPS says, not the alert's guess.
    let update = &session().update;
    let q = update
        .iter()
        .position(|e| *e == Exchange::Write(b"Q".to_vec()))
        .unwrap();
    let mut poll = update[..=q].to_vec();
    poll.push(Exchange::Read(b"!z\r\n".to_vec()));
    // After a failed poll the family wakes the UPS again (flush, `Y`, `SM`).
    poll.extend([
        Exchange::ReadTimeout,
        Exchange::Write(b"Y".to_vec()),
        Exchange::Read(b"SM\r\n".to_vec()),
    ]);
    poll.extend(update.iter().cloned());
    let (mut ups, mut port, result) = poll_with(poll, &[]).await;
    assert!(
        matches!(result, Err(DeviceError::BadReply { .. })),
        "{result:?}"
    );
    let second = ups.update(&mut port).await.expect("second poll");
    assert_eq!(second.status_text(), "OL");
    assert_eq!(second, session().reading);
}

fn arbitrary_status_poll(bytes: Vec<u8>) -> Result<Reading, DeviceError> {
    let poll = with_status_reply(vec![Exchange::Read(bytes)]);
    runtime().block_on(async { poll_with(poll, &[]).await.2 })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_status_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 1..40)) {
        let result = arbitrary_status_poll(bytes.clone());
        if let Ok(reading) = result {
            // Only a well-formed hex byte (with alerts and ignored characters around it)
            // may give a status.
            let known = ["CAL", "TRIM", "BOOST", "OL", "OB", "OVER", "LB", "RB", "OFF"];
            prop_assert!(reading.status.iter().all(|w| known.contains(&w.as_str())));
            prop_assert!(bytes.contains(&b'\n') || bytes.contains(&b'*'));
        }
    }
}
