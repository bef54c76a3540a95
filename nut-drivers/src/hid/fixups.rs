//! Per-device hooks of the subdrivers: report-descriptor fix-ups for firmware whose logical
//! ranges lie (`mappings/fixups.md` in the research data), and the formatting of the USB
//! product string into model and firmware.
//!
//! A fix-up is a first-class, logged step between parsing and binding, skipped with
//! `disable_fix_report_desc`.

use nut_hal::hid::HidInfo;

use super::descriptor::{Field, ReportDescriptor, Usage};
use super::tables::Subdriver;

const HIGH_VOLTAGE_TRANSFER: Usage = 0x0084_0054;
const VOLTAGE: Usage = 0x0084_0030;
const CONFIG_VOLTAGE: Usage = 0x0084_0040;
const CONFIG_ACTIVE_POWER: Usage = 0x0084_0044;
const RUN_TIME_TO_EMPTY: Usage = 0x0085_0068;

fn fields_mut<'a>(
    descriptor: &'a mut ReportDescriptor,
    report_id: u8,
    usage: Usage,
) -> impl Iterator<Item = &'a mut Field> + 'a {
    descriptor
        .fields_mut()
        .iter_mut()
        .filter(move |f| f.report_id == report_id && f.usage() == usage)
}

fn first(descriptor: &ReportDescriptor, report_id: u8, usage: Usage) -> Option<&Field> {
    descriptor
        .fields()
        .iter()
        .find(|f| f.report_id == report_id && f.usage() == usage)
}

/// Applies `subdriver`'s fix-ups for this device; returns what was changed, for the log.
pub fn fix_report_desc(
    subdriver: &Subdriver,
    info: &HidInfo,
    descriptor: &mut ReportDescriptor,
) -> Vec<String> {
    let ids = (info.vendor_id, info.product_id);
    match (subdriver.name, ids) {
        ("apc", (0x051d, 0x0002)) => apc(descriptor),
        ("cps", (0x0764, 0x0501 | 0x0601)) => cps(descriptor),
        ("idowell", (0x06da, 0xffff) | (0x075d, 0x0300)) => idowell(descriptor),
        _ => Vec::new(),
    }
}

/// APC Back-UPS sold in 230 V regions describe input voltage with a 120 V range.
fn apc(descriptor: &mut ReportDescriptor) -> Vec<String> {
    let mut changed = Vec::new();
    let Some(hvt) = first(descriptor, 0x33, HIGH_VOLTAGE_TRANSFER).map(|f| f.logical_max) else {
        return changed;
    };
    for field in fields_mut(descriptor, 0x31, VOLTAGE) {
        if field.logical_max < hvt {
            changed.push(format!(
                "report 0x31 input voltage range {}..{} -> 0..{}",
                field.logical_min,
                field.logical_max,
                2 * hvt
            ));
            field.logical_min = 0;
            field.logical_max = 2 * hvt;
        }
    }
    for field in fields_mut(descriptor, 0x30, CONFIG_VOLTAGE) {
        if field.logical_max < hvt {
            changed.push(format!(
                "report 0x30 nominal input voltage maximum {} -> 255",
                field.logical_max
            ));
            field.logical_max = 255;
        }
    }
    changed
}

