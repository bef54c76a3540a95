#![no_main]
//! Fuzzes the HID report-descriptor parser: any bytes parse into fields or give a typed error —
//! never a panic; every field fits in the report length the descriptor declares, and its path
//! prints and reads back to the same text.

use libfuzzer_sys::fuzz_target;
use nut_drivers::hid::{PathNames, ReportDescriptor};

fuzz_target!(|data: &[u8]| {
    let Ok(descriptor) = ReportDescriptor::parse(data) else {
        return;
    };
    let names = PathNames::generic();
    for field in descriptor.fields() {
        let len = descriptor
            .report_len(field.report_id, field.kind)
            .expect("a field's report has a length");
        assert!(u64::from(field.offset) + u64::from(field.size) <= 8 * (len as u64 - 1));
        if field.assumed_logical_max {
            assert!(field.logical_max >= 0, "the repair reads the maximum unsigned");
        }
        // A name two usages share (`Undefined` on pages 0x84 and 0x85) reads back as the
        // first, as in NUT; the text still round-trips.
        let text = names.render(&field.path);
        let parsed = names.parse(&text).expect("a printed path reads back");
        assert_eq!(names.render(&parsed), text);
    }
});
