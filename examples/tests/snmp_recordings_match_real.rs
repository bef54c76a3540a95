//! Issue #8: every recording of `../shared/research-data/snmp` (copied with its attribution
//! to nut-drivers/tests/fixtures/snmp) served by snmpsim on 127.0.0.1, our `snmp-ups` program
//! against the real NUT 2.8.0 `snmp-ups`, each behind the real upsd and read with the real
//! `upsc` (`driver.*` and the instant commands included). One test per recording, named after
//! it. Every difference is listed in the test with the value each side publishes and why
//! (docs/DIFFERENCES.md rows 56 and 77-79); a difference that goes away fails the test too.
//!
//! Three recordings are refused by 2.8.0 whatever `mibs=` says (no model OID answers): both
//! programs must refuse them the same way, and their values are compared on the recording plus
//! the one model line the mapping a user would force needs (`eatonups-model`, `netagent2-model`,
//! see the fixtures' SOURCES.md). The two APC dumps (`*.dev`, real Smart-UPS 1000 / 5000 RM)
//! are served as agents built by `scripts/snmp/apcc_dump_to_snmprec.py`, and both programs
//! must give back the dump's variables.

#[path = "../../nut-hal/tests/snmpsim/mod.rs"]
mod snmpsim;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use nut_tests::realnut::NUT_BIN;
use nut_tests::realqx::RealNut;