/// CyberPower 0501/0601: copied, badly encoded and clipping voltage and power ranges.
fn cps(descriptor: &mut ReportDescriptor) -> Vec<String> {
    const VOLTAGE_MAX: i64 = 511;
    const POWER_MAX: i64 = 2048;
    let mut changed = Vec::new();
    let range = |d: &ReportDescriptor, id, usage| {
        first(d, id, usage).map(|f| (f.logical_min, f.logical_max))
    };

    // 1. Output (and then input) voltage that copied the transfer limits.
    if let Some(transfer) = range(descriptor, 0x10, HIGH_VOLTAGE_TRANSFER)
        && range(descriptor, 0x12, VOLTAGE) == Some(transfer)
    {
        for id in [0x12, 0x0f] {
            if id == 0x0f && range(descriptor, 0x0f, VOLTAGE) != Some(transfer) {
                continue;
            }
            for field in fields_mut(descriptor, id, VOLTAGE) {
                field.logical_min = 0;
                field.logical_max = VOLTAGE_MAX;
            }
            changed.push(format!(
                "report 0x{id:02x} voltage range -> 0..{VOLTAGE_MAX}"
            ));
        }
    }

    // 2. Badly encoded maxima (the parser's LogMax repair fired on one of them).
    let assumed = |d: &ReportDescriptor, id| {
        first(d, id, VOLTAGE)
            .filter(|f| f.assumed_logical_max)
            .map(|f| (f.logical_max, f.size))
    };
    let output = assumed(descriptor, 0x12);
    let input = assumed(descriptor, 0x0f);
    if output.is_some() || input.is_some() {
        let raise = |max: i64| max.max(VOLTAGE_MAX);
        let mut output_max = output.map(|(max, _)| raise(max));
        let mut input_max = input.map(|(max, _)| raise(max));
        if let (Some(out), Some(inp)) = (output_max, input_max) {
            if out < inp {
                output_max = Some(inp);
            } else if inp < out {
                input_max = Some(out);
            }
        }
        for (id, max, size) in [
            (0x12, output_max, output.map(|o| o.1)),
            (0x0f, input_max, input.map(|i| i.1)),
        ] {
            let (Some(mut max), Some(size)) = (max, size) else {
                continue;
            };
            if size > 1 && size < 63 {
                max = max.min((1i64 << size) - 1);
            }
            for field in fields_mut(descriptor, id, VOLTAGE) {
                if field.logical_max != max {
                    changed.push(format!(
                        "report 0x{id:02x} voltage maximum {} -> {max}",
                        field.logical_max
                    ));
                    field.logical_max = max;
                }
            }
        }
    }

    // 3. Nominal power clipped by a too-small maximum.
    for field in fields_mut(descriptor, 0x18, CONFIG_ACTIVE_POWER) {
        if field.logical_max < POWER_MAX {
            changed.push(format!(
                "report 0x18 nominal power maximum {} -> {POWER_MAX}",
                field.logical_max
            ));
            field.logical_max = POWER_MAX;
        }
    }
    changed
}

/// iDowell firmware with maxima below their minima.
fn idowell(descriptor: &mut ReportDescriptor) -> Vec<String> {
    let mut changed = Vec::new();
    for (usage, max) in [(RUN_TIME_TO_EMPTY, 0x75FF_FFFF), (VOLTAGE, 65535)] {
        for field in fields_mut(descriptor, 0x02, usage) {
            if field.logical_max < field.logical_min {
                changed.push(format!(
                    "report 0x02 usage {usage:08x} maximum {} -> {max}",
                    field.logical_max
                ));
                field.logical_max = max;
                field.assumed_logical_max = true;
            }
        }
    }
    changed
}

/// Model and firmware read from a USB product string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// `ups.model`.
    pub model: String,
    /// `ups.firmware`, if the string carries it.
    pub firmware: Option<String>,
    /// `ups.firmware.aux`, if the string carries it.
    pub firmware_aux: Option<String>,
}

