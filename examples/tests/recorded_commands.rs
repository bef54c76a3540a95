//! Our `upsrw` and `upscmd` do what Debian's do for every command of the golden record
//! (../tests/fixtures/golden/clients.txt): same stdout, stderr (less the NSS notice) and exit
//! status, against the real upsd with the golden UPS set.

use std::process::Command;

use nut_tests::realnut::{Sandbox, free_port, shown_without_nss_notice as shown, wait_until};

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
fn our_upsrw_and_upscmd_do_what_the_real_ones_do() {
    let mut sandbox = Sandbox::golden("recorded");
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
    let mut compared = [0usize; 2];
    for line in record.lines() {
        let Some(command) = line.strip_prefix("### $ ") else {
            continue;
        };
        let (program, binary, slot) = if command.starts_with("upsrw ") {
            ("upsrw", env!("CARGO_BIN_EXE_upsrw"), 0)
        } else if command.starts_with("upscmd ") {
            ("upscmd", env!("CARGO_BIN_EXE_upscmd"), 1)
        } else {
            continue;
        };
        let words = split_like_sh(&command.replace("<PORT>", &port.to_string()));
        let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
        let real = sandbox.client(program, &args);
        let ours = Command::new(binary).args(&args).output().expect("run ours");
        assert_eq!(shown(&ours), shown(&real), "{command}");
        compared[slot] += 1;
    }
    assert!(
        compared[0] >= 14 && compared[1] >= 12,
        "too few recorded commands: {compared:?}"
    );
}
