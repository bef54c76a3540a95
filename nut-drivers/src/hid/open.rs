//! Finding and opening a real HID UPS (feature `hid`, hidraw through `hidapi`'s pure-Rust
//! backend): NUT's matching keys `vendorid`, `productid`, `vendor`, `product`, `serial`,
//! `bus`, `device`, `busport`, and by default only devices a subdriver claims.
//!
//! Strings compare case-insensitively and whole (NUT takes regular expressions; a plain string
//! without metacharacters means the same). Bus, device and port come from sysfs.
//!
//! With the `usb` feature too, a UPS that has no hidraw node (no kernel HID driver bound) is
//! opened through libusb instead, as NUT does: [`nut_hal::hid_usb::HidOverUsb`] on interface 0
//! and interrupt endpoint 0x81 — only a device a subdriver claims by its ids, so no other USB
//! device is ever detached from its kernel driver.

use std::path::{Path, PathBuf};

use nut_hal::hidapi::{HidDeviceInfo, HidapiDevice};

use super::tables::Tables;
use crate::device::{DeviceError, DriverConfig, PortOpener};

/// Where a hidraw node sits on the USB: bus number, device address, port path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbLocation {
    /// `busnum`.
    pub bus: Option<u16>,
    /// `devnum`.
    pub device: Option<u16>,
    /// `devpath` (the port chain, `1.2`).
    pub busport: Option<String>,
}

/// Reads the USB location of `/dev/hidrawN` below `sysfs` (normally `/sys`): the USB device is
/// the parent of the interface the hidraw node belongs to.
pub fn usb_location(sysfs: &Path, hidraw: &str) -> UsbLocation {
    let Some(node) = Path::new(hidraw).file_name() else {
        return UsbLocation::default();
    };
    let link = sysfs.join("class/hidraw").join(node).join("device");
    let Ok(hid_device) = std::fs::canonicalize(&link) else {
        return UsbLocation::default();
    };
    // …/usbB/B-P/B-P:C.I/0003:VVVV:PPPP.NNNN → the USB device is two levels up.
    let usb_device: Option<PathBuf> = hid_device
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let read = |name: &str| {
        usb_device
            .as_ref()
            .and_then(|dir| std::fs::read_to_string(dir.join(name)).ok())
            .map(|text| text.trim().to_owned())
    };
    UsbLocation {
        bus: read("busnum").and_then(|n| n.parse().ok()),
        device: read("devnum").and_then(|n| n.parse().ok()),
        busport: read("devpath"),
    }
}

/// The matching keys of a driver section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HidMatch {
    vendor_id: Option<u16>,
    product_id: Option<u16>,
    vendor: Option<String>,
    product: Option<String>,
    serial: Option<String>,
    bus: Option<u16>,
    device: Option<u16>,
    busport: Option<String>,
    /// `subdriver=` or `explore` was given: any device the keys match will do.
    any_device: bool,
}

fn hex(config: &DriverConfig, key: &str) -> Result<Option<u16>, DeviceError> {
    config
        .value(key)
        .map(|text| {
            parse_id(text).ok_or_else(|| {
                DeviceError::NotSupported(format!("{key}: not a hexadecimal USB id: {text}"))
            })
        })
        .transpose()
}

/// A hexadecimal USB id as NUT writes it (`051d`, `0x051D`).
fn parse_id(text: &str) -> Option<u16> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    u16::from_str_radix(digits, 16).ok()
}

fn number(config: &DriverConfig, key: &str) -> Result<Option<u16>, DeviceError> {
    config
        .value(key)
        .map(|text| {
            text.trim()
                .parse()
                .map_err(|_| DeviceError::NotSupported(format!("{key}: not a number: {text}")))
        })
        .transpose()
}

fn same(pattern: &Option<String>, value: &Option<String>) -> bool {
    pattern.as_deref().is_none_or(|p| {
        value
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(p.trim()))
    })
}

impl HidMatch {
    /// The keys of `config`; a bad id or number names its key.
    pub fn from_config(config: &DriverConfig) -> Result<Self, DeviceError> {
        let text = |key: &str| config.value(key).map(str::to_owned);
        Ok(HidMatch {
            vendor_id: hex(config, "vendorid")?,
            product_id: hex(config, "productid")?,
            vendor: text("vendor"),
            product: text("product"),
            serial: text("serial"),
            bus: number(config, "bus")?,
            device: number(config, "device")?,
            busport: text("busport"),
            any_device: config.value("subdriver").is_some() || config.flag("explore"),
        })
    }

    /// Whether `info` (at `location`) is the device the keys describe.
    pub fn matches(&self, info: &HidDeviceInfo, location: &UsbLocation) -> bool {
        (self.vendor_id.is_some() || info.is_power_device()) && self.matches_usb(info, location)
    }

