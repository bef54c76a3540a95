//! The contact-closure family against NUT's cable table (`fixtures/genericups/upstypes.tsv`,
//! read independently in `tsv.rs`) and the Devices Dumps Library's genericups dumps, over a
//! scripted modem-line port (`double.rs`).

mod double;
mod overrides;
mod tsv;

use std::time::Duration;

use double::{Event, Lines};
use nut_drivers::device::{CommandError, DeviceError, DeviceProtocol, DriverConfig};
use nut_drivers::genericups::{
    GenericUps, GenericUpsConfig, KEYS, Outputs, Shutdown, Signal, UPS_TYPES, status_words,
};
use nut_hal::{ErrorKind, ModemLines};
use proptest::prelude::*;
use tokio::time::Instant;
use tsv::{Sd, all_inputs, expected_status, rows};

/// A driver for `upstype` with extra settings.
pub fn driver(upstype: u8, extra: &[(&str, &str)]) -> GenericUps<Lines> {
    let mut config = DriverConfig::default();
    config.push("upstype", Some(&upstype.to_string()));
    for (key, value) in extra {
        config.push(key, Some(value));
    }
    GenericUps::from_driver_config(&config).unwrap()
}

/// The status words `update` reports for `inputs`.
pub async fn status_for(ups: &mut GenericUps<Lines>, inputs: ModemLines) -> Vec<String> {
    let mut port = Lines::default();
    port.set_inputs(inputs);
    ups.update(&mut port).await.unwrap().status
}

#[test]
fn the_table_is_the_tsv() {
    let rows = rows();
    assert_eq!(rows.len(), UPS_TYPES.len());
    for (row, ups_type) in rows.iter().zip(UPS_TYPES) {
        let id = row.id;
        assert_eq!(ups_type.id, id);
        assert_eq!(ups_type.mfr, row.mfr, "type {id}");
        assert_eq!(ups_type.model, row.model, "type {id}");
        assert_eq!(ups_type.description, row.description, "type {id}");
        let cp = ups_type.cable_power;
        assert_eq!((cp.dtr, cp.rts), row.cable_power, "type {id}");
        let sd = match ups_type.shutdown {
            Shutdown::Unknown => Sd::Refuse,
            Shutdown::Break => Sd::Break,
            Shutdown::Lines(o) => Sd::Lines(o.dtr, o.rts),
        };
        assert_eq!(sd, row.shutdown, "type {id}");
        for (signal, cond) in [
            (ups_type.online, row.online),
            (ups_type.low_battery, row.low_battery),
            (ups_type.replace_battery, row.replace_battery),
            (ups_type.bypass, row.bypass),
        ] {
            let expected = match cond {
                None => Signal::NONE,
                Some((line, true)) => Signal::high(line),
                Some((line, false)) => Signal::low(line),
            };
            assert_eq!(signal, expected, "type {id}");
        }
    }
}

#[tokio::test]
async fn every_type_reports_what_the_tsv_says_for_every_line_combination() {
    let mut checked = 0;
    for row in rows() {
        let mut ups = driver(row.id, &[]);
        let mut port = Lines::default();
        for inputs in all_inputs() {
            port.set_inputs(inputs);
            let reading = ups.update(&mut port).await.unwrap();
            assert_eq!(
                reading.status,
                expected_status(&row, inputs),
                "type {} ({}), inputs {inputs:?}",
                row.id,
                row.description
            );
            assert!(reading.values.is_empty() && reading.alarms.is_empty());
            checked += 1;
        }
        assert_eq!(port.status_reads(), 16);
    }
    assert_eq!(checked, 24 * 16);
}

#[tokio::test]
async fn the_fttx_type_reports_replace_battery_and_bypass() {
    // Type 23: OL when CTS high, LB when DCD low, RB when RNG low, BYPASS when DSR low.
    let mut ups = driver(23, &[]);
    assert_eq!(
        status_for(
            &mut ups,
            ModemLines::CTS | ModemLines::DCD | ModemLines::RI | ModemLines::DSR
        )
        .await,
        ["OL"]
    );
    assert_eq!(
        status_for(&mut ups, ModemLines::empty()).await,
        ["LB", "OB", "RB", "BYPASS"]
    );
    assert_eq!(
        status_for(
            &mut ups,
            ModemLines::CTS | ModemLines::DCD | ModemLines::DSR
        )
        .await,
        ["OL", "RB"]
    );
}

