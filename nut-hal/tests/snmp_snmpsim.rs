//! `AsyncSnmp` against a real snmpsim agent on 127.0.0.1 serving LibreNMS recordings
//! (tests/fixtures/snmp, see SOURCES.md there). snmpsim must be installed (Debian package
//! `snmpsim`, `snmpsimd`); these tests fail loudly when it is not.
#![cfg(feature = "snmp")]

mod snmpsim;

use std::time::Duration;

use nut_hal::snmp::{Snmp, SnmpValue, VarBind};
use nut_hal::snmp_async::{AsyncSnmp, SnmpError};
use nut_hal::snmp_settings::{SnmpSettings, SnmpVersion};
use nut_hal::{Error, ErrorKind};
use snmpsim::{
    Sim, UPS_MIB, fixtures, oid, recorded, settings, start_sim, start_sim_with_priv_users,
};

#[tokio::test]
async fn walk_get_getnext_getbulk_v2c_match_the_recording() {
    let sim = start_sim("v2c", &["riello.snmprec"]);
    let mut s = AsyncSnmp::connect(&settings(&sim, SnmpVersion::V2c, "riello"))
        .await
        .unwrap();
    let want = recorded("riello.snmprec", UPS_MIB);
    assert!(want.len() > 40);
    assert_eq!(s.walk(&oid(UPS_MIB)).await.unwrap(), want);

    // GET of several OIDs, in order.
    let got = s
        .get(&[want[3].oid.clone(), want[0].oid.clone()])
        .await
        .unwrap();
    assert_eq!(got, vec![want[3].clone(), want[0].clone()]);
    assert_eq!(
        s.get_value(&oid("1.3.6.1.2.1.33.1.1.1.0")).await.unwrap(),
        SnmpValue::OctetString(b"RPS SpA".to_vec())
    );

    // GETNEXT from an object (not instance) OID gives its first instance.
    let next = s.get_next(&[oid("1.3.6.1.2.1.33.1.2")]).await.unwrap();
    assert_eq!(next, vec![want[1].clone()]);

    // GETBULK: one non-repeater (sysDescr) then five repetitions down the input table.
    let bulk = s
        .get_bulk(
            1,
            5,
            &[oid("1.3.6.1.2.1.1.1"), oid("1.3.6.1.2.1.33.1.3.3.1.2")],
        )
        .await
        .unwrap();
    assert_eq!(bulk.len(), 6);
    assert_eq!(
        bulk[0].value,
        SnmpValue::OctetString(b"Netman 204".to_vec())
    );
    let start = want
        .iter()
        .position(|v| v.oid == oid("1.3.6.1.2.1.33.1.3.3.1.2.1"))
        .unwrap();
    assert_eq!(&bulk[1..], &want[start..start + 5]);

    // v2c: a missing object is an exception value, and a typed not-found for get_value.
    let missing = oid("1.3.6.1.2.1.33.1.1.99.0");
    let got = s.get(std::slice::from_ref(&missing)).await.unwrap();
    assert!(matches!(
        got[0].value,
        SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance
    ));
    let e = s.get_value(&missing).await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test]
async fn v1_walks_by_getnext_has_no_getbulk_and_says_nosuchname() {
    let sim = start_sim("v1", &["deltaups.snmprec"]);
    let mut s = AsyncSnmp::connect(&settings(&sim, SnmpVersion::V1, "deltaups"))
        .await
        .unwrap();
    // The recording's quirks (an OID without `.0`, NULL values) survive the walk.
    let want = recorded("deltaups.snmprec", UPS_MIB);
    assert!(want.iter().any(|v| v.value == SnmpValue::Null));
    assert_eq!(s.walk(&oid(UPS_MIB)).await.unwrap(), want);

    let e = s.get_bulk(0, 5, &[oid(UPS_MIB)]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);

    let e = s.get(&[oid("1.3.6.1.2.1.33.1.1.99.0")]).await.unwrap_err();
    assert!(matches!(e, SnmpError::NoSuchName { .. }), "{e:?}");
    assert!(e.is_not_found());
}

