//! Our `snmp-ups` binary against the real NUT 2.8.0 `snmp-ups`, whole program against whole
//! program: each runs with `-a` from the same `ups.conf` against snmpsim serving the same
//! recording, feeds the REAL upsd, and the real `upsc` must show the same variables,
//! `driver.*` included, apart from `ALLOWED` (docs/DIFFERENCES.md rows 56, 61 and 63).

#[path = "../../nut-hal/tests/snmpsim/mod.rs"]
mod snmpsim;

use std::collections::BTreeMap;

use nut_tests::realnut::{NUT_BIN, wait_until};
use nut_tests::realqx::{RealNut, kill_power_program};

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
    let extra = auto_with(community, &[]);
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
    // The composite commands 2.8.0's start-up adds from the `load.*.delay` rows, answered
    // or not, are offered by both.
    let commands = real.get("(instcmds)").cloned().unwrap_or_default();
    for composite in ["load.off", "load.on", "shutdown.return", "shutdown.stayoff"] {
        assert!(commands.split(' ').any(|c| c == composite), "{commands}");
    }
    assert_eq!(ours, real);
}

/// ups.conf settings for `mibs=auto` with `community` and `more`.
fn auto_with(community: &str, more: &[(&str, &str)]) -> Vec<(String, String)> {
    [("community", community), ("mibs", "auto")]
        .iter()
        .chain(more)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The SETs snmpsim logged after line `from` of its log, as `OID=<value>`.
fn sets_logged(sim: &snmpsim::Sim, from: usize) -> Vec<String> {
    sim.log()
        .lines()
        .skip(from)
        .filter(|l| l.ends_with(", SET"))
        .filter_map(|l| {
            let binds = l.split("Request var-binds: ").nth(1)?;
            Some(binds.trim_end_matches(", flags: EXACT, SET").to_string())
        })
        .collect()
}

/// The hand-made MGE agent (`mge-delays.snmprec`: the RFC 1628 delay objects writable
/// through snmpsim's `writecache`): both programs offer the same commands through the real
/// upsd, carry out `load.off.delay` alike (refused without a value, the value SET as given);
/// the composite `shutdown.return` 2.8.0 answers unknown, ours carries it out as NUT's
/// composite commands did (docs/DIFFERENCES.md row 61).
#[test]
fn mge_delay_and_composite_commands_through_the_real_upsd() {
    let sim = snmpsim::start_sim("programs-mge", &["mge-delays.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    // Our later mge-mib's default maker is `EATON`, 2.8.0's `Eaton` (DIFFERENCES row 56).
    let allowed = [ALLOWED[0].0, "ups.mfr", "device.mfr"];
    let real = upsc(
        &format!("{NUT_BIN}/snmp-ups"),
        &port,
        "mge-delays",
        &allowed,
    );
    let ours = upsc(
        env!("CARGO_BIN_EXE_snmp-ups"),
        &port,
        "mge-delays",
        &allowed,
    );
    assert_eq!(
        real.get("(instcmds)").map(String::as_str),
        Some("load.off load.off.delay load.on load.on.delay shutdown.return shutdown.stayoff")
    );
    assert_eq!(ours, real);
    let extra = auto_with("mge-delays", &[]);
    let lines = || sim.log().lines().count();
    for (program, composite_works) in [
        (format!("{NUT_BIN}/snmp-ups"), false),
        (env!("CARGO_BIN_EXE_snmp-ups").to_string(), true),
    ] {
        let nut = RealNut::start_program(&program, "snmp-ups", &port, &extra);
        // upsd may show the status before the driver's command list has reached it.
        wait_until(
            || nut.commands().iter().any(|c| c == "shutdown.return"),
            &format!("{program}: the commands listed"),
        );
        let from = lines();
        assert_eq!(
            nut.upscmd_answer("load.off.delay", None),
            "ERR INVALID-ARGUMENT",
            "{program}: no value"
        );
        assert_eq!(
            nut.upscmd_answer("load.off.delay", Some("7")),
            "SUCCESS",
            "{program}"
        );
        assert_eq!(
            sets_logged(&sim, from),
            ["1.3.6.1.2.1.33.1.8.2.0=<7>"],
            "{program}"
        );
        let from = lines();
        assert_eq!(
            nut.upscmd_answer("shutdown.return", None),
            if composite_works {
                "SUCCESS"
            } else {
                "ERR UNKNOWN"
            },
            "{program}"
        );
        let expected: &[&str] = if composite_works {
            &[
                "1.3.6.1.2.1.33.1.8.5.0=<1>",
                "1.3.6.1.2.1.33.1.8.3.0=<30>",
                "1.3.6.1.2.1.33.1.8.2.0=<20>",
            ]
        } else {
            &[]
        };
        assert_eq!(sets_logged(&sim, from), expected, "{program}");
    }
}

/// Kill power (`-k`) with `ondelay`/`offdelay` on the MGE agent: 2.8.0 SETs the delays as
/// OCTET STRINGs (refused), finds none of shutdown.return, shutdown.reboot, load.off.delay
/// usable without its start-up and fails; ours carries out the composite shutdown.return
/// with those delays (docs/DIFFERENCES.md row 61).
#[test]
fn mge_kill_power_real_fails_ours_uses_the_composite_shutdown_return() {
    let sim = snmpsim::start_sim("programs-mge-k", &["mge-delays.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let extra = auto_with("mge-delays", &[("ondelay", "40"), ("offdelay", "25")]);
    let from = sim.log().lines().count();
    let (ok, log) = kill_power_program(&format!("{NUT_BIN}/snmp-ups"), "snmp-ups", &port, &extra);
    assert!(!ok, "2.8.0 cannot shut this agent down: {log}");
    assert!(
        sets_logged(&sim, from)
            .iter()
            .all(|set| !set.starts_with("1.3.6.1.2.1.33.1.8.5.0")),
        "2.8.0 never reaches a shutdown command"
    );
    let from = sim.log().lines().count();
    let (ok, log) = kill_power_program(env!("CARGO_BIN_EXE_snmp-ups"), "snmp-ups", &port, &extra);
    assert!(ok, "{log}");
    assert_eq!(
        sets_logged(&sim, from),
        [
            "1.3.6.1.2.1.33.1.8.5.0=<1>",
            "1.3.6.1.2.1.33.1.8.3.0=<40>",
            "1.3.6.1.2.1.33.1.8.2.0=<25>",
        ]
    );
}

/// The real 2.8.0 snmp-ups and ours (`mibs=auto`, `community`) each behind the real upsd,
/// once both list `writable` as a writable variable.
fn both_listing(port: &str, community: &str, writable: &str) -> (RealNut, RealNut) {
    let extra = auto_with(community, &[]);
    let real = RealNut::start_program(&format!("{NUT_BIN}/snmp-ups"), "snmp-ups", port, &extra);
    let ours = RealNut::start_program(env!("CARGO_BIN_EXE_snmp-ups"), "snmp-ups", port, &extra);
    for (nut, who) in [(&real, "real"), (&ours, "ours")] {
        wait_until(
            || nut.writable().contains_key(writable),
            &format!("{who}: {writable} listed as writable"),
        );
    }
    (real, ours)
}

/// Writable outlet instances (`outlet.N.desc`, `outlet.N.status` of the apc_pdu mapping):
/// `upsrw` lists the same variables, types and enumerations for both programs, and a SET
/// the (read-only) agent refuses is answered alike.
#[test]
fn apc_pdu_writable_outlets_through_the_real_upsd() {
    let sim = snmpsim::start_sim("programs-apc-rw", &["apc-rpdu-outlets.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let (real, ours) = both_listing(&port, "apc-rpdu-outlets", "outlet.4.status");
    let listed = real.writable();
    for n in 1..=4 {
        assert!(
            listed.contains_key(&format!("outlet.{n}.desc")),
            "{listed:?}"
        );
        assert!(
            listed.contains_key(&format!("outlet.{n}.status")),
            "{listed:?}"
        );
    }
    assert_eq!(ours.writable(), listed);
    assert_eq!(
        ours.upsrw_answer("outlet.1.desc", "Web"),
        real.upsrw_answer("outlet.1.desc", "Web")
    );
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

/// A daisy chain of two Eaton ePDUs with an EMP sensor on the master (`eaton_epdu`,
/// `device.count` 2): the same `device.N.*` variables and outlet commands through the real
/// upsd; `upsrw` lists the same writable variables (`device.N.outlet.desc` of the
/// `SU_FLAG_ABSENT` RW row included).
#[test]
fn eaton_epdu_daisy_chain_through_the_real_upsd() {
    let sim = snmpsim::start_sim("programs-epdu-daisy", &["eaton-epdu-daisy-emp.snmprec"]);
    let port = format!("127.0.0.1:{}", sim.port);
    let community = "eaton-epdu-daisy-emp";
    // 2.8.0's driver core turned `synchronous=auto` into `yes` here (seen: with this many
    // variables its socket writes to upsd would block); not a daisy-chain matter.
    let allowed = ["driver.parameter.synchronous"];
    let real = upsc(&format!("{NUT_BIN}/snmp-ups"), &port, community, &allowed);
    let ours = upsc(env!("CARGO_BIN_EXE_snmp-ups"), &port, community, &allowed);
    assert_eq!(
        real.get("device.model").map(String::as_str),
        Some("daisychain pdu (1+1)")
    );
    assert!(
        real.get("(instcmds)")
            .is_some_and(|c| c.contains("device.2.outlet.2.load.off")),
        "{real:?}"
    );
    assert_eq!(ours, real);
    let (real, ours) = both_listing(&port, community, "device.2.outlet.2.desc");
    let listed = real.writable();
    assert!(listed.contains_key("device.2.outlet.desc"), "{listed:?}");
    assert_eq!(ours.writable(), listed);
}
