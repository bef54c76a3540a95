//! The `voltronic-axpert` dialect through the whole `QxDriver`, on the simulator playing NUT's
//! testing table for it (`nutdrv_qx_voltronic-axpert.c` rows of
//! `fixtures/qx/nut-qx-subdriver-testing-tables.tsv`). Expected values are read off those
//! replies with the dialect's item columns and formats (`dialects/items.tsv`).

use std::sync::{Arc, Mutex};

use nut_drivers::device::Writable;
use nut_drivers::device::{CommandError, DeviceProtocol, DriverConfig, Identity, Reading};
use nut_drivers::qx::sim::{SimPort, Simulator};
use nut_drivers::qx::voltronic_axpert::with_crc;
use nut_drivers::qx::{Dialect, QxDriver, QxSettings};
use nut_hal::ErrorKind;
use nut_hal::wrap::{Fault, FaultInjecting};
use proptest::prelude::*;

/// The testing table's `QPIGS` reply.
const QPIGS: &[u8] = b"(233.5 50.1 233.5 50.1 0467 0396 009 440 54.00 000 100 0033 0000 000.0 00.00 00000 00010101 00 00 00000 110\r";

fn settings(protocol: Option<&str>) -> QxSettings {
    let mut config = DriverConfig::default();
    if let Some(protocol) = protocol {
        config.push("protocol", Some(protocol));
    }
    QxSettings::from_config(&config).unwrap()
}

fn unit() -> Arc<Mutex<Simulator>> {
    Arc::new(Mutex::new(Simulator::new(Dialect::VoltronicAxpert)))
}

async fn identified(
    ups: &Arc<Mutex<Simulator>>,
    protocol: Option<&str>,
) -> (QxDriver<SimPort>, SimPort, Identity) {
    let mut port = SimPort::new(Arc::clone(ups));
    let mut qx = QxDriver::new(settings(protocol));
    let identity = qx.identify(&mut port).await.unwrap();
    (qx, port, identity)
}

fn get<'a>(identity: &'a Identity, reading: &'a Reading, name: &str) -> Option<&'a str> {
    reading.get(name).or_else(|| identity.info.get(name))
}

