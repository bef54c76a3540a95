#![no_main]
//! Fuzzes the `upssched.conf` parser: arbitrary bytes never panic; see `common/config_check.rs`.

use libfuzzer_sys::fuzz_target;

#[path = "common/config_check.rs"]
mod config_check;

fuzz_target!(|data: &[u8]| {
    config_check::check(
        data,
        nut_protocol::config::upssched_conf::parse(data, "fuzz"),
    );
});
