#![no_main]
//! Fuzzes the genericups configuration: arbitrary `key=value` / `flag` lines become a driver
//! configuration, which `GenericUpsConfig::from_config` accepts or refuses with a typed error
//! naming a key — never a panic.

use libfuzzer_sys::fuzz_target;
use nut_drivers::device::DriverConfig;
use nut_drivers::genericups::{GenericUpsConfig, UPS_TYPES};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut config = DriverConfig::default();
    for line in text.lines() {
        match line.split_once('=') {
            Some((key, value)) => config.push(key.trim(), Some(value.trim())),
            None => config.push(line.trim(), None),
        }
    }
    match GenericUpsConfig::from_config(&config) {
        Ok(parsed) => {
            assert!(UPS_TYPES.contains(parsed.ups_type));
        }
        Err(error) => {
            assert!(!error.key.is_empty() || error.value.is_some() || !error.reason.is_empty())
        }
    }
});
