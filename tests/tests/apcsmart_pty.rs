//! Our APC Smart family over a real tty (`TtySerial`) against the simulator on a pty pair.

use nut_core::StateChange;
use nut_drivers::apcsmart::sim::Simulator;
use nut_drivers::apcsmart::{ApcSmart, CONFIG_KEYS};
use nut_drivers::device::{DeviceProtocol, DriverConfig, Runner, Writable};
use nut_drivers::runtime::Output;
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_protocol::sock::DriverMessage;
use nut_tests::pty_apc::{OpenedPort, PtyApc, simulator_from_fixture};
use tokio::sync::mpsc;

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

/// Closing the family leaves smart mode: `R` reaches the UPS (which answers `BYE`).
#[tokio::test]
async fn close_sends_the_leave_smart_mode_command() {
    let pty = PtyApc::start("close", sc450());
    let mut port = TtySerial::open(pty.device(), LineSettings::new_8n1(2400)).expect("open pty");
    let mut ups: ApcSmart<TtySerial> = ApcSmart::new(&DriverConfig::default()).expect("config");
    ups.identify(&mut port).await.expect("identify");
    ups.update(&mut port).await.expect("update");
    let before = pty.with_sim(|s| s.received().iter().filter(|b| **b == b'R').count());
    assert_eq!(before, 0, "no R before closing");
    ups.close(&mut port).await.expect("close");
    assert_eq!(pty.with_sim(|s| s.received().last().copied()), Some(b'R'));
}

/// The runner closes the device on a clean stop (every request sender gone): the last byte
/// the UPS received is `R`.
#[tokio::test]
async fn runner_leaves_smart_mode_on_a_clean_stop() {
    let pty = PtyApc::start("runner", sc450());
    let port = TtySerial::open(pty.device(), LineSettings::new_8n1(2400)).expect("open pty");
    let config = DriverConfig::default();
    let ups: ApcSmart<TtySerial> = ApcSmart::new(&config).expect("config");
    let runner = Runner::new(ups, OpenedPort(Some(port)), &config, CONFIG_KEYS).expect("runner");
    let (requests, requests_rx) = mpsc::unbounded_channel();
    let (out_tx, mut out) = mpsc::unbounded_channel();
    let task = tokio::spawn(runner.run(requests_rx, out_tx));
    // The first poll's changes say the UPS was identified and polled.
    let mut status = None;
    while status.is_none() {
        match out.recv().await.expect("the runner stopped early") {
            Output::Broadcast(DriverMessage::Change(StateChange::SetInfo { name, value }))
                if name == "ups.status" =>
            {
                status = Some(value)
            }
            _ => {}
        }
    }
    assert_eq!(status.as_deref(), Some("OL"));
    assert!(
        !pty.with_sim(|s| s.received().contains(&b'R')),
        "no R while running"
    );
    drop(requests);
    task.await.expect("runner task").expect("clean stop");
    assert_eq!(pty.with_sim(|s| s.received().last().copied()), Some(b'R'));
}
