//! The usbhid-ups protocol against a simulated APC Back-UPS CS 500 built from its real capture:
//! commands and writable variables reach the right report bits, interrupt reports change the
//! status between polls, and under the driver runtime a device that vanishes makes the data
//! stale and is found again when it returns.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig, PortOpener, Runner};
use nut_drivers::hid::nut_log::NutHidLog;
use nut_drivers::hid::settings::KEYS;
use nut_drivers::hid::sim::SimulatedHid;
use nut_drivers::hid::{HidSettings, ReportDescriptor, UsbHid};
use nut_drivers::runtime::{Output, Serve};
use nut_hal::ErrorKind;
use nut_hal::hid::HidInfo;
use tokio::time::Instant;

fn cs_500() -> SimulatedHid {
    let path = format!(
        "{}/tests/fixtures/usb-hid/APC__Back-UPS_CS_500__usbhid-ups__2.8.0__01.dev",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let log = NutHidLog::parse(&text).unwrap();
    let info = HidInfo {
        vendor_id: 0x051d,
        product_id: 0x0002,
        manufacturer: Some("American Power Conversion".into()),
        product: Some("Back-UPS 500 FW: 6.5.I USB FW: c1 ".into()),
        serial_number: Some("AB0427******".into()),
    };
    let sim = SimulatedHid::from_log(info, &log);
    sim.state().strings.insert(4, "PbAc".into());
    sim
}

/// The raw bits of `path`'s Feature field in the last report written to the device (NUT
/// writes the bits without a range check: APCDelayBeforeReboot is 8 bits with LogMax 1).
fn written_value(sim: &SimulatedHid, path: &str) -> u64 {
    let state = sim.state();
    let descriptor = ReportDescriptor::parse(&state.descriptor).unwrap();
    let names = nut_drivers::hid::PathNames::with_vendor(
        nut_drivers::hid::path::usage_table("apc_usage_lkp").unwrap(),
    );
    let field = descriptor
        .find(
            &names.parse(path).unwrap(),
            nut_drivers::hid::ReportKind::Feature,
        )
        .unwrap();
    let report = state.written.last().expect("a report was written");
    assert_eq!(report[0], field.report_id);
    field.raw_bits(report).unwrap()
}

#[tokio::test]
async fn commands_and_writable_variables_reach_the_report_bits() {
    let sim = cs_500();
    let mut device = sim.clone();
    let mut driver = UsbHid::new(HidSettings::default());
    let identity = driver.identify(&mut device).await.unwrap();
    // The commands NUT listed for this unit (the dump's CMD lines).
    let mut commands = identity.commands.clone();
    commands.sort();
    assert_eq!(
        commands,
        vec!["shutdown.reboot", "test.panel.start", "test.panel.stop"]
    );
    assert!(
        identity
            .writable
            .iter()
            .any(|(name, _)| name == "battery.charge.low")
    );

    driver
        .instcmd(&mut device, "shutdown.reboot", None)
        .await
        .unwrap();
    assert_eq!(
        written_value(&sim, "UPS.APCGeneralCollection.APCDelayBeforeReboot"),
        10
    );
    driver
        .instcmd(&mut device, "test.panel.start", None)
        .await
        .unwrap();
    assert_eq!(written_value(&sim, "UPS.PowerSummary.APCPanelTest"), 1);

    driver
        .set_var(&mut device, "battery.charge.low", "20")
        .await
        .unwrap();
    assert_eq!(
        written_value(&sim, "UPS.PowerSummary.RemainingCapacityLimit"),
        20
    );
    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.get("battery.charge.low"), Some("20"));

    assert!(driver.instcmd(&mut device, "load.off", None).await.is_err());
    assert!(
        driver
            .set_var(&mut device, "battery.charge.low", "lots")
            .await
            .is_err()
    );
    assert_eq!(
        sim.state().written.len(),
        3,
        "refused requests write nothing"
    );
}

