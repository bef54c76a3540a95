//! usbhid-ups end to end with vendor conversions: a simulated PowerCom unit whose status
//! words feed `ups.status` through conversion functions, whose battery voltage is read from a
//! raw report, and whose shutdown delay is written through a reverse conversion; and simulated
//! MGE units whose model (product and iModel strings) decides what is published.

use std::time::Duration;

use nut_drivers::device::DeviceProtocol;
use nut_drivers::hid::sim::SimulatedHid;
use nut_drivers::hid::{HidSettings, UsbHid};
use nut_hal::hid::HidInfo;

/// A PowerCom-style descriptor: vendor status words and output voltage in report 1, the
/// standard shutdown delay and AC-present bit in report 2.
const DESCRIPTOR: &[u8] = &[
    0x05, 0x02, 0x09, 0x04, 0xa1, 0x01, // PowercomUPS
    0x09, 0x16, 0xa1, 0x00, // PowercomPowerConverter
    0x09, 0x1c, 0xa1, 0x00, // PowercomOutput
    0x85, 0x01, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x01, //
    0x09, 0x81, 0xb1, 0x02, // InternalChargeController
    0x09, 0x82, 0xb1, 0x02, // PrimaryBatterySupport
    0x09, 0x30, 0xb1, 0x02, // PowercomVoltage
    0xc0, 0xc0, 0xc0, //
    0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, // UPS
    0x09, 0x24, 0xa1, 0x00, // PowerSummary
    0x85, 0x02, 0x15, 0x00, 0x27, 0xff, 0xff, 0x00, 0x00, 0x75, 0x10, 0x95, 0x01, //
    0x09, 0x57, 0xb1, 0x02, // DelayBeforeShutdown
    0x09, 0x02, 0xa1, 0x02, // PresentStatus
    0x05, 0x85, 0x09, 0xd0, 0x25, 0x01, 0x75, 0x01, 0xb1, 0x02, // ACPresent
    0x75, 0x07, 0xb1, 0x03, // padding
    0xc0, 0xc0, 0xc0,
];

fn powercom() -> SimulatedHid {
    let info = HidInfo {
        vendor_id: 0x0d9f,
        product_id: 0x0004,
        manufacturer: Some("POWERCOM".into()),
        product: Some("Sim".into()),
        serial_number: None,
    };
    let sim = SimulatedHid::new(info, DESCRIPTOR.to_vec());
    {
        let mut state = sim.state();
        // Replace battery; on line, buck (trim); output 57 × 4 V.
        state.reports.insert(1, vec![0x01, 0x02, 0x08, 57]);
        // 1 min 30 s before shutdown; AC present.
        state.reports.insert(2, vec![0x02, 0x1e, 0x01, 0x01]);
        state.reports.insert(0xa4, b"\xa413.62\0\0".to_vec());
    }
    sim
}

#[tokio::test]
async fn status_words_and_raw_voltage_convert() {
    let sim = powercom();
    let mut device = sim.clone();
    // Reports are read afresh on every poll.
    let settings = HidSettings {
        pollinterval: Duration::ZERO,
        ..HidSettings::default()
    };
    let mut driver = UsbHid::new(settings);
    driver.identify(&mut device).await.expect("identify");
    assert_eq!(driver.subdriver().map(|s| s.name), Some("powercom"));
    let reading = driver.update(&mut device).await.expect("update");
    let value = |name: &str| {
        reading
            .values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("output.voltage"), Some("228"));
    assert_eq!(value("battery.voltage"), Some("13.62"));
    assert_eq!(value("ups.timer.shutdown"), Some("90"));
    let status = reading.status_text();
    for token in ["OL", "TRIM", "RB"] {
        assert!(
            status.split(' ').any(|t| t == token),
            "{token} in {status:?}"
        );
    }
    assert!(
        !status.contains("OB") && !status.contains("BOOST"),
        "{status:?}"
    );
    assert!(reading.alarms.iter().any(|a| a == "Replace battery!"));

    sim.state().reports.insert(1, vec![0x01, 0x00, 0x19, 57]);
    let reading = driver.update(&mut device).await.expect("update");
    let status = reading.status_text();
    // On battery (the online bit cleared), boosting, battery fine.
    let tokens: Vec<&str> = status.split(' ').collect();
    assert!(tokens.contains(&"BOOST"), "{status:?}");
    assert!(
        !tokens.contains(&"OL") && !tokens.contains(&"RB"),
        "{status:?}"
    );
}

#[tokio::test]
async fn commands_write_through_the_reverse_conversion() {
    let sim = powercom();
    let mut device = sim.clone();
    let mut driver = UsbHid::new(HidSettings::default());
    driver.identify(&mut device).await.expect("identify");
    driver
        .instcmd(&mut device, "shutdown.return", Some("90"))
        .await
        .expect("shutdown.return");
    let written = sim.state().written.clone();
    // 1 minute 30 seconds with NUT's 0x0040 flag.
    assert_eq!(
        written.last().map(|r| &r[..3]),
        Some(&[0x02, 0x5e, 0x01][..])
    );
}

/// An MGE-style descriptor: iModel string index, battery nominal and present voltage.
const MGE_DESCRIPTOR: &[u8] = &[
    0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, // UPS
    0x09, 0x24, 0xa1, 0x00, // PowerSummary
    0x85, 0x01, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x01, //
    0x06, 0xff, 0xff, 0x09, 0xf0, 0xb1, 0x02, // iModel (MGE usage)
    0x05, 0x84, 0x09, 0x40, 0xb1, 0x02, // ConfigVoltage
    0x09, 0x30, 0xb1, 0x02, // Voltage
    0xc0, 0xc0,
];

async fn mge_values(model: &str) -> Vec<(String, String)> {
    let info = HidInfo {
        vendor_id: 0x0463,
        product_id: 0xffff,
        manufacturer: Some("EATON".into()),
        product: Some("Evolution".into()),
        serial_number: None,
    };
    let sim = SimulatedHid::new(info, MGE_DESCRIPTOR.to_vec());
    {
        let mut state = sim.state();
        state.reports.insert(1, vec![0x01, 0x02, 24, 27]);
        state.strings.insert(2, model.to_owned());
    }
    let mut device = sim.clone();
    let mut driver = UsbHid::new(HidSettings::default());
    let identity = driver.identify(&mut device).await.expect("identify");
    assert_eq!(driver.subdriver().map(|s| s.name), Some("mge"));
    let reading = driver.update(&mut device).await.expect("update");
    let mut values = identity.info.values.clone();
    values.extend(reading.values.iter().cloned());
    values
}

#[tokio::test]
async fn mge_battery_values_follow_the_model() {
    let value = |values: &[(String, String)], name: &str| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    // Evolution 650: battery values published, the nominal forced to 12 V.
    let evolution_650 = mge_values("650").await;
    assert_eq!(
        value(&evolution_650, "battery.voltage.nominal").as_deref(),
        Some("12")
    );
    assert_eq!(
        value(&evolution_650, "battery.voltage").as_deref(),
        Some("27.0")
    );
    // Evolution 500 is of the default family: neither is published.
    let evolution_500 = mge_values("500").await;
    assert_eq!(value(&evolution_500, "battery.voltage.nominal"), None);
    assert_eq!(value(&evolution_500, "battery.voltage"), None);
}