#[tokio::test]
async fn identify_raises_exactly_the_cable_power_lines() {
    for row in rows() {
        let mut ups = driver(row.id, &[]);
        let port = Lines::default();
        let identity = ups.identify(&mut port.clone()).await.unwrap();
        let (dtr, rts) = row.cable_power;
        assert_eq!(port.outputs(), (Some(dtr), Some(rts)), "type {}", row.id);
        let info = &identity.info;
        assert_eq!(info.get("ups.mfr"), Some(row.mfr.as_str()));
        assert_eq!(info.get("ups.model"), Some(row.model.as_str()));
        assert_eq!(info.get("device.mfr"), Some(row.mfr.as_str()));
        assert_eq!(info.get("device.model"), Some(row.model.as_str()));
        assert_eq!(info.get("device.type"), Some("ups"));
        assert_eq!(info.get("ups.serial"), None);
        assert!(identity.commands.is_empty() && identity.writable.is_empty());
        assert!(info.status.is_empty());
    }
}

/// `name: value` lines of a dump, comments skipped.
fn dump_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[tokio::test]
async fn identify_publishes_what_the_dumps_show_for_their_upstype() {
    let dumps = [
        include_str!("../fixtures/genericups/Apollo__1000F__genericups__2.0.2__01.dev"),
        include_str!("../fixtures/genericups/MicroDowell__B-Box_LP_500__genericups__2.6.3__01.dev"),
        include_str!("../fixtures/genericups/Sweex__1000VA_UPS__genericups__2.0.1__01.dev"),
    ];
    for dump in dumps {
        let values = dump_values(dump);
        let get = |name: &str| {
            values
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let upstype: u8 = get("driver.parameter.upstype").unwrap().parse().unwrap();
        let mut ups = driver(upstype, &[]);
        let port = Lines::default();
        let identity = ups.identify(&mut port.clone()).await.unwrap();
        for name in [
            "ups.mfr",
            "ups.model",
            "device.mfr",
            "device.model",
            "device.type",
        ] {
            if let Some(expected) = get(name) {
                assert_eq!(
                    identity.info.get(name),
                    Some(expected),
                    "{name} of type {upstype}"
                );
            }
        }
        assert!(get("ups.mfr").is_some() && get("ups.model").is_some());
        // Every dump shows a UPS on line; the lines that say so give exactly that status.
        let online = ups.config().online;
        let low_battery = ups.config().low_battery;
        let mut inputs = online.value;
        if low_battery.value.is_empty() {
            inputs |= low_battery.mask; // LB when low: keep it high
        }
        port.set_inputs(inputs);
        let reading = ups.update(&mut port.clone()).await.unwrap();
        assert_eq!(Some(reading.status_text().as_str()), get("ups.status"));
    }
}

#[tokio::test(start_paused = true)]
async fn kill_power_drives_the_shutdown_lines_and_holds_them_for_sdtime() {
    for row in rows() {
        let mut ups = driver(row.id, &[("sdtime", "7")]);
        let port = Lines::default();
        ups.identify(&mut port.clone()).await.unwrap();
        port.clear_events();
        let started = Instant::now();
        let result = ups.kill_power(&mut port.clone()).await;
        let events = port.events();
        match row.shutdown {
            Sd::Refuse => {
                let err = result.unwrap_err();
                assert!(matches!(err, DeviceError::NotSupported(_)), "{err:?}");
                assert_eq!(err.kind(), ErrorKind::Unsupported);
                assert!(events.is_empty(), "type {}: {events:?}", row.id);
                assert_eq!(started.elapsed(), Duration::ZERO);
                let (dtr, rts) = row.cable_power;
                assert_eq!(port.outputs(), (Some(dtr), Some(rts)), "cable power kept");
            }
            Sd::Break => {
                result.unwrap();
                assert_eq!(events.len(), 1, "type {}: {events:?}", row.id);
                assert_eq!(
                    events[0],
                    (started, Event::Break(nut_drivers::genericups::BREAK_TIME))
                );
                // The break is not held for sdtime (as the real driver).
                assert_eq!(started.elapsed(), nut_drivers::genericups::BREAK_TIME);
            }
            Sd::Lines(dtr, rts) => {
                result.unwrap();
                assert_eq!(port.outputs(), (Some(dtr), Some(rts)), "type {}", row.id);
                assert!(events.iter().all(|(at, _)| *at == started), "{events:?}");
                assert_eq!(started.elapsed(), Duration::from_secs(7), "type {}", row.id);
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_shutdown_lines_stay_up_while_kill_power_holds_them() {
    // Type 7 (CyberPower Power99): cable power RTS, shutdown DTR alone.
    let mut ups = driver(7, &[("sdtime", "30")]);
    let port = Lines::default();
    ups.identify(&mut port.clone()).await.unwrap();
    assert_eq!(port.outputs(), (Some(false), Some(true)));
    let started = Instant::now();
    let mut handle = port.clone();
    let task = tokio::spawn(async move { ups.kill_power(&mut handle).await });
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert!(!task.is_finished(), "still holding after 29 s");
    assert_eq!(
        port.outputs(),
        (Some(true), Some(false)),
        "RTS dropped, DTR up"
    );
    task.await.unwrap().unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn without_sdtime_kill_power_returns_at_once() {
    let mut ups = driver(2, &[]);
    let port = Lines::default();
    let started = Instant::now();
    ups.kill_power(&mut port.clone()).await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(port.outputs(), (Some(true), Some(true)));
}

#[tokio::test]
async fn modem_line_errors_are_typed_device_errors() {
    for kind in [
        ErrorKind::Timeout,
        ErrorKind::Disconnected,
        ErrorKind::Io,
        ErrorKind::Unsupported,
    ] {
        let mut ups = driver(1, &[]);
        let port = Lines::default();
        port.fail_status(Some(kind));
        let err = ups.update(&mut port.clone()).await.unwrap_err();
        assert_eq!(err.kind(), kind);
        assert!(
            matches!(&err, DeviceError::Transport { operation, .. } if operation == "reading modem lines"),
            "{err:?}"
        );
        port.fail_status(None);
        assert_eq!(ups.update(&mut port.clone()).await.unwrap().status, ["OL"]);

        port.fail_outputs(Some(kind));
        let err = ups.identify(&mut port.clone()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{err:?}");
        let err = ups.kill_power(&mut port.clone()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{err:?}");
        let mut breaking = driver(11, &[]);
        let err = breaking.kill_power(&mut port.clone()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{err:?}");
    }
}

#[tokio::test]
async fn there_are_no_instant_commands_or_writable_variables() {
    let mut ups = driver(0, &[]);
    let mut port = Lines::default();
    assert_eq!(
        ups.instcmd(&mut port, "shutdown.return", None).await,
        Err(CommandError::Unknown)
    );
    assert_eq!(
        ups.set_var(&mut port, "ups.delay.shutdown", "20").await,
        Err(CommandError::Unknown)
    );
    assert_eq!(ups.name(), "genericups");
    assert_eq!(ups.version(), "1.38");
}

#[test]
fn the_accepted_keys_are_those_of_genericups_help() {
    assert_eq!(
        KEYS,
        [
            "upstype", "mfr", "model", "serial", "CP", "OL", "LB", "RB", "BYPASS", "SD", "sdtime"
        ]
    );
}

proptest! {
    #[test]
    fn any_lines_give_exactly_one_of_ol_and_ob(
        upstype in 0u8..24,
        bits in 0u8..=255,
        ol in prop::sample::select(vec!["", "CTS", "-DCD", "RNG", "-DSR", "none", "CTS -DSR"]),
        lb in prop::sample::select(vec!["", "DCD", "-CTS", "NULL", "RNG DSR"]),
    ) {
        let mut extra = Vec::new();
        if !ol.is_empty() { extra.push(("OL", ol)); }
        if !lb.is_empty() { extra.push(("LB", lb)); }
        let mut ups = driver(upstype, &extra);
        let inputs = ModemLines::from_bits_truncate(bits);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let status = runtime.block_on(status_for(&mut ups, inputs));
        let ol_count = status.iter().filter(|w| *w == "OL").count();
        let ob_count = status.iter().filter(|w| *w == "OB").count();
        prop_assert_eq!(ol_count + ob_count, 1, "{:?}", status);
        // LB comes first, then OL/OB.
        let at = usize::from(status[0] == "LB");
        prop_assert!(status[at] == "OL" || status[at] == "OB", "{:?}", status);
        prop_assert_eq!(status.clone(), status_words(ups.config(), inputs));
        for word in &status {
            prop_assert!(["OL", "OB", "LB", "RB", "BYPASS"].contains(&word.as_str()));
        }
    }

    #[test]
    fn any_setting_value_is_accepted_or_refused_with_its_key(
        key in prop::sample::select(vec!["upstype", "CP", "OL", "LB", "RB", "BYPASS", "SD", "sdtime"]),
        value in "[-A-Za-z0-9 ,+]{0,12}",
    ) {
        let mut config = DriverConfig::default();
        if key != "upstype" { config.push("upstype", Some("5")); }
        config.push(key, Some(&value));
        if let Err(err) = GenericUpsConfig::from_config(&config) {
            prop_assert_eq!(err.key, key);
            prop_assert_eq!(err.value, Some(value));
        }
    }
}

#[test]
fn outputs_constants_mean_what_they_say() {
    assert_eq!(
        Outputs::BOTH,
        Outputs {
            dtr: true,
            rts: true
        }
    );
    assert_eq!(Outputs::NONE, Outputs::default());
}
