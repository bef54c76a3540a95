//! [`HidapiDevice`]: a [`HidDevice`] on a real device through `hidapi`'s pure-Rust hidraw
//! backend (feature `hidapi`, with hidapi's `linux-native-basic-udev`: no libudev-dev), plus
//! [`enumerate`] and [`enumerate_power_devices`].
//!
//! hidraw calls block, so every call runs on tokio's blocking pool; the device is shared with
//! that pool through an `Arc<Mutex<_>>`, and every future is `Send`. hidraw keeps the kernel's
//! `usbhid` driver bound (unlike libusb, nothing is detached). A call whose future is dropped
//! still finishes on the pool (an input read waits out its timeout) before the next call runs.
//!
//! Limits of the backend: `string_descriptor` of an arbitrary index is
//! [`ErrorKind::Unsupported`] on Linux (hidraw cannot read string descriptors; hidapi's
//! `get_indexed_string` says so), except 1–3 which are answered from the
//! manufacturer/product/serial strings (the usual iManufacturer/iProduct/iSerialNumber
//! layout).

use std::ffi::CString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::hidapi::{HidApi, HidError};

use crate::error::{Error, ErrorKind};
use crate::hid::{HidDevice, HidInfo};

/// The HID usage page of Power Devices (UPS, PDU…).
pub const USAGE_PAGE_POWER_DEVICE: u16 = 0x84;
/// The HID usage page of Battery Systems.
pub const USAGE_PAGE_BATTERY_SYSTEM: u16 = 0x85;

/// The largest report descriptor the Linux kernel accepts (`HID_MAX_DESCRIPTOR_SIZE`).
const MAX_DESCRIPTOR: usize = 4096;

/// A HID failure with its portable kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct HidapiError {
    /// The portable kind.
    pub kind: ErrorKind,
    /// What failed, for logs.
    pub detail: String,
}

impl HidapiError {
    fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        HidapiError {
            kind,
            detail: detail.into(),
        }
    }
}

impl Error for HidapiError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// The portable kind of a message from hidapi's hidraw backend, which reports most failures
/// as text (`"ioctl (GFEATURE): ENODEV: No such device"`, `"device not found"`, …).
pub fn kind_of_message(message: &str) -> ErrorKind {
    let m = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if has(&[
        "enodev",
        "no such device",
        "device not found",
        "disconnected",
        "enoent",
    ]) || has(&["no such file", "eshutdown", "epipe: broken pipe"]) && !m.contains("ioctl")
    {
        ErrorKind::Disconnected
    } else if has(&["etimedout", "timed out"]) {
        ErrorKind::Timeout
    } else if has(&[
        "eacces",
        "eperm",
        "permission denied",
        "operation not permitted",
    ]) {
        ErrorKind::PermissionDenied
    } else if has(&["ebusy", "resource busy"]) {
        ErrorKind::Busy
    } else if has(&["not supported", "enotsup", "eopnotsupp"]) {
        ErrorKind::Unsupported
    } else if has(&["einval", "invalid argument", "invalid timeout"]) {
        ErrorKind::InvalidInput
    } else if has(&["ioctl", "eio", "epipe", "input/output"]) {
        ErrorKind::Io
    } else {
        ErrorKind::Other
    }
}

/// The portable kind of a hidapi error.
pub fn kind_of(error: &HidError) -> ErrorKind {
    match error {
        HidError::HidApiError { message } => kind_of_message(message),
        HidError::IoError { error } => Error::kind(error),
        HidError::InvalidZeroSizeData => ErrorKind::InvalidInput,
        HidError::IncompleteSendError { .. } => ErrorKind::Io,
        HidError::InitializationError => ErrorKind::Unsupported,
        HidError::FromWideCharError { .. } => ErrorKind::Protocol,
        HidError::OpenHidDeviceWithDeviceInfoError { .. } => ErrorKind::Disconnected,
        _ => ErrorKind::Other,
    }
}

fn hid_error(what: &str, error: &HidError) -> HidapiError {
    HidapiError::new(kind_of(error), format!("{what}: {error}"))
}

/// One HID interface (top-level collection) as enumeration sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HidDeviceInfo {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// Manufacturer string, if known.
    pub manufacturer: Option<String>,
    /// Product string, if known.
    pub product: Option<String>,
    /// Serial number, if known (empty serials are `None`).
    pub serial_number: Option<String>,
    /// The hidraw node (`/dev/hidraw0`), for [`HidapiDevice::open_path`].
    pub path: String,
    /// Usage page of the top-level collection (0x84 Power Device, 0x85 Battery System).
    pub usage_page: u16,
    /// Usage of the top-level collection (0x84/0x04 is a UPS).
    pub usage: u16,
    /// USB interface number, -1 when unknown.
    pub interface_number: i32,
}

