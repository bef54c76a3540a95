//! Our contact-closure family beside the real NUT 2.8.0 `genericups` (`/lib/nut/genericups`).
//!
//! What can be compared without hardware:
//! * the cable table and accepted keys (`genericups -h`);
//! * the settings the real driver refuses, and how;
//! * a socat pty: a Linux pty has no modem lines, so the real driver exits 1 with `ioctl
//!   TIOCMSET: Inappropriate ioctl for device` right after `UPS type: …`, and ours fails its
//!   `identify` at the same step with a transport error of kind `Unsupported`.
//!
//! Line-level behaviour (status words per line state, shutdown lines) is compared in
//! `genericups_lines_real.rs` with the modem ioctls emulated under the real binary.

use std::process::Output;

use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig};
use nut_drivers::genericups::{GenericUps, GenericUpsConfig, KEYS, UPS_TYPES};
use nut_hal::serialport::SerialPortSerial;
use nut_hal::{ErrorKind, LineSettings};
use nut_tests::realnut::{NUT_BIN, Sandbox};
use nut_tests::socat::PtyPair;

fn genericups() -> String {
    let path = format!("{NUT_BIN}/genericups");
    assert!(
        std::path::Path::new(&path).exists(),
        "{path} is missing: install Debian's nut-server (scripts/test.sh does)"
    );
    path
}

/// Runs the real driver once (`-s ups`, foreground, one dump) with `settings` as `-x`.
fn run_real(sandbox: &Sandbox, settings: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["-s".into(), "ups".into(), "-D".into()];
    args.extend(Sandbox::root_args().into_iter().map(String::from));
    for (key, value) in settings {
        args.push("-x".into());
        args.push(format!("{key}={value}"));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sandbox.client(&genericups(), &args)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn help_lists_our_cable_table_and_keys() {
    let sandbox = Sandbox::new("gups-help");
    let help = text(&sandbox.client(&genericups(), &["-h"]));
    let types: Vec<(u8, String)> = help
        .lines()
        .filter_map(|l| {
            let (n, desc) = l.split_once(": ")?;
            Some((n.trim().parse().ok()?, desc.to_string()))
        })
        .collect();
    let ours: Vec<(u8, String)> = UPS_TYPES
        .iter()
        .map(|t| (t.id, t.description.to_string()))
        .collect();
    assert_eq!(types, ours, "{help}");
    let mut keys: Vec<&str> = help
        .lines()
        .filter_map(|l| l.split_once(": -x ")?.1.split_once("=<value>"))
        .map(|(key, _)| key)
        .collect();
    let mut expected = KEYS.to_vec();
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{help}");
}

/// (settings, what the real driver logs, the key ours names, what ours says).
type RefusalCase<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);

fn ours_refuses(settings: &[(&str, &str)]) -> (String, String) {
    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, Some(value));
    }
    let err = GenericUpsConfig::from_config(&config).unwrap_err();
    (err.key, err.reason.to_lowercase())
}

#[test]
fn settings_the_real_driver_refuses_are_refused_by_ours() {
    let sandbox = Sandbox::new("gups-config");
    // The real driver checks the overrides after opening the port, so it needs a tty.
    let socat = PtyPair::new("config");
    let port = ("port", socat.a.to_str().unwrap());
    let cases: &[RefusalCase] = &[
        (&[port], "No upstype set", "upstype", "no upstype set"),
        (
            &[port, ("upstype", "24")],
            "unknown UPS type number",
            "upstype",
            "unknown ups type number",
        ),
        (
            &[port, ("upstype", "7"), ("SD", "CTS")],
            "Can't override output with CTS (not an output)",
            "SD",
            "can't override output with cts (not an output)",
        ),
        (
            &[port, ("upstype", "7"), ("CP", "DSR")],
            "Can't override output with DSR (not an output)",
            "CP",
            "can't override output with dsr (not an output)",
        ),
    ];
    for (settings, real_says, key, ours_says) in cases {
        let real = run_real(&sandbox, settings, &[]);
        let log = text(&real);
        assert_eq!(real.status.code(), Some(1), "{settings:?}: {log}");
        assert!(log.contains(real_says), "{settings:?}: {log}");
        let (got_key, reason) = ours_refuses(settings);
        assert_eq!(&got_key, key, "{settings:?}");
        assert!(reason.contains(ours_says), "{settings:?}: {reason}");
    }

    // An unknown key: the real driver prints a fatal error but exits 0 (a NUT 2.8.0 quirk);
    // ours refuses it as a configuration error.
    let real = run_real(&sandbox, &[port, ("upstype", "7"), ("foo", "1")], &[]);
    let log = text(&real);
    assert_eq!(real.status.code(), Some(0), "{log}");
    assert!(
        log.contains("'foo' is not a valid variable name for this driver"),
        "{log}"
    );
    let (key, reason) = ours_refuses(&[port, ("upstype", "7"), ("foo", "1")]);
    assert_eq!(key, "foo");
    assert!(reason.contains("not a valid variable name"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_pty_both_drivers_fail_when_raising_cable_power() {
    let sandbox = Sandbox::new("gups-pty");
    let socat = PtyPair::new("fail");
    let port = socat.a.to_str().unwrap();
    for upstype in [0u8, 4, 7, 9, 23] {
        let description = UPS_TYPES[usize::from(upstype)].description;
        let id = upstype.to_string();
        let real = run_real(&sandbox, &[("port", port), ("upstype", &id)], &["-d", "1"]);
        let log = text(&real);
        assert_eq!(real.status.code(), Some(1), "type {upstype}: {log}");
        assert!(
            log.contains(&format!("UPS type: {description}")),
            "type {upstype}: {log}"
        );
        assert!(
            log.contains("ioctl TIOCMSET: Inappropriate ioctl for device"),
            "type {upstype}: {log}"
        );
        assert!(
            real.stdout.is_empty() || !log.contains("ups.status"),
            "{log}"
        );

        let mut config = DriverConfig::default();
        config.push("port", Some(port));
        config.push("upstype", Some(&id));
        let mut ours = GenericUps::<SerialPortSerial>::from_driver_config(&config).unwrap();
        let mut serial =
            SerialPortSerial::open_keeping_lines(port, LineSettings::default()).unwrap();
        let err = ours.identify(&mut serial).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        match &err {
            DeviceError::Transport {
                operation, message, ..
            } => {
                assert!(operation.starts_with("setting cable power"), "{err}");
                assert!(message.contains("no modem lines"), "{err}");
            }
            other => panic!("not a transport error: {other:?}"),
        }
        // Nothing else is possible there either: no status read, no shutdown.
        assert_eq!(
            ours.update(&mut serial).await.unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }
    assert!(socat.b.exists(), "the pty pair stayed up throughout");
}
