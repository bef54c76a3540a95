//! Our `snmp-ups` binary against the real NUT 2.8.0 `snmp-ups`, whole program against whole
//! program: each runs with `-a` from the same `ups.conf` against snmpsim serving the same
//! recording, feeds the REAL upsd, and the real `upsc` must show the same variables,
//! `driver.*` included, apart from `ALLOWED` (docs/DIFFERENCES.md rows 56-57).

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
    // upsd shows `WAIT` until the driver's first poll is in.
    wait_until(
        || {
            nut.read_all()
                .get("ups.status")
                .is_some_and(|s| s != "WAIT")
        },
        &format!("{program}: a status other than WAIT"),
    );
    let mut all = nut.read_all();
    // The instant commands (`upscmd -l`) as one more line to compare.
    all.insert("(instcmds)".into(), nut.commands().join(" "));
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
