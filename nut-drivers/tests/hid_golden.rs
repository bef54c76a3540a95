//! Golden tests from real devices: the report descriptor and report buffers NUT 2.8.0 logged
//! for two APC units (fixtures/usb-hid, from the NUT Devices Dumps Library) go through our
//! parser and value reading, and must give exactly the objects, paths, report IDs, offsets,
//! sizes and values NUT printed.

use nut_drivers::hid::descriptor::Repair;
use nut_drivers::hid::nut_log::NutHidLog;
use nut_drivers::hid::value::format_g;
use nut_drivers::hid::{PathNames, ReportDescriptor};

fn fixture(name: &str) -> NutHidLog {
    let path = format!(
        "{}/tests/fixtures/usb-hid/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    NutHidLog::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Checks every `Path:` line of the log against our parse; returns how many were checked.
fn check_against_nut(log: &NutHidLog, descriptor_len: usize) -> usize {
    assert_eq!(log.descriptor.len(), descriptor_len);
    let descriptor = ReportDescriptor::parse(&log.descriptor).expect("descriptor parses");
    let names = PathNames::generic();

    assert_eq!(
        Some(descriptor.fields().len()),
        log.objects_found,
        "NUT's object count"
    );
    let repaired: Vec<u8> = descriptor
        .repairs()
        .iter()
        .filter_map(|repair| match repair {
            Repair::AssumedLogicalMax { report_id, .. } => Some(*report_id),
            _ => None,
        })
        .collect();
    assert_eq!(repaired, log.logmax_repairs, "LogMax repairs");

    let mut checked = 0;
    for line in &log.paths {
        let field = descriptor
            .fields()
            .iter()
            .find(|field| {
                names.render(&field.path) == line.path
                    && field.kind == line.kind
                    && field.report_id == line.report_id
                    && field.offset == line.offset
            })
            .unwrap_or_else(|| panic!("no field for {line:?}"));
        assert_eq!(field.size, line.size, "{}", line.path);
        assert_eq!(names.parse(&line.path).as_ref(), Ok(&field.path));

        let report = line.report.as_ref().expect("a report precedes the path");
        if report.bytes.first() != Some(&line.report_id) {
            continue;
        }
        // NUT reads from its report buffer, which is zero-filled past a short read.
        let mut bytes = report.bytes.clone();
        let needed = descriptor.report_id_len(line.report_id).unwrap_or(0);
        if bytes.len() < needed {
            bytes.resize(needed, 0);
        }
        let value = field.value(&bytes).expect("value reads");
        assert_eq!(
            format_g(value),
            line.value,
            "{} in {:02x?}",
            line.path,
            bytes
        );
        checked += 1;
    }
    checked
}

#[test]
fn back_ups_cs_500_matches_nut() {
    let log = fixture("APC__Back-UPS_CS_500__usbhid-ups__2.8.0__01.dev");
    let checked = check_against_nut(&log, 374);
    assert_eq!(checked, log.paths.len());
    assert!(checked >= 35, "{checked} values checked");
}

#[test]
fn back_ups_bk650m2_matches_nut() {
    let log = fixture("APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev");
    let checked = check_against_nut(&log, 743);
    assert!(checked >= 71, "{checked} values checked");
}

#[test]
fn every_field_of_both_descriptors_round_trips_its_path() {
    for name in [
        "APC__Back-UPS_CS_500__usbhid-ups__2.8.0__01.dev",
        "APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev",
    ] {
        let log = fixture(name);
        let descriptor = ReportDescriptor::parse(&log.descriptor).unwrap();
        let names = PathNames::generic();
        for field in descriptor.fields() {
            let text = names.render(&field.path);
            assert_eq!(names.parse(&text).as_ref(), Ok(&field.path), "{text}");
        }
    }
}

/// `explore` prints the lines NUT 2.8.0's explore printed for the same device.
#[tokio::test]
async fn explore_prints_what_nut_printed() {
    use nut_drivers::hid::explore::explore;
    use nut_drivers::hid::sim::SimulatedHid;

    for (name, objects) in [
        ("APC__Back-UPS_CS_500__usbhid-ups__2.8.0__01.dev", 35),
        ("APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev", 71),
    ] {
        let log = fixture(name);
        let descriptor = ReportDescriptor::parse(&log.descriptor).unwrap();
        let mut sim = SimulatedHid::from_log(Default::default(), &log);
        let ours = explore(&mut sim, &descriptor, &PathNames::generic()).await;
        let nut: Vec<String> = log
            .paths
            .iter()
            .take(objects)
            .map(|p| {
                format!(
                    "Path: {}, Type: {}, ReportID: 0x{:02x}, Offset: {}, Size: {}, Value: {}",
                    p.path,
                    p.kind.name(),
                    p.report_id,
                    p.offset,
                    p.size,
                    p.value
                )
            })
            .collect();
        assert_eq!(ours.len(), objects, "{name}");
        let mut ours_sorted = ours.clone();
        let mut nut_sorted = nut.clone();
        ours_sorted.sort();
        nut_sorted.sort();
        assert_eq!(ours_sorted, nut_sorted, "{name}");
    }
}
