use nut_core::{StateChange, VarFlags};
use nut_protocol::net::{ValueKind, VarType};

use super::*;
use crate::dummy::{Mode, OptionError};

fn options(port: &str) -> DummyOptions {
    DummyOptions::from_settings([("port", Some(port))]).expect("repeater options")
}

#[test]
fn the_port_names_the_upstream_ups() {
    let o = options("ups@example.net:4000");
    assert_eq!(o.mode, Mode::Repeater);
    let up = o.upstream.expect("upstream");
    assert_eq!(
        (up.ups.as_str(), up.host.as_str(), up.port),
        ("ups", "example.net", 4000)
    );
    let default_port = options("ups@host").upstream.expect("upstream");
    assert_eq!(default_port.port, 3493);
    let v6 = options("ups@[::1]:3494").upstream.expect("upstream");
    assert_eq!((v6.host.as_str(), v6.port), ("::1", 3494));
    let forced = DummyOptions::from_settings([("port", Some("ups")), ("mode", Some("repeater"))])
        .expect("mode=repeater");
    assert_eq!(forced.upstream.map(|a| a.host), Some("localhost".into()));
}

#[test]
fn a_malformed_port_is_a_typed_error() {
    for port in ["@host", "ups@", "ups@host:99999", "ups@host:x", "ups@host:"] {
        let result = DummyOptions::from_settings([("port", Some(port))]);
        assert!(
            matches!(&result, Err(OptionError::BadUpstream { port: p, .. }) if p == port),
            "{port}: {result:?}"
        );
    }
    let text = DummyOptions::from_settings([("port", Some("@host"))]).map_err(|e| e.to_string());
    assert_eq!(
        text,
        Err("invalid UPS definition '@host'. Required format: upsname[@hostname[:port]]".into())
    );
    assert!(matches!(
        DummyOptions::from_settings([("port", Some("u@h")), ("password", Some("p"))]),
        Err(OptionError::PasswordWithoutUser)
    ));
}

#[test]
fn strict_start_is_a_flag_and_the_password_is_not_published() {
    let o = DummyOptions::from_settings([
        ("port", Some("u@h")),
        ("repeater_disable_strict_start", None),
        ("username", Some("admin")),
        ("password", Some("secret")),
    ])
    .expect("options");
    assert!(o.lenient_start());
    let vars = o.driver_variables();
    assert!(vars.contains(&(
        "driver.flag.repeater_disable_strict_start".into(),
        "enabled".into()
    )));
    assert!(vars.contains(&("driver.parameter.username".into(), "admin".into())));
    assert!(vars.contains(&("driver.parameter.mode".into(), "repeater".into())));
    assert!(!vars.iter().any(|(_, v)| v == "secret"));
}

fn snapshot() -> Snapshot {
    let mut snapshot = Snapshot {
        values: vec![
            ("driver.name".into(), "usbhid-ups".into()),
            ("ups.status".into(), "OL".into()),
            ("ups.delay.shutdown".into(), "20".into()),
            ("ups.id".into(), "left".into()),
        ],
        commands: vec!["load.off".into(), "beeper.toggle".into()],
        ..Snapshot::default()
    };
    snapshot.typing.insert(
        "ups.delay.shutdown".into(),
        Typing {
            kind: VarType {
                writable: true,
                enumerated: true,
                ranged: true,
                kind: ValueKind::Number,
            },
            enums: vec!["20".into(), "60".into()],
            ranges: vec![nut_core::Range { min: 0, max: 100 }],
        },
    );
    snapshot.typing.insert(
        "ups.id".into(),
        Typing {
            kind: VarType {
                writable: true,
                enumerated: false,
                ranged: false,
                kind: ValueKind::String { max_len: 8 },
            },
            enums: Vec::new(),
            ranges: Vec::new(),
        },
    );
    snapshot
}

#[test]
fn the_mirror_keeps_typing_and_commands_but_not_the_upstream_driver() {
    let mut o = options("u@h");
    o.overrides.push(("ups.id".into(), "fixed".into()));
    let tree = mirror_tree(&o, &snapshot());
    assert_eq!(tree.value("driver.name"), Some("dummy-ups"));
    assert_eq!(tree.value("driver.parameter.port"), Some("u@h"));
    assert_eq!(tree.value("ups.status"), Some("OL"));
    let delay = tree.get("ups.delay.shutdown").expect("typed var");
    assert_eq!(delay.flags(), VarFlags::RW | VarFlags::NUMBER);
    assert_eq!(delay.enums(), ["20", "60"]);
    assert_eq!(delay.ranges(), [nut_core::Range { min: 0, max: 100 }]);
    let id = tree.get("ups.id").expect("string var");
    assert_eq!((id.value(), id.aux()), ("fixed", 8));
    assert!(id.flags().contains(VarFlags::RW | VarFlags::STRING));
    assert!(tree.has_command("beeper.toggle") && tree.has_command("load.off"));
    assert!(tree.get("ups.status").is_some_and(|v| v.flags().is_empty()));
}

