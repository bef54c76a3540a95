//! The `dummy-ups` binary as upsdrvctl starts it: without `-F` it returns once its socket
//! serves, runs on in the background with a PID file, and cleans both up when stopped.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn without_f_dummy_ups_returns_once_serving_and_cleans_up_on_term() {
    let dir = std::env::temp_dir().join(format!("nut-rs-dummy-bg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("ups.conf"),
        "[bg]\n\tdriver = dummy-ups\n\tport = bg.dev\n",
    )
    .expect("write");
    std::fs::write(dir.join("bg.dev"), "ups.status: OL\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_dummy-ups"))
        .args(["-a", "bg"])
        .env("NUT_CONFPATH", &dir)
        .env("NUT_STATEPATH", &dir)
        .output()
        .expect("run dummy-ups");
    assert!(output.status.success(), "{output:?}");
    let socket = dir.join("dummy-ups-bg");
    let pid_file = dir.join("dummy-ups-bg.pid");
    assert!(
        socket.exists(),
        "the socket serves when the command returns"
    );
    let pid = std::fs::read_to_string(&pid_file)
        .expect("PID file")
        .trim()
        .to_string();
    let mut stream = std::os::unix::net::UnixStream::connect(&socket).expect("connect");
    use std::io::{BufRead, Write};
    stream.write_all(b"DUMPALL\n").expect("ask");
    let mut first = String::new();
    std::io::BufReader::new(&stream)
        .read_line(&mut first)
        .expect("answer");
    assert!(first.starts_with("SETINFO "), "{first}");
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while socket.exists() || pid_file.exists() {
        assert!(Instant::now() < deadline, "socket or PID file left behind");
        std::thread::sleep(Duration::from_millis(20));
    }
}
