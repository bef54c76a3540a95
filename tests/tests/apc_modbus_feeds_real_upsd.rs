//! Interop (issue #8): our `apc_modbus` family, over Modbus TCP — and over Modbus RTU on a
//! pseudo-terminal — to a simulated APC unit (`SimUnit`), behind our driver socket, feeds the
//! REAL upsd 2.8.0; the real `upsc` shows the
//! unit's values and status, the real `upscmd` writes the command register and the real
//! `upsrw` writes a setting. NUT 2.8.0 has no `apc_modbus` binary, so there is no real driver
//! to compare with (docs/DIFFERENCES.md row 55).

use nut_drivers::apc_modbus::sim::SimUnit;
use nut_drivers::device::{DriverConfig, Family, Runner};
use nut_drivers::programs::ApcModbusProgram;
use nut_tests::realnut::{Sandbox, USERS, free_port, wait_or_explain, wait_until};

/// How our driver reaches the simulated unit.
#[derive(Clone, Copy)]
enum Porttype {
    Tcp,
    Serial,
}

/// Starts the simulated unit and our driver (on its own thread and runtime).
fn start(sandbox: &Sandbox, unit: &SimUnit, porttype: Porttype) {
    let socket = sandbox.state().join("apc_modbus-smt");
    let unit = unit.clone();
    nut_tests::spawn_with_runtime(move |ready| async move {
        let mut config = DriverConfig::default();
        config.push("driver", Some("apc_modbus"));
        // The pty's slave side stays open while the driver runs.
        let mut _slave = None;
        match porttype {
            Porttype::Tcp => {
                let addr = unit.serve().await.expect("simulated unit");
                config.push("porttype", Some("tcp"));
                config.push("port", Some(&addr.to_string()));
            }
            Porttype::Serial => {
                let pty = nut_hal::TtySerial::pty_pair().expect("pty");
                let _server = unit.serve_rtu(1, pty.master);
                config.push("porttype", Some("serial"));
                config.push("port", pty.slave_path.to_str());
                config.push("baudrate", Some("9600"));
                _slave = Some(pty.slave);
            }
        }
        config.push("pollinterval", Some("1"));
        let (family, opener) = ApcModbusProgram::from_config(&config).expect("config");
        let runner =
            Runner::new(family, opener, &config, ApcModbusProgram::config_keys()).expect("runner");
        let listener = nut_drivers::socket::bind(&socket).expect("bind");
        let _ = ready.send(());
        let _ = nut_drivers::socket::serve(runner, listener).await;
    });
}

/// The real upsd serving `[smt]`, fed by our driver reaching a fresh simulated unit through
/// `porttype`, once `ups.status: OL` shows; the sandbox, the unit and the upsc target.
fn serving(name: &str, porttype: Porttype) -> (Sandbox, SimUnit, String) {
    let mut sandbox = Sandbox::new(name);
    sandbox.write(
        "ups.conf",
        "[smt]\n\tdriver = apc_modbus\n\tport = 127.0.0.1\n\tpollinterval = 1\n",
    );
    sandbox.write("upsd.users", USERS);
    let unit = SimUnit::smt1500();
    start(&sandbox, &unit, porttype);
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
    (sandbox, unit, target)
}

#[test]
fn real_upsd_serves_apc_modbus_values_commands_and_settings() {
    let (sandbox, unit, target) = serving("apc-modbus", Porttype::Tcp);
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

#[test]
fn real_upsd_serves_apc_modbus_over_serial_rtu() {
    let (sandbox, _unit, target) = serving("apc-modbus-rtu", Porttype::Serial);
    let values = sandbox.client_text("upsc", &[&target]);
    for line in [
        "ups.model: Smart-UPS 1500\n",
        "battery.charge: 100.00\n",
        "output.voltage: 230.00\n",
        "driver.name: apc_modbus\n",
    ] {
        assert!(values.contains(line), "{line:?} missing in:\n{values}");
    }
}
