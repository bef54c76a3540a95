//! Interop (issue #8): our `apc_modbus` family, over Modbus TCP to a simulated APC unit
//! (`SimUnit`), behind our driver socket, feeds the REAL upsd 2.8.0; the real `upsc` shows the
//! unit's values and status, the real `upscmd` writes the command register and the real
//! `upsrw` writes a setting. NUT 2.8.0 has no `apc_modbus` binary, so there is no real driver
//! to compare with (docs/DIFFERENCES.md row 55).

use std::net::SocketAddr;

use nut_drivers::apc_modbus::sim::SimUnit;
use nut_drivers::device::{DriverConfig, Family, Runner};
use nut_drivers::programs::ApcModbusTcp;
use nut_tests::realnut::{Sandbox, USERS, free_port, wait_or_explain, wait_until};

/// Starts the simulated unit and our driver (on its own thread and runtime); returns the
/// unit's address.
fn start(sandbox: &Sandbox, unit: &SimUnit) -> SocketAddr {
    let socket = sandbox.state().join("apc_modbus-smt");
    let unit = unit.clone();
    nut_tests::spawn_with_runtime(move |ready| async move {
        let addr = unit.serve().await.expect("simulated unit");
        let mut config = DriverConfig::default();
        config.push("driver", Some("apc_modbus"));
        config.push("port", Some(&addr.to_string()));
        config.push("pollinterval", Some("1"));
        let (family, opener) = ApcModbusTcp::from_config(&config).expect("config");
        let runner =
            Runner::new(family, opener, &config, ApcModbusTcp::config_keys()).expect("runner");
        let listener = nut_drivers::socket::bind(&socket).expect("bind");
        let _ = ready.send(addr);
        let _ = nut_drivers::socket::serve(runner, listener).await;
    })
}

#[test]
fn real_upsd_serves_apc_modbus_values_commands_and_settings() {
    let mut sandbox = Sandbox::new("apc-modbus");
    sandbox.write(
        "ups.conf",
        "[smt]\n\tdriver = apc_modbus\n\tport = 127.0.0.1\n\tpollinterval = 1\n",
    );
    sandbox.write("upsd.users", USERS);
    let unit = SimUnit::smt1500();
    start(&sandbox, &unit);
    let port = free_port();
    sandbox.start_real_upsd(port);
    let target = format!("smt@127.0.0.1:{port}");
    wait_until(
        || {
            sandbox
                .client_text("upsc", &[&target])
                .contains("ups.status: OL")
        },
        "apc_modbus data in the real upsd",
    );
    let values = sandbox.client_text("upsc", &[&target]);
    for line in [
        "ups.model: Smart-UPS 1500\n",
        "ups.serial: AS1234567890\n",
        "ups.mfr.date: 2024-01-01\n",
        "battery.charge: 100.00\n",
        "battery.temperature: -5.50\n",
        "ups.realpower: 250.00\n",
        "ups.efficiency: LoadTooLow\n",
        "input.transfer.reason: AcceptableInput\n",
        "input.voltage: NA\n",
        "ups.test.result: Passed, Source: Protocol\n",
        "driver.name: apc_modbus\n",
    ] {
        assert!(values.contains(line), "{line:?} missing in:\n{values}");
    }

    unit.set(1, 1 << 2);
    wait_or_explain(
        || {
            sandbox
                .client_text("upsc", &[&target])
                .contains("ups.status: OB\n")
        },
        "the status change in the real upsd",
        || sandbox.client_text("upsc", &[&target]),
    );

    let commands = sandbox.client_text("upscmd", &["-l", &target]);
    assert!(commands.contains("test.battery.start"), "{commands}");
    let auth = ["-u", "admin", "-p", "adminpass"];
    let reply = sandbox.client_text(
        "upscmd",
        &[&auth[..], &[&target, "test.battery.start"]].concat(),
    );
    assert!(reply.contains("OK"), "{reply}");
    wait_until(
        || unit.get(1541, 1542) == [1],
        "the command register written",
    );

    let reply = sandbox.client_text(
        "upsrw",
        &[&auth[..], &["-s", "input.transfer.high=285", &target]].concat(),
    );
    assert!(reply.contains("OK"), "{reply}");
    wait_until(|| unit.get(1026, 1027) == [285], "the setting written");
    wait_until(
        || {
            sandbox
                .client_text("upsc", &[&target])
                .contains("input.transfer.high: 285\n")
        },
        "the setting read back",
    );
}
