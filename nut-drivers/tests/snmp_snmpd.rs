//! The `snmp-ups` program (settings under NUT's option names → `AsyncSnmp` → `SnmpUps`)
//! against a real net-snmp agent (`/usr/sbin/snmpd`, see `snmpd/mod.rs`) made to look like an
//! RFC 1628 UPS: SNMPv3 authNoPriv, authPriv AES and authPriv DES (NUT's default privacy
//! protocol, with durable DES state), wrong keys and communities as typed errors.
#![cfg(feature = "snmp")]

mod snmpd;

use std::collections::BTreeMap;

use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig, Family, PortOpener};
use nut_drivers::snmp::SnmpUpsProgram;
use nut_hal::ErrorKind;

fn config(pairs: &[(&str, &str)]) -> DriverConfig {
    let mut c = DriverConfig::default();
    c.push("driver", Some("snmp-ups"));
    for (k, v) in pairs {
        c.push(k, Some(v));
    }
    c
}

/// What one program run shows after identify and one poll: every variable, `ups.status`,
/// and the table of the mapping chosen.
struct Run {
    values: BTreeMap<String, String>,
    mapping: String,
}

async fn run(pairs: &[(&str, &str)]) -> Result<Run, DeviceError> {
    let (mut ups, mut opener) = SnmpUpsProgram::from_config(&config(pairs)).expect("settings");
    let mut port = opener.open().await?;
    let identity = ups.identify(&mut port).await?;
    let reading = ups.update(&mut port).await?;
    let mut values: BTreeMap<String, String> = identity.info.values.into_iter().collect();
    values.extend(reading.values.iter().cloned());
    values.insert("ups.status".into(), reading.status_text());
    Ok(Run {
        values,
        mapping: ups.mapping().map(|m| m.table.clone()).unwrap_or_default(),
    })
}

fn v3<'a>(agent: &'a str, user: &'a str, level: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("port", agent),
        ("mibs", "auto"),
        ("snmp_version", "v3"),
        ("secLevel", level),
        ("secName", user),
        ("authPassword", "authpass123"),
        ("snmp_timeout", "1"),
        ("snmp_retries", "1"),
    ]
}

