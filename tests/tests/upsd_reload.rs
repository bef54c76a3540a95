//! Reload (upsd's SIGHUP, NUT-REFERENCE §4.6): a re-read ups.conf adds and removes UPSes and a
//! re-read upsd.users replaces the users, without dropping the UPSes that stay.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use nut_protocol::upsd::setup;
use nut_tests::realnut::{Sandbox, USERS, free_port, wait_until};

fn answers(port: u16, lines: &[&str]) -> Vec<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut out = Vec::new();
    for line in lines {
        stream
            .write_all(format!("{line}\n").as_bytes())
            .expect("write");
        let mut answer = String::new();
        reader.read_line(&mut answer).expect("read");
        if answer.starts_with("BEGIN LIST") {
            loop {
                out.push(answer.trim_end().to_string());
                if answer.starts_with("END LIST") {
                    break;
                }
                answer.clear();
                reader.read_line(&mut answer).expect("read");
            }
        } else {
            out.push(answer.trim_end().to_string());
        }
    }
    out
}

#[test]
fn reload_adds_and_removes_upses_and_replaces_users() {
    let dir = nut_tests::fixtures_dir().join("dev");
    let mut sandbox = Sandbox::new("reload");
    sandbox.configure_devices(&[
        ("a".to_string(), dir.join("minimal.dev")),
        ("b".to_string(), dir.join("usbhid-ups.dev")),
    ]);
    sandbox.start_real_driver("a");
    sandbox.start_real_driver("b");
    let port = free_port();
    let state = sandbox.state();
    let (upsd, handle) = nut_tests::realnut::start_our_upsd(&sandbox, port, |_| {});
    wait_until(
        || answers(port, &["GET VAR b ups.status"]) == ["VAR b ups.status \"OL CHRG\""],
        "b served",
    );
    let login = ["USERNAME monuser", "PASSWORD monpass", "LOGIN a"];
    assert_eq!(answers(port, &login), ["OK", "OK", "OK"]);

    // New ups.conf: `a` removed, `c` added (fed by a's old driver file); monuser gone.
    let ups_conf = std::fs::read_to_string(sandbox.etc().join("ups.conf")).expect("ups.conf");
    let without_a = ups_conf
        .split("\n\n")
        .filter(|section| !section.starts_with("[a]"))
        .collect::<Vec<_>>()
        .join("\n\n");
    sandbox.write(
        "ups.conf",
        &format!(
            "{without_a}\n[c]\n\tdriver = dummy-ups\n\tport = minimal.dev\n\tdesc = \"added\"\n"
        ),
    );
    sandbox.write("upsd.users", &USERS.replace("[monuser]", "[someoneelse]"));
    sandbox.start_real_driver("c");
    let fresh = setup::load(&sandbox.etc(), state.to_str(), None, 6).expect("reloaded config");
    handle.block_on(async { upsd.reload(fresh) });

    wait_until(
        || answers(port, &["GET VAR c ups.status"]) == ["VAR c ups.status \"OL\""],
        "c served after the reload",
    );
    assert_eq!(
        answers(port, &["LIST UPS"]),
        [
            "BEGIN LIST UPS",
            "UPS b \"dummy-ups usbhid-ups.dev\"",
            "UPS c \"added\"",
            "END LIST UPS"
        ]
    );
    assert_eq!(
        answers(port, &["GET VAR a ups.status"]),
        ["ERR UNKNOWN-UPS"]
    );
    assert_eq!(
        answers(port, &["GET VAR b ups.status"]),
        ["VAR b ups.status \"OL CHRG\""]
    );
    assert_eq!(answers(port, &login), ["OK", "OK", "ERR UNKNOWN-UPS"]);
    assert_eq!(
        answers(port, &["USERNAME monuser", "PASSWORD monpass", "LOGIN b"]),
        ["OK", "OK", "ERR ACCESS-DENIED"]
    );
}
