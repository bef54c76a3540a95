//! Our `upscmd` does what Debian's does for every `upscmd` command of the golden record
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

#[test]
fn our_upscmd_does_what_the_real_one_does() {
    let mut sandbox = Sandbox::golden("upscmd");
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
        let Some(command) = line.strip_prefix("### $ upscmd ") else {
            continue;
        };
        let command = command.replace("<PORT>", &port.to_string());
        let args: Vec<&str> = command.split(' ').collect();
        let real = sandbox.client("upscmd", &args);
        let ours = Command::new(env!("CARGO_BIN_EXE_upscmd"))
            .args(&args)
            .output()
            .expect("run ours");
        assert_eq!(shown(&ours), shown(&real), "upscmd {command}");
        compared += 1;
    }
    assert!(
        compared >= 12,
        "only {compared} upscmd commands in the record"
    );
}
