//! Our `snmp-ups` binary against the real NUT 2.8.0 `snmp-ups`, whole program against whole
//! program: each runs with `-a` from the same `ups.conf` against snmpsim serving the same
//! recording, feeds the REAL upsd, and the real `upsc` must show the same variables,
//! `driver.*` included, apart from `ALLOWED` (docs/DIFFERENCES.md rows 56, 61 and 63).

#[path = "../../nut-hal/tests/snmpsim/mod.rs"]
mod snmpsim;

use std::collections::BTreeMap;

use nut_tests::realnut::{NUT_BIN, wait_until};
use nut_tests::realqx::RealNut;

/// Variables allowed to differ, and why: all from our mapping tables being from a later NUT
/// commit (DIFFERENCES row 56).
const ALLOWED: &[(&str, &str)] = &[
    (
        "driver.version.data",
        "later mapping versions (tripplite 1.55, cyberpower 0.56)",
    ),
    ("input.transfer.reason", "later cyberpower-mib maps it"),
    (
        "ups.status",
        "on CyberPower only: later cyberpower-mib gives OL, 2.8.0 nothing",
    ),
    (
        "battery.current",
        "on Riello only: later ietf-mib makes the row SU_FLAG_NEGINVALID, -1 is dropped",
    ),
    (
        "input.current",
        "on Riello only: later ietf-mib makes the row SU_FLAG_NEGINVALID, -1 is dropped",
    ),
];

fn upsc(program: &str, port: &str, community: &str, allowed: &[&str]) -> BTreeMap<String, String> {
    let extra = [
        ("community".to_string(), community.to_string()),
        ("mibs".to_string(), "auto".to_string()),
    ];
    let nut = RealNut::start_program(program, "snmp-ups", port, &extra);
    let mut all = nut.first_poll(program);
    all.retain(|name, _| !allowed.contains(&name.as_str()));
    all
}

#[test]
fn riello_with_a_model_shows_the_same_through_the_real_upsd() {
    let sim = snmpsim::start_sim("programs-riello", &["riello-model.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let allowed = [ALLOWED[0].0, ALLOWED[3].0, ALLOWED[4].0];
    let real = upsc(
        &format!("{NUT_BIN}/snmp-ups"),
        &port,
        "riello-model",
        &allowed,
    );
    let ours = upsc(
        env!("CARGO_BIN_EXE_snmp-ups"),
        &port,
        "riello-model",
        &allowed,
    );
    assert_eq!(
        real.get("ups.model").map(String::as_str),
        Some("Netman 204 test model")
    );
    assert_eq!(ours, real);
}

#[test]
fn cyberpower_shows_the_same_through_the_real_upsd() {
    let sim = snmpsim::start_sim("programs-cyberpower", &["librenms-cyberpower.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let allowed: Vec<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    let community = "librenms-cyberpower";
    let real = upsc(&format!("{NUT_BIN}/snmp-ups"), &port, community, &allowed);
    let ours = upsc(env!("CARGO_BIN_EXE_snmp-ups"), &port, community, &allowed);
    assert_eq!(
        real.get("ups.model").map(String::as_str),
        Some("OL2200RTXL2U")
    );
    assert_eq!(ours, real);
}

#[test]
fn eaton_xups_outlets_ambient_phases_and_alarms_show_the_same_through_the_real_upsd() {
    let sim = snmpsim::start_sim("programs-eaton", &["eaton-xups-3phase.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let allowed = [ALLOWED[0].0];
    let community = "eaton-xups-3phase";
    let real = upsc(&format!("{NUT_BIN}/snmp-ups"), &port, community, &allowed);
    let ours = upsc(env!("CARGO_BIN_EXE_snmp-ups"), &port, community, &allowed);
    assert_eq!(
        real.get("ups.alarm").map(String::as_str),
        Some("high temperature warning! Output overload! On bypass!")
    );
    // 2.8.0 also offers the composite commands its start-up adds whenever the mapping has
    // `load.off.delay` / `load.on.delay` rows, answered or not; we do not offer them
    // (docs/DIFFERENCES.md, snmp-ups composite commands).
    let mut real = real;
    if let Some(commands) = real.get_mut("(instcmds)") {
        let composite = ["load.off", "load.on", "shutdown.return", "shutdown.stayoff"];
        let kept: Vec<&str> = commands
            .split(' ')
            .filter(|c| !composite.contains(c))
            .collect();
        assert_eq!(
            commands.split(' ').count() - kept.len(),
            composite.len(),
            "the composite commands are all there: {commands}"
        );
        *commands = kept.join(" ");
    }
    assert_eq!(ours, real);
}

#[path = "../../nut-drivers/tests/snmpd/mod.rs"]
mod snmpd;

/// Writable variables, program against program through the real upsd, both against a
/// net-snmp `snmpd` posing as an RFC 1628 UPS (community `private`, read-write): `upsrw`
/// lists the same variables with the same types; a SET of `device.contact` works through
/// both; a SET of the INTEGER-held text row `ups.timer.shutdown` fails with 2.8.0
/// (`wrongType`) and works with ours (docs/DIFFERENCES.md row 63).
#[test]
fn writable_variables_and_sets_through_the_real_upsd() {
    let agent = snmpd::start("programs-rw");
    let port = agent.address();
    let extra = [
        ("community".to_string(), "private".to_string()),
        ("snmp_version".to_string(), "v2c".to_string()),
        ("mibs".to_string(), "ietf".to_string()),
    ];
    let real = RealNut::start_program(&format!("{NUT_BIN}/snmp-ups"), "snmp-ups", &port, &extra);
    let ours = RealNut::start_program(env!("CARGO_BIN_EXE_snmp-ups"), "snmp-ups", &port, &extra);
    let listed = real.writable();
    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        [
            "device.contact",
            "device.description",
            "device.location",
            "ups.timer.shutdown",
            "ups.timer.start"
        ]
    );
    assert_eq!(ours.writable(), listed);
    for (nut, who) in [(&real, "real"), (&ours, "ours")] {
        let contact = format!("ops-{who}");
        assert!(
            nut.upsrw_answer("device.contact", &contact)
                .contains("SUCCESS"),
            "{who}: device.contact"
        );
        wait_until(
            || nut.read_all().get("device.contact") == Some(&contact),
            &format!("{who}: the new contact shown"),
        );
    }
    // upsrw exits 0 either way; its answer tells.
    assert!(
        real.upsrw_answer("ups.timer.shutdown", "30")
            .contains("ERR FAILED"),
        "2.8.0 sends an OCTET STRING"
    );
    assert!(
        ours.upsrw_answer("ups.timer.shutdown", "30")
            .contains("SUCCESS"),
        "ours sends the INTEGER"
    );
    wait_until(
        || {
            ours.read_all()
                .get("ups.timer.shutdown")
                .map(String::as_str)
                == Some("30")
        },
        "the timer shown by ours",
    );
}
