//! `upsdrvctl` and the generic driver main (`scripted-ups`) as binaries: start every driver
//! of `ups.conf` (ours via `driverpath`-less lookup beside upsdrvctl), stop them by PID
//! file, shut down in `sdorder`; and the driver flags `-d`, `-k`, `-c reload` and an unknown
//! key.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn sandbox(name: &str, conf: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nut-rs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("ups.conf"), conf).expect("write");
    std::fs::write(dir.join("b.dev"), "ups.status: OB\nbattery.charge: 50\n").expect("write");
    dir
}

fn run(program: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("NUT_CONFPATH", dir)
        .env("NUT_STATEPATH", dir)
        .env_remove("NUT_ALTPIDPATH")
        .output()
        .expect("run")
}

fn first_dump_line(socket: &Path) -> String {
    let mut stream = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    stream.write_all(b"DUMPALL\n").expect("ask");
    let mut reader = std::io::BufReader::new(&stream);
    let mut text = String::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("read") > 0, "{text}");
        text.push_str(&line);
        if line == "DUMPDONE\n" {
            return text;
        }
    }
}

const CONF: &str = "[a]\n\tdriver = scripted-ups\n\tport = SN-A\n\tsdorder = 2\n\
[b]\n\tdriver = dummy-ups\n\tport = b.dev\n\tsdorder = 1\n";

