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
use nut_tests::realnut::NUT_BIN;
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
