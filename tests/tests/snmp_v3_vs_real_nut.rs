//! DIFFERENTIAL over SNMPv3: the real NUT 2.8.0 `snmp-ups` (net-snmp) and our `snmp-ups`
//! program settings → `AsyncSnmp` → `SnmpUps`, both against the same net-snmp `snmpd`
//! (`nut-drivers/tests/snmpd/mod.rs`) posing as an RFC 1628 UPS, with the same `ups.conf`
//! options: authNoPriv SHA, and authPriv with NUT's default protocols (MD5, DES). The real
//! one is read through the real upsd and upsc; every variable must match.

#[path = "../../nut-drivers/tests/snmpd/mod.rs"]
mod snmpd;

use std::collections::BTreeMap;

use nut_drivers::device::{DeviceProtocol, DriverConfig, Family, PortOpener};
use nut_drivers::snmp::SnmpUpsProgram;
use nut_tests::realqx::RealNut;

/// Our program's identify + one poll with these settings, as upsc would show it (without
/// `driver.*` and `device.type`, as [`RealNut::read`]).
async fn ours(settings: &[(String, String)]) -> BTreeMap<String, String> {
    let mut config = DriverConfig::default();
    config.push("driver", Some("snmp-ups"));
    for (k, v) in settings {
        config.push(k, Some(v));
    }
    let (mut ups, mut opener) = SnmpUpsProgram::from_config(&config).expect("settings");
    let mut port = opener.open().await.expect("session");
    let identity = ups.identify(&mut port).await.expect("identified");
    let reading = ups.update(&mut port).await.expect("polled");
    let mut view: BTreeMap<String, String> = identity
        .info
        .values
        .into_iter()
        .chain(reading.values.clone())
        .filter(|(name, _)| !name.starts_with("driver.") && name != "device.type")
        .collect();
    view.insert("ups.status".into(), reading.status_text());
    view
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn compare(name: &str, options: &[(&str, &str)]) {
    let agent = snmpd::start(name);
    let address = agent.address();
    let extra = pairs(options);
    let real = RealNut::start("snmp-ups", &address, &extra).read();
    assert!(
        real.contains_key("ups.model"),
        "real NUT read nothing: {real:?}"
    );
    let mut settings = extra.clone();
    settings.push(("port".into(), address.clone()));
    settings.push((
        "des_state_dir".into(),
        agent.dir.join("des").to_string_lossy().into_owned(),
    ));
    let ours = ours(&settings).await;
    assert_eq!(nut_tests::differences(&real, &ours, &[]), vec![], "{name}");
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_auth_no_priv_matches_real_snmp_ups() {
    compare(
        "vs-real-authnopriv",
        &[
            ("mibs", "auto"),
            ("snmp_version", "v3"),
            ("secLevel", "authNoPriv"),
            ("secName", "nutauth"),
            ("authPassword", "authpass123"),
            ("authProtocol", "SHA"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_auth_priv_des_with_default_protocols_matches_real_snmp_ups() {
    compare(
        "vs-real-des",
        &[
            ("mibs", "auto"),
            ("snmp_version", "v3"),
            ("secLevel", "authPriv"),
            ("secName", "nutdes"),
            ("authPassword", "authpass123"),
            ("privPassword", "privpass123"),
        ],
    )
    .await;
}