#[test]
fn a_changed_upstream_is_a_diff() {
    let o = options("u@h");
    let before = mirror_tree(&o, &snapshot());
    let mut next = snapshot();
    next.values.retain(|(n, _)| n != "ups.id");
    next.values.push(("battery.charge".into(), "90".into()));
    next.commands.retain(|c| c != "beeper.toggle");
    let changes = tree_diff(&before, &mirror_tree(&o, &next));
    assert!(changes.contains(&StateChange::DelInfo {
        name: "ups.id".into()
    }));
    assert!(changes.contains(&StateChange::SetInfo {
        name: "battery.charge".into(),
        value: "90".into()
    }));
    assert!(changes.contains(&StateChange::DelCmd {
        name: "beeper.toggle".into()
    }));
}

#[tokio::test]
async fn an_unreachable_upstream_fails_a_strict_start_and_is_stale_otherwise() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let target = format!("ups@127.0.0.1:{port}");
    let strict = Repeater::connect(options(&target)).await;
    assert!(
        matches!(strict, Err(RepeaterError::Start { .. })),
        "{strict:?}"
    );
    let lenient = DummyOptions::from_settings([
        ("port", Some(target.as_str())),
        ("repeater_disable_strict_start", None),
    ])
    .expect("options");
    let mut repeater = Repeater::connect(lenient).await.expect("lenient start");
    assert!(!repeater.tree().data_ok());
    assert_eq!(
        repeater.tree().value("driver.parameter.mode"),
        Some("repeater")
    );
    assert!(
        repeater.poll().await.is_empty(),
        "stays stale, no repeated DATASTALE"
    );
}

#[test]
fn tls_keys_are_upsmons_switches_and_are_published() {
    let o = DummyOptions::from_settings([
        ("port", Some("u@h")),
        ("certverify", Some("1")),
        ("certpath", Some("/etc/nut/ca.pem")),
        ("forcessl", Some("0")),
    ])
    .expect("options");
    assert!(o.certverify && !o.forcessl);
    let vars = o.driver_variables();
    assert!(vars.contains(&("driver.parameter.certverify".into(), "1".into())));
    assert!(vars.contains(&("driver.parameter.certpath".into(), "/etc/nut/ca.pem".into())));
    assert!(
        !vars
            .iter()
            .any(|(name, _)| name == "driver.parameter.forcessl")
    );
    let bad = DummyOptions::from_settings([("port", Some("u@h")), ("forcessl", Some("yes"))]);
    assert_eq!(
        bad,
        Err(OptionError::BadSwitch {
            key: "forcessl".into(),
            value: "yes".into()
        })
    );
}

