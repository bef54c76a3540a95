//! Our `upsrw` does what Debian's does for every `upsrw` command of the golden record
//! (../tests/fixtures/golden/clients.txt): same stdout, stderr (less the NSS notice) and exit
//! status, against the real upsd with the golden UPS set.

use std::process::{Command, Output};

use nut_tests::realnut::{Sandbox, free_port, wait_until};

fn shown(output: &Output) -> String {
    let stderr: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| *l != "Init SSL without certificate database")
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{stderr}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout)
    )
}

/// Splits a recorded command line into words, honouring single quotes.
fn split_like_sh(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            other => {
                word.push(other);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

#[test]
fn our_upsrw_does_what_the_real_one_does() {
    let mut sandbox = Sandbox::golden("upsrw");
    let port = free_port();
    sandbox.start_real_upsd(port);
    wait_until(
        || {
            sandbox
                .client("upsc", &[&format!("pyups@127.0.0.1:{port}"), "ups.status"])
                .stdout
                == b"OL\n"
        },
        "pyups served",
    );
    let record = std::fs::read_to_string(nut_tests::fixtures_dir().join("golden/clients.txt"))
        .expect("record");
    let mut compared = 0;
    for line in record.lines() {
        let Some(command) = line.strip_prefix("### $ upsrw ") else {
            continue;
        };
        let command = command.replace("<PORT>", &port.to_string());
        let owned = split_like_sh(&command);
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        let real = sandbox.client("upsrw", &args);
        let ours = Command::new(env!("CARGO_BIN_EXE_upsrw"))
            .args(&args)
            .output()
            .expect("run ours");
        assert_eq!(shown(&ours), shown(&real), "upsrw {command}");
        compared += 1;
    }
    assert!(
        compared >= 12,
        "only {compared} upsrw commands in the record"
    );
}
