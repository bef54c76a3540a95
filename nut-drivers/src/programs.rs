//! The driver programs as NUT names them — `nutdrv_qx`, `blazer_ser`, `apcsmart`,
//! `genericups` — each a [`Family`] over a real serial port ([`SerialPortSerial`], with modem
//! lines), so the generic driver main and `upsd --embed-drivers` can build them from
//! `ups.conf`. With the `usb` feature, also `blazer_usb` and `nutdrv_qx` on USB bridges.

use nut_hal::ErrorKind;
use nut_hal::serial::{LineSettings, Serial};
use nut_hal::serialport::SerialPortSerial;

use crate::apcsmart::{self, ApcSmart};
use crate::device::{
    CommandError, ConfigError, DeviceError, DeviceProtocol, DriverConfig, Family, Identity,
    PortOpener, Reading,
};
use crate::genericups::{self, GenericUps};
use crate::qx::{QX_KEYS, QxDriver};

/// NUT's `nutdrv_qx`: the Megatec/Qx family on a serial port.
#[cfg(not(feature = "usb"))]
pub type NutdrvQx = QxDriver<SerialPortSerial>;
/// NUT's `nutdrv_qx`: the Megatec/Qx family on a serial port, or on a USB bridge with
/// `port = auto`.
#[cfg(feature = "usb")]
pub type NutdrvQx = QxDriver<QxPort>;
/// NUT's `apcsmart`.
pub type ApcSmartSerial = ApcSmart<SerialPortSerial>;
/// NUT's `genericups`.
pub type GenericUpsSerial = GenericUps<SerialPortSerial>;

/// Opens the serial port named by `port` (2400 8N1 until the family sets its own line).
#[derive(Debug, Clone)]
pub struct SerialOpener {
    path: String,
    keep_lines: bool,
}

impl SerialOpener {
    /// An opener for the `port` setting of `config`.
    pub fn from_config(config: &DriverConfig) -> Result<SerialOpener, ConfigError> {
        let path = config.value("port").ok_or_else(|| ConfigError {
            key: "port".into(),
            value: None,
            reason: "no port given (set port = /dev/ttyS0 or the like)".into(),
        })?;
        Ok(SerialOpener {
            path: path.into(),
            keep_lines: false,
        })
    }

    /// Leaves DTR/RTS as they are when the port closes (contact-closure cables draw power
    /// from them; see [`SerialPortSerial::open_keeping_lines`]).
    pub fn keeping_lines(mut self) -> SerialOpener {
        self.keep_lines = true;
        self
    }
}

impl PortOpener for SerialOpener {
    type Port = SerialPortSerial;

    async fn open(&mut self) -> Result<SerialPortSerial, DeviceError> {
        let settings = LineSettings::new_8n1(2400);
        let opened = if self.keep_lines {
            SerialPortSerial::open_keeping_lines(&self.path, settings)
        } else {
            SerialPortSerial::open(&self.path, settings)
        };
        opened.map_err(|error| DeviceError::Transport {
            operation: format!("opening {}", self.path),
            kind: match error.kind() {
                std::io::ErrorKind::NotFound => ErrorKind::Disconnected,
                std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
                _ => ErrorKind::Io,
            },
            message: error.to_string(),
        })
    }
}

impl Family for QxDriver<SerialPortSerial> {
    type Opener = SerialOpener;
    const DRIVER_NAME: &'static str = "nutdrv_qx";
    const DESCRIPTION: &'static str = "Generic Q* Serial driver";
    const VERSION: &'static str = "0.32";

    fn config_keys() -> &'static [&'static str] {
        QX_KEYS
    }

    fn from_config(config: &DriverConfig) -> Result<(Self, SerialOpener), ConfigError> {
        Ok((
            QxDriver::from_config(config)?,
            SerialOpener::from_config(config)?,
        ))
    }
}

impl Family for ApcSmart<SerialPortSerial> {
    type Opener = SerialOpener;
    const DRIVER_NAME: &'static str = "apcsmart";
    const DESCRIPTION: &'static str = "APC Smart protocol driver";
    const VERSION: &'static str = "3.2";

    fn config_keys() -> &'static [&'static str] {
        apcsmart::tables::CONFIG_KEYS
    }

    fn from_config(config: &DriverConfig) -> Result<(Self, SerialOpener), ConfigError> {
        Ok((ApcSmart::new(config)?, SerialOpener::from_config(config)?))
    }
}