#[tokio::test]
async fn set_is_accepted_or_refused_typed() {
    let sim = start_sim("set", &["writable.snmprec"]);
    let mut s = AsyncSnmp::connect(&settings(&sim, SnmpVersion::V2c, "writable"))
        .await
        .unwrap();
    let low_batt = oid("1.3.6.1.2.1.33.1.9.7.0");
    let answer = s
        .set(&[VarBind {
            oid: low_batt.clone(),
            value: SnmpValue::Integer(5),
        }])
        .await
        .unwrap();
    assert_eq!(answer[0].value, SnmpValue::Integer(5));
    assert_eq!(s.get_value(&low_batt).await.unwrap(), SnmpValue::Integer(5));

    // Out of the agent's range: wrongValue, a protocol error with its status.
    let e = s
        .set(&[VarBind {
            oid: low_batt.clone(),
            value: SnmpValue::Integer(99),
        }])
        .await
        .unwrap_err();
    assert!(matches!(e, SnmpError::Status { status: 10, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Protocol);

    // An object the agent declares read-only: notWritable, a permission error.
    let e = s
        .set(&[VarBind {
            oid: oid("1.3.6.1.2.1.33.1.9.9.0"),
            value: SnmpValue::Integer(2),
        }])
        .await
        .unwrap_err();
    assert!(matches!(e, SnmpError::Status { status: 17, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    // A plain recorded value: snmpsim answers noSuchInstance, a typed not-found.
    let e = s
        .set(&[VarBind {
            oid: oid("1.3.6.1.2.1.33.1.9.8.0"),
            value: SnmpValue::Integer(2),
        }])
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    // Values the wire cannot carry are refused before sending.
    let e = s
        .set(&[VarBind {
            oid: low_batt,
            value: SnmpValue::Integer(1 << 40),
        }])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn wrong_community_times_out() {
    let sim = start_sim("community", &["riello.snmprec"]);
    let mut set = settings(&sim, SnmpVersion::V2c, "not-a-community");
    set.timeout = Duration::from_millis(300);
    let mut s = AsyncSnmp::connect(&set).await.unwrap();
    let e = s.get(&[oid("1.3.6.1.2.1.33.1.1.1.0")]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(matches!(e, SnmpError::Timeout { retries: 1 }));
}

#[tokio::test]
async fn v3_auth_walks_and_a_wrong_key_is_refused() {
    let sim = start_sim("v3", &["riello.snmprec"]);
    let opts = |auth: &'static str| {
        [
            ("snmp_version", "v3"),
            ("secLevel", "authNoPriv"),
            ("secName", "nutuser"),
            ("authPassword", auth),
            ("authProtocol", "SHA"),
            ("snmp_timeout", "2"),
            ("snmp_retries", "1"),
        ]
    };
    let port = format!("127.0.0.1:{}", sim.port);
    let mut set = SnmpSettings::from_nut(&port, opts("authpass123")).unwrap();
    set.context = "riello".into();
    let mut s = AsyncSnmp::connect(&set).await.unwrap();
    assert_eq!(
        s.walk(&oid(UPS_MIB)).await.unwrap(),
        recorded("riello.snmprec", UPS_MIB)
    );

    let mut bad = SnmpSettings::from_nut(&port, opts("wrongpass123")).unwrap();
    bad.context = "riello".into();
    bad.timeout = Duration::from_millis(500);
    let e = match AsyncSnmp::connect(&bad).await {
        Err(e) => e,
        Ok(mut s) => s.get(&[oid("1.3.6.1.2.1.33.1.1.1.0")]).await.unwrap_err(),
    };
    // The agent's usmStatsWrongDigests report is itself unauthenticated, and async-snmp
    // (rightly, RFC 3414 §3.2) does not trust it: the caller sees no valid answer.
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");

    // DES privacy without a state directory is refused, typed, before anything is sent.
    let mut des = SnmpSettings::from_nut(&port, opts("authpass123")).unwrap();
    des.sec_level = nut_hal::snmp_settings::SecLevel::AuthPriv;
    des.priv_password = "privpass123".into();
    let e = AsyncSnmp::connect(&des).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

/// authPriv settings for `user` of [`start_sim_with_priv_users`] with this privacy key.
fn priv_settings(sim: &Sim, user: &str, proto: &str, priv_password: &str) -> SnmpSettings {
    let port = format!("127.0.0.1:{}", sim.port);
    let opts = [
        ("snmp_version", "v3"),
        ("secLevel", "authPriv"),
        ("secName", user),
        ("authPassword", "authpass123"),
        ("authProtocol", "SHA"),
        ("privPassword", priv_password),
        ("privProtocol", proto),
        ("snmp_timeout", "2"),
        ("snmp_retries", "1"),
    ];
    let mut set = SnmpSettings::from_nut(&port, opts).unwrap();
    set.context = "riello".into();
    set
}

/// GET and WALK of the UPS MIB over `set`, compared with the recording.
async fn get_and_walk_match_the_recording(set: &SnmpSettings) {
    let mut s = AsyncSnmp::connect(set).await.unwrap();
    assert_eq!(
        s.get(&[oid("1.3.6.1.2.1.33.1.1.1.0")]).await.unwrap(),
        vec![VarBind {
            oid: oid("1.3.6.1.2.1.33.1.1.1.0"),
            value: SnmpValue::OctetString(b"RPS SpA".to_vec()),
        }]
    );
    assert_eq!(
        s.walk(&oid(UPS_MIB)).await.unwrap(),
        recorded("riello.snmprec", UPS_MIB)
    );
}

/// A wrong privacy key over `set`: the agent cannot decrypt, we accept no answer.
async fn a_wrong_privacy_key_gets_no_answer(mut set: SnmpSettings) {
    set.priv_password = "wrongpriv123".into();
    set.timeout = Duration::from_millis(500);
    let mut s = AsyncSnmp::connect(&set).await.unwrap();
    let e = s.get(&[oid("1.3.6.1.2.1.33.1.1.1.0")]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
}

/// authPriv with AES-128 (SHA authentication): GET and WALK give the recording; a wrong
/// privacy key gets no answer we accept. snmpsim's padding is made RFC 3826-conformant, see
/// `snmpsim::RFC3826_SNMPSIMD`; net-snmp's `snmpget` works against either.
#[tokio::test]
async fn v3_aes_privacy_gets_and_walks() {
    let sim = start_sim_with_priv_users("v3-aes", &["riello.snmprec"]);
    let set = priv_settings(&sim, "nutpriv", "AES", "privpass123");
    get_and_walk_match_the_recording(&set).await;
    a_wrong_privacy_key_gets_no_answer(set).await;
}

/// authPriv with DES: each session leases a fresh boots epoch from the state directory, so
/// no DES salt repeats across sessions or restarts; a broken state directory is a typed error.
#[tokio::test]
async fn v3_des_privacy_gets_and_walks_with_durable_salt_state() {
    let sim = start_sim_with_priv_users("v3-des", &["riello.snmprec"]);
    let state = std::env::temp_dir().join(format!("nut-hal-des-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let mut set = priv_settings(&sim, "nutdes", "DES", "privpass123");
    set.des_state_dir = Some(state.display().to_string());
    let records = || {
        let mut names: Vec<String> = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    get_and_walk_match_the_recording(&set).await;
    assert_eq!(records(), ["boots.1"]);
    get_and_walk_match_the_recording(&set).await;
    assert_eq!(records(), ["boots.2"]);
    a_wrong_privacy_key_gets_no_answer(set.clone()).await;

    std::fs::write(state.join("boots.7"), "").unwrap();
    let e = AsyncSnmp::connect(&set).await.unwrap_err();
    assert!(matches!(e, SnmpError::DesState(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Io);
    std::fs::remove_dir_all(&state).unwrap();
    std::fs::write(&state, "a file, not a directory").unwrap();
    let e = AsyncSnmp::connect(&set).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    std::fs::remove_file(&state).unwrap();
}

/// The same queries to snmpsim and to `ReplayingSnmp` over the same recording.
#[tokio::test]
async fn replaying_snmp_answers_like_snmpsim() {
    use nut_hal::snmp_wrap::{AgentRules, ReplayingSnmp};
    let sim = start_sim("replay", &["riello.snmprec", "deltaups.snmprec"]);
    for (file, version, rules) in [
        ("riello", SnmpVersion::V2c, AgentRules::V2c),
        ("deltaups", SnmpVersion::V1, AgentRules::V1),
    ] {
        let text = std::fs::read_to_string(fixtures().join(format!("{file}.snmprec"))).unwrap();
        let mut fake = ReplayingSnmp::from_snmprec(&text)
            .unwrap()
            .with_rules(rules);
        let mut real = AsyncSnmp::connect(&settings(&sim, version, file))
            .await
            .unwrap();
        for root in ["1.3.6.1.2.1.1", UPS_MIB, "1.3.6.1.2.1.33.1.4"] {
            assert_eq!(
                real.walk(&oid(root)).await.unwrap(),
                fake.walk(&oid(root)).await.unwrap(),
                "{file} walk {root}"
            );
        }
        let probes = [
            oid("1.3.6.1.2.1.1.1.0"),
            oid("1.3.6.1.2.1.33.1.2"),
            oid("1.3.6.1.2.1.33.1.4.4.1.2"),
        ];
        assert_eq!(
            real.get_next(&probes).await.unwrap(),
            fake.get_next(&probes).await.unwrap(),
            "{file} getnext"
        );
        let present = [oid("1.3.6.1.2.1.33.1.2.1.0"), oid("1.3.6.1.2.1.1.1.0")];
        assert_eq!(
            real.get(&present).await.unwrap(),
            fake.get(&present).await.unwrap()
        );
        let missing = [oid("1.3.6.1.2.1.33.1.2.99.0")];
        match rules {
            AgentRules::V2c => {
                let (r, f) = (
                    real.get(&missing).await.unwrap(),
                    fake.get(&missing).await.unwrap(),
                );
                assert!(matches!(
                    (&r[0].value, &f[0].value),
                    (
                        SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance,
                        SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance
                    )
                ));
                let bulk = [oid("1.3.6.1.2.1.1.3"), oid("1.3.6.1.2.1.33.1.3.3.1")];
                assert_eq!(
                    real.get_bulk(1, 4, &bulk).await.unwrap(),
                    fake.get_bulk(1, 4, &bulk).await.unwrap()
                );
            }
            AgentRules::V1 => {
                assert!(real.get(&missing).await.unwrap_err().is_not_found());
                assert!(fake.get(&missing).await.unwrap_err().is_not_found());
            }
        }
    }
}
