//! What a client reads with TRACKING for every result code a driver may send: a driver
//! emulated here answers `INSTCMD code.<n>` with `TRACKING <id> <n>`, and the real upsd and
//! ours, both fed by it, give `upscmd -w` the same answer for each code.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;

use nut_tests::realnut::{Sandbox, start_real_and_our_upsd, wait_until};

const CODES: [&str; 7] = ["0", "1", "2", "3", "4", "5", "-1"];

/// Serves the driver socket `path`: a tiny dump, then a TRACKING reply per INSTCMD.
fn fake_driver(path: std::path::PathBuf) {
    let listener = UnixListener::bind(&path).expect("bind driver socket");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().expect("clone");
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let reply = match words.as_slice() {
                        ["DUMPALL"] => {
                            let mut dump = String::from("SETINFO ups.status \"OL\"\n");
                            for code in CODES {
                                dump.push_str(&format!("ADDCMD code.{code}\n"));
                            }
                            dump + "DATAOK\nDUMPDONE\n"
                        }
                        ["PING"] => String::from("PONG\n"),
                        ["INSTCMD", cmd, "TRACKING", id] => {
                            let code = cmd.trim_start_matches("code.");
                            format!("TRACKING {id} {code}\n")
                        }
                        _ => String::new(),
                    };
                    if writer.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

#[test]
fn every_tracking_code_reads_as_the_real_upsd_gives_it() {
    let mut sandbox = Sandbox::new("tracking-codes");
    sandbox.write("ups.conf", "[ups]\n\tdriver = fake\n\tport = none\n");
    sandbox.write("upsd.users", nut_tests::realnut::USERS);
    fake_driver(sandbox.state().join("fake-ups"));
    let ports = start_real_and_our_upsd(&mut sandbox);
    let served = |sandbox: &Sandbox, port: u16| {
        wait_until(
            || {
                sandbox
                    .client("upsc", &[&format!("ups@127.0.0.1:{port}"), "ups.status"])
                    .stdout
                    == b"OL\n"
            },
            "ups served",
        )
    };
    for port in ports {
        served(&sandbox, port);
    }
    let upscmd = |sandbox: &Sandbox, port: u16, code: &str| {
        let output = sandbox.client(
            "upscmd",
            &[
                "-w",
                "-t",
                "2",
                "-u",
                "admin",
                "-p",
                "adminpass",
                &format!("ups@127.0.0.1:{port}"),
                &format!("code.{code}"),
            ],
        );
        nut_tests::realnut::shown_without_nss_notice(&output)
    };
    for code in CODES {
        let mut real = upscmd(&sandbox, ports[0], code);
        if real.contains("Connection refused") {
            // The real upsd 2.8.0 has been seen to die here under load; start it again and
            // ask once more, so the comparison is with what it answers.
            eprintln!("the real upsd died before code {code}; restarting it");
            sandbox.start_real_upsd(ports[0]);
            served(&sandbox, ports[0]);
            real = upscmd(&sandbox, ports[0], code);
        }
        let mut ours = upscmd(&sandbox, ports[1], code);
        if ours != real {
            // A difference that is real stays when asked again; a hiccup of the machine
            // (seen once under CI load) does not.
            eprintln!("code {code} differed once:\nours: {ours}\nreal: {real}");
            real = upscmd(&sandbox, ports[0], code);
            ours = upscmd(&sandbox, ports[1], code);
        }
        assert_eq!(ours, real, "code {code}");
    }
}
