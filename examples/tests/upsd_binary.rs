//! The `upsd` binary itself: a broken config is refused with file:line:word, `--demo` serves
//! without any config, and `-u` switches user after opening the listener.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nut-rs-bin-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn ask(port: u16, line: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(format!("{line}\n").as_bytes()).ok()?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).ok()?;
    Some(answer.trim_end().to_string())
}

fn wait_for(port: u16, line: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while ask(port, line).as_deref() != Some(expected) {
        assert!(
            Instant::now() < deadline,
            "upsd never answered {line:?} with {expected:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_broken_config_exits_non_zero_naming_file_line_and_word() {
    let dir = scratch("broken");
    std::fs::write(
        dir.join("upsd.conf"),
        "LISTEN 127.0.0.1 3493\nMAXAGE soon\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("ups.conf"),
        "[u]\n\tdriver = dummy-ups\n\tport = x.dev\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_upsd"))
        .arg("-F")
        .env("NUT_CONFPATH", &dir)
        .env("NUT_STATEPATH", &dir)
        .output()
        .expect("run upsd");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("upsd.conf:2:soon"), "{stderr}");
}

#[test]
fn demo_serves_without_config_and_u_switches_user() {
    let port = free_port();
    let dir = scratch("demo");
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    let mut command = Command::new(env!("CARGO_BIN_EXE_upsd"));
    command
        .arg("--demo")
        .env("NUT_DEMO_LISTEN", format!("127.0.0.1:{port}"))
        .env("NUT_CONFPATH", &dir)
        .env("NUT_STATEPATH", &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if is_root {
        command.args(["-u", "nobody"]);
    }
    let child = Killed(command.spawn().expect("start upsd"));
    wait_for(
        port,
        "GET VAR demo device.model",
        "VAR demo device.model \"Simulated UPS\"",
    );
    if is_root {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", child.0.id())).expect("status");
        let uid_line = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .expect("Uid line");
        assert!(
            uid_line.split_whitespace().skip(1).all(|id| id == "65534"),
            "{uid_line}"
        );
        let groups_line = status
            .lines()
            .find(|l| l.starts_with("Groups:"))
            .expect("Groups line");
        assert_eq!(
            groups_line.split_whitespace().skip(1).collect::<Vec<_>>(),
            ["65534"],
            "supplementary groups are nobody's own: {groups_line}"
        );
    }
}

/// A config directory with one UPS (no driver running) and upsd listening on `port`.
fn config_dir(name: &str, port: u16) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("upsd.conf"), format!("LISTEN 127.0.0.1 {port}\n")).expect("write");
    std::fs::write(
        dir.join("ups.conf"),
        "[u]\n\tdriver = dummy-ups\n\tport = x.dev\n",
    )
    .expect("write");
    std::fs::write(dir.join("upsd.users"), "").expect("write");
    dir
}

fn upsd_in(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upsd"));
    command
        .env("NUT_CONFPATH", dir)
        .env("NUT_STATEPATH", dir)
        .env("NUT_ALTPIDPATH", dir);
    command
}

#[test]
fn without_f_upsd_goes_to_the_background_once_serving_and_c_stop_ends_it() {
    let port = free_port();
    let dir = config_dir("background", port);
    // The command returns only when the daemon serves; its standard streams are let go.
    let output = upsd_in(&dir).output().expect("run upsd");
    assert!(output.status.success(), "{output:?}");
    let pid: u32 = std::fs::read_to_string(dir.join("upsd.pid"))
        .expect("PID file")
        .trim()
        .parse()
        .expect("a pid");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("daemon runs");
    let session: u32 = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().nth(3))
        .and_then(|s| s.parse().ok())
        .expect("session id");
    assert_eq!(session, pid, "the daemon leads a session of its own");
    assert_eq!(ask(port, "LIST UPS").as_deref(), Some("BEGIN LIST UPS"));
    let stop = upsd_in(&dir)
        .args(["-c", "stop"])
        .status()
        .expect("upsd -c stop");
    assert!(stop.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "the daemon never stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_daemon_that_cannot_start_fails_the_command_with_its_message() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port();
    let dir = config_dir("background-fails", port);
    let output = upsd_in(&dir).output().expect("run upsd");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no LISTEN address could be opened"),
        "{stderr}"
    );
}