    /// [`HidMatch::matches`] without the usage-page check (a device seen through libusb has
    /// no parsed top-level collection yet).
    pub fn matches_usb(&self, info: &HidDeviceInfo, location: &UsbLocation) -> bool {
        let claimed = self.any_device
            || Tables::get().subdrivers().iter().any(|s| {
                s.name != "explore"
                    && s.devices.iter().any(|d| {
                        d.vendor_id == Some(info.vendor_id)
                            && d.product_id.is_none_or(|p| p == info.product_id)
                    })
            });
        claimed
            && self.vendor_id.is_none_or(|v| v == info.vendor_id)
            && self.product_id.is_none_or(|p| p == info.product_id)
            && same(&self.vendor, &info.manufacturer)
            && same(&self.product, &info.product)
            && same(&self.serial, &info.serial_number)
            && self.bus.is_none_or(|b| location.bus == Some(b))
            && self.device.is_none_or(|d| location.device == Some(d))
            && same(&self.busport, &location.busport)
    }
}

/// Opens (and re-opens after a loss) the HID UPS a driver section names.
#[derive(Debug, Clone)]
pub struct HidOpener {
    wanted: HidMatch,
}

impl HidOpener {
    /// An opener for this `ups.conf` section.
    pub fn from_config(config: &DriverConfig) -> Result<Self, DeviceError> {
        Ok(HidOpener {
            wanted: HidMatch::from_config(config)?,
        })
    }

    /// Opens the first matching device now (hidraw, else libusb with the `usb` feature); none
    /// is a `Disconnected` error.
    pub fn open_now(&self) -> Result<HidPort, DeviceError> {
        #[cfg(feature = "usb")]
        {
            match self.open_hidraw() {
                Ok(device) => Ok(nut_hal::hid::EitherHid::Left(device)),
                Err(error) if error.kind() == nut_hal::ErrorKind::Disconnected => self
                    .open_libusb()
                    .map(nut_hal::hid::EitherHid::Right)
                    .map_err(|_| error),
                Err(error) => Err(error),
            }
        }
        #[cfg(not(feature = "usb"))]
        {
            self.open_hidraw()
        }
    }

    /// Opens a matching device claimed through libusb: interface 0, interrupt IN 0x81.
    #[cfg(feature = "usb")]
    pub fn open_libusb(
        &self,
    ) -> Result<nut_hal::hid_usb::HidOverUsb<nut_hal::rusb::RusbUsb>, DeviceError> {
        let devices = nut_hal::rusb::enumerate()
            .map_err(|e| DeviceError::transport("listing USB devices", &e))?;
        let found = devices
            .iter()
            .find(|d| {
                let info = HidDeviceInfo {
                    vendor_id: d.vendor_id,
                    product_id: d.product_id,
                    manufacturer: d.vendor.clone(),
                    product: d.product.clone(),
                    serial_number: d.serial.clone(),
                    ..HidDeviceInfo::default()
                };
                let location = UsbLocation {
                    bus: Some(u16::from(d.bus)),
                    device: Some(u16::from(d.address)),
                    busport: None,
                };
                self.wanted.matches_usb(&info, &location)
            })
            .ok_or_else(|| DeviceError::Transport {
                operation: "finding the UPS on USB".into(),
                kind: nut_hal::ErrorKind::Disconnected,
                message: "no matching USB HID UPS".into(),
            })?;
        let exact = nut_hal::rusb::UsbMatch {
            vendor_id: Some(found.vendor_id),
            product_id: Some(found.product_id),
            bus: Some(format!("{:03}", found.bus)),
            device: Some(format!("{:03}", found.address)),
            ..nut_hal::rusb::UsbMatch::default()
        };
        let usb = nut_hal::rusb::RusbUsb::open(&exact)
            .map_err(|e| DeviceError::transport("opening the UPS through libusb", &e))?;
        let seen = usb.info().clone();
        let info = nut_hal::hid::HidInfo {
            vendor_id: seen.vendor_id,
            product_id: seen.product_id,
            manufacturer: seen.vendor,
            product: seen.product,
            serial_number: seen.serial,
        };
        Ok(nut_hal::hid_usb::HidOverUsb::new(usb, info, 0, 0x81))
    }

    /// Opens the first matching hidraw device now; none is a `Disconnected` error.
    pub fn open_hidraw(&self) -> Result<HidapiDevice, DeviceError> {
        let devices = nut_hal::hidapi::enumerate()
            .map_err(|e| DeviceError::transport("listing HID devices", &e))?;
        let sysfs = Path::new("/sys");
        let found = devices
            .iter()
            .find(|info| self.wanted.matches(info, &usb_location(sysfs, &info.path)))
            .ok_or_else(|| DeviceError::Transport {
                operation: "finding the UPS".into(),
                kind: nut_hal::ErrorKind::Disconnected,
                message: "no matching USB HID UPS".into(),
            })?;
        HidapiDevice::open_path(&found.path)
            .map_err(|e| DeviceError::transport("opening the UPS", &e))
    }
}

