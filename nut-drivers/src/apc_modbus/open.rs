//! [`ModbusOpener`]: opens the Modbus TCP connection named by `ups.conf` (`porttype`, `port`,
//! `slaveid`).

use std::net::SocketAddr;
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::modbus_tokio::TokioModbus;

use crate::device::{ConfigError, DeviceError, DriverConfig, PortOpener};

/// The settings `apc_modbus` accepts beyond the common ones.
pub const KEYS: &[&str] = &["porttype", "slaveid", "response_timeout_ms"];

/// NUT's default Modbus TCP port.
pub const DEFAULT_TCP_PORT: u16 = 502;

/// NUT's default unit id for APC units.
pub const DEFAULT_SLAVE_ID: u8 = 1;

/// Opens a [`TokioModbus`] TCP session to one unit.
#[derive(Debug, Clone)]
pub struct ModbusOpener {
    host: String,
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

impl ModbusOpener {
    /// The opener for `config`: `porttype` must be `tcp` (the default here), `port` is
    /// `host[:port]`, `slaveid` 0..=247 (default 1).
    pub fn from_config(config: &DriverConfig) -> Result<ModbusOpener, ConfigError> {
        match config.value("porttype") {
            None | Some("tcp") => {}
            Some(other) => {
                return Err(bad(
                    "porttype",
                    Some(other),
                    "only porttype=tcp is implemented (serial and usb are not yet)",
                ));
            }
        }
        let port = config
            .value("port")
            .ok_or_else(|| bad("port", None, "no port given (set port = host[:502])"))?;
        let host = if port
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            port.to_owned()
        } else {
            format!("{port}:{DEFAULT_TCP_PORT}")
        };
        let unit = match config.value("slaveid") {
            None => DEFAULT_SLAVE_ID,
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|id| *id <= 247)
                .ok_or_else(|| bad("slaveid", Some(v), "must be 0..=247"))?,
        };
        let timeout = match config.value("response_timeout_ms") {
            None => Duration::from_secs(1),
            Some(v) => Duration::from_millis(
                v.parse::<u64>()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .ok_or_else(|| bad("response_timeout_ms", Some(v), "must be > 0"))?,
            ),
        };
        Ok(ModbusOpener::tcp(&host, unit, timeout))
    }

    /// An opener for unit `unit` at `host` (`host:port`, resolved at each open), waiting
    /// `timeout` for every answer.
    pub fn tcp(host: &str, unit: u8, timeout: Duration) -> ModbusOpener {
        ModbusOpener {
            host: host.into(),
            unit,
            timeout,
        }
    }

    /// `host:port` this opener connects to.
    pub fn address(&self) -> &str {
        &self.host
    }

    /// The unit (slave) id.
    pub fn unit(&self) -> u8 {
        self.unit
    }
}

impl PortOpener for ModbusOpener {
    type Port = TokioModbus;

    async fn open(&mut self) -> Result<TokioModbus, DeviceError> {
        let operation = format!("connecting to {}", self.host);
        let addr: SocketAddr = tokio::net::lookup_host(self.host.as_str())
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
            .map_err(|e| DeviceError::transport(&operation, &e))
    }
}
