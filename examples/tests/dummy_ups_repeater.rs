//! Issue #8: OUR `dummy-ups` in repeater mode (`port = ups@host:port`) chained to an upstream
//! upsd (the real one, and ours) that serves real drivers, published downstream by the real
//! upsd and by ours, side by side with the REAL 2.8.0 dummy-ups repeating the same UPS. The
//! real clients (`upsc`, `upsrw`, `upscmd`) read both. Differences to the real repeater are
//! docs/DIFFERENCES.md rows 58–60. Fails loudly when the real NUT is not installed.

use nut_tests::realnut::{Sandbox, USERS, free_port, start_our_upsd, wait_or_explain, wait_until};

const OURS: &str = env!("CARGO_BIN_EXE_dummy-ups");
const LOGIN: &str = "\tusername = admin\n\tpassword = adminpass\n";

/// What a real client printed, without the NSS notice.
fn run(sandbox: &Sandbox, program: &str, args: &[&str]) -> String {
    sandbox
        .client_text(program, args)
        .lines()
        .filter(|l| *l != "Init SSL without certificate database")
        .map(|l| format!("{l}\n"))
        .collect()
}

fn upsc(sandbox: &Sandbox, ups: &str, port: u16) -> String {
    run(sandbox, "upsc", &[&format!("{ups}@127.0.0.1:{port}")])
}

/// True when `ups` on `port` is served with fresh data.
fn served(sandbox: &Sandbox, ups: &str, port: u16) -> bool {
    let status = run(
        sandbox,
        "upsc",
        &[&format!("{ups}@127.0.0.1:{port}"), "ups.status"],
    );
    !status.is_empty() && status != "WAIT\n" && !status.starts_with("Error")
}

