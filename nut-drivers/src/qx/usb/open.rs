//! Opening a real Qx USB device (feature `usb`): [`QxUsbOpener`] finds the device by NUT's
//! matching keys (`vendorid`, `productid`, `vendor`, `product`, `serial`, `bus`, `device`),
//! picks its bridge ([`UsbSettings::from_config`]) and wraps it in a [`QxUsb`].

use nut_hal::rusb::{RusbUsb, UsbMatch};

use super::{QxUsb, UsbSettings};
use crate::device::{DeviceError, DriverConfig, PortOpener};

/// Opens (and re-opens after a loss) the Qx USB device a driver section names.
#[derive(Debug, Clone)]
pub struct QxUsbOpener {
    config: DriverConfig,
}

impl QxUsbOpener {
    /// An opener for this `ups.conf` section.
    pub fn new(config: DriverConfig) -> Self {
        QxUsbOpener { config }
    }

    /// Opens the device now: a missing device is a `Disconnected` error, a device without a
    /// known bridge (and no `subdriver=`) is `NotSupported`.
    pub fn open_now(&self) -> Result<QxUsb<RusbUsb>, DeviceError> {
        let wanted = UsbMatch::from_keys(|k| self.config.value(k))
            .map_err(|e| DeviceError::transport("USB matching keys", &e))?;
        let usb = RusbUsb::open(&wanted).map_err(|e| DeviceError::transport("opening USB", &e))?;
        let info = usb.info().clone();
        let settings = UsbSettings::from_config(
            &self.config,
            info.vendor_id,
            info.product_id,
            info.product.as_deref(),
        )
        .map_err(|e| DeviceError::NotSupported(e.to_string()))?;
        Ok(QxUsb::new(usb, settings))
    }
}

impl PortOpener for QxUsbOpener {
    type Port = QxUsb<RusbUsb>;

    async fn open(&mut self) -> Result<Self::Port, DeviceError> {
        let this = self.clone();
        match tokio::task::spawn_blocking(move || this.open_now()).await {
            Ok(result) => result,
            Err(e) => Err(DeviceError::NotSupported(format!("opening USB: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_hal::ErrorKind;

    #[tokio::test]
    async fn an_absent_device_is_disconnected() {
        let mut config = DriverConfig::default();
        config.push("vendorid", Some("fffe"));
        config.push("productid", Some("fffd"));
        let e = QxUsbOpener::new(config).open().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Disconnected, "{e}");
        let mut bad = DriverConfig::default();
        bad.push("vendorid", Some("nothex"));
        let e = QxUsbOpener::new(bad).open().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
}
