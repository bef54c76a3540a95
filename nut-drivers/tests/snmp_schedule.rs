//! snmp-ups scheduling as NUT 2.8.0 does it, checked by counting the GETs a recorded agent
//! receives under paused tokio time: `pollfreq` (a walk only when more than `pollfreq`
//! seconds passed since the last one), `SU_FLAG_SEMI_STATIC` rows every `semistaticfreq`
//! walks, static rows once, and template rows dropped after an invalid reading.

mod snmp_common;

use std::time::Duration;

use nut_drivers::device::DeviceProtocol;
use nut_drivers::snmp::SnmpUps;
use nut_drivers::snmp::schedule::Schedule;
use nut_hal::snmp::Oid;
use nut_hal::snmp_wrap::ReplayingSnmp;
use nut_hal::wrap::{Exchange, Recording, SnmpRequest};

/// A recorded agent whose requests are logged.
type Counting = Recording<ReplayingSnmp>;

/// `file`'s recorded agent plus the `extra` snmprec lines, logging its requests.
fn agent(file: &str, extra: &str) -> Counting {
    let path = snmp_common::fixtures().join(file);
    let text = std::fs::read_to_string(path).expect("fixture") + extra;
    Recording::new(ReplayingSnmp::from_snmprec(&text).expect("snmprec"))
}

/// How many GETs asked for `oid`.
fn gets_of(agent: &Counting, oid: &str) -> usize {
    let oid: Oid = oid.parse().expect("oid");
    agent
        .exchanges()
        .iter()
        .filter(|e| {
            matches!(e, Exchange::Snmp { request: SnmpRequest::Get(oids), .. } if oids.contains(&oid))
        })
        .count()
}

/// cyberpower `battery.date` (SU_FLAG_SEMI_STATIC), added to the CyberPower recording.
const BATTERY_DATE: &str = "1.3.6.1.4.1.3808.1.1.1.2.1.3.0";
/// cyberpower `ups.model` (SU_FLAG_STATIC).
const MODEL: &str = "1.3.6.1.4.1.3808.1.1.1.1.1.1.0";
/// cyberpower `battery.charge` (dynamic).
const CHARGE: &str = "1.3.6.1.4.1.3808.1.1.1.2.2.1.0";

fn cyberpower() -> Counting {
    agent(
        "librenms-cyberpower.snmprec",
        &format!("{BATTERY_DATE}|4|01/02/2020\n"),
    )
}

#[tokio::test(start_paused = true)]
async fn pollfreq_walks_only_after_more_than_pollfreq_seconds() {
    let mut agent = cyberpower();
    let mut ups = SnmpUps::<Counting>::new("cyberpower")
        .with_schedule(Schedule::new(Duration::from_secs(30), 10));
    ups.identify(&mut agent).await.expect("identified");
    let first = ups.update(&mut agent).await.expect("polled");
    assert_eq!(gets_of(&agent, CHARGE), 2, "start-up and the first poll");
    assert_eq!(first.get("battery.charge"), Some("100"));
    // The driver is polled every 2 s (pollinterval); 2.8.0 walks again after 32 s.
    for _ in 0..15 {
        tokio::time::advance(Duration::from_secs(2)).await;
        let same = ups.update(&mut agent).await.expect("polled");
        assert_eq!(
            same, first,
            "between walks the last data is published again"
        );
    }
    assert_eq!(gets_of(&agent, CHARGE), 2, "no walk within 30 s");
    tokio::time::advance(Duration::from_secs(2)).await;
    ups.update(&mut agent).await.expect("polled");
    assert_eq!(gets_of(&agent, CHARGE), 3, "walked after 32 s");
}

#[tokio::test(start_paused = true)]
async fn semi_static_rows_every_semistaticfreq_walks_static_rows_once() {
    let mut agent = cyberpower();
    let mut ups =
        SnmpUps::<Counting>::new("cyberpower").with_schedule(Schedule::new(Duration::ZERO, 3));
    let identity = ups.identify(&mut agent).await.expect("identified");
    assert_eq!(identity.info.get("battery.date"), Some("01/02/2020"));
    let (model_at_start, date_at_start) = (gets_of(&agent, MODEL), gets_of(&agent, BATTERY_DATE));
    let mut dated = Vec::new();
    for walk in 1..=8 {
        tokio::time::advance(Duration::from_secs(1)).await;
        let before = gets_of(&agent, BATTERY_DATE);
        let reading = ups.update(&mut agent).await.expect("polled");
        if gets_of(&agent, BATTERY_DATE) > before {
            dated.push(walk);
        }
        // Skipped or not, the semi-static value stays published.
        assert_eq!(
            reading.get("battery.date"),
            Some("01/02/2020"),
            "walk {walk}"
        );
    }
    // Countdown 3 → 2, 1, 0 (read), then 3, 2, 1, 0 (read): walks 3 and 7, as 2.8.0.
    assert_eq!(dated, [3, 7]);
    assert_eq!(gets_of(&agent, BATTERY_DATE), date_at_start + 2);
    assert_eq!(
        gets_of(&agent, MODEL),
        model_at_start,
        "static: start-up only"
    );
    assert_eq!(gets_of(&agent, CHARGE), 1 + 8, "dynamic: every walk");
}

#[tokio::test(start_paused = true)]
async fn an_invalid_reading_stops_polling_that_row() {
    // The ATS agent's outlet group 2 reads -1 on a SU_FLAG_NEGINVALID row: at start-up that
    // template loses SU_FLAG_OK, so neither group's realpower is polled afterwards.
    let mut agent = agent("apc-ats-groups.snmprec", "");
    let mut ups = SnmpUps::<Counting>::new("auto").with_schedule(Schedule::new(Duration::ZERO, 10));
    let identity = ups.identify(&mut agent).await.expect("identified");
    assert_eq!(identity.info.get("outlet.group.1.realpower"), Some("1150"));
    assert_eq!(identity.info.get("outlet.group.2.realpower"), None);
    let realpower_1 = "1.3.6.1.4.1.318.1.1.8.5.4.5.1.15.1";
    let current_1 = "1.3.6.1.4.1.318.1.1.8.5.4.5.1.4.1";
    let (power_gets, current_gets) = (gets_of(&agent, realpower_1), gets_of(&agent, current_1));
    tokio::time::advance(Duration::from_secs(1)).await;
    let reading = ups.update(&mut agent).await.expect("polled");
    assert_eq!(
        gets_of(&agent, realpower_1),
        power_gets,
        "template not polled"
    );
    assert_eq!(gets_of(&agent, current_1), current_gets + 1, "others are");
    // Its start-up value stays published (from the identity), as NUT leaves it in dstate.
    assert_eq!(reading.get("outlet.group.1.realpower"), None);
    assert_eq!(reading.get("outlet.group.1.current"), Some("5.20"));
}