impl HidDeviceInfo {
    /// Whether the collection is on the Power Device or the Battery System usage page.
    pub fn is_power_device(&self) -> bool {
        matches!(
            self.usage_page,
            USAGE_PAGE_POWER_DEVICE | USAGE_PAGE_BATTERY_SYSTEM
        )
    }
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

fn api() -> Result<HidApi, HidapiError> {
    HidApi::new().map_err(|e| hid_error("starting hidapi", &e))
}

/// Every HID interface present (one entry per top-level collection). A machine without
/// hidraw devices gives an empty list; failures are typed errors, never a panic.
pub fn enumerate() -> Result<Vec<HidDeviceInfo>, HidapiError> {
    let api = api()?;
    Ok(api
        .device_list()
        .map(|d| HidDeviceInfo {
            vendor_id: d.vendor_id(),
            product_id: d.product_id(),
            manufacturer: nonempty(d.manufacturer_string()),
            product: nonempty(d.product_string()),
            serial_number: nonempty(d.serial_number()),
            path: d.path().to_string_lossy().into_owned(),
            usage_page: d.usage_page(),
            usage: d.usage(),
            interface_number: d.interface_number(),
        })
        .collect())
}

/// The interfaces on the Power Device (0x84) or Battery System (0x85) usage page: what
/// usbhid-ups would look at. (UPSes speaking a vendor page, e.g. some Qx bridges, are not here.)
pub fn enumerate_power_devices() -> Result<Vec<HidDeviceInfo>, HidapiError> {
    Ok(enumerate()?
        .into_iter()
        .filter(HidDeviceInfo::is_power_device)
        .collect())
}

/// An opened hidraw device.
#[derive(Debug, Clone)]
pub struct HidapiDevice {
    device: Arc<Mutex<::hidapi::HidDevice>>,
    info: HidInfo,
}

impl HidapiDevice {
    /// Opens the first device with this vendor and product id (and serial number, when
    /// given). No such device is an [`ErrorKind::Disconnected`] error, no permission
    /// [`ErrorKind::PermissionDenied`].
    pub fn open(
        vendor_id: u16,
        product_id: u16,
        serial_number: Option<&str>,
    ) -> Result<Self, HidapiError> {
        let api = api()?;
        let found = api.device_list().find(|d| {
            d.vendor_id() == vendor_id
                && d.product_id() == product_id
                && serial_number.is_none_or(|s| d.serial_number() == Some(s))
        });
        let Some(found) = found else {
            return Err(HidapiError::new(
                ErrorKind::Disconnected,
                format!(
                    "no HID device {vendor_id:04x}:{product_id:04x}{}",
                    serial_number.map_or(String::new(), |s| format!(" with serial {s:?}"))
                ),
            ));
        };
        let device = found
            .open_device(&api)
            .map_err(|e| hid_error("opening the device", &e))?;
        Ok(Self::from_device(device))
    }

    /// Opens a hidraw node by path (`/dev/hidraw0`). A path that does not exist is an
    /// [`ErrorKind::Disconnected`] error; one with a NUL byte [`ErrorKind::InvalidInput`].
    pub fn open_path(path: &str) -> Result<Self, HidapiError> {
        let c = CString::new(path)
            .map_err(|_| HidapiError::new(ErrorKind::InvalidInput, "a NUL byte in the path"))?;
        if !std::path::Path::new(path).exists() {
            return Err(HidapiError::new(
                ErrorKind::Disconnected,
                format!("no such device: {path}"),
            ));
        }
        let api = api()?;
        let device = api
            .open_path(&c)
            .map_err(|e| hid_error(&format!("opening {path}"), &e))?;
        Ok(Self::from_device(device))
    }

    fn from_device(device: ::hidapi::HidDevice) -> Self {
        let mut info = HidInfo::default();
        if let Ok(d) = device.get_device_info() {
            info.vendor_id = d.vendor_id();
            info.product_id = d.product_id();
        }
        info.manufacturer = device.get_manufacturer_string().ok().flatten();
        info.product = device.get_product_string().ok().flatten();
        info.serial_number = device.get_serial_number_string().ok().flatten();
        for s in [
            &mut info.manufacturer,
            &mut info.product,
            &mut info.serial_number,
        ] {
            if s.as_deref() == Some("") {
                *s = None;
            }
        }
        HidapiDevice {
            device: Arc::new(Mutex::new(device)),
            info,
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&::hidapi::HidDevice) -> Result<T, HidError> + Send + 'static,
    ) -> Result<T, HidapiError> {
        let device = Arc::clone(&self.device);
        let joined = tokio::task::spawn_blocking(move || match device.lock() {
            Ok(d) => f(&d).map_err(|e| hid_error(what, &e)),
            Err(_) => Err(HidapiError::new(
                ErrorKind::Other,
                format!("{what}: device lock poisoned"),
            )),
        })
        .await;
        joined.unwrap_or_else(|e| Err(HidapiError::new(ErrorKind::Other, format!("{what}: {e}"))))
    }
}

fn empty_buffer() -> HidapiError {
    HidapiError::new(ErrorKind::InvalidInput, "empty report buffer")
}

impl HidDevice for HidapiDevice {
    type Error = HidapiError;

