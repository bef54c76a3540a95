//! A standard-conforming Power Device from a vendor no subdriver knows is read with the
//! generic subdriver (NUT would refuse it); a device that is not a Power Device is refused
//! with a typed error. Devices are simulated from descriptors built for the test.

use nut_drivers::device::{DeviceError, DeviceProtocol};
use nut_drivers::hid::sim::{DescriptorBuilder, FieldSpec, SimulatedHid};
use nut_drivers::hid::{HidSettings, PathNames, ReportDescriptor, ReportKind, UsbHid};
use nut_hal::hid::HidInfo;

const VOLT: u32 = 0x00f0_d121;

fn unknown_vendor() -> HidInfo {
    HidInfo {
        vendor_id: 0x1234,
        product_id: 0x5678,
        manufacturer: Some("Nameless Power".into()),
        product: Some("NP-1000".into()),
        serial_number: Some("NP0001".into()),
    }
}

/// A UPS with charge, runtime, battery voltage, two status bits and a battery test.
fn standard_ups() -> SimulatedHid {
    let descriptor = DescriptorBuilder::default()
        .field(
            "UPS.PowerSummary.RemainingCapacity",
            FieldSpec::feature(1, 8),
        )
        .and_then(|b| b.field("UPS.PowerSummary.RunTimeToEmpty", FieldSpec::feature(2, 16)))
        .and_then(|b| {
            b.field(
                "UPS.PowerSummary.Voltage",
                FieldSpec {
                    unit: VOLT,
                    exponent: 5,
                    ..FieldSpec::feature(4, 16)
                },
            )
        })
        .and_then(|b| {
            b.field(
                "UPS.PowerSummary.PresentStatus.ACPresent",
                FieldSpec::feature(3, 1),
            )
        })
        .and_then(|b| {
            b.field(
                "UPS.PowerSummary.PresentStatus.Charging",
                FieldSpec::feature(3, 1),
            )
        })
        .and_then(|b| b.field("UPS.BatterySystem.Battery.Test", FieldSpec::feature(5, 8)))
        .unwrap()
        .build();
    let sim = SimulatedHid::new(unknown_vendor(), descriptor);
    {
        let mut state = sim.state();
        state.reports.insert(1, vec![1, 87]);
        state.reports.insert(2, vec![2, 0xb0, 0x04]); // 1200 s
        state.reports.insert(3, vec![3, 0b11]); // on line, charging
        state.reports.insert(4, vec![4, 0x4e, 0x05]); // 13.58 V
        state.reports.insert(5, vec![5, 0]);
    }
    sim
}

#[tokio::test]
async fn an_unknown_standard_ups_is_read_with_the_generic_subdriver() {
    let sim = standard_ups();
    let mut device = sim.clone();
    let mut driver = UsbHid::new(HidSettings::default());
    let identity = driver.identify(&mut device).await.unwrap();
    assert_eq!(driver.subdriver().unwrap().name, "generic");
    assert_eq!(
        identity.info.get("driver.version.data"),
        Some("Generic HID 0.1")
    );
    assert_eq!(identity.info.get("ups.mfr"), Some("Nameless Power"));
    assert_eq!(identity.info.get("ups.model"), Some("NP-1000"));
    assert!(
        identity
            .commands
            .iter()
            .any(|c| c == "test.battery.start.quick"),
        "{:?}",
        identity.commands
    );

    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.get("battery.charge"), Some("87"));
    assert_eq!(reading.get("battery.runtime"), Some("1200"));
    assert_eq!(reading.get("battery.voltage"), Some("13.6"));
    assert_eq!(reading.status_text(), "OL CHRG");

    sim.state().reports.insert(3, vec![3, 0b00]);
    let mut fresh = UsbHid::new(HidSettings::default());
    fresh.identify(&mut device).await.unwrap();
    let reading = fresh.update(&mut device).await.unwrap();
    assert_eq!(reading.status_text(), "OB");

    fresh
        .instcmd(&mut device, "test.battery.start.quick", None)
        .await
        .unwrap();
    let written = sim.state().written.last().cloned().unwrap();
    let descriptor = ReportDescriptor::parse(&sim.state().descriptor).unwrap();
    let test = descriptor
        .find(
            &PathNames::generic()
                .parse("UPS.BatterySystem.Battery.Test")
                .unwrap(),
            ReportKind::Feature,
        )
        .unwrap();
    assert_eq!(test.raw_bits(&written), Ok(1));
}

#[tokio::test]
async fn a_device_that_is_no_power_device_is_refused() {
    // A vendor-page top collection only (a keyboard-like gadget).
    let bytes = vec![
        0x06, 0x00, 0xff, 0x09, 0x01, 0xa1, 0x01, 0x85, 0x01, 0x75, 0x08, 0x95, 0x01, 0x09, 0x02,
        0xb1, 0x02, 0xc0,
    ];
    let mut device = SimulatedHid::new(unknown_vendor(), bytes);
    let mut driver = UsbHid::new(HidSettings::default());
    let error = driver.identify(&mut device).await.unwrap_err();
    assert!(matches!(error, DeviceError::NotSupported(_)), "{error:?}");
    assert!(error.to_string().contains("1234:5678"), "{error}");
}

