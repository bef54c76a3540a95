//! The USB devices whose bridge is known, for auto-selection without `subdriver=`.
//!
//! Source: the vendor:product ids and model names are those NUT 2.8.0 installs for
//! `nutdrv_qx` in `/lib/udev/rules.d/62-nut-usbups.rules` (Debian package `nut-server`
//! 2.8.0); the bridge of each is the one NUT's `blazer_usb`/`nutdrv_qx` id tables give it
//! (0483:0035 TS Shara → sgs, checked with the real driver). Ids whose bridge is not
//! implemented here (1cb0:0035 Legrand → ablerex family, ffff:0000 Ablerex 625L → ablerex) are
//! listed with `None` so a lookup can say so.
//! 0001:0000 is shared by krauler, fabula, hunnox, fuji and snr units: it defaults to krauler,
//! and to fabula when the product string is `MEC0003` (pin `subdriver=` when unsure; snr and
//! fuji units must be pinned, as with NUT 2.8.0). Armac (Richcomm 0925:1234) is not in NUT
//! 2.8.0's `nutdrv_qx` table either (`richcomm_usb` claims that id): it needs
//! `subdriver=armac`.

use super::Bridge;

/// One known device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDevice {
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// The bridge, `None` when it is one not implemented here.
    pub bridge: Option<Bridge>,
    /// The models NUT names for it.
    pub models: &'static str,
}

const fn dev(
    vendor_id: u16,
    product_id: u16,
    bridge: Option<Bridge>,
    models: &'static str,
) -> KnownDevice {
    KnownDevice {
        vendor_id,
        product_id,
        bridge,
        models,
    }
}

/// The known-device table (see the module documentation for its source).
pub const KNOWN_DEVICES: &[KnownDevice] = &[
    dev(
        0x0001,
        0x0000,
        Some(Bridge::Krauler),
        "Krauler UP-M500VA, SNR-UPS-LID-XXXX",
    ),
    dev(0x0483, 0x0035, Some(Bridge::Sgs), "TS Shara UPSes"),
    dev(0x05b8, 0x0000, Some(Bridge::Cypress), "Agiler UPS"),
    dev(
        0x0665,
        0x5161,
        Some(Bridge::Cypress),
        "Belkin F6C1200-UNV/Voltronic Power UPSes",
    ),
    dev(0x06da, 0x0002, Some(Bridge::Cypress), "Online Yunto YQ450"),
    dev(0x06da, 0x0003, Some(Bridge::Ippon), "Mustek Powermust"),
    dev(
        0x06da,
        0x0004,
        Some(Bridge::Cypress),
        "Phoenixtec Innova 3/1 T",
    ),
    dev(
        0x06da,
        0x0005,
        Some(Bridge::Cypress),
        "Phoenixtec Innova RT",
    ),
    dev(0x06da, 0x0201, Some(Bridge::Cypress), "Phoenixtec Innova T"),
    dev(0x06da, 0x0601, Some(Bridge::Phoenix), "Online Zinto A"),
    dev(0x0f03, 0x0001, Some(Bridge::Cypress), "Unitek Alpha 1200Sx"),
    dev(0x14f0, 0x00c9, Some(Bridge::Phoenix), "GE EP series"),
    dev(0x1cb0, 0x0035, None, "Legrand Daker DK / DK Plus"),
    dev(0xffff, 0x0000, None, "Ablerex 625L USB"),
];

/// The bridge for a device: by vendor:product, refined by the product string for the shared
/// 0001:0000 id. `None` for an unknown device or one whose bridge is not implemented.
///
/// ```
/// use nut_drivers::qx::usb::{Bridge, bridge_for};
/// assert_eq!(bridge_for(0x0665, 0x5161, None), Some(Bridge::Cypress));
/// assert_eq!(bridge_for(0x0001, 0x0000, Some("MEC0003")), Some(Bridge::Fabula));
/// assert_eq!(bridge_for(0x0483, 0x0035, None), Some(Bridge::Sgs));
/// assert_eq!(bridge_for(0xffff, 0x0000, None), None);
/// ```
pub fn bridge_for(vendor_id: u16, product_id: u16, product: Option<&str>) -> Option<Bridge> {
    if (vendor_id, product_id) == (0x0001, 0x0000)
        && product.is_some_and(|p| p.trim().eq_ignore_ascii_case("MEC0003"))
    {
        return Some(Bridge::Fabula);
    }
    KNOWN_DEVICES
        .iter()
        .find(|d| d.vendor_id == vendor_id && d.product_id == product_id)
        .and_then(|d| d.bridge)
}
