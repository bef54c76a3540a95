#![no_main]
//! Fuzzes the `upssched.conf` parser: arbitrary bytes never panic, and every diagnostic names the
//! fuzzed file and a line that exists.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = nut_protocol::config::upssched_conf::parse(data, "fuzz");
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for diagnostic in &parsed.diagnostics {
        assert_eq!(diagnostic.file, "fuzz");
        assert!(diagnostic.line >= 1 && diagnostic.line <= lines, "{diagnostic}");
    }
    let _ = parsed.into_result();
});