/// The port usbhid-ups reads: hidraw, or (feature `usb`) libusb when there is no hidraw node.
#[cfg(feature = "usb")]
pub type HidPort =
    nut_hal::hid::EitherHid<HidapiDevice, nut_hal::hid_usb::HidOverUsb<nut_hal::rusb::RusbUsb>>;

/// The port usbhid-ups reads: hidraw.
#[cfg(not(feature = "usb"))]
pub type HidPort = HidapiDevice;

impl PortOpener for HidOpener {
    type Port = HidPort;

    async fn open(&mut self) -> Result<HidPort, DeviceError> {
        let this = self.clone();
        match tokio::task::spawn_blocking(move || this.open_now()).await {
            Ok(result) => result,
            Err(e) => Err(DeviceError::NotSupported(format!("opening the UPS: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(vendor_id: u16, product_id: u16) -> HidDeviceInfo {
        HidDeviceInfo {
            vendor_id,
            product_id,
            manufacturer: Some("American Power Conversion".into()),
            product: Some("Back-UPS 500".into()),
            serial_number: Some("AB0427".into()),
            path: "/dev/hidraw3".into(),
            usage_page: 0x84,
            usage: 0x04,
            interface_number: 0,
        }
    }

    fn config(pairs: &[(&str, &str)]) -> DriverConfig {
        let mut config = DriverConfig::default();
        for (key, value) in pairs {
            config.push(key, Some(value));
        }
        config
    }

    #[test]
    fn only_claimed_devices_match_by_default() {
        let any = HidMatch::from_config(&config(&[])).unwrap();
        let here = UsbLocation::default();
        assert!(any.matches(&info(0x051d, 0x0002), &here));
        assert!(
            !any.matches(&info(0x1234, 0x5678), &here),
            "no subdriver claims it"
        );
        let forced = HidMatch::from_config(&config(&[("subdriver", "apc")])).unwrap();
        assert!(forced.matches(&info(0x1234, 0x5678), &here));
    }

    #[test]
    fn every_key_must_match() {
        let here = UsbLocation {
            bus: Some(3),
            device: Some(2),
            busport: Some("1.4".into()),
        };
        let apc = info(0x051d, 0x0002);
        let matching = HidMatch::from_config(&config(&[
            ("vendorid", "051D"),
            ("productid", "0x0002"),
            ("vendor", "american power conversion"),
            ("serial", "AB0427"),
            ("bus", "003"),
            ("device", "2"),
            ("busport", "1.4"),
        ]))
        .unwrap();
        assert!(matching.matches(&apc, &here));
        for (key, value) in [
            ("productid", "0003"),
            ("product", "Smart-UPS"),
            ("serial", "XX"),
            ("bus", "1"),
            ("busport", "2"),
        ] {
            let other = HidMatch::from_config(&config(&[(key, value)])).unwrap();
            assert!(!other.matches(&apc, &here), "{key}={value}");
        }
    }

    #[test]
    fn an_absent_ups_is_disconnected() {
        let opener = HidOpener::from_config(&config(&[("vendorid", "fffe")])).unwrap();
        let error = opener.open_now().unwrap_err();
        assert_eq!(error.kind(), nut_hal::ErrorKind::Disconnected, "{error}");
    }

    #[test]
    fn bad_keys_are_named() {
        let error = HidMatch::from_config(&config(&[("vendorid", "apc")])).unwrap_err();
        assert!(error.to_string().contains("vendorid"), "{error}");
        let error = HidMatch::from_config(&config(&[("bus", "first")])).unwrap_err();
        assert!(error.to_string().contains("bus"), "{error}");
    }

    /// A fake sysfs tree laid out as Linux lays out a hidraw node of a USB UPS.
    #[test]
    fn the_location_comes_from_sysfs() {
        let root = std::env::temp_dir().join(format!("nut-hid-sysfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let usb = root.join("devices/pci0000:00/usb3/3-1");
        let hid = usb.join("3-1:1.0/0003:051D:0002.0001");
        std::fs::create_dir_all(hid.join("hidraw/hidraw3")).unwrap();
        std::fs::write(usb.join("busnum"), "3\n").unwrap();
        std::fs::write(usb.join("devnum"), "7\n").unwrap();
        std::fs::write(usb.join("devpath"), "1\n").unwrap();
        std::fs::create_dir_all(root.join("class/hidraw/hidraw3")).unwrap();
        std::os::unix::fs::symlink(&hid, root.join("class/hidraw/hidraw3/device")).unwrap();
        let location = usb_location(&root, "/dev/hidraw3");
        assert_eq!(
            location,
            UsbLocation {
                bus: Some(3),
                device: Some(7),
                busport: Some("1".into())
            }
        );
        assert_eq!(usb_location(&root, "/dev/hidraw9"), UsbLocation::default());
        let _ = std::fs::remove_dir_all(&root);
    }
}
