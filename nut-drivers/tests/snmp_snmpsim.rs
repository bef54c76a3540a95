//! snmp-ups over a real agent: snmpsim serving the recordings of tests/fixtures/snmp, reached
//! through `AsyncSnmp` (v2c and v3 USM), and the `snmp-ups` program's settings.
#![cfg(feature = "snmp")]

mod snmp_common;
#[path = "../../nut-hal/tests/snmpsim/mod.rs"]
mod snmpsim;

use nut_drivers::device::{DriverConfig, Family};
use nut_drivers::snmp::SnmpUpsProgram;
use nut_hal::snmp_async::AsyncSnmp;
use nut_hal::snmp_settings::{SnmpSettings, SnmpVersion};
use snmp_common::{dump, dump_over};

fn config(pairs: &[(&str, &str)]) -> DriverConfig {
    let mut c = DriverConfig::default();
    for (k, v) in pairs {
        c.push(k, Some(v));
    }
    c
}

#[tokio::test]
async fn over_snmpsim_v2c_the_driver_reads_what_the_recording_holds() {
    let sim = snmpsim::start_sim(
        "drv-v2c",
        &["riello-model.snmprec", "librenms-cyberpower.snmprec"],
    );
    for (file, community) in [
        ("riello-model.snmprec", "riello-model"),
        ("librenms-cyberpower.snmprec", "librenms-cyberpower"),
    ] {
        let settings = snmpsim::settings(&sim, SnmpVersion::V2c, community);
        let mut port = AsyncSnmp::connect(&settings).await.expect("session");
        let live = dump_over(&mut port, "auto").await.expect("driven");
        let recorded = dump(file, "auto").await.expect("driven");
        assert_eq!(live, recorded, "{file}");
        assert!(live.contains_key("ups.model"), "{file}: {live:?}");
    }
}

/// The research recordings our driver reads (and the two agents built from the APC dumps),
/// over the real SNMP backend: what the driver publishes over snmpsim is what it publishes
/// over the recording replayed, and the values are the recording's.
#[tokio::test]
async fn over_snmpsim_every_readable_recording_reads_as_replayed() {
    let files = [
        (
            "librenms-deltaups.ups-subset.snmprec",
            "auto",
            "E1500RTXL2U",
        ),
        ("eatonups-model.snmprec", "pw", "ConnectUPS test model"),
        ("netagent2-model.snmprec", "xppc", "NET Agent II test model"),
        ("apc-smartups-1000.snmprec", "auto", "SMART-UPS 1000"),
        ("apc-smartups-5000rm.snmprec", "auto", "Smart-UPS 5000"),
    ];
    let names: Vec<&str> = files.iter().map(|(f, _, _)| *f).collect();
    let sim = snmpsim::start_sim("drv-research", &names);
    for (file, mibs, model) in files {
        let community = file.trim_end_matches(".snmprec");
        let settings = snmpsim::settings(&sim, SnmpVersion::V2c, community);
        let mut port = AsyncSnmp::connect(&settings).await.expect("session");
        let live = dump_over(&mut port, mibs).await.expect("driven");
        let recorded = dump(file, mibs).await.expect("driven");
        assert_eq!(live, recorded, "{file}");
        assert_eq!(live.get("ups.model").map(String::as_str), Some(model));
    }
}

#[tokio::test]
async fn over_snmpsim_v3_with_nut_option_names() {
    let sim = snmpsim::start_sim("drv-v3", &["librenms-cyberpower.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let cfg = config(&[
        ("port", &port),
        ("snmp_version", "v3"),
        ("secLevel", "authNoPriv"),
        ("secName", "nutuser"),
        ("authPassword", "authpass123"),
        ("authProtocol", "SHA"),
        ("mibs", "cyberpower"),
    ]);
    let settings: SnmpSettings = nut_drivers::snmp::program::settings(&cfg).expect("settings");
    // snmpsim picks the recording by SNMPv3 context name = file stem.
    let mut settings = settings;
    settings.context = "librenms-cyberpower".into();
    let mut session = AsyncSnmp::connect(&settings).await.expect("session");
    let live = dump_over(&mut session, "cyberpower").await.expect("driven");
    assert_eq!(
        live.get("ups.model").map(String::as_str),
        Some("OL2200RTXL2U")
    );
    assert_eq!(
        live.get("battery.runtime").map(String::as_str),
        Some("1740")
    );
}

#[test]
fn program_settings_are_checked() {
    let ok = config(&[
        ("port", "127.0.0.1:161"),
        ("community", "x"),
        ("mibs", "ietf"),
    ]);
    assert!(SnmpUpsProgram::from_config(&ok).is_ok());
    let bad = config(&[("port", "127.0.0.1"), ("snmp_version", "v4")]);
    let err = SnmpUpsProgram::from_config(&bad).expect_err("v4 refused");
    assert_eq!(err.key, "snmp_version");
    let no_port = config(&[("community", "x")]);
    assert_eq!(
        SnmpUpsProgram::from_config(&no_port)
            .expect_err("no port")
            .key,
        "port"
    );
}
