//! Our serial driver binaries against the real NUT 2.8.0 drivers, whole program against
//! whole program: each runs with `-a ups` from the same `ups.conf` on the same simulated UPS
//! (a real pseudo-terminal), feeds the REAL upsd, and the real `upsc` / `upscmd -l` must show
//! the same — every variable, `driver.*` included — through a power cut and back.
//!
//! Differences that remain are listed, each with its reason, in `ALLOWED`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nut_drivers::qx::Dialect;
use nut_drivers::qx::sim::{SimState, Simulator};
use nut_tests::pty::PtyDevice;
use nut_tests::pty_apc::{PtyApc, simulator_from_fixture};
use nut_tests::realnut::{NUT_BIN, Sandbox, wait_or_explain};
use nut_tests::realqx::RealNut;

/// Variables allowed to differ, and why.
const ALLOWED: &[(&str, &str)] = &[
    (
        "driver.version.internal",
        "the family's own version: ours is not NUT's C code",
    ),
    (
        "driver.version.usb",
        "the real binaries are built with libusb; ours reports no USB library for a serial port",
    ),
];

/// Reads until `ready` holds (the driver has polled since the last change), with a deadline.
fn read_when(
    nut: &RealNut,
    what: &str,
    ready: impl Fn(&BTreeMap<String, String>) -> bool,
) -> BTreeMap<String, String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = nut.read_all();
        if ready(&all) {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: upsc never showed it; last: {all:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn status_is(word: &'static str) -> impl Fn(&BTreeMap<String, String>) -> bool {
    move |all| {
        all.get("ups.status")
            .is_some_and(|status| status.split(' ').any(|w| w == word))
    }
}

/// What one driver program shows on line, on battery and back on line, plus its commands.
struct Run {
    on_line: BTreeMap<String, String>,
    on_battery: BTreeMap<String, String>,
    back: BTreeMap<String, String>,
    commands: Vec<String>,
}

fn run_program(
    program: &str,
    driver: &str,
    port: &str,
    extra: &[(String, String)],
    power: &dyn Fn(bool),
) -> Run {
    power(true);
    let nut = RealNut::start_program(program, driver, port, extra);
    let on_line = read_when(&nut, "on line", status_is("OL"));
    let commands = nut.commands();
    power(false);
    let on_battery = read_when(&nut, "on battery", status_is("OB"));
    power(true);
    let back = read_when(&nut, "back on line", status_is("OL"));
    Run {
        on_line,
        on_battery,
        back,
        commands,
    }
}

fn compare_programs(driver: &str, port: &str, extra: &[(String, String)], power: &dyn Fn(bool)) {
    let real = run_program(&format!("{NUT_BIN}/{driver}"), driver, port, extra, power);
    let ours = run_program(
        &std::env::var(format!("CARGO_BIN_EXE_{driver}"))
            .unwrap_or_else(|_| panic!("Cargo sets CARGO_BIN_EXE_{driver} for this test")),
        driver,
        port,
        extra,
        power,
    );
    for (phase, real, ours) in [
        ("on line", &real.on_line, &ours.on_line),
        ("on battery", &real.on_battery, &ours.on_battery),
        ("back on line", &real.back, &ours.back),
    ] {
        let diff = nut_tests::differences(real, ours, ALLOWED);
        assert!(
            diff.is_empty(),
            "{driver}, {phase}: (variable, real, ours) {diff:#?}"
        );
    }
    assert_eq!(real.commands, ours.commands, "{driver}: upscmd -l");
}

fn qx_on_pty(dialect: Dialect) -> (PtyDevice, Arc<Mutex<Simulator>>, String) {
    let mut sim = Simulator::new(dialect);
    sim.state = SimState::default();
    let sim = Arc::new(Mutex::new(sim));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().ok()?.feed(bytes)).expect("pty");
    let port = pty.path().to_str().expect("utf-8 pty path").to_owned();
    (pty, sim, port)
}

fn qx_program_matches(driver: &str, dialect: Dialect, extra: &[(&str, &str)]) {
    let (_pty, sim, port) = qx_on_pty(dialect);
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let power = |on_line: bool| {
        if let Ok(mut sim) = sim.lock() {
            sim.state.on_battery = !on_line;
        }
    };
    compare_programs(driver, &port, &extra, &power);
}

#[test]
fn nutdrv_qx_megatec() {
    qx_program_matches("nutdrv_qx", Dialect::Megatec, &[("protocol", "megatec")]);
}

#[test]
fn nutdrv_qx_detecting_the_dialect() {
    qx_program_matches("nutdrv_qx", Dialect::Megatec, &[]);
}

#[test]
fn blazer_ser() {
    qx_program_matches("blazer_ser", Dialect::Megatec, &[]);
}

#[test]
fn apcsmart() {
    let pty = PtyApc::start(
        "binary",
        simulator_from_fixture("APC__Smart-UPS_1500__apcsmart__2.2.1__01.dev"),
    );
    let port = pty.device().to_str().expect("utf-8 pty path").to_owned();
    let power = |on_line: bool| pty.set_on_battery(!on_line);
    compare_programs("apcsmart", &port, &[], &power);
}

/// `upsd --embed-drivers`: our nutdrv_qx inside our upsd shows what the real nutdrv_qx shows
/// behind the real upsd.
#[test]
fn nutdrv_qx_inside_our_upsd() {
    use nut_tests::realnut::{Sandbox, free_port, wait_for_port};
    let (_pty, _sim, port) = qx_on_pty(Dialect::Megatec);
    let real = {
        let nut = RealNut::start("nutdrv_qx", &port, &[]);
        read_when(&nut, "on line", status_is("OL"))
    };
    let mut sandbox = Sandbox::new("qx-embedded");
    sandbox.write(
        "ups.conf",
        &format!("[qx]\n\tdriver = nutdrv_qx\n\tport = {port}\n\tpollinterval = 1\n"),
    );
    sandbox.write("upsd.users", "");
    let upsd_port = free_port();
    sandbox.write("upsd.conf", &format!("LISTEN 127.0.0.1 {upsd_port}\n"));
    sandbox.spawn_group(env!("CARGO_BIN_EXE_upsd"), &["-F", "--embed-drivers"]);
    wait_for_port(upsd_port);
    let target = format!("qx@127.0.0.1:{upsd_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let ours = loop {
        let output = sandbox.client("/usr/bin/upsc", &[&target]);
        let all: BTreeMap<String, String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        if status_is("OL")(&all) {
            break all;
        }
        assert!(
            Instant::now() < deadline,
            "our upsd never served the embedded driver's data\n{}",
            sandbox.group_logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        !sandbox.state().join("nutdrv_qx-qx").exists(),
        "embedded: no driver socket"
    );
    let diff = nut_tests::differences(&real, &ours, ALLOWED);
    assert!(diff.is_empty(), "(variable, real, ours embedded) {diff:#?}");
}

/// `SIGTERM`: the real apcsmart (started as a service, in the background) leaves smart mode
/// (`R`) on its way out; our binary does the same, then exits with success.
#[test]
fn apcsmart_leaves_smart_mode_on_sigterm() {
    let fixture = "APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev";
    let received_r = |pty: &PtyApc| pty.with_sim(|s| s.received().contains(&b'R'));
    let polled = |pty: &PtyApc| pty.with_sim(|s| s.received().contains(&b'Q'));
    let sigterm = |pid: &str| {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
    };
    let configure = |pty: &PtyApc| {
        let sandbox = Sandbox::new("apcsmart-term");
        sandbox.write(
            "ups.conf",
            &format!(
                "[apc]\n\tdriver = apcsmart\n\tport = {}\n\tpollinterval = 1\n",
                pty.device().display()
            ),
        );
        sandbox
    };

    // The real driver backgrounds itself; its pid file names the process to stop.
    let real = PtyApc::start("term-real", simulator_from_fixture(fixture));
    let sandbox = configure(&real);
    let mut args = vec!["-a", "apc"];
    args.extend(Sandbox::root_args());
    let started = sandbox.client(&format!("{NUT_BIN}/apcsmart"), &args);
    assert!(started.status.success(), "real apcsmart: {started:?}");
    // 2.8.0 writes the pid file before it forks and again after: the pid to stop is the
    // one that names a live process (the parent has exited when `client` returns).
    let pid_file = sandbox.state().join("apcsmart-apc.pid");
    let daemon = || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .map(|text| text.trim().to_string())
            .filter(|pid| !pid.is_empty() && std::path::Path::new("/proc").join(pid).exists())
    };
    wait_or_explain(
        || polled(&real) && daemon().is_some(),
        "the real apcsmart polls in the background",
        || format!("{started:?}"),
    );
    assert!(!received_r(&real), "real: no R while running");
    sigterm(&daemon().expect("the daemon's pid"));
    wait_or_explain(
        || received_r(&real),
        "the real apcsmart sends R on SIGTERM",
        || format!("{:?}", real.with_sim(|s| s.received().to_vec())),
    );

    // Ours, in the foreground: the process ends after R.
    let ours = PtyApc::start("term-ours", simulator_from_fixture(fixture));
    let sandbox = configure(&ours);
    let program =
        std::env::var("CARGO_BIN_EXE_apcsmart").expect("Cargo sets CARGO_BIN_EXE_apcsmart");
    let mut args = vec!["-a", "apc", "-F"];
    args.extend(Sandbox::root_args());
    let mut child = std::process::Command::new(&program)
        .args(&args)
        .env("NUT_CONFPATH", sandbox.etc())
        .env("NUT_STATEPATH", sandbox.state())
        .env("NUT_ALTPIDPATH", sandbox.state())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start our apcsmart");
    wait_or_explain(|| polled(&ours), "our apcsmart polls", String::new);
    assert!(!received_r(&ours), "ours: no R while running");
    sigterm(&child.id().to_string());
    let status = child.wait().expect("our apcsmart ends");
    assert!(status.success(), "our apcsmart after SIGTERM: {status:?}");
    assert_eq!(ours.with_sim(|s| s.received().last().copied()), Some(b'R'));
}