impl Family for GenericUps<SerialPortSerial> {
    type Opener = SerialOpener;
    const DRIVER_NAME: &'static str = "genericups";
    const DESCRIPTION: &'static str = "Generic contact-closure UPS driver";
    const VERSION: &'static str = "1.38";

    fn config_keys() -> &'static [&'static str] {
        genericups::KEYS
    }

    fn from_config(config: &DriverConfig) -> Result<(Self, SerialOpener), ConfigError> {
        Ok((
            GenericUps::from_driver_config(config)?,
            SerialOpener::from_config(config)?.keeping_lines(),
        ))
    }
}

/// The Qx family published as NUT's older `blazer_ser`/`blazer_usb` (delays in minutes, no
/// writable variables): a [`QxDriver`] in its [`QxDriver::as_blazer`] flavour.
pub struct Blazer<S>(QxDriver<S>);

/// NUT's `blazer_ser`.
pub type BlazerSer = Blazer<SerialPortSerial>;

impl<S: Serial + 'static> DeviceProtocol for Blazer<S> {
    type Port = S;

    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn version(&self) -> &'static str {
        self.0.version()
    }

    async fn identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        self.0.identify(port).await
    }

    async fn update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        self.0.update(port).await
    }

    async fn instcmd(
        &mut self,
        port: &mut S,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        self.0.instcmd(port, command, param).await
    }

    async fn set_var(&mut self, port: &mut S, name: &str, value: &str) -> Result<(), CommandError> {
        self.0.set_var(port, name, value).await
    }

    async fn kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        self.0.kill_power(port).await
    }
}

impl Family for BlazerSer {
    type Opener = SerialOpener;
    const DRIVER_NAME: &'static str = "blazer_ser";
    const DESCRIPTION: &'static str = "Megatec/Q1 protocol serial driver";
    const VERSION: &'static str = "1.58";

    fn config_keys() -> &'static [&'static str] {
        QX_KEYS
    }

    fn from_config(config: &DriverConfig) -> Result<(Self, SerialOpener), ConfigError> {
        Ok((
            Blazer(QxDriver::from_config(config)?.as_blazer()),
            SerialOpener::from_config(config)?,
        ))
    }
}

#[cfg(feature = "usb")]
pub use usb::{BlazerUsb, QxOpener, QxPort};

/// The Qx family over USB bridges (feature `usb`): `blazer_usb`, and `nutdrv_qx` with
/// `port = auto`.
#[cfg(feature = "usb")]
mod usb {
    use nut_hal::rusb::RusbUsb;
    use nut_hal::serial::EitherSerial;
    use nut_hal::serialport::SerialPortSerial;

    use super::{Blazer, SerialOpener};
    use crate::device::{ConfigError, DeviceError, DriverConfig, Family, PortOpener};
    use crate::qx::usb::{QxUsb, QxUsbOpener};
    use crate::qx::{QX_KEYS, QxDriver};

    /// A Qx UPS on a serial port or behind a USB bridge.
    pub type QxPort = EitherSerial<SerialPortSerial, QxUsb<RusbUsb>>;

    /// Opens a [`QxPort`]: USB when `port = auto` (as NUT's nutdrv_qx), else the serial path.
    pub enum QxOpener {
        /// A serial port.
        Serial(SerialOpener),
        /// A USB bridge.
        Usb(QxUsbOpener),
    }

    impl QxOpener {
        /// The opener `config` asks for.
        pub fn from_config(config: &DriverConfig) -> Result<QxOpener, ConfigError> {
            if config.value("port") == Some("auto") {
                Ok(QxOpener::Usb(QxUsbOpener::new(config.clone())))
            } else {
                Ok(QxOpener::Serial(SerialOpener::from_config(config)?))
            }
        }
    }

    impl PortOpener for QxOpener {
        type Port = QxPort;

        async fn open(&mut self) -> Result<QxPort, DeviceError> {
            match self {
                QxOpener::Serial(opener) => opener.open().await.map(EitherSerial::Left),
                QxOpener::Usb(opener) => opener.open().await.map(EitherSerial::Right),
            }
        }
    }

    impl Family for QxDriver<QxPort> {
        type Opener = QxOpener;
        const DRIVER_NAME: &'static str = "nutdrv_qx";
        const DESCRIPTION: &'static str = "Generic Q* USB/Serial driver";
        const VERSION: &'static str = "0.32";

        fn config_keys() -> &'static [&'static str] {
            QX_KEYS
        }

