//! [`RusbUsb`]: a [`UsbControl`] on a real USB device through `rusb` (libusb built from source,
//! statically: feature `rusb`), plus [`enumerate`] and [`UsbMatch`], the device selection of
//! NUT's USB drivers (`vendorid`, `productid`, `vendor`, `product`, `serial`, `bus`, `device`).
//!
//! libusb calls block, so every transfer runs on tokio's blocking pool; the handle is shared
//! with that pool through an [`Arc`]. Opening detaches a bound kernel driver (usually `usbhid`)
//! from interface 0 and claims it, as NUT's `libusb_open` does.
//!
//! Differences from NUT: `vendor`, `product`, `serial`, `bus` and `device` are compared as
//! case-insensitive strings (NUT takes regular expressions); `bus`/`device` also match by number
//! (`"001"` matches bus 1).

use std::sync::Arc;
use std::time::Duration;

use rusb::{Context, Device, DeviceHandle, UsbContext};

use crate::error::{Error, ErrorKind};
use crate::usb::{ControlRequest, UsbControl};

/// How long reading a descriptor string may take during enumeration and matching.
const STRING_TIMEOUT: Duration = Duration::from_millis(500);

/// A USB failure with its portable kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct UsbError {
    /// The portable kind.
    pub kind: ErrorKind,
    /// What failed, for logs.
    pub detail: String,
}

impl UsbError {
    fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        UsbError {
            kind,
            detail: detail.into(),
        }
    }
}

impl Error for UsbError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// The portable kind of a libusb error. A stall (`Pipe`) is an I/O error.
pub fn kind_of(error: rusb::Error) -> ErrorKind {
    match error {
        rusb::Error::Timeout => ErrorKind::Timeout,
        rusb::Error::NoDevice | rusb::Error::NotFound => ErrorKind::Disconnected,
        rusb::Error::Access => ErrorKind::PermissionDenied,
        rusb::Error::Busy => ErrorKind::Busy,
        rusb::Error::InvalidParam => ErrorKind::InvalidInput,
        rusb::Error::NotSupported => ErrorKind::Unsupported,
        rusb::Error::Overflow | rusb::Error::BadDescriptor => ErrorKind::Protocol,
        rusb::Error::Io | rusb::Error::Pipe | rusb::Error::Interrupted | rusb::Error::NoMem => {
            ErrorKind::Io
        }
        _ => ErrorKind::Other,
    }
}

fn usb_error(what: &str, error: rusb::Error) -> UsbError {
    UsbError::new(kind_of(error), format!("{what}: {error}"))
}

/// One USB device as enumeration sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbDeviceInfo {
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// Bus number.
    pub bus: u8,
    /// Device address on the bus.
    pub address: u8,
    /// Manufacturer string, when readable (needs permission to open the device).
    pub vendor: Option<String>,
    /// Product string, when readable.
    pub product: Option<String>,
    /// Serial number string, when readable.
    pub serial: Option<String>,
}

/// Which device to open: every field given must match (NUT's USB matching keys).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbMatch {
    /// `vendorid`.
    pub vendor_id: Option<u16>,
    /// `productid`.
    pub product_id: Option<u16>,
    /// `vendor` (manufacturer string).
    pub vendor: Option<String>,
    /// `product` (product string).
    pub product: Option<String>,
    /// `serial`.
    pub serial: Option<String>,
    /// `bus` (e.g. `"001"`).
    pub bus: Option<String>,
    /// `device` (address on the bus, e.g. `"004"`).
    pub device: Option<String>,
}

/// A hexadecimal USB id as NUT writes it (`0665`, `0x0665`).
pub fn parse_id(text: &str) -> Option<u16> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u16::from_str_radix(t, 16).ok()
}

fn same_text(pattern: &str, value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case(pattern.trim()))
}

fn same_number(pattern: &str, value: u8) -> bool {
    match pattern.trim().parse::<u16>() {
        Ok(n) => n == u16::from(value),
        Err(_) => pattern.trim().eq_ignore_ascii_case(&format!("{value:03}")),
    }
}

impl UsbMatch {
    /// The matching keys from a driver configuration lookup (`get("vendorid")` …); a bad
    /// `vendorid`/`productid` is an [`ErrorKind::InvalidInput`] error.
    pub fn from_keys<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, UsbError> {
        let id = |key: &str| -> Result<Option<u16>, UsbError> {
            get(key)
                .map(|v| {
                    parse_id(v).ok_or_else(|| {
                        UsbError::new(ErrorKind::InvalidInput, format!("{key}: not a hex id: {v}"))
                    })
                })
                .transpose()
        };
        let text = |key: &str| get(key).map(str::to_owned);
        Ok(UsbMatch {
            vendor_id: id("vendorid")?,
            product_id: id("productid")?,
            vendor: text("vendor"),
            product: text("product"),
            serial: text("serial"),
            bus: text("bus"),
            device: text("device"),
        })
    }