/// `upsc` output without the one variable only ours has (row 58: the upstream login).
fn without_login(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("driver.parameter.username: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A section repeating `upstream` (`ups@127.0.0.1:port`) with extra lines.
fn repeater(name: &str, upstream: &str, extra: &str) -> String {
    format!("[{name}]\n\tdriver = dummy-ups\n\tport = {upstream}\n{extra}\n")
}

/// The golden UPS set (real dummy-ups and pydrv drivers) behind the real upsd or ours on
/// `port`, every UPS served.
fn upstream(real_upsd: bool, port: u16) -> Sandbox {
    let mut up = Sandbox::golden("repeater-up");
    if real_upsd {
        up.start_real_upsd(port);
    } else {
        start_our_upsd(&up, port, |_| {});
    }
    for ups in ["dummy", "pyups"] {
        wait_until(|| served(&up, ups, port), &format!("{ups} upstream"));
    }
    up
}

/// Repeaters of the upstream on `up_port`: `real` (the real dummy-ups) and `ours` of
/// `dummy`, `pyreal`, `py` and `anon` (ours, no login upstream) of `pyups`, `stale` (ours, lenient start) of `staleups`;
/// published by the real upsd and by ours: `[real, ours]` ports.
fn downstream(up_port: u16) -> (Sandbox, [u16; 2]) {
    let up = |ups: &str| format!("{ups}@127.0.0.1:{up_port}");
    let mut down = Sandbox::new("repeater-down");
    down.write(
        "ups.conf",
        &[
            repeater("real", &up("dummy"), ""),
            repeater("ours", &up("dummy"), LOGIN),
            repeater("pyreal", &up("pyups"), ""),
            repeater("py", &up("pyups"), LOGIN),
            repeater("anon", &up("pyups"), ""),
            repeater(
                "stale",
                &up("staleups"),
                "\trepeater_disable_strict_start\n",
            ),
        ]
        .concat(),
    );
    down.write("upsd.users", USERS);
    down.start_real_driver("real");
    down.start_real_driver("pyreal");
    for ours in ["ours", "py", "anon", "stale"] {
        down.start_dummy_ups(OURS, ours);
    }
    let ports = [free_port(), free_port()];
    down.start_real_upsd(ports[0]);
    start_our_upsd(&down, ports[1], |_| {});
    for port in ports {
        for ups in ["real", "ours", "pyreal", "py"] {
            wait_until(|| served(&down, ups, port), &format!("{ups} downstream"));
        }
    }
    (down, ports)
}

/// (a)/(b): what the real clients show through our repeater is what they show through the
/// real repeater (values), and what the upstream shows (types, enums, ranges, commands).
fn repeats_like_the_real_dummy_ups(real_upsd_upstream: bool) {
    let up_port = free_port();
    let up = upstream(real_upsd_upstream, up_port);
    let (down, ports) = downstream(up_port);
    for port in ports {
        let real = upsc(&down, "real", port);
        let ours = upsc(&down, "ours", port);
        assert!(real.contains("ups.status: "), "{real}");
        assert!(ours.contains("driver.parameter.username: admin"), "{ours}");
        assert_eq!(without_login(&ours), real, "upsc via the upsd on {port}");
        let (pyreal, py) = (upsc(&down, "pyreal", port), upsc(&down, "py", port));
        assert_eq!(without_login(&py), pyreal, "pyups via the upsd on {port}");
        // The typing and commands are the upstream's (row 59: the real repeater retypes
        // by its own table and offers only load.off).
        let typing = |sandbox: &Sandbox, ups: &str, p: u16| {
            run(sandbox, "upsrw", &[&format!("{ups}@127.0.0.1:{p}")])
        };
        let commands = |sandbox: &Sandbox, ups: &str, p: u16| {
            run(sandbox, "upscmd", &["-l", &format!("{ups}@127.0.0.1:{p}")])
                .replace(&format!("[{ups}]"), "[x]")
        };
        let upstream_typing = typing(&up, "pyups", up_port);
        assert!(
            upstream_typing.contains("Option: \"normal\""),
            "{upstream_typing}"
        );
        assert_eq!(typing(&down, "py", port), upstream_typing);
        assert_eq!(typing(&down, "ours", port), typing(&up, "dummy", up_port));
        assert_eq!(commands(&down, "py", port), commands(&up, "pyups", up_port));
        assert_eq!(commands(&down, "ours", port), commands(&down, "real", port));
        // An upstream UPS without fresh data is stale here (the real upsd upstream says
        // DATA-STALE for staleups); repeater_disable_strict_start let ours start anyway.
        let stale = upsc(&down, "stale", port);
        assert!(stale.contains("Data stale"), "stale via {port}: {stale}");
    }
}

#[test]
fn repeater_of_the_real_upsd_matches_the_real_repeater() {
    repeats_like_the_real_dummy_ups(true);
}

#[test]
fn repeater_of_our_upsd_matches_the_real_repeater() {
    repeats_like_the_real_dummy_ups(false);
}

/// (c): `upsrw` and `upscmd` through our repeater reach the upstream driver.
#[test]
fn set_and_instcmd_pass_through_to_the_upstream_driver() {
    let up_port = free_port();
    let up = upstream(true, up_port);
    let (down, [real_port, our_port]) = downstream(up_port);
    let log = up.state().join("pydrv-pyups.log");
    let login = ["-u", "admin", "-p", "adminpass", "-w"];
    for (port, value) in [(real_port, "180"), (our_port, "160")] {
        let target = format!("py@127.0.0.1:{port}");
        let set = format!("input.transfer.low={value}");
        let out = run(
            &down,
            "upsrw",
            &[&login[..], &["-s", &set, &target]].concat(),
        );
        assert_eq!(out, "SUCCESS\n", "upsrw via {port}");
        wait_or_explain(
            || {
                run(
                    &up,
                    "upsc",
                    &[&format!("pyups@127.0.0.1:{up_port}"), "input.transfer.low"],
                ) == format!("{value}\n")
            },
            "the SET upstream",
            || std::fs::read_to_string(&log).unwrap_or_default(),
        );
        wait_until(
            || run(&down, "upsc", &[&target, "input.transfer.low"]) == format!("{value}\n"),
            "the new value back downstream",
        );
        // The enum came along: the downstream upsd refuses a value upstream would refuse.
        let bad = run(
            &down,
            "upsrw",
            &[&login[..], &["-s", "input.transfer.low=175", &target]].concat(),
        );
        assert!(
            bad.contains("Invalid value") || bad.contains("INVALID-VALUE"),
            "via {port}: {bad}"
        );
        let out = run(
            &down,
            "upscmd",
            &[&login[..], &[&target, "beeper.disable"]].concat(),
        );
        assert_eq!(out, "SUCCESS\n", "upscmd via {port}");
    }
    let seen = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(seen.matches("INSTCMD beeper.disable").count(), 2, "{seen}");
    assert!(seen.contains("SET input.transfer.low 180"), "{seen}");
    // The upstream driver's answer comes back: dummy-ups knows no command (UNKNOWN), and a
    // repeater without a login is refused upstream.
    let command = |ups: &str, cmd: &str| {
        let target = format!("{ups}@127.0.0.1:{our_port}");
        run(&down, "upscmd", &[&login[..], &[&target, cmd]].concat())
    };
    let unknown = command("ours", "load.off");
    assert!(unknown.contains("UNKNOWN"), "{unknown}");
    let anon = command("anon", "beeper.enable");
    assert!(anon.contains("FAILED"), "{anon}");
    let seen = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!seen.contains("beeper.enable"), "{seen}");
}

/// (d): the upstream goes away → data stale downstream; it comes back → fresh again.
#[test]
fn upstream_gone_is_stale_and_back_recovers() {
    let up_port = free_port();
    let up = upstream(true, up_port);
    let (down, ports) = downstream(up_port);
    let before = upsc(&down, "ours", ports[0]);
    drop(up);
    for port in ports {
        wait_or_explain(
            || upsc(&down, "ours", port).contains("Data stale"),
            &format!("stale via {port}"),
            || upsc(&down, "ours", port),
        );
    }
    // The real 2.8.0 repeater keeps its last values fresh with the upstream gone (it logs
    // "Driver not connected" every poll but never goes stale): row 60.
    assert!(
        served(&down, "real", ports[0]),
        "{}",
        upsc(&down, "real", ports[0])
    );
    let _back = upstream(true, up_port);
    for port in ports {
        wait_or_explain(
            || served(&down, "ours", port),
            &format!("recovered via {port}"),
            || upsc(&down, "ours", port),
        );
    }
    assert_eq!(upsc(&down, "ours", ports[0]), before);
}

/// A repeater embedded in our upsd (`--embed-drivers`) publishes the upstream's values.
#[test]
fn embedded_repeater_publishes_the_upstream() {
    let up_port = free_port();
    let _up = upstream(true, up_port);
    let down = Sandbox::new("repeater-embedded");
    let target = format!("pyups@127.0.0.1:{up_port}");
    down.write("ups.conf", &repeater("embedded", &target, LOGIN));
    down.write("upsd.users", USERS);
    let port = free_port();
    let etc = down.etc();
    start_our_upsd(&down, port, move |config| {
        let embedded = nut_drivers::embed::embed_drivers(config, &etc).expect("embed");
        assert_eq!(embedded, 1);
    });
    wait_until(|| served(&down, "embedded", port), "the embedded repeater");
    let embedded = upsc(&down, "embedded", port);
    let upstream = upsc(&down, "pyups", up_port);
    let values = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("driver."))
            .map(String::from)
            .collect()
    };
    assert_eq!(values(&embedded), values(&upstream));
    assert!(
        embedded.contains("driver.parameter.mode: repeater"),
        "{embedded}"
    );
}

