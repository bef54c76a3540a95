//! Our `upsc`, `upsrw` and `upscmd -l` print what Debian's print (stdout, exit status, and stderr less the NSS
//! start-up notice "Init SSL without certificate database"), against the real upsd fed by the
//! real dummy-ups, for every fixture device and the error cases of the golden record.

use std::process::Command;

use nut_tests::realnut::{Sandbox, free_port, shown_without_nss_notice as shown};

#[test]
fn our_clients_print_what_the_real_ones_print() {
    let dir = nut_tests::fixtures_dir().join("dev");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dev"))
        .collect();
    files.sort();
    let devices: Vec<(String, std::path::PathBuf)> = files
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("ups{i:02}"), p))
        .collect();
    let mut sandbox = Sandbox::new("upsc");
    sandbox.configure_devices(&devices);
    for (name, _) in &devices {
        sandbox.start_real_driver(name);
    }
    let port = free_port();
    sandbox.start_real_upsd(port);
    let host = format!("127.0.0.1:{port}");
    nut_tests::realnut::wait_until(
        || {
            devices.iter().all(|(name, _)| {
                let out = sandbox.client("upsc", &[&format!("{name}@{host}"), "ups.status"]);
                out.status.success() && out.stdout != b"WAIT\n"
            })
        },
        "every UPS served",
    );
    let mut cases: Vec<(&str, Vec<String>)> = Vec::new();
    let upsc_cases: Vec<Vec<String>> = vec![
        vec!["-l".into(), host.clone()],
        vec!["-L".into(), host.clone()],
        vec![format!("nosuch@{host}")],
        vec!["-c".into(), format!("ups00@{host}")],
        vec!["ups00@127.0.0.1:1".into()],
        vec![],
    ];
    cases.extend(upsc_cases.into_iter().map(|args| ("upsc", args)));
    for (name, _) in &devices {
        let target = format!("{name}@{host}");
        cases.push(("upsc", vec![target.clone()]));
        cases.push(("upsc", vec![target.clone(), "ups.status".into()]));
        cases.push(("upsc", vec![target.clone(), "no.such.var".into()]));
        cases.push(("upsrw", vec![target.clone()]));
        cases.push(("upscmd", vec!["-l".into(), target]));
    }
    for (program, args) in &cases {
        let real = sandbox.client(
            program,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        let binary = match *program {
            "upsc" => env!("CARGO_BIN_EXE_upsc"),
            "upsrw" => env!("CARGO_BIN_EXE_upsrw"),
            _ => env!("CARGO_BIN_EXE_upscmd"),
        };
        let ours = Command::new(binary).args(args).output().expect("run ours");
        assert_eq!(shown(&ours), shown(&real), "{program} {args:?}");
    }
}
