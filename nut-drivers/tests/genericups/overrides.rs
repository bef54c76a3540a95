//! `ups.conf` overrides (`CP`, `OL`, `LB`, `RB`, `BYPASS`, `SD`, `mfr`, `model`, `serial`,
//! `sdtime`) and the settings the real driver refuses.

use std::time::Duration;

use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::genericups::GenericUpsConfig;
use nut_hal::ModemLines;
use tokio::time::Instant;

use super::double::{Event, Lines};
use super::{driver, status_for};

#[tokio::test]
async fn input_overrides_change_the_mapping() {
    // Type 7: OL when CTS high, LB when DCD low.
    let mut stock = driver(7, &[]);
    assert_eq!(status_for(&mut stock, ModemLines::DSR).await, ["LB", "OB"]);

    // Online now on DSR asserted, low battery on RNG asserted.
    let mut ups = driver(7, &[("OL", "DSR"), ("LB", "RNG")]);
    assert_eq!(status_for(&mut ups, ModemLines::DSR).await, ["OL"]);
    assert_eq!(status_for(&mut ups, ModemLines::CTS).await, ["OB"]);
    assert_eq!(status_for(&mut ups, ModemLines::RI).await, ["LB", "OB"]);

    // A leading '-' inverts: on line while CTS is deasserted.
    let mut inverted = driver(7, &[("OL", "-CTS")]);
    // (Type 7's LB is DCD low, so LB shows too; the real driver gives "LB OL" and "LB OB".)
    assert_eq!(
        status_for(&mut inverted, ModemLines::empty()).await,
        ["LB", "OL"]
    );
    assert_eq!(
        status_for(&mut inverted, ModemLines::CTS).await,
        ["LB", "OB"]
    );
}

#[tokio::test]
async fn none_disables_a_signal() {
    // No on-line line: always on line. No low-battery line: never LB.
    let mut ups = driver(7, &[("OL", "none"), ("LB", "NULL")]);
    for inputs in super::tsv::all_inputs() {
        assert_eq!(status_for(&mut ups, inputs).await, ["OL"], "{inputs:?}");
    }
}

#[tokio::test]
async fn replace_battery_and_bypass_can_be_added_to_any_type() {
    let mut ups = driver(0, &[("RB", "DSR"), ("BYPASS", "-RNG")]);
    // Type 0: OL when CTS low, LB when DCD high.
    assert_eq!(
        status_for(&mut ups, ModemLines::DSR).await,
        ["OL", "RB", "BYPASS"]
    );
    assert_eq!(
        status_for(&mut ups, ModemLines::CTS | ModemLines::DCD | ModemLines::RI).await,
        ["LB", "OB"]
    );
}

#[tokio::test]
async fn several_words_mean_all_of_them() {
    let mut ups = driver(7, &[("LB", "DCD -DSR")]);
    assert!(
        status_for(&mut ups, ModemLines::CTS | ModemLines::DCD)
            .await
            .contains(&"LB".to_string())
    );
    assert!(
        !status_for(
            &mut ups,
            ModemLines::CTS | ModemLines::DCD | ModemLines::DSR
        )
        .await
        .contains(&"LB".to_string())
    );
}

#[tokio::test(start_paused = true)]
async fn output_overrides_change_cable_power_and_shutdown() {
    // Type 8 has no shutdown method; SD gives it one. CP swaps its cable power.
    let mut ups = driver(8, &[("CP", "RTS"), ("SD", "DTR+RTS"), ("sdtime", "2")]);
    let port = Lines::default();
    ups.identify(&mut port.clone()).await.unwrap();
    assert_eq!(port.outputs(), (Some(false), Some(true)));
    port.clear_events();
    let started = Instant::now();
    ups.kill_power(&mut port.clone()).await.unwrap();
    assert_eq!(port.outputs(), (Some(true), Some(true)));
    assert_eq!(started.elapsed(), Duration::from_secs(2));

    // SD=ST turns a line shutdown into a break; CP=none powers nothing.
    let mut ups = driver(7, &[("CP", "none"), ("SD", "ST")]);
    let port = Lines::default();
    ups.identify(&mut port.clone()).await.unwrap();
    assert_eq!(port.outputs(), (Some(false), Some(false)));
    port.clear_events();
    ups.kill_power(&mut port.clone()).await.unwrap();
    let events: Vec<Event> = port.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, [Event::Break(nut_drivers::genericups::BREAK_TIME)]);

    // SD=none drops every output line.
    let mut ups = driver(0, &[("SD", "none")]);
    let port = Lines::default();
    ups.identify(&mut port.clone()).await.unwrap();
    assert_eq!(port.outputs(), (Some(true), Some(true)));
    ups.kill_power(&mut port.clone()).await.unwrap();
    assert_eq!(port.outputs(), (Some(false), Some(false)));
}