/// Strict start: an unreachable upstream ends the repeater (ours and the real one) with an
/// error; a malformed `port` is refused before anything starts.
#[test]
fn strict_start_and_malformed_ports_fail_like_the_real_dummy_ups() {
    let sandbox = Sandbox::new("repeater-strict");
    let gone = free_port();
    sandbox.write(
        "ups.conf",
        &[
            repeater("gone", &format!("ups@127.0.0.1:{gone}"), ""),
            repeater("bad", "ups@127.0.0.1:99999", ""),
        ]
        .concat(),
    );
    let start = |program: &str, ups: &str| {
        let args = [&["-a", ups, "-F"][..], &Sandbox::root_args()].concat();
        sandbox.client(program, &args)
    };
    let real = format!("{}/dummy-ups", nut_tests::realnut::NUT_BIN);
    for ups in ["gone", "bad"] {
        let (theirs, ours) = (start(&real, ups), start(OURS, ups));
        assert!(!theirs.status.success(), "real {ups}: {theirs:?}");
        assert!(!ours.status.success(), "ours {ups}: {ours:?}");
    }
    let text = |out: std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    let gone = text(start(OURS, "gone"));
    assert!(gone.contains("repeater_disable_strict_start"), "{gone}");
    let bad = text(start(OURS, "bad"));
    assert!(
        bad.contains("invalid UPS definition 'ups@127.0.0.1:99999'"),
        "{bad}"
    );
    assert!(!sandbox.state().join("dummy-ups-gone").exists());
}

