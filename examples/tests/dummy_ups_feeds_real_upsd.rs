//! Interop: OUR `dummy-ups` binary feeds the REAL upsd exactly like the real dummy-ups does.
//! For every fixture device, both drivers run side by side behind one real upsd, and the real
//! `upsc`, `upsrw` and `upscmd -l` print the same for both (values, types and lengths,
//! commands). Fails loudly when the real NUT is not installed.

use std::path::PathBuf;

use nut_protocol::devfile::DevFile;
use nut_tests::realnut::{Sandbox, free_port, wait_until};

/// What differs on purpose (docs/DIFFERENCES.md) for one device file.
struct Deliberate {
    /// #6: variables written `name:` without a value (the real dummy-ups repeats the previous
    /// line's value, ours is empty), with the `device.*` copies of them.
    empty: Vec<String>,
    /// The file has `#RW:`/`#CMD:` comments, which only ours reads: the types (`upsrw`) and
    /// commands (`upscmd -l`) differ, the values (`upsc`) do not.
    structured: bool,
}

fn deliberate(path: &std::path::Path) -> Deliberate {
    let bytes = std::fs::read(path).expect("device file");
    let file = DevFile::parse(&bytes, "x.dev").config;
    let mut empty: Vec<String> = file
        .device_values()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| name.to_string())
        .collect();
    for (from, to) in [
        ("ups.mfr", "device.mfr"),
        ("ups.model", "device.model"),
        ("ups.serial", "device.serial"),
    ] {
        if empty.iter().any(|n| n == from) {
            empty.push(to.into());
        }
    }
    Deliberate {
        empty,
        structured: !file.rw_changes().is_empty() || !file.command_changes().is_empty(),
    }
}

/// `upsc` lines or `upsrw` blocks without the named variables.
fn without(output: &str, names: &[String]) -> String {
    output
        .split_inclusive("\n\n")
        .filter(|block| !names.iter().any(|n| block.starts_with(&format!("[{n}]\n"))))
        .flat_map(|block| block.split_inclusive('\n'))
        .filter(|line| !names.iter().any(|n| line.starts_with(&format!("{n}: "))))
        .collect()
}

#[test]
fn our_dummy_ups_feeds_the_real_upsd_like_the_real_dummy_ups() {
    let dir = nut_tests::fixtures_dir().join("dev");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dev"))
        .collect();
    files.sort();
    let devices: Vec<(String, PathBuf)> = files
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            [
                (format!("real{i}"), p.clone()),
                (format!("ours{i}"), p.clone()),
            ]
        })
        .collect();
    let mut sandbox = Sandbox::new("our-dummy-ups");
    sandbox.configure_devices(&devices);
    for i in 0..files.len() {
        sandbox.start_real_driver(&format!("real{i}"));
        sandbox.start_dummy_ups(env!("CARGO_BIN_EXE_dummy-ups"), &format!("ours{i}"));
    }
    let port = free_port();
    sandbox.start_real_upsd(port);
    let run = |program: &str, args: &[&str]| {
        let out = sandbox.client(program, args);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .filter(|l| *l != "Init SSL without certificate database")
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        )
    };
    wait_until(
        || {
            devices.iter().all(|(name, _)| {
                let status = run("upsc", &[&format!("{name}@127.0.0.1:{port}"), "ups.status"]);
                !status.is_empty() && status != "WAIT\n" && !status.starts_with("Error")
            })
        },
        "every UPS served by the real upsd",
    );
    let mut mismatches = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        for (program, extra) in [("upsc", None), ("upsrw", None), ("upscmd", Some("-l"))] {
            let target = |name: &str| format!("{name}{i}@127.0.0.1:{port}");
            let args = |t: &str| -> Vec<String> {
                extra
                    .into_iter()
                    .map(String::from)
                    .chain([t.to_string()])
                    .collect()
            };
            let real_args = args(&target("real"));
            let our_args = args(&target("ours"));
            let real = run(
                program,
                &real_args.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            let ours = run(
                program,
                &our_args.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .replace(&format!("ours{i}"), &format!("real{i}"));
            assert!(real.len() > 20, "{program} {file}: {real}");
            let known = deliberate(path);
            if known.structured && program != "upsc" {
                continue;
            }
            let (real, ours) = (without(&real, &known.empty), without(&ours, &known.empty));
            if ours != real {
                mismatches.push(format!(
                    "== {program} {file}\n--- real\n{real}--- ours\n{ours}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
