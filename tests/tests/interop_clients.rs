//! Interop (issue #3, a): for every `.dev` device file, the real NUT clients print exactly the
//! same against our upsd as against the real upsd, both fed by the real dummy-ups drivers.

use std::path::PathBuf;
use std::process::Output;

use nut_tests::realnut::{Sandbox, wait_until};

fn devices() -> Vec<(String, PathBuf)> {
    let dir = nut_tests::fixtures_dir().join("dev");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dev"))
        .collect();
    files.sort();
    files
        .into_iter()
        .enumerate()
        .map(|(i, path)| (format!("ups{i:02}"), path))
        .collect()
}

fn shown(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn real_clients_print_the_same_against_our_upsd_and_the_real_one() {
    let devices = devices();
    assert!(devices.len() >= 25, "expected the fixture device files");
    let mut sandbox = Sandbox::new("clients");
    sandbox.configure_devices(&devices);
    for (name, _) in &devices {
        sandbox.start_real_driver(name);
    }
    let [real, ours] = nut_tests::realnut::start_real_and_our_upsd(&mut sandbox);

    // Both servers have every driver's data once `upsc` stops reporting the WAIT placeholder
    // or a missing driver.
    for (name, _) in &devices {
        for port in [real, ours] {
            let target = format!("{name}@127.0.0.1:{port}");
            wait_until(
                || {
                    let out = sandbox.client("upsc", &[&target, "ups.status"]);
                    out.status.success() && out.stdout != b"WAIT\n"
                },
                &format!("data for {target}"),
            );
        }
    }

    let mut compared = 0;
    let host = |port: u16| format!("127.0.0.1:{port}");
    for args in [vec!["-l"], vec!["-L"]] {
        let a: Vec<String> = args
            .iter()
            .map(|s| s.to_string())
            .chain([host(real)])
            .collect();
        let b: Vec<String> = args
            .iter()
            .map(|s| s.to_string())
            .chain([host(ours)])
            .collect();
        let real_out = sandbox.client("upsc", &a.iter().map(String::as_str).collect::<Vec<_>>());
        let our_out = sandbox.client("upsc", &b.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(shown(&our_out), shown(&real_out), "upsc {args:?}");
        compared += 1;
    }
    for (name, path) in &devices {
        for (program, flags) in [("upsc", vec![]), ("upsrw", vec![]), ("upscmd", vec!["-l"])] {
            let run = |port: u16| {
                let target = format!("{name}@127.0.0.1:{port}");
                let mut args: Vec<&str> = flags.clone();
                args.push(&target);
                sandbox.client(program, &args)
            };
            let (real_out, our_out) = (run(real), run(ours));
            assert_eq!(
                shown(&our_out),
                shown(&real_out),
                "{program} {flags:?} for {} ({name})",
                path.display()
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 2 + devices.len() * 3);
}