#[tokio::test]
async fn axpert_maps_its_testing_table() {
    let ups = unit();
    let (mut qx, mut port, identity) = identified(&ups, None).await;
    assert_eq!(
        qx.dialect(),
        Some(Dialect::VoltronicAxpert),
        "auto-detected"
    );
    let reading = qx.update(&mut port).await.unwrap();
    for (name, value) in [
        ("driver.version.data", "Voltronic-Axpert 0.02"),
        // QPI (PI30
        ("device.firmware.aux", "P30"),
        // QVFW (VERFW:00074.50, QVFW2 (VERFW2:00000.00
        ("device.firmware", "0X00074.50"),
        ("device.firmware.main", "0X00074.50"),
        ("device.firmware.scc1", "0X00000.00"),
        ("device.serial", "12345679012345"),
        // QMD (#####INVERTEX5K ###5000 99 1/1 230 230 04 12.0
        ("device.model", "INVERTEX5K"),
        ("output.powerfactor.nominal", "99"),
        ("input.phases", "1"),
        ("output.phases", "1"),
        ("battery.number", "4"),
        // QPIRI (230.0 21.7 230.0 50.0 21.7 5000 5000 48.0 46.0 42.0 56.4 54.0 0 30 060 0 0 2
        // 9 01 0 …
        ("input.voltage.nominal", "230.0"),
        ("input.current.nominal", "21.7"),
        ("output.voltage.nominal", "230.0"),
        ("output.frequency.nominal", "50.0"),
        ("output.current.nominal", "21.7"),
        ("output.power.nominal", "5000.0"),
        ("output.realpower.nominal", "5000.0"),
        ("battery.voltage.nominal", "48.0"),
        ("battery.voltage.recharge", "46.0"),
        ("battery.voltage.under", "42.0"),
        ("battery.voltage.bulk", "56.4"),
        ("battery.voltage.float", "54.0"),
        ("battery.type", "AGM"),
        ("battery.charging.current.ac.high", "30.0"),
        ("battery.charging.current.high", "60.0"),
        ("device.model.type", "Off-grid"),
        ("device.description", "Transformerless"),
        // QPIGS (233.5 50.1 233.5 50.1 0467 0396 009 440 54.00 000 100 0033 0000 000.0 00.00
        // 00000 00010101 …
        ("input.voltage", "233.5"),
        ("input.frequency", "50.1"),
        ("output.voltage", "233.5"),
        ("output.frequency", "50.1"),
        ("output.power", "467.0"),
        ("output.realpower", "396.0"),
        ("ups.load", "9"),
        ("battery.voltage", "54.0"),
        ("battery.charge", "100.0"),
        ("ups.temperature", "33.0"),
        ("experimental.input.pv1.current", "0"),
        ("experimental.input.pv1.voltage", "0"),
        ("experimental.battery.voltage.scc1", "0.0"),
        ("battery.current", "0.0"),
        // QFLAG (EbgpDa: alarm control disabled.
        ("ups.beeper.status", "disabled"),
    ] {
        assert_eq!(get(&identity, &reading, name), Some(value), "{name}");
    }
    // QVFW3/QVFW4 are not in the table (NAK): no such firmware.
    assert_eq!(identity.info.get("device.firmware.scc2"), None);
    // The QDI vector starts "((": its first field is no number and is left out.
    assert_eq!(identity.info.get("output.voltage.default"), None);
    // QFLAG has no `j`: no energy-saving variable, nothing writable.
    assert_eq!(identity.info.get("battery.energysave"), None);
    assert!(identity.writable.is_empty());
    // Output values are read once (NUT's static rows), not at every poll.
    assert_eq!(reading.get("output.voltage"), None);
    // QPIGS column 86 "1" (load on), 88 "1" (charging); QMOD "(G" is no known mode and
    // QPIWS reports no warning.
    assert_eq!(reading.status_text(), "CHRG");
    assert!(reading.alarms.is_empty());
    for command in [
        "load.off",
        "load.on",
        "grid.disconnect",
        "grid.connect",
        "standby.on",
        "standby.off",
        "test.grid",
        "beeper.enable",
        "beeper.disable",
    ] {
        assert!(identity.commands.iter().any(|c| c == command), "{command}");
    }
    assert!(!identity.commands.iter().any(|c| c == "shutdown.return"));
    // Every query went out with its CRC.
    let received = ups.lock().unwrap().received.clone();
    assert!(received.contains(&with_crc(b"QPIGS\r")));
    assert!(received.contains(&b"QPIGS\xb7\xa9\r".to_vec()));
}