/// What the overrides in `snmpd/mod.rs` must give through the ietf mapping.
fn assert_ietf_ups(run: &Run) {
    // tripplite_ietf comes before ietf in mibs=auto order and probes the same model OID, as
    // in NUT 2.8.0: both drive the ietf table.
    assert_eq!(run.mapping, "ietf_mib", "{:?}", run.values);
    let v = |name: &str| run.values.get(name).map(String::as_str);
    assert_eq!(v("ups.mfr"), Some("RustUPS Inc"));
    assert_eq!(v("device.model"), Some("Model 1628"));
    assert_eq!(v("ups.firmware"), Some("fw-2.1"));
    assert_eq!(v("battery.runtime"), Some("2700"), "45 min × 60");
    assert_eq!(v("battery.charge"), Some("97"));
    assert_eq!(v("battery.voltage"), Some("54.40"));
    assert_eq!(v("input.frequency"), Some("50"));
    assert_eq!(v("output.voltage"), Some("231"));
    assert_eq!(v("ups.status"), Some("OL"));
    // The host's own MIB-2 comes through the same mapping.
    assert!(v("device.description").is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn v3_auth_no_priv_sha_finds_the_ietf_ups() {
    let agent = snmpd::start("authnopriv");
    let address = agent.address();
    let mut pairs = v3(&address, "nutauth", "authNoPriv");
    pairs.push(("authProtocol", "SHA"));
    let run = run(&pairs)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", agent.log()));
    assert_ietf_ups(&run);
}

#[tokio::test]
async fn v3_auth_priv_aes() {
    let agent = snmpd::start("aes");
    let address = agent.address();
    let mut pairs = v3(&address, "nutaes", "authPriv");
    pairs.extend([
        ("authProtocol", "SHA"),
        ("privProtocol", "AES"),
        ("privPassword", "privpass123"),
    ]);
    let run = run(&pairs)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", agent.log()));
    assert_ietf_ups(&run);
}

/// NUT's defaults are authProtocol MD5 and privProtocol DES: with neither given, DES works
/// and keeps its salt state in the configured directory.
#[tokio::test]
async fn v3_auth_priv_des_with_nuts_default_protocols() {
    let agent = snmpd::start("des");
    let address = agent.address();
    let state = agent.dir.join("des-state");
    let state_text = state.to_string_lossy().into_owned();
    let mut pairs = v3(&address, "nutdes", "authPriv");
    pairs.extend([
        ("privPassword", "privpass123"),
        ("des_state_dir", state_text.as_str()),
    ]);
    let run1 = run(&pairs)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", agent.log()));
    assert_ietf_ups(&run1);
    let records = || -> Vec<String> {
        std::fs::read_dir(&state)
            .expect("DES state directory made")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(records(), ["boots.1"]);
    // A second session (a restart) leases a new epoch: no salt is used twice.
    run(&pairs).await.expect("second session");
    assert_eq!(records(), ["boots.2"]);
}

/// A wrong key: net-snmp answers with an unauthenticated `usmStatsWrongDigests` Report,
/// which async-snmp 0.18.1 does not accept as the answer (it cannot be authenticated), so
/// the request ends as a typed timeout, after one request's retries — at the first request
/// (sysObjectID), with no MIB probed. NUT says "Authentication failure" here
/// (docs/DIFFERENCES.md).
/// Starts an agent named `name` and runs start-up as v3 user `user` with `extra` settings:
/// the agent's refusal must end start-up at its first request (the sysObjectID GET) as a
/// typed timeout.
async fn refused_at_the_first_request(name: &str, user: &str, extra: &[(&str, &str)]) {
    let agent = snmpd::start(name);
    let address = agent.address();
    let mut pairs = v3(&address, user, "authNoPriv");
    pairs.extend_from_slice(extra);
    let err = run(&pairs).await.err().expect("refused");
    assert!(
        matches!(err, DeviceError::Transport { kind: ErrorKind::Timeout, ref operation, .. }
            if operation == "GET 1.3.6.1.2.1.1.2.0"),
        "{name}: {err:?}"
    );
}

#[tokio::test]
async fn v3_wrong_password_is_a_typed_error_at_the_first_request() {
    refused_at_the_first_request(
        "wrongpass",
        "nutauth",
        &[("authProtocol", "SHA"), ("authPassword", "not-the-key")],
    )
    .await;
}

#[tokio::test]
async fn v3_unknown_user_is_a_typed_error_at_the_first_request() {
    refused_at_the_first_request("nouser", "nobody", &[("authProtocol", "SHA")]).await;
}

/// A wrong privacy key with the right authentication key.
#[tokio::test]
async fn v3_wrong_privacy_key_is_a_typed_error() {
    let agent = snmpd::start("wrongpriv");
    let address = agent.address();
    let mut pairs = v3(&address, "nutaes", "authPriv");
    pairs.extend([
        ("authProtocol", "SHA"),
        ("privProtocol", "AES"),
        ("privPassword", "not-the-key"),
    ]);
    let err = run(&pairs)
        .await
        .err()
        .expect("a wrong privacy key is refused");
    assert!(
        matches!(err.kind(), ErrorKind::Timeout | ErrorKind::PermissionDenied),
        "{err:?}"
    );
    assert!(err.to_string().contains("1.3.6.1.2.1.1.2.0"), "{err}");
}

/// A wrong community is dropped silently by the agent: a timeout, after one request's
/// retries (the sysObjectID GET), not one per mapping probed.
#[tokio::test]
async fn v2c_wrong_community_times_out_once() {
    let agent = snmpd::start("community");
    let address = agent.address();
    let pairs = [
        ("port", address.as_str()),
        ("mibs", "auto"),
        ("snmp_version", "v2c"),
        ("community", "wrong"),
        ("snmp_timeout", "1"),
        ("snmp_retries", "0"),
    ];
    let err = run(&pairs).await.err().expect("no answer");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("1.3.6.1.2.1.1.2.0"), "{err}");
    let right = [
        ("port", address.as_str()),
        ("mibs", "auto"),
        ("snmp_version", "v2c"),
        ("community", "public"),
    ];
    assert_ietf_ups(&run(&right).await.expect("public works"));
}

/// Writable variables over SNMPv3: the same list NUT 2.8.0's `upsrw` shows against this
/// agent (checked by hand with the real snmp-ups, upsd and upsrw), and SETs that reach the
/// agent with the object's own type.
#[tokio::test]
async fn v3_writable_variables_and_sets() {
    use nut_drivers::device::{CommandError, Writable};
    use nut_hal::snmp::SnmpValue;
    let agent = snmpd::start("set");
    let address = agent.address();
    let mut pairs = v3(&address, "nutauth", "authNoPriv");
    pairs.push(("authProtocol", "SHA"));
    let (mut ups, mut opener) = SnmpUpsProgram::from_config(&config(&pairs)).expect("settings");
    let mut port = opener.open().await.expect("session");
    let identity = ups.identify(&mut port).await.expect("identified");
    let text = |n| Writable::String(n);
    assert_eq!(
        identity.writable,
        [
            ("device.description".to_string(), text(128)),
            ("device.contact".to_string(), text(128)),
            ("device.location".to_string(), text(128)),
            ("ups.timer.shutdown".to_string(), text(8)),
            ("ups.timer.start".to_string(), text(8)),
        ]
    );
    // sysContact is an OCTET STRING; the RFC 1628 timer an INTEGER (NUT 2.8.0 sends it an
    // OCTET STRING and the agent refuses: docs/DIFFERENCES.md).
    ups.set_var(&mut port, "device.contact", "ops@example")
        .await
        .expect("contact set");
    ups.set_var(&mut port, "ups.timer.shutdown", "30")
        .await
        .expect("timer set");
    let get = |oid: &str| oid.parse().expect("oid");
    assert_eq!(
        port.get_value(&get("1.3.6.1.2.1.1.4.0"))
            .await
            .expect("read"),
        SnmpValue::OctetString(b"ops@example".to_vec())
    );
    assert_eq!(
        port.get_value(&get("1.3.6.1.2.1.33.1.8.2.0"))
            .await
            .expect("read"),
        SnmpValue::Integer(30)
    );
    let reading = ups.update(&mut port).await.expect("polled");
    assert_eq!(reading.get("device.contact"), Some("ops@example"));
    assert_eq!(reading.get("ups.timer.shutdown"), Some("30"));
    // sysDescr is read-only in the agent: the agent refuses, typed.
    match ups.set_var(&mut port, "device.description", "x").await {
        Err(CommandError::Failed(e)) => assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}"),
        other => panic!("sysDescr written? {other:?}"),
    }
    // Longer than the row allows, not a number for an INTEGER, read-only, unknown.
    assert_eq!(
        ups.set_var(&mut port, "ups.timer.start", "123456789").await,
        Err(CommandError::Invalid)
    );
    assert_eq!(
        ups.set_var(&mut port, "ups.timer.start", "soon").await,
        Err(CommandError::Invalid)
    );
    assert_eq!(
        ups.set_var(&mut port, "battery.charge", "50").await,
        Err(CommandError::Invalid)
    );
    assert_eq!(
        ups.set_var(&mut port, "no.such.var", "1").await,
        Err(CommandError::Unknown)
    );
}

/// The whole driver runtime over a real agent that goes away mid-run and comes back (a
/// reboot: same port, its SNMPv3 engine boots counter up by one): the data goes stale,
/// then fresh again without a restart of the driver.
async fn survives_an_agent_restart(name: &str, extra: &[(&str, &str)]) {
    use nut_core::{StateChange, StateTree};
    use nut_drivers::device::Runner;
    use nut_drivers::runtime::{Output, Serve};
    use nut_protocol::sock::DriverMessage;
    let mut agent = snmpd::start(name);
    let address = agent.address();
    let mut pairs = vec![
        ("port", address.as_str()),
        ("mibs", "ietf"),
        ("pollinterval", "1"),
        ("snmp_timeout", "1"),
        ("snmp_retries", "0"),
    ];
    pairs.extend_from_slice(extra);
    let cfg = config(&pairs);
    let (ups, opener) = SnmpUpsProgram::from_config(&cfg).expect("settings");
    let runner = Runner::new(ups, opener, &cfg, SnmpUpsProgram::config_keys()).expect("runner");
    let mut tree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    let mut link = runner.start();
    let mut until = async |what: &str, done: &dyn Fn(&StateTree) -> bool| {
        while !done(&tree) {
            let output = tokio::time::timeout(Duration::from_secs(120), link.output.recv())
                .await
                .unwrap_or_else(|_| panic!("{name}: no {what}"))
                .expect("driver running");
            if let Output::Broadcast(DriverMessage::Change(change)) = output {
                tree.apply(&change);
            }
        }
    };
    let fresh = |t: &StateTree| t.data_ok() && t.value("ups.status") == Some("OL");
    until("first good poll", &fresh).await;
    agent.stop();
    until("stale data", &|t: &StateTree| !t.data_ok()).await;
    agent.restart();
    until("fresh data after the restart", &fresh).await;
    assert_eq!(tree.value("ups.mfr"), Some("RustUPS Inc"));
}

use std::time::Duration;

#[tokio::test]
async fn v2c_survives_an_agent_restart() {
    survives_an_agent_restart("restart-v2c", &[("snmp_version", "v2c")]).await;
}

#[tokio::test]
async fn v3_auth_priv_aes_survives_an_agent_restart() {
    survives_an_agent_restart(
        "restart-v3",
        &[
            ("snmp_version", "v3"),
            ("secLevel", "authPriv"),
            ("secName", "nutaes"),
            ("authPassword", "authpass123"),
            ("authProtocol", "SHA"),
            ("privProtocol", "AES"),
            ("privPassword", "privpass123"),
        ],
    )
    .await;
}

/// An SNMPv3 session outlives an agent reboot (engine boots and time start over): the
/// first request after it may time out (async-snmp drops the answer to the old session as
/// untimely), then `AsyncSnmp` discovers the engine again and the next one is answered.
#[tokio::test]
async fn v3_session_recovers_after_the_agent_reboots() {
    let mut agent = snmpd::start("reboot");
    let address = agent.address();
    let mut pairs = v3(&address, "nutaes", "authPriv");
    pairs.extend([
        ("authProtocol", "SHA"),
        ("privProtocol", "AES"),
        ("privPassword", "privpass123"),
        ("snmp_retries", "0"),
    ]);
    let (_, mut opener) = SnmpUpsProgram::from_config(&config(&pairs)).expect("settings");
    let mut port = opener.open().await.expect("session");
    let mfr = "1.3.6.1.2.1.33.1.1.1.0".parse().expect("oid");
    let expected = nut_hal::snmp::SnmpValue::OctetString(b"RustUPS Inc".to_vec());
    assert_eq!(port.get_value(&mfr).await.expect("answered"), expected);
    agent.restart();
    let first = port.get_value(&mfr).await;
    assert!(
        first.as_ref().is_ok_and(|v| *v == expected)
            || first
                .as_ref()
                .is_err_and(|e| nut_hal::Error::kind(e) == ErrorKind::Timeout),
        "{first:?}"
    );
    assert_eq!(
        port.get_value(&mfr).await.expect("answered again"),
        expected
    );
}
