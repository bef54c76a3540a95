//! The APC Smart family against the in-memory simulator, replayed captures and injected
//! faults.

use nut_drivers::apcsmart::ApcSmart;
use nut_drivers::apcsmart::sim::{Shutdown, SimPort, Simulator};
use nut_drivers::device::{CommandError, DeviceProtocol, DriverConfig, Writable};

const SC450: &str =
    include_str!("fixtures/apcsmart/APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev");
const RM3000: &str =
    include_str!("fixtures/apcsmart/APC__Smart-UPS_3000_RM__apcsmart__2.6.5__01.dev");

fn family<S>() -> ApcSmart<S> {
    ApcSmart::new(&DriverConfig::default()).unwrap()
}

fn sim_port(dev: &str) -> SimPort {
    SimPort::new(Simulator::from_dev(dev).unwrap())
}

#[tokio::test]
async fn identify_and_update_from_the_sc450_dump() {
    let mut port = sim_port(SC450);
    let mut ups = family();
    let id = ups.identify(&mut port).await.unwrap();
    let info = &id.info;
    assert_eq!(info.get("ups.mfr"), Some("APC"));
    assert_eq!(info.get("ups.model"), Some("Smart-UPS SC450 RM"));
    assert_eq!(info.get("ups.firmware"), Some("736.1.I"));
    assert_eq!(info.get("ups.serial"), Some("5S1107T50479"));
    assert_eq!(info.get("ups.test.interval"), Some("1209600"));
    assert_eq!(info.get("battery.runtime.low"), Some("120"));
    assert_eq!(
        info.get("input.voltage"),
        None,
        "polled variables belong to update"
    );
    assert!(id.commands.contains(&"test.battery.start".to_string()));
    assert!(id.commands.contains(&"shutdown.return".to_string()));
    assert!(
        id.writable
            .contains(&("ups.id".into(), Writable::String(8)))
    );
    let high = id
        .writable
        .iter()
        .find(|(n, _)| n == "input.transfer.high")
        .unwrap();
    assert_eq!(
        high.1,
        Writable::Enum(vec!["253".into(), "264".into(), "271".into(), "280".into()])
    );
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(reading.get("input.voltage"), Some("221.7"));
    assert_eq!(reading.get("battery.runtime"), Some("960"));
    assert_eq!(
        reading.get("input.transfer.reason"),
        Some("unacceptable utility voltage rate of change")
    );
    assert_eq!(
        port.lines().0,
        Some(nut_hal::serial::LineSettings::new_8n1(2400))
    );
}

#[tokio::test]
async fn on_battery_alert_and_status() {
    let mut port = sim_port(RM3000);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    port.set_on_battery(true);
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.status_text(), "OB");
    port.set_on_battery(false);
    assert_eq!(ups.update(&mut port).await.unwrap().status_text(), "OL");
}

#[tokio::test]
async fn alert_in_the_middle_of_a_poll_changes_status() {
    let mut port = sim_port(RM3000);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    // Q answers 08, then a `%` (low battery) arrives inside a later reply.
    let mut sim = port.sim().clone();
    sim.set_raw(b'L', "12%1.5");
    *port.sim_mut() = sim;
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.get("input.voltage"), Some("121.5"));
    assert_eq!(reading.status_text(), "OL LB");
}

#[tokio::test]
async fn set_enum_and_string() {
    let mut port = sim_port(SC450);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    ups.set_var(&mut port, "input.transfer.high", "271")
        .await
        .unwrap();
    assert_eq!(port.sim().raw(b'u'), Some("271"));
    ups.set_var(&mut port, "ups.id", "RACK7").await.unwrap();
    assert_eq!(port.sim().raw(b'c'), Some("RACK7"));
    assert_eq!(
        ups.set_var(&mut port, "input.transfer.high", "999").await,
        Err(CommandError::Invalid)
    );
    assert_eq!(
        ups.set_var(&mut port, "ups.id", "much too long").await,
        Err(CommandError::Invalid)
    );
    assert_eq!(
        ups.set_var(&mut port, "ups.load", "1").await,
        Err(CommandError::Unknown)
    );
    assert_eq!(
        ups.set_var(&mut port, "no.such", "1").await,
        Err(CommandError::Unknown)
    );
}

#[tokio::test]
async fn instant_commands() {
    let mut port = sim_port(SC450);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    ups.instcmd(&mut port, "test.battery.start", None)
        .await
        .unwrap();
    assert_eq!(port.sim().received().last(), Some(&b'W'));
    ups.instcmd(&mut port, "calibrate.start", None)
        .await
        .unwrap();
    assert_eq!(port.sim().status() & 0x01, 0x01);
    assert_eq!(
        ups.instcmd(&mut port, "no.such", None).await,
        Err(CommandError::Unknown)
    );
    assert_eq!(
        ups.instcmd(&mut port, "test.battery.start", Some("x"))
            .await,
        Err(CommandError::Invalid)
    );
    assert_eq!(
        ups.instcmd(&mut port, "shutdown.return", Some("at:1234"))
            .await,
        Err(CommandError::Invalid)
    );
}

