//! Interop: the hardware driver runtime (a scripted family behind our driver socket) feeds
//! the REAL upsd 2.8.0; the real `upsc` shows the family's variables, status and `driver.*`
//! variables, a failed poll makes the real upsd report stale data until the next good one,
//! and `SET` through the real upsd (real `upsrw`) reaches the family.

use nut_drivers::device::scripted::ScriptedFamily;
use nut_drivers::device::scripted::{Call, Script};
use nut_drivers::device::{DeviceError, DriverConfig, Family, Runner};
use nut_tests::realnut::{Sandbox, USERS, free_port, wait_until};

fn start_runner(sandbox: &Sandbox, config: &DriverConfig) -> Script {
    let socket = sandbox.state().join("scripted-ups-fake");
    let (family, opener) = ScriptedFamily::from_config(config).expect("config");
    let script = opener.script();
    let runner =
        Runner::new(family, opener, config, ScriptedFamily::config_keys()).expect("runner");
    nut_tests::spawn_with_runtime(move |ready| async move {
        let listener = nut_drivers::socket::bind(&socket).expect("bind");
        let _ = ready.send(());
        let _ = nut_drivers::socket::serve(runner, listener).await;
    });
    script
}

#[test]
fn real_upsd_serves_the_runner_and_sets_through_it() {
    let mut sandbox = Sandbox::new("device-runtime");
    sandbox.write(
        "ups.conf",
        "[fake]\n\tdriver = scripted-ups\n\tport = SN-42\n\tpollinterval = 1\n\tcharge = 87\n\toverride.ups.mfr = Overridden\n",
    );
    sandbox.write("upsd.users", USERS);
    let conf = nut_protocol::config::ups_conf::parse(
        &std::fs::read(sandbox.etc().join("ups.conf")).expect("ups.conf"),
        "ups.conf",
    )
    .into_result()
    .expect("valid");
    let config = DriverConfig::from_section(conf.section("fake").expect("fake"), &[]);
    let script = start_runner(&sandbox, &config);
    let port = free_port();
    sandbox.start_real_upsd(port);
    let target = format!("fake@127.0.0.1:{port}");
    wait_until(
        || {
            sandbox
                .client_text("upsc", &[&target])
                .contains("ups.status: OL")
        },
        "the runner's data in the real upsd",
    );
    let shown = sandbox.client_text("upsc", &[&target]);
    for line in [
        "battery.charge: 87\n",
        "ups.serial: SN-42\n",
        "ups.mfr: Overridden\n",
        "ups.id: scripted\n",
        "driver.name: scripted-ups\n",
        "driver.version: 2.8.0\n",
        "driver.version.internal: 0.01\n",
        "driver.parameter.pollinterval: 1\n",
        "driver.parameter.port: SN-42\n",
        "driver.parameter.charge: 87\n",
        "driver.parameter.synchronous: auto\n",
    ] {
        assert!(shown.contains(line), "{line:?} missing in:\n{shown}");
    }
    let commands = sandbox.client("upscmd", &["-l", &target]);
    assert!(
        String::from_utf8_lossy(&commands.stdout).contains("beeper.toggle"),
        "{commands:?}"
    );

    // A failed poll: the real upsd reports stale data, then the next good poll recovers.
    script.push_update(Err(DeviceError::BadReply {
        operation: "poll".into(),
        reply: "garbage".into(),
    }));
    wait_until(
        || sandbox.client_text("upsc", &[&target]).contains("stale"),
        "stale data in the real upsd",
    );
    wait_until(
        || {
            sandbox
                .client_text("upsc", &[&target])
                .contains("ups.status: OL")
        },
        "fresh data again",
    );

    // SET through the real upsd reaches the family.
    let set = sandbox.client(
        "upsrw",
        &[
            "-s",
            "ups.id=newname",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "-w",
            &target,
        ],
    );
    assert!(
        String::from_utf8_lossy(&set.stderr).contains("SUCCESS"),
        "{set:?}"
    );
    assert_eq!(
        script.count(&Call::Set("ups.id".into(), "newname".into())),
        1
    );
    wait_until(
        || {
            sandbox
                .client_text("upsc", &[&target])
                .contains("ups.id: newname\n")
        },
        "the new value shown",
    );
}
