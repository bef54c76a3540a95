#![no_main]
//! Fuzzes the dummy-ups `.dev`/`.seq` parser: arbitrary bytes never panic, every value stays
//! within the tokenizer's limits, and the derived state changes can always be built.

use libfuzzer_sys::fuzz_target;
use nut_protocol::devfile::{DevFile, Entry};

fuzz_target!(|data: &[u8]| {
    let parsed = DevFile::parse(data, "fuzz.seq");
    for line in &parsed.config.entries {
        if let Entry::Set { name, .. } = &line.entry {
            assert!(!name.is_empty());
        }
    }
    let _ = parsed.config.rw_changes();
    let _ = parsed.config.command_changes();
    let _ = parsed.config.steps().count();
});