#[tokio::test(start_paused = true)]
async fn nasty_commands_need_confirmation() {
    let mut port = sim_port(SC450);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    ups.instcmd(&mut port, "shutdown.return", Some("at:3"))
        .await
        .unwrap();
    assert_eq!(port.sim().shutdown(), None, "first request only arms");
    tokio::time::advance(std::time::Duration::from_secs(1)).await;
    ups.instcmd(&mut port, "shutdown.return", Some("at:3"))
        .await
        .unwrap();
    assert_eq!(port.sim().shutdown(), None, "too soon: re-arms");
    tokio::time::advance(std::time::Duration::from_secs(5)).await;
    ups.instcmd(&mut port, "shutdown.return", Some("at:3"))
        .await
        .unwrap();
    assert_eq!(
        port.sim().shutdown(),
        Some(&Shutdown::Hibernate("003".into()))
    );
}

#[tokio::test]
async fn kill_power_default_methods() {
    // On line: hard hibernate @000.
    let mut port = sim_port(SC450);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    ups.kill_power(&mut port).await.unwrap();
    assert_eq!(
        port.sim().shutdown(),
        Some(&Shutdown::Hibernate("000".into()))
    );
    // On battery: soft S.
    let mut port = sim_port(SC450);
    port.sim_mut().set_on_battery(true);
    let mut ups = family();
    ups.identify(&mut port).await.unwrap();
    ups.kill_power(&mut port).await.unwrap();
    assert_eq!(port.sim().shutdown(), Some(&Shutdown::Soft));
}

#[tokio::test(start_paused = true)]
async fn kill_power_advorder_falls_through() {
    // S fails on line (NA), then K K succeeds.
    let mut config = DriverConfig::default();
    config.push("advorder", Some("02"));
    let mut ups: ApcSmart<SimPort> = ApcSmart::new(&config).unwrap();
    let mut port = sim_port(SC450);
    ups.identify(&mut port).await.unwrap();
    ups.kill_power(&mut port).await.unwrap();
    assert_eq!(port.sim().shutdown(), Some(&Shutdown::DelayedOff));
}

#[tokio::test]
async fn old_model_without_a_uses_basic_set() {
    let mut port = sim_port(RM3000);
    port.sim_mut().set_answers_cmdset(false);
    let mut ups = family();
    let id = ups.identify(&mut port).await.unwrap();
    // What the real driver shows for such a UPS (see the differential test).
    assert_eq!(id.info.get("ups.model"), Some("SMART-UPS 3000 RM"));
    assert!(id.writable.is_empty());
    assert!(id.commands.is_empty());
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.get("input.voltage"), Some("121.5"));
    assert_eq!(reading.get("input.frequency"), None);
}

#[tokio::test]
async fn compat_table_by_firmware_id() {
    let mut port =
        sim_port("ups.status: OL\nups.firmware.old: 8QI\ninput.voltage: 230.0\nups.serial: X1\n");
    let mut ups = family();
    let id = ups.identify(&mut port).await.unwrap();
    assert_eq!(id.info.get("ups.serial"), Some("X1"));
    assert_eq!(id.info.get("ups.firmware"), Some("8QI"));
    assert!(
        !port.sim().received().contains(&b'a'),
        "a is not asked when the table knows the firmware"
    );
}

#[tokio::test]
async fn cable_940_0095b_sets_dtr_and_clears_rts() {
    let mut config = DriverConfig::default();
    config.push("cable", Some("940-0095B"));
    let mut ups: ApcSmart<SimPort> = ApcSmart::new(&config).unwrap();
    let mut port = sim_port(SC450);
    ups.identify(&mut port).await.unwrap();
    let (line, dtr, rts) = port.lines();
    assert_eq!(line, Some(nut_hal::serial::LineSettings::new_8n1(2400)));
    assert_eq!((dtr, rts), (Some(true), Some(false)));
    // The default cable leaves the lines alone.
    let mut port = sim_port(SC450);
    family::<SimPort>().identify(&mut port).await.unwrap();
    assert_eq!((port.lines().1, port.lines().2), (None, None));
}

#[test]
fn config_keys_are_the_real_drivers() {
    assert_eq!(
        nut_drivers::apcsmart::CONFIG_KEYS,
        &["ttymode", "cable", "awd", "sdtype", "advorder", "cshdelay"]
    );
    let mut config = DriverConfig::default();
    config.push("advorder", Some("5"));
    assert!(ApcSmart::<SimPort>::new(&config).is_err());
}
