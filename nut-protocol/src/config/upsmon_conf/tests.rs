//! upsmon.conf tests.

use super::*;
use alloc::string::ToString;

const SAMPLE: &str = r#"# every directive of upsmon.conf
MONITOR myups@localhost 1 monuser "pass word" primary
MONITOR other@[::1]:4000 2 mon2 p2 slave
MONITOR watch@10.0.0.5 0 viewer v secondary
MINSUPPLIES 2
SHUTDOWNCMD "/sbin/shutdown -h +0"
SHUTDOWNEXIT 30
NOTIFYCMD /usr/sbin/upssched
NOTIFYMSG ONLINE "UPS %s is back"
NOTIFYMSG ALARM "UPS %s alarms: %s"
NOTIFYFLAG ONLINE SYSLOG+WALL+EXEC
NOTIFYFLAG lowbatt IGNORE
POLLFREQ 10
POLLFREQALERT 2
DEADTIME 25
HOSTSYNC 20
FINALDELAY 3
RBWARNTIME 3600
NOCOMMWARNTIME 600
POWERDOWNFLAG /etc/killpower
OFFDURATION -1
OVERDURATION 60
OBLBDURATION 10
ALARMCRITICAL 0
POLLFAIL_LOG_THROTTLE_MAX 100
RUN_AS_USER nut
CERTPATH /etc/nut/cert
CERTFILE /etc/nut/client.pem
CERTIDENT "my client" dbpass
CERTHOST localhost upsd-cert 1 0
CERTVERIFY 1
FORCESSL 1
DEBUG_MIN 1
"#;

#[test]
fn sample_with_every_directive() {
    let parsed = parse(SAMPLE.as_bytes(), "upsmon.conf");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let c = parsed.config;
    assert_eq!(c.monitors.len(), 3);
    assert_eq!(c.monitors[0].password, "pass word");
    assert_eq!(c.monitors[1].address.host, "::1");
    assert_eq!(c.monitors[1].address.port, 4000);
    assert_eq!(c.monitors[1].role, Role::Secondary);
    assert_eq!(c.monitors[2].power_value, 0);
    assert_eq!(c.total_power_value(), 3);
    assert_eq!(c.min_supplies, 2);
    assert_eq!(c.shutdown_exit, ShutdownExit::After(30));
    assert_eq!(c.notify_cmd.as_deref(), Some("/usr/sbin/upssched"));
    assert_eq!(c.message(NotifyType::Online), "UPS %s is back");
    assert_eq!(c.message(NotifyType::OnBatt), "UPS %s on battery");
    assert_eq!(
        c.flags(NotifyType::Online),
        NotifyFlags::SYSLOG | NotifyFlags::WALL | NotifyFlags::EXEC
    );
    assert_eq!(c.flags(NotifyType::LowBatt), NotifyFlags::IGNORE);
    assert_eq!(c.flags(NotifyType::Fsd), NotifyFlags::DEFAULT);
    assert_eq!(
        (c.poll_freq, c.poll_freq_alert, c.deadtime, c.hostsync),
        (10, 2, 25, 20)
    );
    assert_eq!(
        (c.final_delay, c.rb_warn_time, c.nocomm_warn_time),
        (3, 3600, 600)
    );
    assert_eq!(c.powerdown_flag.as_deref(), Some("/etc/killpower"));
    assert_eq!(
        (c.off_duration, c.over_duration, c.oblb_duration),
        (-1, 60, 10)
    );
    assert!(!c.alarm_critical);
    assert_eq!(c.pollfail_log_throttle_max, 100);
    assert_eq!(c.run_as_user.as_deref(), Some("nut"));
    assert_eq!(c.cert_path.as_deref(), Some("/etc/nut/cert"));
    assert_eq!(c.cert_file.as_deref(), Some("/etc/nut/client.pem"));
    assert_eq!(c.cert_ident.as_deref(), Some("my client"));
    assert_eq!(c.cert_ident_password(), Some("dbpass"));
    assert_eq!(c.cert_hosts[0].cert_name, "upsd-cert");
    assert!(c.cert_hosts[0].verify && !c.cert_hosts[0].force_ssl);
    assert!(c.cert_verify && c.force_ssl);
    assert_eq!(c.debug_min, Some(1));
    let debug = alloc::format!("{c:?}");
    assert!(!debug.contains("pass word") && !debug.contains("dbpass"));
}

#[test]
fn defaults() {
    let c = parse(b"", "upsmon.conf").config;
    assert_eq!(
        (
            c.min_supplies,
            c.poll_freq,
            c.deadtime,
            c.hostsync,
            c.final_delay
        ),
        (1, 5, 15, 15, 5)
    );
    assert_eq!(
        (c.off_duration, c.over_duration, c.oblb_duration),
        (30, -1, 0)
    );
    assert_eq!(c.shutdown_exit, ShutdownExit::Yes);
    assert!(c.alarm_critical);
}

#[test]
fn old_five_word_monitor_is_an_error() {
    let parsed = parse(b"MONITOR ups@host 1 pass primary\n", "upsmon.conf");
    let e: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
    assert_eq!(e, [(1, "MONITOR".to_string())]);
}

#[test]
fn all_errors_with_line_and_word_and_unknown_directives_warn() {
    let text = b"MONITOR ups@host:x 1 u p primary\nMONITOR ups@host one u p primary\nMONITOR ups@host 1 u p boss\n\
DEADTIME soon\nNOTIFYMSG NOPE \"x\"\nNOTIFYMSG ONLINE \"%s %s\"\nNOTIFYMSG ONLINE \"%d\"\nNOTIFYFLAG ONBATT SYSLOG+SMOKE\nSHUTDOWNEXIT maybe\nFROBNICATE 1\nDEADTIME 30\n";
    let parsed = parse(text, "upsmon.conf");
    let e: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
    assert_eq!(
        e,
        [
            (1, "ups@host:x".to_string()),
            (2, "one".to_string()),
            (3, "boss".to_string()),
            (4, "soon".to_string()),
            (5, "NOPE".to_string()),
            (6, "%s %s".to_string()),
            (7, "%d".to_string()),
            (8, "SYSLOG+SMOKE".to_string()),
            (9, "maybe".to_string()),
        ]
    );
    let w: Vec<_> = parsed
        .warnings()
        .map(|d| (d.line, d.word.clone()))
        .collect();
    assert_eq!(w, [(10, "FROBNICATE".to_string())]);
    assert_eq!(parsed.config.deadtime, 30);
    assert!(parsed.config.monitors.is_empty());
}

#[test]
fn notify_types_cover_the_table() {
    assert_eq!(NotifyType::ALL.len(), 32);
    for kind in NotifyType::ALL {
        assert_eq!(NotifyType::from_name(kind.name()), Some(*kind));
        assert!(
            count_string_arguments(kind.default_message()).is_ok_and(|n| n <= kind.max_arguments())
        );
    }
    assert_eq!(NotifyType::from_name("onbatt"), Some(NotifyType::OnBatt));
}

#[test]
fn debian_sample_parses() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/upsmon.conf.debian");
    let parsed = parse(&std::fs::read(path).expect("fixture"), "upsmon.conf");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(
        parsed.config.powerdown_flag.as_deref(),
        Some("/etc/killpower")
    );
}
