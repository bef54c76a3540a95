//! Interop in real time (issue #5): our upsmon and Debian's upsmon 2.8.0, same `upsmon.conf`,
//! each against a real upsd fed by the real dummy-ups playing the same `.seq` file, give the
//! same NOTIFYTYPE sequence and the same shutdown decision (SHUTDOWNCMD run, POWERDOWNFLAG
//! written with upsmon's magic text, which `upsmon -K` of both recognises); and the real
//! upsmon against our upsd behaves as against the real upsd. Scenarios are short (POLLFREQ
//! 1, DEADTIME 3) so CI stays fast.

use std::path::{Path, PathBuf};
use std::process::Command;

use nut_tests::realnut::{
    NUT_BIN, Sandbox, free_port, start_our_upsd, wait_or_explain, wait_until,
};

// Each sequence stays on line for 8 s first: upsmon starts once upsd has the data, and the
// real upsmon waits 5 s after its first poll whatever POLLFREQ says.

/// A power cut: on line, then on battery, then low battery (and it stays so).
const OUTAGE: &str =
    "ups.status: OL\nTIMER 8\nups.status: OB DISCHRG\nTIMER 2\nups.status: OB LB\nTIMER 600\n";
/// A UPS on line for good.
const ON_LINE: &str = "ups.status: OL\nTIMER 600\n";
/// On battery, for good (the driver will be stopped).
const ON_BATTERY: &str = "ups.status: OL\nTIMER 8\nups.status: OB DISCHRG\nTIMER 600\n";

/// Which upsmon and which upsd.
#[derive(Clone, Copy, Debug)]
enum Side {
    /// Debian's upsmon against Debian's upsd.
    Real,
    /// Our upsmon (privileged parent + child) against Debian's upsd.
    Ours,
    /// Our upsmon as one process (`-p`) against Debian's upsd.
    OursSingle,
    /// Debian's upsmon against our upsd.
    RealOnOurUpsd,
    /// Our upsmon (`-p`) with `SHUTDOWNEXIT no` against Debian's upsd.
    OursStaying,
}

struct Run {
    sandbox: Sandbox,
    port: u16,
    /// The upsmon started (in split mode, the privileged parent).
    upsmon: u32,
}

impl Run {
    fn path(&self, name: &str) -> PathBuf {
        self.sandbox.state().join(name)
    }

    /// NOTIFYTYPE of each notification so far, in order.
    fn notes(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("notify.log"))
            .unwrap_or_default()
            .lines()
            .map(|line| line.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    }

    /// What was noted and logged, for a failure message.
    fn explain(&self) -> String {
        format!("notes: {:?}\n{}", self.notes(), self.sandbox.group_logs())
    }

    fn shut_down(&self) -> bool {
        self.path("shutdown.marker").exists()
    }
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("script");
    let _ = Command::new("chmod").arg("755").arg(path).status();
}