#[tokio::test]
async fn axpert_status_warnings_and_mode() {
    let ups = unit();
    {
        let mut ups = ups.lock().unwrap();
        ups.axpert.send_crc = true;
        ups.axpert.set_reply("QMOD", "(B");
        ups.axpert.set_reply(
            "QPIGS",
            "(000.0 00.0 229.8 50.0 0460 0390 010 380 47.20 000 035 0041 0000 000.0 00.00 00012 00000000 00 00 00000 110",
        );
        // Bits 1, 16 and 19.
        ups.axpert
            .set_reply("QPIWS", "(10000000000000010010000000000000");
    }
    let (mut qx, mut port, identity) = identified(&ups, Some("voltronic-axpert")).await;
    assert_eq!(identity.info.get("device.firmware.aux"), Some("P30"));
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(reading.get("input.voltage"), Some("0.0"));
    assert_eq!(reading.get("battery.voltage"), Some("47.2"));
    assert_eq!(reading.get("battery.charge"), Some("35.0"));
    assert_eq!(reading.get("battery.current"), Some("12.0"));
    assert_eq!(reading.status_text(), "OB OFF LB OVER");
    assert_eq!(
        reading.alarms,
        ["Device warnings: Device has fault. Low battery. Overload."]
    );
    // QPICF "(00 00" (the table's): no fault, and no fault record asked.
    assert!(
        !ups.lock()
            .unwrap()
            .received
            .iter()
            .any(|c| c.starts_with(b"QPIHF"))
    );
    // A new fault, id 01: QPIHF01 gives code 14, at 2014-01-20 22:30:15.
    ups.lock().unwrap().axpert.set_reply("QPICF", "(01 01");
    let reading = qx.update(&mut port).await.unwrap();
    assert_eq!(
        reading.alarms,
        [
            "Device warnings: Device has fault. Low battery. Overload.",
            "New fault found.",
            "Inverter DC component exceeds the allowable range.",
        ]
    );
    assert_eq!(
        reading.get("experimental.device.date.fault"),
        Some("2014/01/20")
    );
    assert_eq!(
        reading.get("experimental.device.time.fault"),
        Some("22:30:15")
    );
    assert!(
        ups.lock()
            .unwrap()
            .received
            .contains(&with_crc(b"QPIHF01\r"))
    );
    ups.lock().unwrap().axpert.set_reply("QPICF", "(00 00");
    ups.lock().unwrap().axpert.set_reply("QMOD", "(P");
    let reading = qx.update(&mut port).await.unwrap();
    assert!(reading.alarms.iter().any(|a| a == "Device is going ON."));
    ups.lock().unwrap().axpert.set_reply("QMOD", "(F");
    let reading = qx.update(&mut port).await.unwrap();
    assert!(
        reading
            .alarms
            .iter()
            .any(|a| a == "Fault reported by device.")
    );
}

#[tokio::test]
async fn axpert_commands_and_energy_saving() {
    let ups = unit();
    ups.lock().unwrap().axpert.set_reply("QFLAG", "(EajDbgp");
    let (mut qx, mut port, identity) = identified(&ups, Some("voltronic-axpert")).await;
    assert_eq!(identity.info.get("ups.beeper.status"), Some("enabled"));
    assert_eq!(identity.info.get("battery.energysave"), Some("yes"));
    assert_eq!(
        identity.writable,
        [(
            "battery.energysave".to_owned(),
            Writable::Enum(vec!["no".into(), "yes".into()])
        )]
    );
    // SOFF → (ACK; the unit then reports standby.
    assert_eq!(qx.command_bytes("load.off", None).unwrap(), b"SOFF\r");
    qx.instcmd(&mut port, "load.off", None).await.unwrap();
    assert_eq!(
        ups.lock().unwrap().received.last(),
        Some(&with_crc(b"SOFF\r"))
    );
    let reading = qx.update(&mut port).await.unwrap();
    assert!(reading.has_status("OFF"), "{}", reading.status_text());
    qx.instcmd(&mut port, "grid.connect", None).await.unwrap();
    // GTS0 and ST answer (NAK in the table: refused.
    for command in ["standby.off", "test.grid"] {
        let refused = qx.instcmd(&mut port, command, None).await;
        assert!(matches!(refused, Err(CommandError::Failed(_))), "{command}");
    }
    assert!(matches!(
        qx.instcmd(&mut port, "shutdown.return", None).await,
        Err(CommandError::Unknown)
    ));
    assert!(qx.kill_power(&mut port).await.is_err());
    // battery.energysave: yes/no → PEJ/PDJ.
    assert!(matches!(
        qx.set_var(&mut port, "battery.energysave", "maybe").await,
        Err(CommandError::Invalid)
    ));
    assert!(matches!(
        qx.set_var(&mut port, "ups.delay.start", "60").await,
        Err(CommandError::Unknown)
    ));
    qx.set_var(&mut port, "battery.energysave", "no")
        .await
        .unwrap();
    assert_eq!(
        ups.lock().unwrap().received.last(),
        Some(&with_crc(b"PDJ\r"))
    );
    assert_eq!(
        ups.lock().unwrap().axpert.respond(b"QFLAG\r"),
        b"(EaDbgpj\r"
    );
}

