//! [`ModbusOpener`]: opens the Modbus link named by `ups.conf`, as NUT's `apc_modbus`:
//!
//! * `porttype = tcp`: Modbus TCP to `port = host[:502]`;
//! * `porttype = serial`: Modbus RTU on the tty `port` (`baudrate` 9600, `parity` N,
//!   `databits` 8, `stopbits` 1 by default);
//! * `porttype = usb` (the default, as in NUT's USB-capable build): Modbus RTU inside APC's
//!   vendor HID reports ([`nut_hal::modbus_hid`]), the unit found by NUT's USB matching keys
//!   (`vendorid` 051d and `productid` 0003 by default, `vendor`, `product`, `serial`, `bus`,
//!   `device`, `busport`) through hidraw, or libusb with the `usb` feature.
//!
//! `slaveid` (default 1) and `response_timeout_ms` (default 1000) apply to all three.

use std::net::SocketAddr;
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::hid::HidDevice;
use nut_hal::modbus_frame::{Reply, Request};
use nut_hal::modbus_hid::{HidModbus, ReportIds};
use nut_hal::modbus_tokio::{ModbusError, TokioModbus};
use nut_hal::modbus_transact::Transact;
use nut_hal::serial::{LineSettings, Parity, StopBits};

use crate::device::{ConfigError, DeviceError, DriverConfig, PortOpener};
use crate::hid::open::{HidOpener, HidPort};

/// The settings `apc_modbus` accepts beyond the common ones.
pub const KEYS: &[&str] = &[
    "porttype",
    "slaveid",
    "response_timeout_ms",
    "baudrate",
    "parity",
    "databits",
    "stopbits",
    "vendorid",
    "productid",
    "vendor",
    "product",
    "serial",
    "bus",
    "device",
    "busport",
];

/// NUT's default Modbus TCP port.
pub const DEFAULT_TCP_PORT: u16 = 502;

/// NUT's default unit id for APC units.
pub const DEFAULT_SLAVE_ID: u8 = 1;

/// NUT's default serial speed.
pub const DEFAULT_BAUD_RATE: u32 = 9600;

/// APC's USB vendor id, matched by default.
pub const APC_VENDOR_ID: &str = "051d";
/// The product id of APC's Modbus-capable USB units, matched by default.
pub const APC_PRODUCT_ID: &str = "0003";

/// Where the unit is.
#[derive(Debug, Clone)]
pub enum Link {
    /// Modbus TCP to `host:port`.
    Tcp(String),
    /// Modbus RTU on a tty.
    Serial {
        /// The tty's path.
        path: String,
        /// Speed and framing.
        settings: LineSettings,
    },
    /// Modbus RTU in USB HID reports.
    Usb(HidOpener),
}

/// Opens a session to one unit over TCP, a serial line or USB.
#[derive(Debug, Clone)]
pub struct ModbusOpener {
    link: Link,
    unit: u8,
    timeout: Duration,
}

fn bad(key: &str, value: Option<&str>, reason: &str) -> ConfigError {
    ConfigError {
        key: key.into(),
        value: value.map(Into::into),
        reason: reason.into(),
    }
}

fn parsed<T: std::str::FromStr>(
    config: &DriverConfig,
    key: &str,
    default: T,
    ok: impl Fn(&T) -> bool,
    reason: &str,
) -> Result<T, ConfigError> {
    match config.value(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<T>()
            .ok()
            .filter(|x| ok(x))
            .ok_or_else(|| bad(key, Some(v), reason)),
    }
}

fn line_settings(config: &DriverConfig) -> Result<LineSettings, ConfigError> {
    let baud = parsed(
        config,
        "baudrate",
        DEFAULT_BAUD_RATE,
        |b| *b > 0,
        "must be > 0",
    )?;
    let parity = match config.value("parity").map(str::trim) {
        None | Some("N" | "n") => Parity::None,
        Some("E" | "e") => Parity::Even,
        Some("O" | "o") => Parity::Odd,
        Some(other) => return Err(bad("parity", Some(other), "must be N, E or O")),
    };
    let data_bits = parsed(
        config,
        "databits",
        8u8,
        |b| (5..=8).contains(b),
        "must be 5..=8",
    )?;
    let stop_bits = match parsed(config, "stopbits", 1u8, |b| (1..=2).contains(b), "1 or 2")? {
        2 => StopBits::Two,
        _ => StopBits::One,
    };
    Ok(LineSettings {
        baud,
        data_bits,
        parity,
        stop_bits,
    })
}

fn usb_opener(config: &DriverConfig) -> Result<HidOpener, ConfigError> {
    let mut config = config.clone();
    if config.value("vendorid").is_none() {
        config.push("vendorid", Some(APC_VENDOR_ID));
    }
    if config.value("productid").is_none() {
        config.push("productid", Some(APC_PRODUCT_ID));
    }
    HidOpener::from_config(&config).map_err(|e| bad("vendorid", None, &e.to_string()))
}