/// Sets up one side: driver with `sequence`, upsd, upsmon with `role`.
fn start(side: Side, name: &str, sequence: &str, role: &str) -> Run {
    let mut sandbox = Sandbox::new(name);
    // Written beside etc/, where configure_devices copies it.
    let seq = sandbox.state().join("power.seq");
    std::fs::write(&seq, sequence).expect("seq");
    sandbox.configure_devices(&[("ups".to_string(), seq)]);
    sandbox.start_real_driver("ups");
    let port = free_port();
    match side {
        Side::RealOnOurUpsd => {
            start_our_upsd(&sandbox, port, |_| {});
        }
        _ => sandbox.start_real_upsd(port),
    }
    let target = format!("ups@127.0.0.1:{port}");
    wait_until(
        || sandbox.client("upsc", &[&target, "ups.status"]).stdout == b"OL\n",
        "upsd has the driver's data",
    );
    let state = sandbox.state();
    write_script(
        &sandbox.etc().join("notify.sh"),
        &format!(
            "echo \"$NOTIFYTYPE $UPSNAME $*\" >> {}/notify.log",
            state.display()
        ),
    );
    write_script(
        &sandbox.etc().join("shutdown.sh"),
        &format!("echo SHUTDOWNCMD >> {}/shutdown.marker", state.display()),
    );
    let (user, pass) = if role == "primary" {
        ("monuser", "monpass")
    } else {
        ("monsec", "secpass")
    };
    let mut conf = format!(
        "RUN_AS_USER root\nMONITOR ups@127.0.0.1:{port} 1 {user} {pass} {role}\nMINSUPPLIES 1\n\
         SHUTDOWNCMD \"{etc}/shutdown.sh\"\nNOTIFYCMD \"{etc}/notify.sh\"\nPOLLFREQ 1\nPOLLFREQALERT 1\n\
         HOSTSYNC 3\nDEADTIME 3\nNOCOMMWARNTIME 300\nFINALDELAY 0\nPOWERDOWNFLAG {state}/killpower\n",
        etc = sandbox.etc().display(),
        state = state.display(),
    );
    for kind in [
        "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "REPLBATT",
        "NOCOMM", "NOPARENT", "CAL",
    ] {
        conf.push_str(&format!("NOTIFYFLAG {kind} SYSLOG+EXEC\n"));
    }
    if let Side::OursStaying = side {
        conf.push_str("SHUTDOWNEXIT no\n");
    }
    sandbox.write("upsmon.conf", &conf);
    let real = format!("{NUT_BIN}/upsmon");
    let ours = env!("CARGO_BIN_EXE_upsmon");
    let upsmon = match side {
        Side::Real | Side::RealOnOurUpsd => sandbox.spawn_group(&real, &["-p", "-F"]),
        Side::Ours => sandbox.spawn_group(ours, &["-F"]),
        Side::OursSingle | Side::OursStaying => sandbox.spawn_group(ours, &["-p", "-F"]),
    };
    Run {
        sandbox,
        port,
        upsmon,
    }
}

