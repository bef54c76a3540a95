//! Which subdriver takes a device: NUT's claim rules (`mappings/claim-rules.md` in the
//! research data). A subdriver's device table says "supported" (vendor and product known),
//! "possibly supported" (vendor known) or nothing; the default claim accepts the first, the
//! second only when the user named the `productid`, and each subdriver may deviate.

use nut_hal::hid::HidInfo;

use super::tables::Subdriver;

/// What a subdriver's device table says of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableMatch {
    /// Vendor and product ids are in the table.
    Supported,
    /// Only the vendor id is.
    PossiblySupported,
    /// Neither.
    NotSupported,
}

/// Looks the device up in `subdriver`'s device table.
pub fn table_match(subdriver: &Subdriver, vendor_id: u16, product_id: u16) -> TableMatch {
    let of_vendor = || {
        subdriver
            .devices
            .iter()
            .filter(move |d| d.vendor_id == Some(vendor_id))
    };
    if of_vendor().any(|d| d.product_id.is_none_or(|p| p == product_id)) {
        TableMatch::Supported
    } else if of_vendor().next().is_some() {
        TableMatch::PossiblySupported
    } else {
        TableMatch::NotSupported
    }
}

fn contains(text: &Option<String>, needle: &str) -> bool {
    text.as_deref().is_some_and(|t| t.contains(needle))
}

/// Whether `subdriver` takes the device; `productid_given` is true when `ups.conf` names the
/// product id (which makes "possibly supported" devices acceptable).
pub fn claims(subdriver: &Subdriver, info: &HidInfo, productid_given: bool) -> bool {
    let (vendor, product) = (info.vendor_id, info.product_id);
    let found = table_match(subdriver, vendor, product);
    let default = match found {
        TableMatch::Supported => true,
        TableMatch::PossiblySupported => productid_given,
        TableMatch::NotSupported => false,
    };
    match (subdriver.name, vendor) {
        ("explore", _) => false,
        // Phoenixtec units belong to liebert unless they are AEG's.
        ("mge", 0x06da) => {
            default && (contains(&info.manufacturer, "AEG") || contains(&info.product, "AEG"))
        }
        ("mge", 0x09d6) => default && contains(&info.manufacturer, "KSTAR"),
        // A Belkin USB hub, not a UPS.
        ("belkin", 0x050d) => default && product != 0x0218,
        // On Phoenixtec's vendor id only GoldenMate battery packs.
        ("idowell", 0x06da) => {
            default
                && (contains(&info.manufacturer, "BMS") || contains(&info.product, "Smart-Battery"))
        }
        // A serial-over-USB unit for the powercom driver.
        ("powercom", 0x0d9f) => default && product != 0x0002,
        // Not HID: the tripplite_usb driver's.
        ("tripplite", 0x09ae) => default && product != 0x0001,
        _ => default,
    }
}

/// Per-device adjustments NUT's device table attaches to a claim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Ask for full report buffers (`general_apc_check` on Back-UPS ES 525 / CS).
    pub full_reports: bool,
    /// Do not read the interrupt pipe (`disable_interrupt_pipe`).
    pub no_interrupt_pipe: bool,
    /// Interrupt reports only, 8 bytes each (PowerCOM 0d9f:0001).
    pub interrupt_only_8: bool,
}

/// The quirks of the device-table entry that matches the device, if any.
pub fn quirks(subdriver: &Subdriver, info: &HidInfo) -> Quirks {
    let mut quirks = Quirks::default();
    let entry = subdriver.devices.iter().find(|d| {
        d.vendor_id == Some(info.vendor_id) && d.product_id.is_none_or(|p| p == info.product_id)
    });
    match entry.and_then(|e| e.callback) {
        Some("general_apc_check") => {
            let product = info.product.as_deref().unwrap_or("");
            quirks.full_reports =
                product.starts_with("Back-UPS ES 525") || product.starts_with("Back-UPS CS");
        }
        Some("disable_interrupt_pipe") => quirks.no_interrupt_pipe = true,
        _ => {}
    }
    if subdriver.name == "powercom" && (info.vendor_id, info.product_id) == (0x0d9f, 0x0001) {
        quirks.interrupt_only_8 = true;
    }
    quirks
}

#[cfg(test)]
mod tests {
    use super::super::tables::Tables;
    use super::*;

    fn device(vendor_id: u16, product_id: u16, manufacturer: &str, product: &str) -> HidInfo {
        HidInfo {
            vendor_id,
            product_id,
            manufacturer: Some(manufacturer.into()),
            product: Some(product.into()),
            serial_number: None,
        }
    }

    /// The first subdriver in claim order that takes the device.
    fn winner(info: &HidInfo, productid_given: bool) -> Option<&'static str> {
        Tables::get()
            .subdrivers()
            .iter()
            .find(|s| claims(s, info, productid_given))
            .map(|s| s.name)
    }

    #[test]
    fn phoenixtec_units_go_to_liebert_unless_aeg_or_battery_packs() {
        let ippon = device(0x06da, 0xffff, "PPC", "Offline UPS");
        assert_eq!(winner(&ippon, false), Some("liebert"));
        let aeg = device(0x06da, 0xffff, "AEG Power", "Protect B");
        assert_eq!(winner(&aeg, false), Some("mge"));
        let pack = device(0x06da, 0xffff, "BMS", "Smart-Battery 12V");
        assert_eq!(winner(&pack, false), Some("idowell"));
    }

    #[test]
    fn known_vendors_with_unknown_products_need_productid() {
        let apc_other = device(0x051d, 0x9999, "APC", "Something");
        assert_eq!(winner(&apc_other, false), None);
        assert_eq!(winner(&apc_other, true), Some("apc"));
        let apc = device(
            0x051d,
            0x0002,
            "American Power Conversion",
            "Back-UPS CS 650",
        );
        assert_eq!(winner(&apc, false), Some("apc"));
        assert!(quirks(Tables::get().subdriver("apc").unwrap(), &apc).full_reports);
    }

    #[test]
    fn devices_that_are_not_hid_upses_are_declined() {
        assert_eq!(winner(&device(0x050d, 0x0218, "Belkin", "Hub"), true), None);
        assert_eq!(
            winner(&device(0x0d9f, 0x0002, "POWERCOM", "UPS"), true),
            None
        );
        assert_eq!(
            winner(&device(0x09ae, 0x0001, "Tripp Lite", "UPS"), true),
            None
        );
        let powercom = device(0x0d9f, 0x0001, "POWERCOM", "HID UPS");
        assert_eq!(winner(&powercom, false), Some("powercom"));
        assert!(quirks(Tables::get().subdriver("powercom").unwrap(), &powercom).interrupt_only_8);
    }
}