/// One expected difference: (variable, what the real 2.8.0 shows, what ours shows).
type Expected = (&'static str, Option<&'static str>, Option<&'static str>);

const OURS: &str = env!("CARGO_BIN_EXE_snmp-ups");

fn real() -> String {
    format!("{NUT_BIN}/snmp-ups")
}

/// What the real `upsc` (and `upscmd -l`, as the line `(instcmds)`) shows for `program`
/// driving `community` with `mibs`, behind the real upsd.
fn upsc(program: &str, port: &str, community: &str, mibs: &str) -> BTreeMap<String, String> {
    let extra = [
        ("community".to_string(), community.to_string()),
        ("mibs".to_string(), mibs.to_string()),
    ];
    RealNut::start_program(program, "snmp-ups", port, &extra).first_poll(program)
}

/// The expected differences as [`nut_tests::differences`] gives them.
fn owned(expected: &[Expected]) -> Vec<nut_tests::Difference> {
    expected
        .iter()
        .map(|(name, a, b)| {
            (
                name.to_string(),
                a.map(str::to_string),
                b.map(str::to_string),
            )
        })
        .collect()
}

/// Both programs on `file` with `mibs`; their differences must be exactly `expected`.
/// Returns the real 2.8.0's view.
fn compare(file: &str, mibs: &str, expected: &[Expected]) -> BTreeMap<String, String> {
    let stem = file.trim_end_matches(".snmprec");
    let sim = snmpsim::start_sim(&format!("recordings-{stem}"), &[file]);
    let port = format!("127.0.0.1:{}", sim.port);
    let real = upsc(&real(), &port, stem, mibs);
    let ours = upsc(OURS, &port, stem, mibs);
    let found = nut_tests::differences(&real, &ours, &[]);
    assert_eq!(found, owned(expected), "{file} mibs={mibs}: real {real:#?}");
    real
}

/// Runs `program -s ups -x port=… -x community=… -x mibs=… -d 1` on `file` and returns
/// whether it dumped the UPS (exit 0) and its log.
fn dump_once(program: &str, port: &str, community: &str, mibs: &str) -> (bool, String) {
    let output = Command::new(program)
        .args(["-s", "ups", "-d", "1"])
        .args(["-x", &format!("port={port}")])
        .args(["-x", &format!("community={community}")])
        .args(["-x", &format!("mibs={mibs}")])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Both programs refuse `file` with every `mibs` value: 2.8.0 says "No supported device
/// detected" for `auto` and "did not match this device" for a forced mapping, ours a typed
/// not-supported error with the same words.
fn both_refuse(file: &str, mibs: &[&str]) {
    let stem = file.trim_end_matches(".snmprec");
    let sim = snmpsim::start_sim(&format!("refused-{stem}"), &[file]);
    let port = format!("127.0.0.1:{}", sim.port);
    for m in mibs {
        let (real_ok, real_log) = dump_once(&real(), &port, stem, m);
        let (ours_ok, ours_log) = dump_once(OURS, &port, stem, m);
        assert!(!real_ok, "2.8.0 read {file} with mibs={m}: {real_log}");
        assert!(!ours_ok, "we read {file} with mibs={m}: {ours_log}");
        let (real_says, ours_says) = match *m {
            "auto" => ("No supported device detected", "no mapping fits this agent"),
            _ => ("did not match this device", "did not match this device"),
        };
        assert!(real_log.contains(real_says), "2.8.0, mibs={m}: {real_log}");
        assert!(ours_log.contains(ours_says), "ours, mibs={m}: {ours_log}");
    }
}

/// `driver.version.data`: 2.8.0's mapping version against our later table's (row 56).
fn version(real: &'static str, ours: &'static str) -> Expected {
    ("driver.version.data", Some(real), Some(ours))
}

#[test]
fn librenms_cyberpower() {
    let real = compare(
        "librenms-cyberpower.snmprec",
        "auto",
        &[
            version("cyberpower MIB 0.51", "cyberpower MIB 0.56"),
            // Row 56: the later cyberpower-mib maps upsAdvanceInputLineFailCause and gives
            // OL for onLine(2); 2.8.0 publishes an empty status.
            ("input.transfer.reason", None, Some("noTransfer")),
            ("ups.status", Some(""), Some("OL")),
        ],
    );
    assert_eq!(
        real.get("ups.model").map(String::as_str),
        Some("OL2200RTXL2U")
    );
}

#[test]
fn librenms_deltaups() {
    let real = compare(
        "librenms-deltaups.ups-subset.snmprec",
        "auto",
        &[version("delta_ups MIB 0.5", "delta_ups MIB 0.51")],
    );
    // No power-status object in the recording: 2.8.0 publishes an empty status, so do we.
    assert_eq!(real.get("ups.status").map(String::as_str), Some(""));
}

/// The verbatim Riello recording has no `upsIdentModel`: both refuse it. Its values are
/// compared on `riello-model` (the recording plus that line).
#[test]
fn librenms_riello() {
    both_refuse("librenms-riello.ups-subset.snmprec", &["auto", "ietf"]);
    compare(
        "riello-model.snmprec",
        "ietf",
        &[
            // Row 56: the later ietf-mib makes these rows SU_FLAG_NEGINVALID, the -1 read
            // (2.8.0: -0.10) is dropped.
            ("battery.current", Some("-0.10"), None),
            version("ietf MIB 1.54", "ietf MIB 1.55"),
            ("input.current", Some("-0.10"), None),
        ],
    );
}

/// ConnectUPS card (sysObjectID .534.1, XUPS-MIB): its OIDs are those of the `pw` mapping
/// (`eaton_pw_nm2` in the later tables; 2.8.0's name `pw` is accepted, row 77), but the
/// recording has no `xupsIdentModel`, so both refuse it, forced or not. With that one line
/// added both read it, `mibs=pw` and `mibs=auto` alike.
#[test]
fn librenms_eatonups() {
    both_refuse(
        "librenms-eatonups.ups-subset.snmprec",
        &["auto", "pw", "pxgx_ups", "ietf"],
    );
    for mibs in ["pw", "auto"] {
        let real = compare(
            "eatonups-model.snmprec",
            mibs,
            // Both offer the composite commands of the mapping's delay rows although the
            // agent answers none of their OIDs (row 61).
            &[version("pw MIB 0.104", "eaton_pw_nm2 MIB 0.106")],
        );
        assert_eq!(real.get("battery.charge").map(String::as_str), Some("100"));
    }
}

/// Megatec NET Agent II (sysObjectID .935, PPC MIB): its OIDs are the `xppc` mapping's, but
/// without `upsBaseIdentModel` both refuse it. With that line added both read it.
#[test]
fn librenms_netagent2() {
    both_refuse("librenms-netagent2.snmprec", &["auto", "xppc", "ietf"]);
    for mibs in ["xppc", "auto"] {
        let real = compare(
            "netagent2-model.snmprec",
            mibs,
            &[
                version("xppc MIB 0.4", "xppc MIB 0.41"),
                // Row 56: the later xppc-mib (0.41) maps upsSmartInputFrequency.
                ("input.frequency", None, Some("50")),
            ],
        );
        assert_eq!(real.get("ups.load").map(String::as_str), Some("44"));
    }
}

/// PowerWalker NMC (.935.10.1 tree): no mapping of 2.8.0 or of the later tables reads that
/// tree (only the system group is common), and the model OID of every mapping is absent:
/// refused whatever `mibs` is, by both.
#[test]
fn librenms_powerwalker() {
    both_refuse(
        "librenms-powerwalker.snmprec",
        &["auto", "xppc", "ietf", "pw", "netvision"],
    );
}

/// `name: value` lines of a NUT `.dev` dump, without comments (a trailing `\t#…` is the
/// contributor's note).
fn dev_dump(file: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(snmpsim::fixtures().join(file)).expect("dump");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| {
            let v = v.split("\t#").next().unwrap_or(v);
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The agent built from `dev` served as `agent`: both programs through the real upsd,
/// compared with each other (`expected` differences) and with the dump (`from_dump`:
/// (variable, the dump's value, what 2.8.0 shows)); `driver.*` and `device.type` are left out
/// of the dump comparison (they describe the program that made the dump).
fn apc_dump(agent: &str, dev: &str, expected: &[Expected], from_dump: &[Expected]) {
    let real = compare(agent, "auto", expected);
    let dump = dev_dump(dev);
    let keep = |name: &String| !name.starts_with("driver.") && name != "device.type";
    let dump: BTreeMap<String, String> = dump.into_iter().filter(|(n, _)| keep(n)).collect();
    let shown: BTreeMap<String, String> = real
        .into_iter()
        .filter(|(n, _)| keep(n) && n != "(instcmds)")
        .collect();
    let found = nut_tests::differences(&dump, &shown, &[]);
    assert_eq!(found, owned(from_dump), "{agent}: dump against 2.8.0");
}

/// NUT snmp-ups dump of a real APC Smart-UPS 1000 (AP9617, nut-ddl).
#[test]
fn apc_smartups_1000_dump() {
    apc_dump(
        "apc-smartups-1000.snmprec",
        "APC__Smart-UPS_1000__snmp-ups__2.7.4__02.dev",
        &[version("apcc MIB 1.6", "apcc MIB 1.61")],
        &[
            // The dump was made by a 2.7.4 development build (apcc MIB 1.3); 2.8.0's row
            // multiplies the seconds of upsAdvConfigShutoffDelay by 3 (its length field), so
            // no agent value gives 20: the generator's 7 s show as 21.
            ("ups.delay.shutdown", Some("20"), Some("21")),
        ],
    );
}

/// NUT 2.8.0 snmp-ups dump of a real APC Smart-UPS 5000 RM (AP9630, nut-ddl).
#[test]
fn apc_smartups_5000rm_dump() {
    apc_dump(
        "apc-smartups-5000rm.snmprec",
        "APC__Smart-UPS_5000_RM__snmp-ups__2.8.0__01.dev",
        // A sysLocation that is not ASCII (row 78): both publish net-snmp's hex display of the
        // bytes.
        &[version("apcc MIB 1.6", "apcc MIB 1.61")],
        &[
            // net-snmp's hex display ends with a space; the dump's line (edited by its
            // contributor, it carries a `#BAD` note) does not.
            (
                "device.location",
                Some("D0 A1 D0 B5 D1 80 D0 B2 D0 B5 D1 80 D0 BD D0 B0 D1 8F"),
                Some("D0 A1 D0 B5 D1 80 D0 B2 D0 B5 D1 80 D0 BD D0 B0 D1 8F "),
            ),
        ],
    );
}

/// The committed APC agents are what `scripts/snmp/apcc_dump_to_snmprec.py` makes of the
/// committed dumps (their provenance, fixtures' SOURCES.md). Needs `python3`.
#[test]
fn apc_agents_are_generated_from_the_dumps() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts/snmp/apcc_dump_to_snmprec.py");
    for (agent, dev) in [
        (
            "apc-smartups-1000.snmprec",
            "APC__Smart-UPS_1000__snmp-ups__2.7.4__02.dev",
        ),
        (
            "apc-smartups-5000rm.snmprec",
            "APC__Smart-UPS_5000_RM__snmp-ups__2.8.0__01.dev",
        ),
    ] {
        let output = Command::new("python3")
            .arg(&script)
            .arg(snmpsim::fixtures().join(dev))
            .arg(".1.3.6.1.4.1.318.1.3.2.12")
            .output()
            .unwrap_or_else(|e| panic!("cannot run python3 (install Debian's python3): {e}"));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let committed = std::fs::read(snmpsim::fixtures().join(agent)).expect("agent");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&committed),
            "{agent}: regenerate it (fixtures' SOURCES.md)"
        );
    }
}