/// A CA, upsd's certificate for 127.0.0.1 signed by it, and another CA that did not sign it.
fn pki(name: &str) -> std::path::PathBuf {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let dir = std::env::temp_dir().join(format!("nut-rs-repeater-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca = |file: &str| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("ca");
        std::fs::write(dir.join(file), cert.pem()).expect("ca file");
        Issuer::new(params, key)
    };
    let issuer = ca("ca.pem");
    ca("other-ca.pem");
    let key = KeyPair::generate().expect("key");
    let server = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("server cert");
    std::fs::write(dir.join("upsd.pem"), server.pem() + &key.serialize_pem()).expect("certfile");
    dir
}

/// Our upsd serving `ups` (OL, battery.charge 90) on a free port, with STARTTLS when given
/// a certificate file.
async fn upsd(certfile: Option<&std::path::Path>) -> u16 {
    use nut_protocol::server::{ServerSettings, ServerState, UpsEntry};
    use nut_protocol::upsd::{Upsd, tls};
    let mut state = ServerState::new(
        ServerSettings::default(),
        vec![UpsEntry::new("ups", None)],
        Default::default(),
        3,
    );
    state.driver_connected(0, Duration::ZERO);
    let values = [("ups.status", "OL"), ("battery.charge", "90")];
    let changes = values.map(|(name, value)| StateChange::SetInfo {
        name: name.into(),
        value: value.into(),
    });
    for message in nut_protocol::sock::dump_reply(changes.to_vec(), true) {
        state.driver_message(0, &message, Duration::ZERO);
    }
    let upsd = Upsd::new(state);
    if let Some(certfile) = certfile {
        let request = nut_protocol::config::upsd_conf::CertRequest::No;
        upsd.set_tls(tls::acceptor(certfile, None, request).expect("acceptor"));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { upsd.serve_listeners(vec![listener]).await });
    port
}

fn repeater_options(port: u16, extra: &[(&str, Option<&str>)]) -> DummyOptions {
    let target = format!("ups@127.0.0.1:{port}");
    DummyOptions::from_settings(
        [("port", Some(target.as_str()))]
            .into_iter()
            .chain(extra.iter().copied()),
    )
    .expect("options")
}

fn mirrors(repeater: &Repeater) -> bool {
    let tree = repeater.tree();
    tree.data_ok()
        && tree.value("ups.status") == Some("OL")
        && tree.value("battery.charge") == Some("90")
}

#[tokio::test]
async fn an_upstream_with_starttls_is_read_encrypted_unverified_by_default() {
    let dir = pki("starttls");
    let port = upsd(Some(&dir.join("upsd.pem"))).await;
    // As dummy-ups' UPSCLI_CONN_TRYSSL: the certificate is not checked (its CA is unknown).
    let repeater = Repeater::connect(repeater_options(port, &[]))
        .await
        .expect("start");
    assert!(repeater.upstream_is_tls().await);
    assert!(mirrors(&repeater));
    // Checked against the CA that signed it, it passes too.
    let ca = dir.join("ca.pem");
    let ca = ca.to_str().expect("utf-8 path");
    let verified = [
        ("certverify", Some("1")),
        ("certpath", Some(ca)),
        ("forcessl", Some("1")),
    ];
    let mut repeater = Repeater::connect(repeater_options(port, &verified))
        .await
        .expect("verified start");
    assert!(repeater.upstream_is_tls().await);
    assert!(mirrors(&repeater));
    assert!(repeater.poll().await.is_empty(), "nothing changed upstream");
    assert!(repeater.upstream_is_tls().await);
}

#[tokio::test]
async fn an_upstream_without_tls_is_read_in_clear_unless_forcessl() {
    let port = upsd(None).await;
    let repeater = Repeater::connect(repeater_options(port, &[]))
        .await
        .expect("start");
    assert!(!repeater.upstream_is_tls().await);
    assert!(mirrors(&repeater));
    let forced = Repeater::connect(repeater_options(port, &[("forcessl", Some("1"))])).await;
    assert!(
        matches!(
            &forced,
            Err(RepeaterError::Start {
                error: UpstreamError::Lost(ClientError::TlsRequired)
            })
        ),
        "{forced:?}"
    );
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_a_typed_error_or_stale() {
    let dir = pki("wrong-ca");
    let port = upsd(Some(&dir.join("upsd.pem"))).await;
    let other = dir.join("other-ca.pem");
    let other = other.to_str().expect("utf-8 path");
    let verify = [("certverify", Some("1")), ("certpath", Some(other))];
    let strict = Repeater::connect(repeater_options(port, &verify)).await;
    assert!(
        matches!(
            &strict,
            Err(RepeaterError::Start {
                error: UpstreamError::Lost(ClientError::Tls(_))
            })
        ),
        "{strict:?}"
    );
    let lenient = [
        verify[0],
        verify[1],
        ("repeater_disable_strict_start", None),
    ];
    let mut repeater = Repeater::connect(repeater_options(port, &lenient))
        .await
        .expect("lenient start");
    assert!(!repeater.tree().data_ok());
    assert!(!repeater.upstream_is_tls().await);
    assert!(repeater.poll().await.is_empty(), "stays stale");
    assert_eq!(repeater.tree().value("ups.status"), None);
    // A CA file that cannot be read is refused before any connection.
    let missing = [
        ("certverify", Some("1")),
        ("certpath", Some("/nonexistent/ca.pem")),
    ];
    let refused = Repeater::new(repeater_options(port, &missing));
    assert!(
        matches!(&refused, Err(RepeaterError::Tls(ClientError::Tls(_)))),
        "{refused:?}"
    );
}
