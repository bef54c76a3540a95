//! The APC Smart simulator's own behaviour, and replies of old models it does not make.

use nut_drivers::apcsmart::ApcSmart;
use nut_drivers::apcsmart::sim::{Shutdown, Simulator};
use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_hal::wrap::{Exchange, Replaying};

const SC450: &str =
    include_str!("fixtures/apcsmart/APC__Smart-UPS_SC450_RM__apcsmart__2.6.1__01.dev");

const MEASURE_UPS: &str =
    include_str!("fixtures/apcsmart/SIM__Smart-UPS_1000_with_Measure-UPS__apcsmart__2.8.0.dev");

fn feed(sim: &mut Simulator, bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|b| sim.handle(*b)).collect()
}

#[test]
fn seeded_replies_reverse_nut_conversions() {
    let mut sim = Simulator::from_dev(SC450).unwrap();
    assert_eq!(feed(&mut sim, b"j"), b"0016:\r\n");
    assert_eq!(feed(&mut sim, b"q"), b"02\r\n");
    assert_eq!(feed(&mut sim, b"E"), b"336\r\n");
    assert_eq!(feed(&mut sim, b"G"), b"R\r\n");
    assert_eq!(feed(&mut sim, b"V"), b"DWI\r\n");
    assert_eq!(feed(&mut sim, b"b"), b"736.1.I\r\n");
    assert_eq!(feed(&mut sim, b"\x01"), b"Smart-UPS SC450 RM\r\n");
    assert_eq!(feed(&mut sim, b"h"), b"NA\r\n");
}

#[test]
fn command_set_and_capabilities() {
    let mut sim = Simulator::from_dev(SC450).unwrap();
    let a = feed(&mut sim, b"a");
    assert!(a.starts_with(b"3.!$%+?=#|."), "{a:?}");
    assert!(a.ends_with(b"\r\n"));
    let caps = String::from_utf8(feed(&mut sim, b"\x1a")).unwrap();
    assert!(caps.starts_with('#'));
    assert!(caps.contains("uI43253264271280"), "{caps}");
    assert!(
        !caps.contains("uD4"),
        "only the UPS's locale and `4`: {caps}"
    );
    sim.set_answers_cmdset(false);
    assert_eq!(feed(&mut sim, b"a"), b"NA\r\n");
}

#[test]
fn cycling_and_string_entry() {
    let mut sim = Simulator::from_dev(SC450).unwrap();
    assert_eq!(feed(&mut sim, b"u"), b"253\r\n");
    assert_eq!(feed(&mut sim, b"-"), b"OK\r\n|");
    assert_eq!(feed(&mut sim, b"u"), b"264\r\n");
    assert_eq!(
        feed(&mut sim, b"L-"),
        b"221.7\r\nNO\r\n",
        "L has no settable values"
    );
    assert_eq!(feed(&mut sim, b"-"), b"NO\r\n", "nothing read before");
    assert_eq!(feed(&mut sim, b"c-AB\r"), b"UPS_IDEN\r\nOK\r\n");
    assert_eq!(feed(&mut sim, b"\r\r\rc"), b"AB\r\n");
    assert_eq!(feed(&mut sim, b"x-12345678"), b"02/13/11\r\nOK\r\n");
    assert_eq!(sim.raw(b'x'), Some("12345678"));
}

#[test]
fn shutdown_commands() {
    let mut sim = Simulator::from_dev(SC450).unwrap();
    assert_eq!(feed(&mut sim, b"S"), b"NA\r\n", "S is refused on mains");
    assert_eq!(feed(&mut sim, b"K"), b"");
    assert_eq!(feed(&mut sim, b"Q"), b"08\r\n", "a single K is forgotten");
    assert_eq!(sim.shutdown(), None);
    assert_eq!(feed(&mut sim, b"KK"), b"OK\r\n");
    assert_eq!(sim.shutdown(), Some(&Shutdown::DelayedOff));
    assert_eq!(feed(&mut sim, b"@012"), b"OK\r\n");
    assert_eq!(sim.shutdown(), Some(&Shutdown::Hibernate("012".into())));
    assert_eq!(sim.set_on_battery(true), b"!");
    assert_eq!(feed(&mut sim, b"S"), b"OK\r\n");
    assert_eq!(sim.shutdown(), Some(&Shutdown::Soft));
    assert_eq!(
        feed(&mut sim, b"ZZQ"),
        b"OK\r\n00\r\n",
        "Z Z turns the output off"
    );
    assert!(Simulator::from_dev("no colon here\n").is_err());
}