/// The model of a product string as the subdriver formats it. APC packs firmware into it:
/// `Back-UPS 500 FW: 6.5.I USB FW: c1 ` is model `Back-UPS 500`, firmware ` 6.5.I`, auxiliary
/// firmware ` c1 ` (spaces kept as NUT keeps them).
pub fn format_model(subdriver: &Subdriver, product: &str) -> Model {
    if subdriver.name == "apc" {
        let mut parts = product.split("FW:");
        let model = parts.next().unwrap_or(product).trim_end().to_owned();
        let firmware = parts.next().map(|text| {
            text.trim_end()
                .trim_end_matches("USB")
                .trim_end()
                .to_owned()
        });
        let firmware_aux = parts.next().map(str::to_owned);
        return Model {
            model,
            firmware,
            firmware_aux,
        };
    }
    Model {
        model: product.trim().to_owned(),
        firmware: None,
        firmware_aux: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::Tables;
    use super::*;

    #[test]
    fn apc_product_strings_carry_firmware() {
        let apc = Tables::get().subdriver("apc").unwrap();
        let model = format_model(apc, "Back-UPS 500 FW: 6.5.I USB FW: c1 ");
        assert_eq!(model.model, "Back-UPS 500");
        assert_eq!(model.firmware.as_deref(), Some(" 6.5.I"));
        assert_eq!(model.firmware_aux.as_deref(), Some(" c1 "));
        let plain = format_model(apc, "BK650M2-CH");
        assert_eq!(plain.model, "BK650M2-CH");
        assert_eq!(plain.firmware, None);
    }

    /// A 230 V Back-UPS: input voltage 0..255 (one byte), transfer limit 256..278.
    #[test]
    fn apc_input_voltage_range_is_widened() {
        let bytes = [
            0x05, 0x84, 0x09, 0x1a, 0xa1, 0x00, // Input collection
            0x85, 0x31, 0x09, 0x30, 0x75, 0x10, 0x95, 0x01, 0x15, 0x00, 0x26, 0xff, 0x00, 0xb1,
            0xa2, // Voltage 0..255
            0x85, 0x33, 0x09, 0x54, 0x16, 0x00, 0x01, 0x26, 0x16, 0x01, 0xb1, 0xa2, // HVT
            0xc0,
        ];
        let mut descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let report = [0x31, 0x2c, 0x01]; // 300 V
        let voltage = |d: &ReportDescriptor| d.fields()[0].value(&report).unwrap();
        // Before the fix-up the range needs 8 bits: 0x012c is masked to 0x2c.
        assert_eq!(voltage(&descriptor), 44.0, "wrong before the fix-up");
        let apc = Tables::get().subdriver("apc").unwrap();
        let info = HidInfo {
            vendor_id: 0x051d,
            product_id: 0x0002,
            ..HidInfo::default()
        };
        let changes = fix_report_desc(apc, &info, &mut descriptor);
        assert_eq!(changes.len(), 1);
        assert_eq!(voltage(&descriptor), 300.0);
        let other = HidInfo {
            product_id: 0x0003,
            ..info
        };
        let mut untouched = ReportDescriptor::parse(&bytes).unwrap();
        assert!(fix_report_desc(apc, &other, &mut untouched).is_empty());
    }

    /// CyberPower 0501: output voltage copied the transfer limits; nominal power clipped.
    #[test]
    fn cyberpower_ranges_are_repaired() {
        let bytes = [
            0x05, 0x84, 0x75, 0x08, 0x95, 0x01, 0x15, 0x00, 0x26, 0x8c, 0x00, // 0..140
            0x85, 0x10, 0x09, 0x54, 0xb1, 0x02, // HVT 0..140
            0x85, 0x12, 0x09, 0x30, 0xb1, 0x02, // output voltage 0..140
            0x85, 0x0f, 0x09, 0x30, 0x75, 0x10, 0xb1, 0x02, // input voltage 0..140 (16 bit)
            0x85, 0x18, 0x09, 0x44, 0x26, 0xe8, 0x03, 0xb1, 0x02, // power 0..1000
        ];
        let mut descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let cps = Tables::get().subdriver("cps").unwrap();
        let info = HidInfo {
            vendor_id: 0x0764,
            product_id: 0x0501,
            ..HidInfo::default()
        };
        let changes = fix_report_desc(cps, &info, &mut descriptor);
        let max = |id| first(&descriptor, id, VOLTAGE).unwrap().logical_max;
        assert_eq!(max(0x12), 511);
        assert_eq!(max(0x0f), 511);
        assert_eq!(
            first(&descriptor, 0x18, CONFIG_ACTIVE_POWER)
                .unwrap()
                .logical_max,
            2048
        );
        assert_eq!(changes.len(), 3, "{changes:?}");
    }
}
