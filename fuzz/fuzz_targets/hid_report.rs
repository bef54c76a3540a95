#![no_main]
//! Fuzzes report decoding: the input is split into a descriptor and a report; every field's
//! value reads as a logical value inside its logical range, or as a typed error — never a panic.

use libfuzzer_sys::fuzz_target;
use nut_drivers::hid::ReportDescriptor;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(split).min(rest.len());
    let (descriptor, report) = rest.split_at(split);
    let Ok(descriptor) = ReportDescriptor::parse(descriptor) else {
        return;
    };
    for field in descriptor.fields() {
        if let Ok(logical) = field.logical_value(report) {
            assert!(logical >= field.logical_min);
            assert!(logical <= field.logical_max);
            let value = field.to_value(logical);
            assert!(!value.is_nan());
        }
        let mut copy = report.to_vec();
        if field.write_logical(&mut copy, field.logical_min).is_ok() {
            assert_eq!(copy.len(), report.len());
        }
    }
});