/// Row 58: an upstream upsd with STARTTLS (ours, with a CERTFILE). The real 2.8.0 repeater
/// (`UPSCLI_CONN_TRYSSL`) and ours by default read it encrypted without checking the
/// certificate; ours with `certverify`/`certpath`/`forcessl` checks it against its CA and
/// would refuse clear text, so being served proves TLS; a certificate from another CA
/// leaves ours stale.
#[test]
fn repeater_over_starttls_matches_the_real_repeater() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let dir = nut_tests::fixtures_dir().join("dev");
    let mut up = Sandbox::new("repeater-tls-up");
    up.configure_devices(&[("a".to_string(), dir.join("minimal.dev"))]);
    up.start_real_driver("a");
    let ca = |file: &str| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("ca");
        up.write(file, &cert.pem());
        Issuer::new(params, key)
    };
    let issuer = ca("ca.pem");
    ca("other-ca.pem");
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("server certificate");
    let certfile = up.etc().join("upsd.pem");
    up.write("upsd.pem", &(cert.pem() + &key.serialize_pem()));
    up.write("upsd.conf", &format!("CERTFILE {}\n", certfile.display()));
    let up_port = free_port();
    start_our_upsd(&up, up_port, |_| {});
    wait_until(|| served(&up, "a", up_port), "a upstream");

    let target = format!("a@127.0.0.1:{up_port}");
    let check = |ca: &str| {
        format!(
            "\tcertverify = 1\n\tcertpath = {}\n\tforcessl = 1\n",
            up.etc().join(ca).display()
        )
    };
    let mut down = Sandbox::new("repeater-tls-down");
    down.write(
        "ups.conf",
        &[
            repeater("real", &target, ""),
            repeater("ours", &target, ""),
            repeater("verified", &target, &check("ca.pem")),
            repeater(
                "wrongca",
                &target,
                &(check("other-ca.pem") + "\trepeater_disable_strict_start\n"),
            ),
        ]
        .concat(),
    );
    down.write("upsd.users", USERS);
    down.start_real_driver("real");
    for ours in ["ours", "verified", "wrongca"] {
        down.start_dummy_ups(OURS, ours);
    }
    let port = free_port();
    start_our_upsd(&down, port, |_| {});
    for ups in ["real", "ours", "verified"] {
        wait_or_explain(
            || served(&down, ups, port),
            &format!("{ups} over TLS"),
            || upsc(&down, ups, port),
        );
    }
    let real = upsc(&down, "real", port);
    assert!(real.contains("battery.charge: 80"), "{real}");
    assert_eq!(upsc(&down, "ours", port), real);
    let verified: String = upsc(&down, "verified", port)
        .lines()
        .filter(|l| {
            !["certverify", "certpath", "forcessl"]
                .iter()
                .any(|key| l.starts_with(&format!("driver.parameter.{key}: ")))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(verified, real);
    let wrong = upsc(&down, "wrongca", port);
    assert!(wrong.contains("Data stale"), "{wrong}");
}
