#![no_main]
//! Fuzzes the `upsd.users` parser: arbitrary bytes never panic; see `common/config_check.rs`.

use libfuzzer_sys::fuzz_target;

#[path = "common/config_check.rs"]
mod config_check;

fuzz_target!(|data: &[u8]| {
    config_check::check(data, nut_protocol::config::upsd_users::parse(data, "fuzz"));
});