    async fn info(&mut self) -> Result<HidInfo, HidapiError> {
        Ok(self.info.clone())
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, HidapiError> {
        self.blocking("reading the report descriptor", |d| {
            let mut buf = vec![0u8; MAX_DESCRIPTOR];
            let n = d.get_report_descriptor(&mut buf)?;
            buf.truncate(n);
            Ok(buf)
        })
        .await
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, HidapiError> {
        if buf.is_empty() {
            return Err(empty_buffer());
        }
        let mut tmp = buf.to_vec();
        let data = self
            .blocking("GET_REPORT(Feature)", move |d| {
                let n = d.get_feature_report(&mut tmp)?;
                tmp.truncate(n);
                Ok(tmp)
            })
            .await?;
        for (dst, src) in buf.iter_mut().zip(&data) {
            *dst = *src;
        }
        Ok(data.len().min(buf.len()))
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), HidapiError> {
        if data.is_empty() {
            return Err(HidapiError::new(ErrorKind::InvalidInput, "empty report"));
        }
        let data = data.to_vec();
        self.blocking("SET_REPORT(Feature)", move |d| d.send_feature_report(&data))
            .await
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, HidapiError> {
        if buf.is_empty() {
            return Err(empty_buffer());
        }
        let len = buf.len();
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let data = self
            .blocking("reading an input report", move |d| {
                let mut tmp = vec![0u8; len];
                let n = d.read_timeout(&mut tmp, ms)?;
                tmp.truncate(n);
                Ok(tmp)
            })
            .await?;
        if data.is_empty() {
            return Err(HidapiError::new(
                ErrorKind::Timeout,
                format!("no input report within {timeout:?}"),
            ));
        }
        for (dst, src) in buf.iter_mut().zip(&data) {
            *dst = *src;
        }
        Ok(data.len().min(len))
    }

    /// hidapi's `write`: the interrupt OUT endpoint, or SET_REPORT(Output) without one.
    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), HidapiError> {
        if data.is_empty() {
            return Err(HidapiError::new(ErrorKind::InvalidInput, "empty report"));
        }
        let data = data.to_vec();
        self.blocking("writing an output report", move |d| {
            d.write(&data).map(|_| ())
        })
        .await
    }

    /// Asks hidapi's `get_indexed_string`; where the backend cannot (Linux hidraw), indexes
    /// 1, 2 and 3 fall back to the manufacturer, product and serial strings (the usual
    /// iManufacturer/iProduct/iSerialNumber), others are [`ErrorKind::Unsupported`].
    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, HidapiError> {
        let r = self
            .blocking("reading a string descriptor", move |d| {
                d.get_indexed_string(i32::from(index))
            })
            .await;
        match r {
            Err(e) if e.kind == ErrorKind::Unsupported => match index {
                1 => Ok(self.info.manufacturer.clone()),
                2 => Ok(self.info.product.clone()),
                3 => Ok(self.info.serial_number.clone()),
                _ => Err(e),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_kinds() {
        let cases = [
            ("device not found", ErrorKind::Disconnected),
            (
                "ioctl (GFEATURE): ENODEV: No such device",
                ErrorKind::Disconnected,
            ),
            (
                "unexpected poll error (device disconnected)",
                ErrorKind::Disconnected,
            ),
            ("ioctl (GFEATURE): EPIPE: Broken pipe", ErrorKind::Io),
            (
                "ioctl (GFEATURE): ETIMEDOUT: Connection timed out",
                ErrorKind::Timeout,
            ),
            (
                "failed to open device with path /dev/hidraw0: Permission denied (os error 13)",
                ErrorKind::PermissionDenied,
            ),
            (
                "ioctl (GFEATURE): EBUSY: Device or resource busy",
                ErrorKind::Busy,
            ),
            ("get_indexed_string: not supported", ErrorKind::Unsupported),
            ("invalid timeout value -5", ErrorKind::InvalidInput),
            ("ioctl (GFEATURE): EIO: I/O error", ErrorKind::Io),
            ("something new", ErrorKind::Other),
        ];
        for (message, kind) in cases {
            assert_eq!(kind_of_message(message), kind, "{message}");
        }
        assert_eq!(
            kind_of(&HidError::InvalidZeroSizeData),
            ErrorKind::InvalidInput
        );
        let io = HidError::IoError {
            error: std::io::ErrorKind::TimedOut.into(),
        };
        assert_eq!(kind_of(&io), ErrorKind::Timeout);
    }
}
