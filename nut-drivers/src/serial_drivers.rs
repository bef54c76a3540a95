//! The serial hardware drivers as NUT names them — `nutdrv_qx`, `blazer_ser`, `apcsmart`,
//! `genericups` — each a [`Family`] over a real serial port ([`SerialPortSerial`], with modem
//! lines), so the generic driver main and `upsd --embed-drivers` can build them from
//! `ups.conf`.

use nut_hal::ErrorKind;
use nut_hal::serial::LineSettings;
use nut_hal::serialport::SerialPortSerial;

use crate::apcsmart::{self, ApcSmart};
use crate::device::{
    CommandError, ConfigError, DeviceError, DeviceProtocol, DriverConfig, Family, Identity,
    PortOpener, Reading,
};
use crate::genericups::{self, GenericUps};
use crate::qx::{QX_KEYS, QxDriver};

/// NUT's `nutdrv_qx`: the Megatec/Qx family on a serial port.
pub type NutdrvQx = QxDriver<SerialPortSerial>;
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

/// The Qx family published as NUT's older `blazer_ser` (delays in minutes, no writable
/// variables): a [`QxDriver`] in its [`QxDriver::as_blazer`] flavour.
pub struct BlazerSer(QxDriver<SerialPortSerial>);

impl DeviceProtocol for BlazerSer {
    type Port = SerialPortSerial;

    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn version(&self) -> &'static str {
        self.0.version()
    }

    async fn identify(&mut self, port: &mut SerialPortSerial) -> Result<Identity, DeviceError> {
        self.0.identify(port).await
    }

    async fn update(&mut self, port: &mut SerialPortSerial) -> Result<Reading, DeviceError> {
        self.0.update(port).await
    }

    async fn instcmd(
        &mut self,
        port: &mut SerialPortSerial,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        self.0.instcmd(port, command, param).await
    }

    async fn set_var(
        &mut self,
        port: &mut SerialPortSerial,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        self.0.set_var(port, name, value).await
    }

    async fn kill_power(&mut self, port: &mut SerialPortSerial) -> Result<(), DeviceError> {
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
            BlazerSer(QxDriver::from_config(config)?.as_blazer()),
            SerialOpener::from_config(config)?,
        ))
    }
}
