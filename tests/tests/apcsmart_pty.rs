//! Our APC Smart family over a real tty (`TtySerial`) against the simulator on a pty pair.

use nut_drivers::apcsmart::ApcSmart;
use nut_drivers::apcsmart::sim::Simulator;
use nut_drivers::device::{DeviceProtocol, DriverConfig, Writable};
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_tests::pty_apc::{PtyApc, simulator_from_fixture};

fn sc450() -> Simulator {
    simulator_from_fixture("APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev")
}

#[tokio::test]
async fn identify_update_on_battery_instcmd_and_set_over_a_pty() {
    let pty = PtyApc::start("ours", sc450());
    let mut port = TtySerial::open(pty.device(), LineSettings::new_8n1(2400)).expect("open pty");
    let mut ups: ApcSmart<TtySerial> = ApcSmart::new(&DriverConfig::default()).expect("config");

    let id = ups.identify(&mut port).await.expect("identify");
    assert_eq!(id.info.get("ups.model"), Some("Smart-UPS SC450 RM"));
    assert_eq!(id.info.get("ups.firmware"), Some("736.1.I"));
    assert!(id.commands.iter().any(|c| c == "test.battery.start"));
    assert!(
        id.writable
            .iter()
            .any(|(n, w)| n == "ups.id" && *w == Writable::String(8))
    );

    let reading = ups.update(&mut port).await.expect("update");
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(reading.get("input.voltage"), Some("221.7"));
    assert_eq!(reading.get("battery.charge"), Some("100.0"));

    // The UPS goes on battery: it sends `!` unasked; the next poll sees OB either way.
    pty.set_on_battery(true);
    let reading = ups.update(&mut port).await.expect("update on battery");
    assert_eq!(reading.status_text(), "OB");
    pty.set_on_battery(false);
    assert_eq!(
        ups.update(&mut port).await.expect("update").status_text(),
        "OL"
    );

    ups.instcmd(&mut port, "test.battery.start", None)
        .await
        .expect("instcmd");
    assert_eq!(pty.with_sim(|s| s.received().last().copied()), Some(b'W'));

    ups.set_var(&mut port, "input.transfer.low", "204")
        .await
        .expect("SET enum");
    assert_eq!(
        pty.with_sim(|s| s.raw(b'l').map(String::from)),
        Some("204".into())
    );
    ups.set_var(&mut port, "ups.id", "PTYTEST")
        .await
        .expect("SET string");
    assert_eq!(
        pty.with_sim(|s| s.raw(b'c').map(String::from)),
        Some("PTYTEST".into())
    );
}