#[tokio::test]
async fn identity_overrides() {
    let mut ups = driver(
        4,
        &[("mfr", "Apollo"), ("model", "1000F"), ("serial", "AP-42")],
    );
    let identity = ups.identify(&mut Lines::default()).await.unwrap();
    let info = &identity.info;
    assert_eq!(info.get("ups.mfr"), Some("Apollo"));
    assert_eq!(info.get("ups.model"), Some("1000F"));
    assert_eq!(info.get("ups.serial"), Some("AP-42"));
    assert_eq!(info.get("device.serial"), Some("AP-42"));
}

fn refused(settings: &[(&str, &str)]) -> (String, String) {
    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, Some(value));
    }
    let err = GenericUpsConfig::from_config(&config).unwrap_err();
    (err.key, err.reason)
}

#[test]
fn bad_settings_are_refused_naming_the_key() {
    let mut missing = DriverConfig::default();
    missing.push("port", Some("/dev/ttyS0"));
    let err = GenericUpsConfig::from_config(&missing).unwrap_err();
    assert_eq!(err.key, "upstype");
    assert!(err.reason.contains("no upstype set"), "{err}");

    for bad in ["24", "abc", "-1", "", "255", "7.5"] {
        let (key, reason) = refused(&[("upstype", bad)]);
        assert_eq!(key, "upstype", "{bad}");
        assert!(reason.contains("unknown UPS type number"), "{reason}");
    }
    let cases: &[(&str, &str, &str)] = &[
        (
            "SD",
            "CTS",
            "can't override output with CTS (not an output)",
        ),
        (
            "CP",
            "DCD",
            "can't override output with DCD (not an output)",
        ),
        ("OL", "DTR", "can't override input with DTR (not an input)"),
        ("LB", "-RTS", "can't override input with RTS (not an input)"),
        ("RB", "ST", "can't override input with ST (not an input)"),
        ("BYPASS", "foo", "unknown line"),
        ("CP", "ST", "cannot power a cable"),
        ("SD", "ST DTR", "cannot be combined"),
        ("OL", "", "empty value"),
        ("sdtime", "abc", "not a valid number"),
        ("sdtime", "-5", "not a valid number"),
    ];
    for (key, value, reason) in cases {
        let (got_key, got_reason) = refused(&[("upstype", "7"), (key, value)]);
        assert_eq!(&got_key, key, "{key}={value}");
        assert!(got_reason.contains(reason), "{key}={value}: {got_reason}");
    }
    let (key, reason) = refused(&[("upstype", "7"), ("foo", "1")]);
    assert_eq!(key, "foo");
    assert!(reason.contains("not a valid variable name"), "{reason}");
}

#[test]
fn common_driver_keys_are_accepted() {
    let mut config = DriverConfig::default();
    for (key, value) in [
        ("driver", "genericups"),
        ("port", "/dev/ttyS0"),
        ("desc", "closet UPS"),
        ("pollinterval", "2"),
        ("upstype", "7"),
    ] {
        config.push(key, Some(value));
    }
    let settings = GenericUpsConfig::from_config(&config).unwrap();
    assert_eq!(settings.ups_type.id, 7);
    assert_eq!(settings.sdtime, Duration::ZERO);
}