/// Debian's upsmon always uses /run/nut/upsmon.pid and refuses to start while another one
/// runs: scenarios that run it take turns.
static REAL_UPSMON: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The sides of one run, holding the real upsmon's turn until they are dropped (the real
/// upsmon stays after its shutdown, so the turn lasts as long as its sandbox).
struct Batch {
    runs: Vec<(Side, Run)>,
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// Runs the scenario on every side given (at most one real upsmon among them), lets `act`
/// do its part on each, and waits until `settled` holds for each.
fn run_sides(
    sides: &[Side],
    name: &str,
    sequence: &str,
    role: &str,
    act: impl Fn(&mut Run),
    settled: impl Fn(&Run) -> bool,
) -> Batch {
    let turn = REAL_UPSMON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut runs: Vec<(Side, Run)> = sides
        .iter()
        .enumerate()
        .map(|(i, &side)| (side, start(side, &format!("{name}-{i}"), sequence, role)))
        .collect();
    for (_, run) in &mut runs {
        act(run);
    }
    for (side, run) in &runs {
        wait_or_explain(
            || settled(run),
            &format!("{name}: {side:?} settles"),
            || run.explain(),
        );
    }
    Batch { runs, _turn: turn }
}

/// Each side's notifications and whether it shut down.
fn outcomes(batch: &Batch) -> Vec<(Side, Vec<String>, bool)> {
    batch
        .runs
        .iter()
        .map(|(side, run)| (*side, run.notes(), run.shut_down()))
        .collect()
}

fn all_alike(results: &[(Side, Vec<String>, bool)]) {
    let (_, first_notes, first_down) = &results[0];
    for (side, notes, down) in results {
        assert_eq!(
            (notes, down),
            (first_notes, first_down),
            "{side:?} differs from {:?}",
            results[0].0
        );
    }
}

#[test]
fn a_power_cut_shuts_down_alike_and_the_powerdown_flag_is_recognised() {
    // The real upsmon against the real upsd, then against ours: one real upsmon at a time.
    let mut results = Vec::new();
    let mut flags = Vec::new();
    for (name, sides) in [
        (
            "upsmon-cut",
            &[Side::Real, Side::Ours, Side::OursSingle][..],
        ),
        ("upsmon-cut-our-upsd", &[Side::RealOnOurUpsd][..]),
    ] {
        let batch = run_sides(sides, name, OUTAGE, "primary", |_| {}, Run::shut_down);
        for (side, run) in &batch.runs {
            let flag = std::fs::read(run.path("killpower")).expect("POWERDOWNFLAG");
            flags.push((*side, flag));
        }
        results.extend(outcomes(&batch));
    }
    // Both `upsmon -K` recognise every flag (checked with no upsmon running: the real one
    // refuses to look while another instance runs).
    let _turn = REAL_UPSMON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("nut-rs-upsmon-k-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let flag_path = dir.join("killpower");
    std::fs::write(
        dir.join("upsmon.conf"),
        format!(
            "MONITOR ups@localhost 1 u p primary\nRUN_AS_USER root\nPOWERDOWNFLAG {}\n",
            flag_path.display()
        ),
    )
    .expect("conf");
    for (side, flag) in &flags {
        assert!(
            flag.starts_with(b"upsmon-shutdown-file"),
            "{side:?}: {flag:?}"
        );
        std::fs::write(&flag_path, flag).expect("flag");
        for program in [
            format!("{NUT_BIN}/upsmon"),
            env!("CARGO_BIN_EXE_upsmon").into(),
        ] {
            let checked = Command::new(&program)
                .arg("-K")
                .env("NUT_CONFPATH", &dir)
                .env("NUT_ALTPIDPATH", &dir)
                .output()
                .expect("upsmon -K");
            assert!(checked.status.success(), "{program} -K on {side:?}'s flag");
        }
    }
    std::fs::write(&flag_path, "something else\n").expect("flag");
    let unset = Command::new(env!("CARGO_BIN_EXE_upsmon"))
        .arg("-K")
        .env("NUT_CONFPATH", &dir)
        .output()
        .expect("upsmon -K");
    assert!(!unset.status.success());
    assert_eq!(results[0].1, ["ONBATT", "LOWBATT", "SHUTDOWN"]);
    all_alike(&results);
}

#[test]
fn power_back_before_low_battery_does_not_shut_down() {
    let sequence = "ups.status: OL\nTIMER 8\nups.status: OB DISCHRG\nTIMER 3\nups.status: OL CHRG\nTIMER 600\n";
    let batch = run_sides(
        &[Side::Real, Side::Ours],
        "upsmon-back",
        sequence,
        "primary",
        |_| {},
        |run| run.notes().len() >= 2,
    );
    let results = outcomes(&batch);
    assert_eq!(results[0].1, ["ONBATT", "ONLINE"]);
    all_alike(&results);
    assert!(results.iter().all(|(_, _, down)| !down));
}

#[test]
fn a_driver_lost_while_on_battery_shuts_down_after_deadtime() {
    let batch = run_sides(
        &[Side::Real, Side::Ours],
        "upsmon-dead",
        ON_BATTERY,
        "primary",
        |run| {
            wait_until(
                || run.notes().first().is_some_and(|n| n == "ONBATT"),
                "on battery",
            );
            run.sandbox.stop_real_driver("ups");
        },
        Run::shut_down,
    );
    let results = outcomes(&batch);
    all_alike(&results);
    assert_eq!(results[0].1.first().map(String::as_str), Some("ONBATT"));
    assert!(results[0].1.contains(&"COMMBAD".to_string()));
    assert_eq!(results[0].1.last().map(String::as_str), Some("SHUTDOWN"));
}

#[test]
fn a_secondary_obeys_the_fsd_set_by_the_primary() {
    let batch = run_sides(
        &[Side::Real, Side::Ours],
        "upsmon-secondary",
        ON_LINE,
        "secondary",
        |run| {
            let target = format!("ups@127.0.0.1:{}", run.port);
            wait_until(
                || {
                    let logins = run.sandbox.client("upsc", &[&target, "ups.status"]);
                    logins.stdout == b"OL\n"
                        && nut_client::blocking::Connection::connect(
                            "127.0.0.1",
                            run.port,
                            Default::default(),
                        )
                        .and_then(|mut c| c.num_logins("ups"))
                        .is_ok_and(|n| n >= 1)
                },
                "secondary logged in",
            );
            let mut admin = nut_client::blocking::Connection::connect(
                "127.0.0.1",
                run.port,
                Default::default(),
            )
            .expect("connect");
            admin.authenticate("admin", "adminpass").expect("auth");
            admin.fsd("ups").expect("FSD");
        },
        Run::shut_down,
    );
    let results = outcomes(&batch);
    assert_eq!(results[0].1, ["FSD", "SHUTDOWN"]);
    all_alike(&results);
}

#[test]
fn a_missing_or_broken_config_and_old_monitor_lines_are_refused() {
    let dir = std::env::temp_dir().join(format!("nut-rs-upsmon-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let run = |conf: Option<&str>| {
        match conf {
            Some(text) => std::fs::write(dir.join("upsmon.conf"), text).expect("write"),
            None => {
                let _ = std::fs::remove_file(dir.join("upsmon.conf"));
            }
        }
        Command::new(env!("CARGO_BIN_EXE_upsmon"))
            .args(["-p", "-F"])
            .env("NUT_CONFPATH", &dir)
            .output()
            .expect("run upsmon")
    };
    let missing = run(None);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("upsmon.conf"));
    let broken = run(Some(
        "MONITOR ups@localhost 1 u p primary\nPOLLFREQ often\n",
    ));
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("upsmon.conf:2:often"), "{stderr}");
    let old = run(Some("MONITOR ups@localhost 1 password primary\n"));
    assert!(!old.status.success());
    assert!(
        String::from_utf8_lossy(&old.stderr)
            .contains("Unable to use old-style MONITOR line without a username")
    );
    let too_little = run(Some("MONITOR ups@localhost 1 u p primary\nMINSUPPLIES 2\n"));
    assert!(!too_little.status.success());
    assert!(String::from_utf8_lossy(&too_little.stderr).contains("less than MINSUPPLIES"));
}

fn logged_in(port: u16) -> bool {
    nut_client::blocking::Connection::connect("127.0.0.1", port, Default::default())
        .and_then(|mut c| c.num_logins("ups"))
        .is_ok_and(|n| n >= 1)
}

#[test]
fn losing_the_privileged_parent_is_reported_as_noparent() {
    let run = start(Side::Ours, "upsmon-noparent", ON_LINE, "primary");
    wait_or_explain(|| logged_in(run.port), "upsmon logged in", || run.explain());
    let killed = Command::new("kill")
        .args(["-KILL", &run.upsmon.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    wait_or_explain(
        || run.notes().iter().any(|n| n == "NOPARENT"),
        "NOPARENT",
        || run.explain(),
    );
    assert!(!run.shut_down());
}

/// Our upsd with a certificate for `localhost` from a CA minted here, and our upsmon told to
/// verify it (CERTVERIFY, CERTPATH) and to refuse clear text (FORCESSL); `ca` picks the CA
/// upsmon trusts. Returns the run once upsmon has had time to connect or fail.
fn tls_run(name: &str, trust_the_right_ca: bool) -> (Sandbox, u16) {
    let mut sandbox = Sandbox::new(name);
    let seq = sandbox.state().join("power.seq");
    std::fs::write(&seq, ON_LINE).expect("seq");
    sandbox.configure_devices(&[("ups".to_string(), seq)]);
    sandbox.start_real_driver("ups");
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("certificate");
    let etc = sandbox.etc();
    std::fs::write(etc.join("upsd.pem"), cert.pem() + &key.serialize_pem()).expect("pem");
    let other_key = rcgen::KeyPair::generate().expect("key");
    let other = rcgen::CertificateParams::new(Vec::<String>::new())
        .expect("params")
        .self_signed(&other_key)
        .expect("other CA");
    let trusted = if trust_the_right_ca {
        ca.pem()
    } else {
        other.pem()
    };
    std::fs::write(etc.join("ca.pem"), trusted).expect("ca");
    sandbox.write(
        "upsd.conf",
        &format!("CERTFILE {}\n", etc.join("upsd.pem").display()),
    );
    let port = free_port();
    start_our_upsd(&sandbox, port, |_| {});
    write_script(
        &etc.join("notify.sh"),
        &format!(
            "echo \"$NOTIFYTYPE\" >> {}/notify.log",
            sandbox.state().display()
        ),
    );
    sandbox.write(
        "upsmon.conf",
        &format!(
            "RUN_AS_USER root\nMONITOR ups@localhost:{port} 1 monuser monpass primary\n\
             NOTIFYCMD \"{etc}/notify.sh\"\nNOTIFYFLAG COMMBAD SYSLOG+EXEC\nPOLLFREQ 1\n\
             CERTPATH {etc}/ca.pem\nCERTVERIFY 1\nFORCESSL 1\n",
            etc = etc.display()
        ),
    );
    sandbox.spawn_group(env!("CARGO_BIN_EXE_upsmon"), &["-p", "-F"]);
    (sandbox, port)
}

#[test]
fn upsmon_verifies_the_server_certificate_per_certverify_and_forcessl() {
    let (good, port) = tls_run("upsmon-tls-good", true);
    wait_or_explain(
        || logged_in(port),
        "upsmon logged in over TLS",
        || good.group_logs(),
    );
    let (bad, port) = tls_run("upsmon-tls-bad", false);
    let notes = bad.state().join("notify.log");
    wait_or_explain(
        || std::fs::read_to_string(&notes).is_ok_and(|n| n.contains("COMMBAD")),
        "COMMBAD with an untrusted certificate",
        || bad.group_logs(),
    );
    assert!(
        !logged_in(port),
        "never logged in without a verified certificate"
    );
    assert!(
        bad.group_logs().contains("TLS failure"),
        "{}",
        bad.group_logs()
    );
}

/// Whether process `pid` still runs (a zombie has ended).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit(')')
                .next()
                .map(|rest| rest.trim_start().to_string())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

#[test]
fn c_fsd_shuts_down_shutdownexit_no_stays_and_c_stop_ends_it() {
    let run = start(Side::OursStaying, "upsmon-control", ON_LINE, "primary");
    wait_or_explain(|| logged_in(run.port), "upsmon logged in", || run.explain());
    let ours = env!("CARGO_BIN_EXE_upsmon");
    let fsd = run.sandbox.client(ours, &["-c", "fsd"]);
    assert!(fsd.status.success(), "{fsd:?}");
    wait_or_explain(|| run.shut_down(), "shutdown on -c fsd", || run.explain());
    assert_eq!(run.notes(), ["SHUTDOWN"]);
    let status = run.sandbox.client(
        "upsc",
        &[&format!("ups@127.0.0.1:{}", run.port), "ups.status"],
    );
    assert_eq!(status.stdout, b"FSD OL\n", "FSD was set on the UPS");
    assert!(running(run.upsmon), "SHUTDOWNEXIT no: upsmon stays");
    let stop = run.sandbox.client(ours, &["-c", "stop"]);
    assert!(stop.status.success(), "{stop:?}");
    wait_or_explain(
        || !running(run.upsmon),
        "upsmon stops on -c stop",
        || run.explain(),
    );
}