/// Old models answer a shutdown command with `*` (about to turn off) instead of `OK`.
#[tokio::test]
async fn star_answers_a_shutdown() {
    let w = |b: &[u8]| Exchange::Write(b.to_vec());
    let r = |b: &[u8]| Exchange::Read(b.to_vec());
    let mut port = Replaying::new([
        Exchange::ReadTimeout,
        w(b"Y"),
        r(b"SM\r\n"),
        w(b"Q"),
        r(b"50\r\n"),
        Exchange::ReadTimeout,
        w(b"S"),
        r(b"*"),
    ]);
    let mut ups: ApcSmart<Replaying> = ApcSmart::new(&DriverConfig::default()).unwrap();
    ups.kill_power(&mut port).await.unwrap();
    assert!(port.is_finished());
}

/// `ambient.N.*` lines become the comma-separated fields of the packed replies (`N/A` and
/// missing fields empty); the plain probe values answer their own characters.
#[test]
fn measure_ups_values_are_packed_replies() {
    let mut sim = Simulator::from_dev(MEASURE_UPS).unwrap();
    assert_eq!(feed(&mut sim, b"H"), b"45.0,50.0\r\n");
    assert_eq!(feed(&mut sim, b"]"), b"10.00,\r\n");
    assert_eq!(feed(&mut sim, b"T"), b"23.50\r\n");
    assert_eq!(feed(&mut sim, b"t"), b"25.5\r\n");
    assert_eq!(feed(&mut sim, b"i"), b"20\r\n");
    let sparse = Simulator::from_dev("ambient.3.humidity.low: 9.0\nambient.9.humidity: 1\n");
    let mut sparse = sparse.unwrap();
    assert_eq!(feed(&mut sparse, b"}"), b",,9.0\r\n");
    assert_eq!(
        feed(&mut sparse, b"H"),
        b"NA\r\n",
        "field 9 is past APC_PACK_MAX"
    );
}

/// A unit with dual-byte commands lists them as the fourth section of `a`.
#[test]
fn extended_section_of_the_command_set() {
    let mut sim = Simulator::from_dev(SC450).unwrap();
    assert!(!feed(&mut sim, b"a").windows(2).any(|w| w == b".\x9f"));
    sim.set_extended(Some(b"\x9f\xd3\xd4"));
    let reply = feed(&mut sim, b"a");
    assert!(reply.ends_with(b".\x9f\xd3\xd4\r\n"), "{reply:?}");
}

/// `R` leaves smart mode: the simulator answers `BYE`.
#[test]
fn leave_smart_mode() {
    let mut sim = Simulator::from_dev(SC450).unwrap();
    assert_eq!(feed(&mut sim, b"R"), b"BYE\r\n");
}

/// Our family on the Measure-UPS unit in memory: the probe's values come with each poll.
#[tokio::test]
async fn measure_ups_values_are_polled() {
    let mut port =
        nut_drivers::apcsmart::sim::SimPort::new(Simulator::from_dev(MEASURE_UPS).unwrap());
    let mut ups: ApcSmart<_> = ApcSmart::new(&DriverConfig::default()).unwrap();
    let id = ups.identify(&mut port).await.unwrap();
    assert_eq!(
        id.info.get("ambient.1.humidity"),
        None,
        "polled values belong to update"
    );
    assert!(
        id.writable
            .iter()
            .all(|(name, _)| !name.starts_with("ambient."))
    );
    let reading = ups.update(&mut port).await.unwrap();
    assert_eq!(reading.get("ambient.1.humidity"), Some("45.0"));
    assert_eq!(reading.get("ambient.2.humidity"), Some("50.0"));
    assert_eq!(reading.get("ambient.2.temperature.low"), Some("N/A"));
    assert_eq!(reading.get("ambient.1.temperature"), Some("23.50"));
    assert_eq!(reading.get("ambient.temperature"), Some("25.5"));
    assert_eq!(reading.get("ups.contacts"), Some("20"));
    assert_eq!(
        reading.get("device.uptime"),
        None,
        "23.50 is a temperature, not an uptime"
    );
    // Closing leaves smart mode.
    ups.close(&mut port).await.unwrap();
    assert_eq!(port.sim().received().last(), Some(&b'R'));
}
