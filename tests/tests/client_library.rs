//! The nut-client library against the real upsd and against ours, set up alike (the real
//! dummy-ups and the pydrv emulator feeding both): every call gives the same typed result.

use std::time::{Duration, Instant};

use nut_client::blocking::Connection;
use nut_client::{Client, ClientError};
use nut_protocol::net::{ErrorCode, TrackingStatus, ValueKind};
use nut_tests::realnut::{Sandbox, USERS, start_real_and_our_upsd, wait_until};

const UPS_CONF: &str = "[dummy]\n\tdriver = dummy-ups\n\tport = usbhid-ups.dev\n\tdesc = \"dummy-ups usbhid-ups.dev\"\n\n\
[pyups]\n\tdriver = pydrv\n\tport = enum-range.pydev\n\tdesc = \"pydrv emulated UPS pyups\"\n";

fn setup() -> (Sandbox, u16, u16) {
    let fixtures = nut_tests::fixtures_dir();
    let mut sandbox = Sandbox::new("client");
    for file in ["dev/usbhid-ups.dev", "golden/enum-range.pydev"] {
        let from = fixtures.join(file);
        std::fs::copy(&from, sandbox.etc().join(from.file_name().expect("name"))).expect("copy");
    }
    sandbox.write("ups.conf", UPS_CONF);
    sandbox.write("upsd.users", USERS);
    sandbox.start_real_driver("dummy");
    sandbox.start_pydrv("pyups", &sandbox.etc().join("enum-range.pydev"));
    let [real, ours] = start_real_and_our_upsd(&mut sandbox);
    for port in [real, ours] {
        wait_until(
            || {
                Connection::connect("127.0.0.1", port, Default::default())
                    .and_then(|mut c| {
                        Ok((
                            c.get_var("pyups", "ups.status")?,
                            c.get_var("dummy", "ups.status")?,
                        ))
                    })
                    .is_ok_and(|(p, d)| p == "OL" && d == "OL CHRG")
            },
            "both UPSes served",
        );
    }
    (sandbox, real, ours)
}

/// Everything a read-only client sees, as typed values.
fn read_only_view(port: u16) -> String {
    let mut c = Connection::connect("127.0.0.1", port, Default::default()).expect("connect");
    let mut out = Vec::new();
    out.push(format!("{:?}", c.netver()));
    out.push(format!("{:?}", c.list_ups()));
    out.push(format!("{:?}", c.list_vars("pyups")));
    out.push(format!("{:?}", c.list_rw("pyups")));
    out.push(format!("{:?}", c.list_cmds("pyups")));
    out.push(format!("{:?}", c.list_enum("pyups", "input.sensitivity")));
    out.push(format!(
        "{:?}",
        c.list_range("pyups", "input.transfer.high")
    ));
    for var in [
        "input.transfer.low",
        "input.transfer.high",
        "ups.id",
        "battery.charge",
    ] {
        out.push(format!("{:?}", c.get_type("pyups", var)));
    }
    out.push(format!("{:?}", c.get_desc("pyups", "battery.charge")));
    out.push(format!("{:?}", c.get_cmd_desc("pyups", "beeper.enable")));
    out.push(format!("{:?}", c.get_ups_desc("dummy")));
    out.push(format!(
        "{:?}",
        c.get_var("dummy", "no.such.var")
            .map_err(|e| e.code().cloned())
    ));
    out.push(format!(
        "{:?}",
        c.get_var("nosuch", "x").map_err(|e| e.code().cloned())
    ));
    out.join("\n")
}

#[test]
fn the_library_reads_the_same_from_both_servers() {
    let (_sandbox, real, ours) = setup();
    let real_view = read_only_view(real);
    assert!(
        real_view.contains("RANGE") || real_view.contains("ranged: true"),
        "{real_view}"
    );
    assert_eq!(read_only_view(ours), real_view);
}

#[test]
fn typed_results_and_writes_against_both_servers() {
    let (_sandbox, real, ours) = setup();
    for port in [real, ours] {
        let mut c = Connection::connect("127.0.0.1", port, Default::default()).expect("connect");
        let low = c.get_type("pyups", "input.transfer.low").expect("type");
        assert!(low.writable && low.enumerated && matches!(low.kind, ValueKind::Number));
        let id = c.get_type("pyups", "ups.id").expect("type");
        assert!(matches!(id.kind, ValueKind::String { max_len: 16 }));
        assert!(matches!(
            c.set_var("pyups", "ups.id", "x"),
            Err(ClientError::Server(ErrorCode::UsernameRequired))
        ));
        c.authenticate("admin", "adminpass").expect("auth");
        c.set_tracking(true).expect("tracking on");
        let tracked = c
            .set_var("pyups", "ups.id", "lib-test")
            .expect("set")
            .expect("an id");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = c.tracking(&tracked).expect("tracking");
            if status != TrackingStatus::Pending || Instant::now() > deadline {
                assert_eq!(status, TrackingStatus::Success, "port {port}");
                break;
            }
        }
        let failing = c
            .instcmd("pyups", "shutdown.return", None)
            .expect("instcmd")
            .expect("an id");
        wait_until(
            || {
                c.tracking(&failing)
                    .is_ok_and(|s| s == TrackingStatus::Failed)
            },
            "a failed command's result",
        );
        assert!(matches!(
            c.instcmd("pyups", "no.such.cmd", None),
            Err(ClientError::Server(ErrorCode::CmdNotSupported))
        ));
        let mut mon = Connection::connect("127.0.0.1", port, Default::default()).expect("connect");
        mon.authenticate("monuser", "monpass").expect("auth");
        mon.login("dummy").expect("login");
        mon.primary("dummy").expect("primary");
        assert_eq!(mon.num_logins("dummy").expect("numlogins"), 1);
        assert_eq!(mon.list_clients("dummy").expect("clients").len(), 1);
        mon.logout().expect("logout");
    }
}

#[test]
fn the_async_client_gives_the_same_answers() {
    let (_sandbox, real, ours) = setup();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for port in [real, ours] {
            let mut c = Client::connect("127.0.0.1", port, Default::default())
                .await
                .expect("connect");
            assert_eq!(
                c.get_var("dummy", "ups.status").await.expect("var"),
                "OL CHRG"
            );
            assert_eq!(c.list_vars("dummy").await.expect("list").len(), 46);
            assert!(matches!(
                c.get_var("nosuch", "x").await,
                Err(ClientError::Server(ErrorCode::UnknownUps))
            ));
            assert_eq!(c.netver().await.expect("netver"), "1.3");
        }
    });
}