#[tokio::test]
async fn axpert_garbage_and_short_replies_are_typed_errors() {
    // A status reply shorter than 108 bytes: identify fails with a bad reply.
    let ups = unit();
    ups.lock()
        .unwrap()
        .axpert
        .set_reply("QPIGS", "(233.5 50.1 233.5 50.1 0467");
    let mut qx = QxDriver::new(settings(Some("voltronic-axpert")));
    let error = qx
        .identify(&mut SimPort::new(Arc::clone(&ups)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");

    // Garbage answering every try of a poll: a bad reply, no reading.
    let ups = unit();
    let mut qx = QxDriver::new(settings(Some("voltronic-axpert")));
    let mut clean = FaultInjecting::new(SimPort::new(Arc::clone(&ups)));
    qx.identify(&mut clean).await.unwrap();
    qx.update(&mut clean).await.unwrap();
    let noise = Fault::Garbage(b"\x00\xff(23x.5 garbage\r".to_vec());
    let mut always = FaultInjecting::new(SimPort::new(Arc::clone(&ups)));
    for i in 0..20 {
        always = always.on_read(i, noise.clone());
    }
    let mut qx2 = QxDriver::new(settings(Some("voltronic-axpert")));
    assert!(qx2.identify(&mut always).await.is_err());
    let mut always = FaultInjecting::new(SimPort::new(Arc::clone(&ups)));
    for i in 0..20 {
        always = always.on_read(i, noise.clone());
    }
    let error = qx.update(&mut always).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");

    // A unit that sends CRCs: a reply whose CRC is wrong is a bad reply.
    let ups = unit();
    ups.lock().unwrap().axpert.send_crc = true;
    let mut qx = QxDriver::new(settings(Some("voltronic-axpert")));
    let mut clean = FaultInjecting::new(SimPort::new(Arc::clone(&ups)));
    qx.identify(&mut clean).await.unwrap();
    assert_eq!(
        qx.update(&mut clean).await.unwrap().get("ups.load"),
        Some("9")
    );
    let mut bad_crc = with_crc(QPIGS);
    bad_crc.pop();
    let at = bad_crc.len() - 1;
    bad_crc[at] ^= 0x01;
    {
        let mut ups = ups.lock().unwrap();
        ups.axpert.send_crc = false;
        ups.axpert.set_reply("QPIGS", &bad_crc);
    }
    let error = qx.update(&mut clean).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
    // The same reply without any CRC is refused too, once the unit has sent CRCs.
    let plain = QPIGS.strip_suffix(b"\r").unwrap_or(QPIGS);
    ups.lock().unwrap().axpert.set_reply("QPIGS", plain);
    let error = qx.update(&mut clean).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
    // A new start takes a unit without CRCs again.
    qx.identify(&mut clean).await.unwrap();
    assert_eq!(
        qx.update(&mut clean).await.unwrap().get("ups.load"),
        Some("9")
    );
}

proptest! {
    /// Whatever the unit answers (one arbitrary line to every query), identify and update
    /// never panic, and succeed only when that line is a valid `QPIGS` status.
    #[test]
    fn arbitrary_replies_never_panic(reply in proptest::collection::vec(any::<u8>(), 0..130)) {
        let line: Vec<u8> = reply.iter().map(|&b| if b == b'\r' { b' ' } else { b }).collect();
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            let ups = unit();
            {
                let mut ups = ups.lock().unwrap();
                for command in ["QPI", "QVFW", "QID", "QMD", "QPIRI", "QDI", "QFLAG", "QPIGS", "QPIWS", "QMOD"] {
                    ups.axpert.set_reply(command, &line);
                }
            }
            let mut port = SimPort::new(Arc::clone(&ups));
            let mut qx = QxDriver::new(settings(Some("voltronic-axpert")));
            let mut with_cr = line.clone();
            with_cr.push(b'\r');
            let valid = nut_drivers::qx::voltronic_axpert::general_status(
                &nut_drivers::qx::voltronic_axpert::strip_crc(&with_cr),
            )
            .is_some();
            let identified = qx.identify(&mut port).await.is_ok();
            assert_eq!(identified, valid);
            if identified {
                assert!(qx.update(&mut port).await.is_ok());
            }
        });
    }
}
