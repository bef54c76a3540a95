//! `upsdrvctl` and the generic driver main (`scripted-ups`) as binaries: start every driver
//! of `ups.conf` (ours via `driverpath`-less lookup beside upsdrvctl), stop them by PID
//! file, shut down in `sdorder`; and the driver flags `-d`, `-k` and an unknown key.

use std::io::{BufRead, Write};
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
