//! `Recording` over `AsyncSnmp` against a real snmpsim agent, and the capture replayed by
//! `Replaying` with no agent: the same answers and the same errors, in the same order.
#![cfg(feature = "snmp")]

mod snmpsim;

use std::time::Duration;

use nut_hal::snmp::{Snmp, SnmpValue, VarBind};
use nut_hal::snmp_async::AsyncSnmp;
use nut_hal::snmp_settings::SnmpVersion;
use nut_hal::wrap::{Recording, Replaying};
use nut_hal::{Error, ErrorKind};
use snmpsim::{Sim, UPS_MIB, oid, settings, start_sim};

/// What one call gave: the bindings, or the kind of error.
type Outcome = Result<Vec<VarBind>, ErrorKind>;

/// A driver's session: every operation, a missing object, a SET the agent refuses.
async fn session<S: Snmp>(s: &mut S) -> Vec<Outcome> {
    let kind = |r: Result<Vec<VarBind>, S::Error>| r.map_err(|e| e.kind());
    vec![
        kind(s.walk(&oid(UPS_MIB)).await),
        kind(
            s.get(&[oid("1.3.6.1.2.1.33.1.1.1.0"), oid("1.3.6.1.2.1.33.1.2.1.0")])
                .await,
        ),
        kind(s.get_next(&[oid("1.3.6.1.2.1.33.1.2")]).await),
        kind(
            s.get_bulk(
                1,
                3,
                &[oid("1.3.6.1.2.1.1.1"), oid("1.3.6.1.2.1.33.1.3.3.1")],
            )
            .await,
        ),
        kind(s.get(&[oid("1.3.6.1.2.1.33.1.1.99.0")]).await),
        kind(
            s.set(&[VarBind {
                oid: oid("1.3.6.1.2.1.1.1.0"),
                value: SnmpValue::OctetString(b"x".to_vec()),
            }])
            .await,
        ),
    ]
}

/// Record `session` on a connection made with these settings; the outcomes and the capture.
async fn record(
    sim: &Sim,
    version: SnmpVersion,
    community: &str,
    timeout: Duration,
) -> (Vec<Outcome>, String) {
    let mut set = settings(sim, version, community);
    set.timeout = timeout;
    set.retries = 0;
    let mut rec = Recording::new(AsyncSnmp::connect(&set).await.unwrap());
    let live = session(&mut rec).await;
    (live, rec.capture_text())
}

#[tokio::test]
async fn a_recorded_session_replays_identically_without_the_agent() {
    let sim = start_sim("record", &["riello.snmprec", "deltaups.snmprec"]);
    let long = Duration::from_secs(2);
    let sessions = [
        record(&sim, SnmpVersion::V2c, "riello", long).await,
        record(&sim, SnmpVersion::V1, "deltaups", long).await,
        // A community the agent does not serve: every request times out.
        record(
            &sim,
            SnmpVersion::V2c,
            "not-a-community",
            Duration::from_millis(300),
        )
        .await,
    ];
    drop(sim);

    let (v2c, v1, silent) = (&sessions[0].0, &sessions[1].0, &sessions[2].0);
    assert!(v2c[0].as_ref().unwrap().len() > 40);
    assert_eq!(v2c[3].as_ref().unwrap().len(), 4);
    assert!(matches!(
        v2c[4].as_ref().unwrap()[0].value,
        SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance
    ));
    assert!(v2c[5].is_err());
    assert_eq!(v1[3], Err(ErrorKind::Unsupported)); // no GETBULK in v1
    assert_eq!(v1[4], Err(ErrorKind::Protocol)); // noSuchName
    assert!(silent.iter().all(|o| *o == Err(ErrorKind::Timeout)));

    for (live, capture) in &sessions {
        let mut replay = Replaying::from_text(capture).unwrap();
        assert_eq!(&session(&mut replay).await, live, "{capture}");
        assert!(replay.is_finished());
        let e = replay.walk(&oid(UPS_MIB)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Disconnected);
    }
}

#[tokio::test]
async fn a_truncated_or_corrupt_capture_is_a_typed_error() {
    let sim = start_sim("truncate", &["riello.snmprec"]);
    let (live, capture) = record(&sim, SnmpVersion::V2c, "riello", Duration::from_secs(2)).await;
    drop(sim);
    let lines: Vec<&str> = capture.lines().collect();
    assert_eq!(lines.len(), live.len());

    // Cut inside the last line, just after a binding's OID: the line no longer parses.
    let last = lines[lines.len() - 1];
    let cut = capture.len() - last.len() - 1 + last.find('|').unwrap();
    let e = Replaying::from_text(&capture[..cut]).unwrap_err();
    assert_eq!((e.line, e.kind()), (lines.len(), ErrorKind::InvalidInput));
    // A bad hex byte in the middle.
    let corrupt = capture.replacen("|4x|", "|4x|z", 1);
    let e = Replaying::from_text(&corrupt).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);

    // Cut at a line end: what is there replays, then the session is disconnected.
    let shorter = lines[..lines.len() - 1].join("\n");
    let mut replay = Replaying::from_text(&shorter).unwrap();
    let got = session(&mut replay).await;
    assert_eq!(got[..live.len() - 1], live[..live.len() - 1]);
    assert_eq!(got[live.len() - 1], Err(ErrorKind::Disconnected));
}