/// A UPS with the two delay fields: usbhid-ups builds load.off/load.on, shutdown.return and
/// shutdown.stayoff from them, and `-k` runs shutdown.return.
#[tokio::test]
async fn commands_built_from_the_delays() {
    let signed = |report_id| FieldSpec {
        logical_min: -32768,
        logical_max: 32767,
        ..FieldSpec::feature(report_id, 16)
    };
    let descriptor = DescriptorBuilder::default()
        .field(
            "UPS.PowerSummary.RemainingCapacity",
            FieldSpec::feature(1, 8),
        )
        .and_then(|b| b.field("UPS.PowerSummary.DelayBeforeShutdown", signed(6)))
        .and_then(|b| b.field("UPS.PowerSummary.DelayBeforeStartup", signed(7)))
        .unwrap()
        .build();
    let sim = SimulatedHid::new(unknown_vendor(), descriptor);
    {
        let mut state = sim.state();
        state.reports.insert(1, vec![1, 100]);
        state.reports.insert(6, vec![6, 0xff, 0xff]);
        state.reports.insert(7, vec![7, 0xff, 0xff]);
    }
    let mut device = sim.clone();
    let settings = HidSettings {
        offdelay: "60".into(),
        ..HidSettings::default()
    };
    let mut driver = UsbHid::new(settings);
    let identity = driver.identify(&mut device).await.unwrap();
    for command in ["load.off", "load.on", "shutdown.return", "shutdown.stayoff"] {
        assert!(
            identity.commands.iter().any(|c| c == command),
            "{command}: {:?}",
            identity.commands
        );
    }
    let writes = |sim: &SimulatedHid| -> Vec<(u8, i16)> {
        sim.state()
            .written
            .iter()
            .map(|r| (r[0], i16::from_le_bytes([r[1], r[2]])))
            .collect()
    };

    driver
        .instcmd(&mut device, "shutdown.return", None)
        .await
        .unwrap();
    assert_eq!(
        writes(&sim),
        vec![(7, 30), (6, 60)],
        "start after 30 s, off after offdelay"
    );
    sim.state().written.clear();
    driver
        .instcmd(&mut device, "shutdown.stayoff", None)
        .await
        .unwrap();
    assert_eq!(writes(&sim), vec![(7, -1), (6, 60)], "no restart");
    sim.state().written.clear();
    driver.instcmd(&mut device, "load.off", None).await.unwrap();
    assert_eq!(writes(&sim), vec![(6, 0)]);
    sim.state().written.clear();
    driver.kill_power(&mut device).await.unwrap();
    assert_eq!(writes(&sim), vec![(7, 30), (6, 60)]);
    assert!(
        driver
            .instcmd(&mut device, "beeper.on", None)
            .await
            .is_err(),
        "no beeper here"
    );
}

/// A descriptor longer than NUT's 6 KiB limit is read whole; a device that stalls makes the
/// poll fail with a typed timeout (the runtime then marks the data stale), and it recovers.
#[tokio::test]
async fn a_long_descriptor_and_a_stalling_device() {
    let mut builder = DescriptorBuilder::default();
    for index in 0..200u32 {
        let report_id = (index % 200) as u8 + 1;
        builder = builder
            .field(
                "UPS.PowerSummary.RemainingCapacity",
                FieldSpec::feature(report_id, 8),
            )
            .unwrap();
    }
    let bytes = builder
        .field(
            "UPS.PowerSummary.PresentStatus.ACPresent",
            FieldSpec::feature(201, 1),
        )
        .unwrap()
        .build();
    assert!(bytes.len() > 6144, "{} bytes", bytes.len());
    let sim = SimulatedHid::new(unknown_vendor(), bytes);
    {
        let mut state = sim.state();
        for id in 1..=200u8 {
            state.reports.insert(id, vec![id, 42]);
        }
        state.reports.insert(201, vec![201, 1]);
    }
    let mut device = sim.clone();
    // Every poll a full walk, straight from the device.
    let mut driver = UsbHid::new(HidSettings {
        pollinterval: std::time::Duration::ZERO,
        pollfreq: std::time::Duration::ZERO,
        ..HidSettings::default()
    });
    driver.identify(&mut device).await.unwrap();
    assert_eq!(driver.descriptor().unwrap().fields().len(), 201);
    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.get("battery.charge"), Some("42"));
    assert_eq!(reading.status_text(), "OL");

    sim.state().stalled = true;
    let error = driver.update(&mut device).await.unwrap_err();
    assert_eq!(error.kind(), nut_hal::ErrorKind::Timeout);
    sim.state().stalled = false;
    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.get("battery.charge"), Some("42"));
}
