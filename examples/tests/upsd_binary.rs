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
    }
}