impl ModbusOpener {
    /// The opener for `config` (see the module documentation).
    /// Unknown keys are refused, as NUT refuses "not a valid variable name".
    pub fn from_config(config: &DriverConfig) -> Result<ModbusOpener, ConfigError> {
        config.check_known(KEYS)?;
        let port = config.value("port");
        // Checked whatever the port type, so that a typo never waits for a port type change.
        let settings = line_settings(config)?;
        let link = match config.value("porttype") {
            Some("tcp") => {
                let port =
                    port.ok_or_else(|| bad("port", None, "no port given (set port = host[:502])"))?;
                let host = if port
                    .rsplit_once(':')
                    .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
                {
                    port.to_owned()
                } else {
                    format!("{port}:{DEFAULT_TCP_PORT}")
                };
                Link::Tcp(host)
            }
            Some("serial") => Link::Serial {
                path: port
                    .ok_or_else(|| bad("port", None, "no port given (set port = /dev/ttyS0)"))?
                    .to_owned(),
                settings,
            },
            None | Some("usb") => Link::Usb(usb_opener(config)?),
            Some(other) => {
                return Err(bad("porttype", Some(other), "must be tcp, serial or usb"));
            }
        };
        let unit = parsed(
            config,
            "slaveid",
            DEFAULT_SLAVE_ID,
            |id| *id <= 247,
            "must be 0..=247",
        )?;
        let ms = parsed(
            config,
            "response_timeout_ms",
            1000u64,
            |ms| *ms > 0,
            "must be > 0",
        )?;
        Ok(ModbusOpener {
            link,
            unit,
            timeout: Duration::from_millis(ms),
        })
    }

    /// An opener for unit `unit` over `link`, waiting `timeout` for every answer (for
    /// families with their own settings, as `generic_modbus`).
    pub fn new(link: Link, unit: u8, timeout: Duration) -> ModbusOpener {
        ModbusOpener {
            link,
            unit,
            timeout,
        }
    }

    /// Where this opener goes.
    pub fn link(&self) -> &Link {
        &self.link
    }

    /// `host:port` for TCP, the tty for serial, `usb` for USB.
    pub fn address(&self) -> &str {
        match &self.link {
            Link::Tcp(host) => host,
            Link::Serial { path, .. } => path,
            Link::Usb(_) => "usb",
        }
    }

    /// The unit (slave) id.
    pub fn unit(&self) -> u8 {
        self.unit
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// An open session over any of the three links.
#[derive(Debug)]
pub enum ModbusPort {
    /// TCP, or RTU on a serial line (tokio-modbus).
    Tokio(TokioModbus),
    /// RTU in USB HID reports.
    Usb(HidModbus<HidPort>),
}

impl PortOpener for ModbusOpener {
    type Port = ModbusPort;

    async fn open(&mut self) -> Result<ModbusPort, DeviceError> {
        match &self.link {
            Link::Tcp(host) => {
                let operation = format!("connecting to {host}");
                let addr: SocketAddr = tokio::net::lookup_host(host.as_str())
                    .await
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| DeviceError::Transport {
                        operation: operation.clone(),
                        kind: ErrorKind::Disconnected,
                        message: "host name does not resolve".into(),
                    })?;
                TokioModbus::connect_tcp(addr, self.unit, self.timeout)
                    .await
                    .map(ModbusPort::Tokio)
                    .map_err(|e| DeviceError::transport(&operation, &e))
            }
            Link::Serial { path, settings } => {
                TokioModbus::open_rtu(path, *settings, self.unit, self.timeout)
                    .map(ModbusPort::Tokio)
                    .map_err(|e| DeviceError::transport(&format!("opening {path}"), &e))
            }
            Link::Usb(hid) => {
                let mut hid = hid.clone();
                let mut device = hid.open().await?;
                // As NUT: the ids from the descriptor, NUT's defaults when it cannot be read.
                let ids = match device.report_descriptor().await {
                    Ok(descriptor) => super::usb::report_ids(&descriptor),
                    Err(_) => ReportIds::default(),
                };
                #[cfg(feature = "usb")]
                let device = match device {
                    // libusb: requests go to the interrupt OUT endpoint 1, as NUT's libmodbus.
                    nut_hal::hid::EitherHid::Right(usb) => {
                        nut_hal::hid::EitherHid::Right(usb.with_out_endpoint(0x01))
                    }
                    hidraw => hidraw,
                };
                Ok(ModbusPort::Usb(HidModbus::new(
                    device,
                    self.unit,
                    ids,
                    self.timeout,
                )))
            }
        }
    }
}

impl Transact for ModbusPort {
    async fn transact(&mut self, request: Request) -> Result<Reply, ModbusError> {
        match self {
            ModbusPort::Tokio(m) => m.transact(request).await,
            ModbusPort::Usb(m) => m.transact(request).await,
        }
    }
}
