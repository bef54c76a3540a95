//! [`report_ids`]: which HID reports carry Modbus on an APC unit, read from its report
//! descriptor as NUT's `_apc_modbus_usb_callback` does — the Output report holding the
//! `ModbusRTURx` usage (FF86:00FC) and the Input report holding `ModbusRTUTx` (FF86:00FD) —
//! falling back to NUT's defaults (0x90, 0x89) when the descriptor cannot be read or parsed
//! or lacks them ("we should just rely on the default report ids", NUT PR #2063).

use nut_hal::modbus_hid::ReportIds;

use crate::hid::{ReportDescriptor, ReportKind, Usage};

/// `ModbusRTURx`: the unit receives requests in the Output report holding it.
pub const USAGE_RTU_RX: Usage = 0xFF86_00FC;
/// `ModbusRTUTx`: the unit sends replies in the Input report holding it.
pub const USAGE_RTU_TX: Usage = 0xFF86_00FD;

/// The Modbus report ids declared by `descriptor`, each defaulting to NUT's.
pub fn report_ids(descriptor: &[u8]) -> ReportIds {
    let mut ids = ReportIds::default();
    let Ok(parsed) = ReportDescriptor::parse(descriptor) else {
        return ids;
    };
    let find = |usage: Usage, kind: ReportKind| {
        parsed
            .fields()
            .iter()
            .find(|f| f.usage() == usage && f.kind == kind && f.report_id != 0)
            .map(|f| f.report_id)
    };
    if let Some(id) = find(USAGE_RTU_RX, ReportKind::Output) {
        ids.to_unit = id;
    }
    if let Some(id) = find(USAGE_RTU_TX, ReportKind::Input) {
        ids.from_unit = id;
    }
    ids
}

/// A report descriptor declaring the two Modbus usages in reports `ids` (63 bytes each, in
/// a vendor collection): what [`report_ids`] looks for, served by the simulated unit.
pub fn descriptor_for(ids: ReportIds) -> Vec<u8> {
    let (rx, tx) = (ids.to_unit, ids.from_unit);
    vec![
        0x06, 0x86, 0xFF, // Usage Page (0xFF86)
        0x09, 0x01, // Usage (1)
        0xA1, 0x01, // Collection (Application)
        0x15, 0x00, 0x26, 0xFF, 0x00, // Logical 0..255
        0x75, 0x08, 0x95, 0x3F, // 63 × 8 bits
        0x85, rx, 0x09, 0xFC, 0x91, 0x02, // Report ID rx, Usage FC, Output
        0x85, tx, 0x09, 0xFD, 0x81, 0x02, // Report ID tx, Usage FD, Input
        0xC0, // End Collection
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_descriptor_else_the_defaults() {
        let ids = report_ids(&descriptor_for(ReportIds {
            to_unit: 0x91,
            from_unit: 0x8A,
        }));
        assert_eq!((ids.to_unit, ids.from_unit), (0x91, 0x8A));
        assert_eq!(
            report_ids(&descriptor_for(ReportIds::default())),
            ReportIds::default()
        );
        assert_eq!(report_ids(&[]), ReportIds::default());
        assert_eq!(report_ids(&[0xA1]), ReportIds::default());
    }
}
