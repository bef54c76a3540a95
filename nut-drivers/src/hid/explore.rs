//! `explore` mode: every field of the descriptor with its value, in the lines NUT prints
//! (`Path: UPS.PowerSummary.Voltage, Type: Feature, ReportID: 0x09, Offset: 0, Size: 16,
//! Value: 13.58`), so a user can map a new device or send a dump to the DDL.

use std::time::Duration;

use nut_hal::hid::HidDevice;

use super::cache::ReportCache;
use super::descriptor::{Field, ReportDescriptor};
use super::path::PathNames;
use super::value::format_g;

/// One field as NUT's explore prints it, with its value if the report could be read.
pub fn line(names: &PathNames, field: &Field, value: Option<f64>) -> String {
    let value = value.map_or_else(|| "(unreadable)".to_owned(), format_g);
    format!(
        "Path: {}, Type: {}, ReportID: 0x{:02x}, Offset: {}, Size: {}, Value: {}",
        names.render(&field.path),
        field.kind.name(),
        field.report_id,
        field.offset,
        field.size,
        value
    )
}

/// Reads every field's report (as a Feature report, as NUT does) and returns one line per
/// field, in descriptor order.
pub async fn explore<D: HidDevice>(
    device: &mut D,
    descriptor: &ReportDescriptor,
    names: &PathNames,
) -> Vec<String> {
    let mut cache = ReportCache::default();
    let mut lines = Vec::with_capacity(descriptor.fields().len());
    for field in descriptor.fields() {
        let value = match cache
            .get(device, descriptor, field.report_id, Duration::from_secs(60))
            .await
        {
            Ok((report, _)) => field.value(report).ok(),
            Err(_) => None,
        };
        lines.push(line(names, field, value));
    }
    lines
}
