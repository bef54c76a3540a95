//! Differential test: the real `/lib/nut/apcsmart` (NUT 2.8.0) on the simulator's pty, read
//! through the real upsd with the real `upsc`, against what our `ApcSmart` reports from an
//! identical simulator on a second pty. Variables are compared one by one; `driver.*` (the
//! runtime's) and `device.*` (mirrored from `ups.*` by the driver core, not the family) are
//! left out.

use std::collections::BTreeMap;
use std::process::Command;

use nut_drivers::apcsmart::ApcSmart;
use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_tests::pty_apc::{PtyApc, simulator_from_fixture};
use nut_tests::realnut::{NUT_BIN, Sandbox, USERS, free_port, wait_or_explain};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// `upsc` output as a map, once the driver has published `ups.status`.
fn real_nut_view(fixture: &str) -> BTreeMap<String, String> {
    let driver = format!("{NUT_BIN}/apcsmart");
    assert!(
        std::path::Path::new(&driver).exists(),
        "{driver} is missing: install the nut-server package"
    );
    let pty = PtyApc::start("real", simulator_from_fixture(fixture));
    let mut sandbox = Sandbox::new("apcsmart");
    sandbox.write(
        "ups.conf",
        &format!(
            "[apc]\n\tdriver = apcsmart\n\tport = {}\n\tdesc = \"simulated\"\n",
            pty.device().display()
        ),
    );
    sandbox.write("upsd.users", USERS);
    let mut args = vec!["-a", "apc", "-F"];
    if is_root() {
        args.extend(["-u", "root"]);
    }
    sandbox.spawn_group(&driver, &args);
    let socket = sandbox.state().join("apcsmart-apc");
    wait_or_explain(|| socket.exists(), "apcsmart socket", || sandbox.group_logs());
    let port = free_port();
    sandbox.start_real_upsd(port);
    let target = format!("apc@127.0.0.1:{port}");
    let mut text = String::new();
    wait_or_explain(
        || {
            let out = sandbox.client("/usr/bin/upsc", &[&target]);
            text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.contains("ups.status:") && text.contains("input.voltage:")
        },
        "upsc shows the apcsmart data",
        || sandbox.group_logs(),
    );
    parse_upsc(&text)
}

fn parse_upsc(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn our_view(fixture: &str) -> BTreeMap<String, String> {
    let pty = PtyApc::start("ours", simulator_from_fixture(fixture));
    let mut port = TtySerial::open(pty.device(), LineSettings::new_8n1(2400)).expect("open pty");
    let mut ups: ApcSmart<TtySerial> = ApcSmart::new(&DriverConfig::default()).expect("config");
    let id = ups.identify(&mut port).await.expect("identify");
    let reading = ups.update(&mut port).await.expect("update");
    let mut view: BTreeMap<String, String> = id.info.values.into_iter().collect();
    view.extend(reading.values);
    view.insert("ups.status".into(), reading.status.join(" "));
    view
}

/// Keys compared: everything but `driver.*` and `device.*`.
fn compared(view: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    view.iter()
        .filter(|(k, _)| !k.starts_with("driver.") && !k.starts_with("device."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn differences(real: &BTreeMap<String, String>, ours: &BTreeMap<String, String>) -> Vec<String> {
    let mut keys: Vec<&String> = real.keys().chain(ours.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| real.get(*k) != ours.get(*k))
        .map(|k| format!("{k}: real {:?}, ours {:?}", real.get(k), ours.get(k)))
        .collect()
}

async fn check(fixture: &str) {
    let real = compared(&real_nut_view(fixture));
    let ours = compared(&our_view(fixture).await);
    eprintln!("REAL {real:#?}\nOURS {ours:#?}");
    let diffs = differences(&real, &ours);
    assert!(
        diffs.is_empty(),
        "{fixture}: {} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert!(real.len() > 20, "too little compared: {real:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sc450_matches_real_apcsmart() {
    check("APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smart_ups_3000_rm_matches_real_apcsmart() {
    check("APC__Smart-UPS_3000_RM__apcsmart__2.6.5__01.dev").await;
}
