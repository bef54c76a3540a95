//! Faults our upsd must survive (issue #3): a driver that dies and comes back, and a client
//! that never reads while others are served.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use nut_tests::realnut::{Sandbox, free_port, wait_until};

fn sandbox(name: &str, devices: &[(&str, &str)]) -> Sandbox {
    let dir = nut_tests::fixtures_dir().join("dev");
    let devices: Vec<(String, PathBuf)> = devices
        .iter()
        .map(|(ups, file)| (ups.to_string(), dir.join(file)))
        .collect();
    let mut sandbox = Sandbox::new(name);
    sandbox.configure_devices(&devices);
    for (ups, _) in &devices {
        sandbox.start_real_driver(ups);
    }
    sandbox
}

fn ask(port: u16, line: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .write_all(format!("{line}\n").as_bytes())
        .expect("write");
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).expect("read");
    answer.trim_end().to_string()
}

#[test]
fn a_driver_that_dies_is_reported_and_recovers_without_touching_the_others() {
    let mut sandbox = sandbox("faults", &[("a", "minimal.dev"), ("b", "usbhid-ups.dev")]);
    let port = free_port();
    nut_tests::realnut::start_our_upsd(&sandbox, port, |_| {});
    wait_until(
        || ask(port, "GET VAR a ups.status") == "VAR a ups.status \"OL\"",
        "data for a",
    );
    wait_until(
        || ask(port, "GET VAR b ups.status") == "VAR b ups.status \"OL CHRG\"",
        "data for b",
    );
    sandbox.stop_real_driver("a");
    wait_until(
        || ask(port, "GET VAR a ups.status") == "ERR DRIVER-NOT-CONNECTED",
        "a reported as not connected",
    );
    assert_eq!(
        ask(port, "GET VAR b ups.status"),
        "VAR b ups.status \"OL CHRG\""
    );
    sandbox.start_real_driver("a");
    wait_until(
        || ask(port, "GET VAR a battery.charge") == "VAR a battery.charge \"80\"",
        "a back by itself",
    );
}

#[test]
fn a_client_that_never_reads_does_not_delay_the_others() {
    let sandbox = sandbox("slow-client", &[("b", "usbhid-ups.dev")]);
    let port = free_port();
    nut_tests::realnut::start_our_upsd(&sandbox, port, |_| {});
    wait_until(
        || ask(port, "GET VAR b ups.status") == "VAR b ups.status \"OL CHRG\"",
        "data for b",
    );
    // Flood LIST VAR requests and never read: the replies fill both socket buffers.
    let mut hog = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    hog.set_write_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let flood = "LIST VAR b\n".repeat(1000);
    let mut written = 0usize;
    for _ in 0..200 {
        match hog.write(flood.as_bytes()) {
            Ok(n) => written += n,
            Err(_) => break, // our send buffer is full too: the server stopped reading us
        }
    }
    assert!(
        written > 100_000,
        "the flood was not sent ({written} bytes)"
    );
    // Everyone else is still answered, repeatedly.
    for _ in 0..20 {
        assert_eq!(ask(port, "GET VAR b ups.load"), "VAR b ups.load \"17\"");
    }
    drop(hog);
}
