#![no_main]
//! Fuzzes the HID report-descriptor parser: any bytes parse into fields or give a typed error —
//! never a panic; every field fits in the report length the descriptor declares, and its path
//! prints and reads back to the same usages.

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
        assert!(field.logical_min <= field.logical_max || !field.assumed_logical_max);
        let text = names.render(&field.path);
        assert_eq!(names.parse(&text).as_ref(), Ok(&field.path), "{text}");
    }
});