#[tokio::test]
async fn an_interrupt_report_changes_the_status_between_polls() {
    let sim = cs_500();
    let mut device = sim.clone();
    let mut driver = UsbHid::new(HidSettings::default());
    driver.identify(&mut device).await.unwrap();
    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.status_text(), "OL");

    // Mains fail: the unit sends ACPresent = 0 (Input report 0x13) on its interrupt pipe.
    sim.state().interrupts.push_back(vec![0x13, 0x00]);
    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.status_text(), "OB");
    assert!(sim.state().interrupts.is_empty());

    // With pollonly the pipe is not read.
    let mut polling = UsbHid::new(HidSettings {
        pollonly: true,
        ..HidSettings::default()
    });
    polling.identify(&mut device).await.unwrap();
    sim.state().interrupts.push_back(vec![0x13, 0x00]);
    let reading = polling.update(&mut device).await.unwrap();
    assert_eq!(reading.status_text(), "OL");
    assert_eq!(sim.state().interrupts.len(), 1);
}

#[tokio::test]
async fn a_report_the_device_refuses_skips_its_rows_only() {
    let sim = cs_500();
    let mut device = sim.clone();
    let mut driver = UsbHid::new(HidSettings::default());
    driver.identify(&mut device).await.unwrap();
    // Report 0x09 (battery voltage) now stalls: the rest is still published.
    sim.state().reports.remove(&0x09);
    let reading = driver.update(&mut device).await.unwrap();
    assert_eq!(reading.get("battery.voltage"), None);
    assert_eq!(reading.get("battery.charge"), Some("100"));
    assert_eq!(reading.status_text(), "OL");
}

#[derive(Clone)]
struct Opener {
    sim: SimulatedHid,
    opens: Arc<Mutex<u32>>,
}

impl PortOpener for Opener {
    type Port = SimulatedHid;

    async fn open(&mut self) -> Result<SimulatedHid, DeviceError> {
        *self.opens.lock().unwrap() += 1;
        if self.sim.state().gone {
            return Err(DeviceError::Transport {
                operation: "finding the UPS".into(),
                kind: ErrorKind::Disconnected,
                message: "no matching USB HID UPS".into(),
            });
        }
        Ok(self.sim.clone())
    }
}

#[tokio::test(start_paused = true)]
async fn a_device_that_vanishes_goes_stale_and_is_found_again() {
    let sim = cs_500();
    let opener = Opener {
        sim: sim.clone(),
        opens: Arc::new(Mutex::new(0)),
    };
    let opens = Arc::clone(&opener.opens);
    let mut config = DriverConfig::default();
    config.push("driver", Some("usbhid-ups"));
    config.push("port", Some("auto"));
    let family: UsbHid<SimulatedHid> = UsbHid::new(HidSettings::from_config(&config).unwrap());
    let runner = Runner::new(family, opener, &config, KEYS).expect("runner");
    let mut tree = runner.tree().clone();
    tree.apply(&StateChange::DataStale);
    let mut link = runner.start();

    let deadline = Instant::now() + Duration::from_secs(600);
    let mut until = async |what: &str, tree: &mut StateTree, done: &dyn Fn(&StateTree) -> bool| {
        while !done(tree) {
            let output = tokio::time::timeout_at(deadline, link.output.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("driver running");
            if let Output::Broadcast(nut_protocol::sock::DriverMessage::Change(change)) = output {
                tree.apply(&change);
            }
        }
    };
    until("fresh data", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OL")
    })
    .await;
    assert_eq!(tree.value("driver.version.data"), Some("APC HID 0.101"));
    assert_eq!(tree.value("device.mfr"), Some("American Power Conversion"));

    sim.state().gone = true;
    until("stale data", &mut tree, &|t| !t.data_ok()).await;
    assert_eq!(
        tree.value("ups.status"),
        Some("OL"),
        "the last status stays"
    );

    sim.state().gone = false;
    sim.state().reports.insert(0x13, vec![0x13, 0x00]);
    until("fresh data on battery", &mut tree, &|t| {
        t.data_ok() && t.value("ups.status") == Some("OB")
    })
    .await;
    assert!(*opens.lock().unwrap() >= 2, "the device was opened again");
}