    /// Whether `dev` matches; strings not read (None) fail a string key.
    pub fn matches(&self, dev: &UsbDeviceInfo) -> bool {
        self.vendor_id.is_none_or(|v| v == dev.vendor_id)
            && self.product_id.is_none_or(|p| p == dev.product_id)
            && self
                .vendor
                .as_deref()
                .is_none_or(|p| same_text(p, dev.vendor.as_deref()))
            && self
                .product
                .as_deref()
                .is_none_or(|p| same_text(p, dev.product.as_deref()))
            && self
                .serial
                .as_deref()
                .is_none_or(|p| same_text(p, dev.serial.as_deref()))
            && self.bus.as_deref().is_none_or(|p| same_number(p, dev.bus))
            && self
                .device
                .as_deref()
                .is_none_or(|p| same_number(p, dev.address))
    }

    fn needs_strings(&self) -> bool {
        self.vendor.is_some() || self.product.is_some() || self.serial.is_some()
    }
}

fn info_of(device: &Device<Context>, read_strings: bool) -> Result<UsbDeviceInfo, rusb::Error> {
    let desc = device.device_descriptor()?;
    let mut info = UsbDeviceInfo {
        vendor_id: desc.vendor_id(),
        product_id: desc.product_id(),
        bus: device.bus_number(),
        address: device.address(),
        ..UsbDeviceInfo::default()
    };
    if read_strings && let Ok(handle) = device.open() {
        let lang = handle
            .read_languages(STRING_TIMEOUT)
            .ok()
            .and_then(|l| l.first().copied());
        if let Some(lang) = lang {
            info.vendor = handle
                .read_manufacturer_string(lang, &desc, STRING_TIMEOUT)
                .ok();
            info.product = handle.read_product_string(lang, &desc, STRING_TIMEOUT).ok();
            info.serial = handle
                .read_serial_number_string(lang, &desc, STRING_TIMEOUT)
                .ok();
        }
    }
    Ok(info)
}

/// A libusb context; libusb failing to start (no `/dev/bus/usb`, as in many containers) is
/// [`ErrorKind::Unsupported`].
fn context() -> Result<Context, UsbError> {
    Context::new().map_err(|e| {
        UsbError::new(
            ErrorKind::Unsupported,
            format!("no USB subsystem (libusb did not start: {e})"),
        )
    })
}

/// Every USB device present, with its strings when the device can be opened.
///
/// A machine without USB (or without `/dev/bus/usb`) gives an empty list or an error of kind
/// [`ErrorKind::Io`]/[`ErrorKind::Unsupported`], never a panic.
pub fn enumerate() -> Result<Vec<UsbDeviceInfo>, UsbError> {
    let ctx = context()?;
    let list = ctx.devices().map_err(|e| usb_error("listing devices", e))?;
    Ok(list.iter().filter_map(|d| info_of(&d, true).ok()).collect())
}

/// An opened USB device with interface 0 claimed.
#[derive(Debug, Clone)]
pub struct RusbUsb {
    handle: Arc<DeviceHandle<Context>>,
    info: UsbDeviceInfo,
}

impl RusbUsb {
    /// Opens the first device that `wanted` matches, detaching a kernel driver from interface
    /// 0 and claiming it. No such device (also: no USB subsystem at all) is an
    /// [`ErrorKind::Disconnected`] error.
    pub fn open(wanted: &UsbMatch) -> Result<Self, UsbError> {
        let ctx = context().map_err(|e| UsbError::new(ErrorKind::Disconnected, e.detail))?;
        let list = ctx.devices().map_err(|e| usb_error("listing devices", e))?;
        for device in list.iter() {
            let Ok(info) = info_of(&device, wanted.needs_strings()) else {
                continue;
            };
            if !wanted.matches(&info) {
                continue;
            }
            let handle = device.open().map_err(|e| usb_error("opening device", e))?;
            if handle.kernel_driver_active(0).unwrap_or(false) {
                handle
                    .detach_kernel_driver(0)
                    .map_err(|e| usb_error("detaching the kernel driver", e))?;
            }
            handle
                .claim_interface(0)
                .map_err(|e| usb_error("claiming interface 0", e))?;
            return Ok(RusbUsb {
                handle: Arc::new(handle),
                info,
            });
        }
        Err(UsbError::new(
            ErrorKind::Disconnected,
            format!("no USB device matches {wanted:?}"),
        ))
    }