        fn from_config(config: &DriverConfig) -> Result<(Self, QxOpener), ConfigError> {
            Ok((
                QxDriver::from_config(config)?,
                QxOpener::from_config(config)?,
            ))
        }
    }

    /// NUT's `blazer_usb`: [`QxDriver::as_blazer_usb`] over a USB bridge.
    pub type BlazerUsb = Blazer<QxUsb<RusbUsb>>;

    impl Family for BlazerUsb {
        type Opener = QxUsbOpener;
        const DRIVER_NAME: &'static str = "blazer_usb";
        const DESCRIPTION: &'static str = "Megatec/Q1 protocol USB driver";
        const VERSION: &'static str = "0.14";

        fn config_keys() -> &'static [&'static str] {
            QX_KEYS
        }

        fn from_config(config: &DriverConfig) -> Result<(Self, QxUsbOpener), ConfigError> {
            Ok((
                Blazer(QxDriver::from_config(config)?.as_blazer_usb()),
                QxUsbOpener::new(config.clone()),
            ))
        }
    }
}

#[cfg(feature = "hid")]
pub use hid::UsbHidUps;

#[cfg(feature = "hid")]
mod hid {
    use crate::device::{ConfigError, DriverConfig, Family};
    use crate::hid::open::{HidOpener, HidPort};
    use crate::hid::{HidSettings, UsbHid, settings::KEYS};

    /// NUT's `usbhid-ups`: [`UsbHid`] over hidraw (or libusb, with the `usb` feature).
    pub type UsbHidUps = UsbHid<HidPort>;

    impl Family for UsbHidUps {
        type Opener = HidOpener;
        const DRIVER_NAME: &'static str = "usbhid-ups";
        const DESCRIPTION: &'static str = "Generic HID driver";
        const VERSION: &'static str = "0.47";

        fn config_keys() -> &'static [&'static str] {
            KEYS
        }

        fn from_config(config: &DriverConfig) -> Result<(Self, HidOpener), ConfigError> {
            let settings = HidSettings::from_config(config)?;
            let opener = HidOpener::from_config(config).map_err(|error| ConfigError {
                key: "vendorid".into(),
                value: None,
                reason: error.to_string(),
            })?;
            Ok((UsbHid::new(settings), opener))
        }
    }
}

#[cfg(feature = "modbus")]
pub use modbus::{ApcModbusProgram, GenericModbusProgram};

#[cfg(feature = "modbus")]
mod modbus {
    use crate::apc_modbus::ApcModbus;
    use crate::apc_modbus::open::{KEYS, ModbusOpener, ModbusPort};
    use crate::device::{ConfigError, DriverConfig, Family};
    use crate::generic_modbus::{GenericModbus, Settings, open, settings};

    /// NUT's `generic_modbus`: [`GenericModbus`] over Modbus TCP or RTU on a serial line.
    pub type GenericModbusProgram = GenericModbus<ModbusPort>;

    impl Family for GenericModbusProgram {
        type Opener = ModbusOpener;
        const DRIVER_NAME: &'static str = "generic_modbus";
        const DESCRIPTION: &'static str = "NUT Generic Modbus driver";
        const VERSION: &'static str = "0.03";

        fn config_keys() -> &'static [&'static str] {
            settings::KEYS
        }

        fn from_config(config: &DriverConfig) -> Result<(Self, ModbusOpener), ConfigError> {
            let settings = Settings::from_config(config)?;
            let opener = open::opener(&settings);
            Ok((GenericModbus::new(settings), opener))
        }
    }

    /// NUT's `apc_modbus`: [`ApcModbus`] over Modbus TCP, RTU on a serial line or RTU in
    /// USB HID reports (`porttype`).
    pub type ApcModbusProgram = ApcModbus<ModbusPort>;

    impl Family for ApcModbusProgram {
        type Opener = ModbusOpener;
        const DRIVER_NAME: &'static str = "apc_modbus";
        const DESCRIPTION: &'static str = "NUT APC Modbus driver";
        const VERSION: &'static str = "0.01";

        fn config_keys() -> &'static [&'static str] {
            KEYS
        }

        fn from_config(config: &DriverConfig) -> Result<(Self, ModbusOpener), ConfigError> {
            let opener = ModbusOpener::from_config(config)?;
            let family = ApcModbus::new().map_err(|error| ConfigError {
                key: "driver".into(),
                value: None,
                reason: error.to_string(),
            })?;
            Ok((family, opener))
        }
    }
}
