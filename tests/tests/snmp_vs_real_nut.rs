//! DIFFERENTIAL: the real NUT 2.8.0 `snmp-ups` against snmpsim serving a recording, read
//! through the real upsd and upsc, against our `SnmpUps` identify + update on the same
//! recording. Every variable and the status must match, apart from the documented
//! differences in [`KNOWN_DIFFERENCES`] (docs/DIFFERENCES.md).

#[path = "../../nut-hal/tests/snmpsim/mod.rs"]
mod snmpsim;

use std::collections::BTreeMap;

use nut_drivers::device::DeviceProtocol;
use nut_drivers::snmp::SnmpUps;
use nut_hal::snmp_wrap::ReplayingSnmp;
use nut_tests::realqx::RealNut;

/// Variables published differently on purpose: (recording, variable, our value — `None`
/// when we do not publish it —, why).
const KNOWN_DIFFERENCES: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "librenms-cyberpower",
        "input.transfer.reason",
        Some("noTransfer"),
        "our tables are from a later NUT commit: cyberpower-mib maps upsAdvanceInputLineFailCause",
    ),
    (
        "librenms-cyberpower",
        "ups.status",
        Some("OL"),
        "our tables are from a later NUT commit: its power-status lookup gives OL for onLine(2)",
    ),
    (
        "riello-model",
        "battery.current",
        None,
        "our tables are from a later NUT commit: its ietf battery.current row is \
         SU_FLAG_NEGINVALID, so the -1 reading is dropped",
    ),
    (
        "riello-model",
        "input.current",
        None,
        "our tables are from a later NUT commit: its ietf input.current row is \
         SU_FLAG_NEGINVALID, so the -1 reading is dropped",
    ),
    (
        "eaton-epdu-daisy-alarms",
        "ups.alarm",
        Some("high voltage warning! phase L1 high voltage warning! phase L2 low voltage warning!"),
        "docs/DIFFERENCES.md row 80: the driver core publishes the units' alarms as the \
         chain's ups.alarm too (2.8.0: only device.N.ups.alarm)",
    ),
];

/// Our driver's identify + update on the recording, as upsc would show it (without
/// `driver.*` and `device.type`, as [`RealNut::read`]).
async fn our_view(file: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(snmpsim::fixtures().join(file)).unwrap();
    let mut agent = ReplayingSnmp::from_snmprec(&text).unwrap();
    let mut ups = SnmpUps::<ReplayingSnmp>::new("auto");
    let identity = ups.identify(&mut agent).await.unwrap();
    let reading = ups.update(&mut agent).await.unwrap();
    let mut view: BTreeMap<String, String> = identity
        .info
        .values
        .into_iter()
        .chain(reading.values.clone())
        .filter(|(name, _)| !name.starts_with("driver.") && name != "device.type")
        .collect();
    // As the driver core commits them: any alarm sets `ups.alarm` and puts ALARM first.
    if reading.alarms.is_empty() {
        view.insert("ups.status".into(), reading.status_text());
    } else {
        view.insert("ups.alarm".into(), reading.alarms.join(" "));
        view.insert(
            "ups.status".into(),
            format!("ALARM {}", reading.status_text()),
        );
    }
    view
}

async fn differences(stem: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let file = format!("{stem}.snmprec");
    let sim = snmpsim::start_sim(&format!("vs-real-{stem}"), &[&file]);
    let port = format!("127.0.0.1:{}", sim.port);
    let extra = [
        ("community".to_string(), stem.to_string()),
        ("mibs".to_string(), "auto".to_string()),
    ];
    let real = RealNut::start("snmp-ups", &port, &extra).read();
    let ours = our_view(&file).await;
    assert!(
        real.contains_key("ups.model") || real.contains_key("device.model"),
        "real NUT read nothing: {real:?}"
    );
    for (s, name, value, why) in KNOWN_DIFFERENCES.iter().filter(|d| d.0 == stem) {
        assert_ne!(
            real.get(*name).map(String::as_str),
            *value,
            "{s}: {name} no longer differs ({why}); drop it from KNOWN_DIFFERENCES"
        );
    }
    // Known differences are allowed only with the value we are known to publish.
    nut_tests::differences(&real, &ours, &[])
        .into_iter()
        .filter(|(name, _, our)| {
            !KNOWN_DIFFERENCES
                .iter()
                .any(|(s, n, v, _)| *s == stem && n == name && our.as_deref() == *v)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ietf_mapping_matches_real_snmp_ups() {
    assert_eq!(differences("riello-model").await, vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn cyberpower_mapping_matches_real_snmp_ups() {
    assert_eq!(differences("librenms-cyberpower").await, vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn delta_mapping_matches_real_snmp_ups() {
    assert_eq!(differences("librenms-deltaups.ups-subset").await, vec![]);
}

/// Hand-made XUPS agent (tests/fixtures/snmp/SOURCES.md): outlet and ambient templates,
/// three-phase rows, an ambient `.alarm` row and the `ups.alarms` table.
#[tokio::test(flavor = "multi_thread")]
async fn eaton_xups_templates_and_alarms_match_real_snmp_ups() {
    assert_eq!(differences("eaton-xups-3phase").await, vec![]);
}

/// Hand-made APC rPDU agent: outlets counted by `outlet.count`, `%i` in a default.
#[tokio::test(flavor = "multi_thread")]
async fn apc_pdu_outlets_match_real_snmp_ups() {
    assert_eq!(differences("apc-rpdu-outlets").await, vec![]);
}

/// Hand-made APC ATS agent: outlet groups with a guessed count, a NEGINVALID reading and a
/// `ups.status` row without a status flag.
#[tokio::test(flavor = "multi_thread")]
async fn apc_ats_outlet_groups_match_real_snmp_ups() {
    assert_eq!(differences("apc-ats-groups").await, vec![]);
}

/// Hand-made APC Smart-UPS agent: the IEM probe's Fahrenheit temperature and the
/// SU_FLAG_UNIQUE battery.charge rows of the apcc mapping.
#[tokio::test(flavor = "multi_thread")]
async fn apcc_iem_and_unique_rows_match_real_snmp_ups() {
    assert_eq!(differences("apc-smartups-iem").await, vec![]);
}

/// Hand-made chain of two Eaton ePDUs (`eaton_epdu`, `device.count` 2): `device.N.*` per
/// unit, daisy outlet templates, fixed-index rows for `device.1` only.
#[tokio::test(flavor = "multi_thread")]
async fn eaton_epdu_daisy_chain_matches_real_snmp_ups() {
    assert_eq!(differences("eaton-epdu-daisy").await, vec![]);
}

/// The same ePDU alone (`device.count` 1): the daisy rows at unit 0, nothing prefixed.
#[tokio::test(flavor = "multi_thread")]
async fn eaton_epdu_single_unit_matches_real_snmp_ups() {
    assert_eq!(differences("eaton-epdu-single").await, vec![]);
}

/// The chain with an EMP sensor on the master: the `SU_TYPE_DAISY_MASTER_ONLY` rows.
#[tokio::test(flavor = "multi_thread")]
async fn eaton_epdu_daisy_master_only_sensors_match_real_snmp_ups() {
    assert_eq!(differences("eaton-epdu-daisy-emp").await, vec![]);
}

/// The chain with alarms on both units: `device.N.ups.alarm`, ALARM in `ups.status`.
#[tokio::test(flavor = "multi_thread")]
async fn eaton_epdu_daisy_unit_alarms_match_real_snmp_ups() {
    assert_eq!(differences("eaton-epdu-daisy-alarms").await, vec![]);
}