    /// What enumeration said about the opened device.
    pub fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    async fn blocking<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&DeviceHandle<Context>) -> Result<T, rusb::Error> + Send + 'static,
    ) -> Result<T, UsbError> {
        let handle = Arc::clone(&self.handle);
        match tokio::task::spawn_blocking(move || f(&handle)).await {
            Ok(r) => r.map_err(|e| usb_error(what, e)),
            Err(e) => Err(UsbError::new(ErrorKind::Other, format!("{what}: {e}"))),
        }
    }
}

pub use crate::usb::request_type;

impl UsbControl for RusbUsb {
    type Error = UsbError;

    async fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let len = buf.len();
        let data = self
            .blocking("control in", move |h| {
                let mut tmp = vec![0u8; len];
                let n = h.read_control(
                    request_type(request, true),
                    request.request,
                    request.value,
                    request.index,
                    &mut tmp,
                    timeout,
                )?;
                tmp.truncate(n);
                Ok(tmp)
            })
            .await?;
        for (d, s) in buf.iter_mut().zip(&data) {
            *d = *s;
        }
        Ok(data.len().min(len))
    }

    async fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let data = data.to_vec();
        self.blocking("control out", move |h| {
            h.write_control(
                request_type(request, false),
                request.request,
                request.value,
                request.index,
                &data,
                timeout,
            )
        })
        .await
    }

    async fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let len = buf.len();
        let data = self
            .blocking("interrupt in", move |h| {
                let mut tmp = vec![0u8; len];
                let n = h.read_interrupt(endpoint | 0x80, &mut tmp, timeout)?;
                tmp.truncate(n);
                Ok(tmp)
            })
            .await?;
        for (d, s) in buf.iter_mut().zip(&data) {
            *d = *s;
        }
        Ok(data.len().min(len))
    }

    async fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let data = data.to_vec();
        self.blocking("interrupt out", move |h| {
            h.write_interrupt(endpoint & 0x7f, &data, timeout)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usb::{ControlType, Recipient};

    #[test]
    fn request_types() {
        let set_report = ControlRequest {
            control_type: ControlType::Class,
            recipient: Recipient::Interface,
            request: 0x09,
            value: 0x0200,
            index: 0,
        };
        assert_eq!(request_type(set_report, false), 0x21);
        let get_descriptor = ControlRequest {
            control_type: ControlType::Standard,
            recipient: Recipient::Device,
            request: 0x06,
            value: 0x0300,
            index: 0,
        };
        assert_eq!(request_type(get_descriptor, true), 0x80);
    }

    #[test]
    fn matching_keys() {
        let keys = [
            ("vendorid", "0665"),
            ("productid", "0x5161"),
            ("bus", "001"),
        ];
        let m =
            UsbMatch::from_keys(|k| keys.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)).unwrap();
        let mut dev = UsbDeviceInfo {
            vendor_id: 0x0665,
            product_id: 0x5161,
            bus: 1,
            address: 4,
            ..UsbDeviceInfo::default()
        };
        assert!(m.matches(&dev));
        dev.bus = 2;
        assert!(!m.matches(&dev));
        let bad = UsbMatch::from_keys(|k| (k == "vendorid").then_some("zz"));
        assert_eq!(bad.unwrap_err().kind, ErrorKind::InvalidInput);
        let by_serial = UsbMatch {
            serial: Some("ABC".into()),
            ..UsbMatch::default()
        };
        assert!(!by_serial.matches(&dev), "an unread serial does not match");
        dev.serial = Some("abc".into());
        assert!(by_serial.matches(&dev));
    }

    #[test]
    fn enumeration_gives_a_typed_result() {
        match enumerate() {
            Ok(devices) => {
                for d in devices {
                    assert!(d.bus > 0 || d.address > 0 || d.vendor_id > 0 || d.product_id > 0);
                }
            }
            Err(e) => assert!(
                matches!(
                    e.kind,
                    ErrorKind::Unsupported | ErrorKind::Io | ErrorKind::PermissionDenied
                ),
                "{e}"
            ),
        }
    }

    #[test]
    fn opening_an_absent_device_is_disconnected() {
        let absent = UsbMatch {
            vendor_id: Some(0xfffe),
            product_id: Some(0xfffd),
            serial: Some("no such serial".into()),
            ..UsbMatch::default()
        };
        let e = RusbUsb::open(&absent).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Disconnected, "{e}");
    }
}