#[test]
fn upsdrvctl_starts_and_stops_every_driver_beside_it() {
    let dir = sandbox("upsdrvctl", CONF);
    let upsdrvctl = env!("CARGO_BIN_EXE_upsdrvctl");
    let started = run(upsdrvctl, &dir, &["start"]);
    assert!(started.status.success(), "{started:?}");
    for (socket, pid) in [
        ("scripted-ups-a", "scripted-ups-a.pid"),
        ("dummy-ups-b", "dummy-ups-b.pid"),
    ] {
        assert!(
            dir.join(socket).exists(),
            "{socket} serves once start returns"
        );
        assert!(dir.join(pid).exists(), "{pid}");
    }
    let dump = first_dump_line(&dir.join("scripted-ups-a"));
    assert!(dump.contains("SETINFO ups.serial \"SN-A\""), "{dump}");
    assert!(
        dump.contains("SETINFO driver.name \"scripted-ups\""),
        "{dump}"
    );
    let stopped = run(upsdrvctl, &dir, &["stop", "a"]);
    assert!(stopped.status.success(), "{stopped:?}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while dir.join("scripted-ups-a").exists() || dir.join("scripted-ups-a.pid").exists() {
        assert!(Instant::now() < deadline, "a still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(dir.join("dummy-ups-b").exists(), "only a was stopped");
    let stopped = run(upsdrvctl, &dir, &["stop"]);
    assert!(
        !stopped.status.success(),
        "a's PID file is gone: {stopped:?}"
    );
    assert!(
        String::from_utf8_lossy(&stopped.stderr).contains("scripted-ups-a.pid"),
        "{stopped:?}"
    );
    while dir.join("dummy-ups-b.pid").exists() {
        assert!(Instant::now() < deadline, "b still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    let unknown = run(upsdrvctl, &dir, &["start", "nope"]);
    assert!(!unknown.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn upsdrvctl_shutdown_runs_each_driver_with_k_in_sdorder() {
    let conf = "[a]\n\tdriver = scripted-ups\n\tport = A\n\tsdorder = 2\n\
[c]\n\tdriver = scripted-ups\n\tport = C\n\tsdorder = 1\n\tfailkill\n\
[d]\n\tdriver = scripted-ups\n\tport = D\n\tsdorder = -1\n\tfailkill\n";
    let dir = sandbox("upsdrvctl-shutdown", conf);
    let upsdrvctl = env!("CARGO_BIN_EXE_upsdrvctl");
    let testing = run(upsdrvctl, &dir, &["-t", "shutdown"]);
    let plan = String::from_utf8_lossy(&testing.stdout).into_owned();
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(lines.len(), 2, "{plan}");
    assert!(lines[0].ends_with("scripted-ups -a c -k"), "{plan}");
    assert!(lines[1].ends_with("scripted-ups -a a -k"), "{plan}");
    let failed = run(upsdrvctl, &dir, &["shutdown"]);
    assert!(!failed.status.success(), "c's killpower fails: {failed:?}");
    let ok = run(upsdrvctl, &dir, &["shutdown", "a"]);
    assert!(ok.status.success(), "{ok:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn driver_main_flags() {
    let dir = sandbox("driver-main", CONF);
    let driver = env!("CARGO_BIN_EXE_scripted-ups");
    let dumped = run(driver, &dir, &["-a", "a", "-x", "charge=42", "-d", "1"]);
    assert!(dumped.status.success(), "{dumped:?}");
    let text = String::from_utf8_lossy(&dumped.stdout);
    assert!(text.contains("battery.charge: 42\n"), "{text}");
    assert!(text.contains("driver.parameter.port: SN-A\n"), "{text}");
    assert!(text.contains("ups.status: OL\n"), "{text}");
    let bad = run(
        driver,
        &dir,
        &["-s", "x", "-x", "port=p", "-x", "bogus=1", "-d", "1"],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("'bogus'"),
        "{bad:?}"
    );
    let wrong = run(driver, &dir, &["-a", "b", "-d", "1"]);
    assert!(!wrong.status.success(), "b is for dummy-ups: {wrong:?}");
    assert!(run(driver, &dir, &["-a", "a", "-k"]).status.success());
    let failing = run(driver, &dir, &["-a", "a", "-x", "failkill", "-k"]);
    assert!(!failing.status.success());
    let help = run(driver, &dir, &["-h"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Scripted test driver"));
    let _ = std::fs::remove_dir_all(&dir);
}

const SCRIPTED_UPS: &str = env!("CARGO_BIN_EXE_scripted-ups");

/// The `SETINFO` lines of a `DUMPALL`, as (name, value) with the quotes removed.
fn dump(socket: &Path) -> Vec<(String, String)> {
    first_dump_line(socket)
        .lines()
        .filter_map(setinfo)
        .collect()
}

fn setinfo(line: &str) -> Option<(String, String)> {
    let rest = line.trim_end().strip_prefix("SETINFO ")?;
    let (name, value) = rest.split_once(' ')?;
    Some((name.to_owned(), value.trim_matches('"').to_owned()))
}

fn value<'a>(values: &'a [(String, String)], name: &str) -> Option<&'a str> {
    values
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

const BEFORE: &str = "[a]\n\tdriver = scripted-ups\n\tport = SN-A\n\tpollinterval = 2\n\
\tcharge = 80\n\toverride.ups.mfr = Old\n\toverride.ups.model = Gone\n";
const AFTER: &str = "[a]\n\tdriver = scripted-ups\n\tport = SN-B\n\tpollinterval = 7\n\
\tcharge = 20\n\toverride.ups.mfr = New\n\tdefault.ups.contacts = \"front desk\"\n\tignorelb\n\
\tdefault.battery.charge.low = 10\n";

/// `-c reload` of a running driver: ups.conf is read again; `pollinterval`, `override.*`,
/// `default.*` and `ignorelb` change at once, with `driver.state` = `reloading` published
/// meanwhile; a changed `port` or family key needs a restart and keeps its old value.
/// Observed through the driver socket.
#[test]
fn reload_applies_runtime_settings_and_keeps_the_rest() {
    let dir = sandbox("driver-reload", BEFORE);
    let started = run(SCRIPTED_UPS, &dir, &["-a", "a"]);
    assert!(started.status.success(), "{started:?}");
    let socket = dir.join("scripted-ups-a");
    let before = dump(&socket);
    assert_eq!(value(&before, "ups.mfr"), Some("Old"));
    assert_eq!(value(&before, "ups.model"), Some("Gone"));
    assert_eq!(value(&before, "driver.parameter.pollinterval"), Some("2"));
    assert_eq!(value(&before, "driver.state"), None);

    // A client that stays connected sees the reload's changes as they are broadcast.
    let watcher = UnixStream::connect(&socket).expect("connect");
    watcher
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut watched = BufReader::new(&watcher);
    std::fs::write(dir.join("ups.conf"), AFTER).expect("write");
    let reload = run(SCRIPTED_UPS, &dir, &["-a", "a", "-c", "reload"]);
    assert!(reload.status.success(), "{reload:?}");
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let read = watched.read_line(&mut line).expect("a change within 30 s");
        assert!(read > 0, "the driver closed the socket: {lines:?}");
        let done = line.trim_end() == "DELINFO driver.state";
        lines.push(line.trim_end().to_owned());
        if done {
            break;
        }
    }
    let position = |wanted: &str| lines.iter().position(|l| l == wanted);
    let reloading = position("SETINFO driver.state \"reloading\"").expect("reloading shown");
    let interval = position("SETINFO driver.parameter.pollinterval \"7\"").expect("new interval");
    assert!(reloading < interval, "{lines:?}");

    let after = dump(&socket);
    assert_eq!(value(&after, "driver.parameter.pollinterval"), Some("7"));
    assert_eq!(value(&after, "ups.mfr"), Some("New"));
    assert_eq!(value(&after, "ups.contacts"), Some("front desk"));
    assert_eq!(value(&after, "driver.flag.ignorelb"), Some("enabled"));
    assert_eq!(value(&after, "driver.state"), None);
    // The removed override gives the variable back to the device (which has no model).
    assert_eq!(value(&after, "ups.model"), None);
    // Port and family keys need a restart: the old ones stay in use and published.
    assert_eq!(value(&after, "driver.parameter.port"), Some("SN-A"));
    assert_eq!(value(&after, "ups.serial"), Some("SN-A"));
    assert_eq!(value(&after, "driver.parameter.charge"), Some("80"));

    let exit = run(SCRIPTED_UPS, &dir, &["-a", "a", "-c", "exit"]);
    assert!(exit.status.success(), "{exit:?}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while socket.exists() {
        assert!(Instant::now() < deadline, "the driver did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A driver program in `dir` that fails to start until its `succeeds_on`-th start (counted in
/// `dir/starts`).
fn flaky_driver(dir: &Path, succeeds_on: u32) {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        "#!/bin/sh\nn=$(( $(cat {0}/starts 2>/dev/null || echo 0) + 1 ))\necho $n > {0}/starts\n\
         [ $n -ge {succeeds_on} ] && exit 0\nexit 1\n",
        dir.display()
    );
    let path = dir.join("flaky");
    std::fs::write(&path, script).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // The real upsdrvctl may run drivers as another user.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
}

/// `upsdrvctl start` of a driver that fails: (succeeded, starts, failure lines printed).
fn start_flaky(upsdrvctl: &str, name: &str, retries: &str, succeeds_on: u32) -> (bool, u32, usize) {
    let dir = sandbox(name, "");
    let conf = format!(
        "driverpath = {}\n{retries}[x]\n\tdriver = flaky\n\tport = none\n",
        dir.display()
    );
    std::fs::write(dir.join("ups.conf"), conf).expect("write");
    flaky_driver(&dir, succeeds_on);
    let started = run(upsdrvctl, &dir, &["start"]);
    let starts = std::fs::read_to_string(dir.join("starts"))
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0);
    let failures = String::from_utf8_lossy(&started.stderr)
        .lines()
        .filter(|line| line.contains("Driver failed to start (exit status=1)"))
        .count();
    let _ = std::fs::remove_dir_all(&dir);
    (started.status.success(), starts, failures)
}

/// `maxretry` and `retrydelay`: a driver that fails is started again, up to `maxretry` times
/// in all, each failure printed; the same as the real upsdrvctl does.
#[test]
fn upsdrvctl_retries_a_failing_driver_as_maxretry_says() {
    const REAL: &str = "/sbin/upsdrvctl";
    let ours = env!("CARGO_BIN_EXE_upsdrvctl");
    let cases = [
        // (globals, succeeds on start n, expected (started, starts, failures printed))
        ("maxretry = 3\nretrydelay = 0\n", 3, (true, 3, 2)),
        ("maxretry = 2\nretrydelay = 0\n", 3, (false, 2, 2)),
        ("", 2, (false, 1, 1)),
    ];
    for (i, (retries, succeeds_on, expected)) in cases.into_iter().enumerate() {
        let got = start_flaky(ours, &format!("retry-ours-{i}"), retries, succeeds_on);
        assert_eq!(got, expected, "ours, case {i}: {retries:?}");
        assert!(
            Path::new(REAL).exists(),
            "{REAL} is missing: install nut-server"
        );
        let real = start_flaky(REAL, &format!("retry-real-{i}"), retries, succeeds_on);
        assert_eq!(
            got, real,
            "ours vs the real upsdrvctl, case {i}: {retries:?}"
        );
    }
}

/// `-t start`: the driver that would be started (with its retries) is shown, never run.
#[test]
fn upsdrvctl_testing_mode_runs_nothing() {
    let dir = sandbox("retry-testing", "");
    let conf = format!(
        "driverpath = {}\nmaxretry = 3\n[x]\n\tdriver = flaky\n\tport = none\n",
        dir.display()
    );
    std::fs::write(dir.join("ups.conf"), conf).expect("write");
    flaky_driver(&dir, 9);
    let testing = run(env!("CARGO_BIN_EXE_upsdrvctl"), &dir, &["-t", "start"]);
    assert!(testing.status.success(), "{testing:?}");
    let plan = String::from_utf8_lossy(&testing.stdout).into_owned();
    assert!(
        plan.contains(&format!("exec: {}/flaky -a x", dir.display())),
        "{plan}"
    );
    assert!(!dir.join("starts").exists(), "the driver was run");
    let _ = std::fs::remove_dir_all(&dir);
}
