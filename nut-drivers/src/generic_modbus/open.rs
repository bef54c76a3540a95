//! [`GenericModbusOpener`]: the Modbus connection `generic_modbus`'s settings name — TCP
//! through `apc_modbus`'s [`ModbusOpener`]; RTU on a serial line is refused for now.

use super::settings::{Link, Settings};
use crate::apc_modbus::open::ModbusOpener;
use crate::device::ConfigError;

/// The opener for a `generic_modbus` section (a [`ModbusOpener`] over TCP).
pub type GenericModbusOpener = ModbusOpener;

/// The opener for `settings`: Modbus TCP to the `port` host with `rio_slave_id` and the
/// response timeout. A serial `port` (`/dev/tty…`, Modbus RTU) is a [`ConfigError`] naming
/// `port`: `nut-hal` has no RTU serial line yet.
pub fn opener(settings: &Settings) -> Result<GenericModbusOpener, ConfigError> {
    match &settings.link {
        Link::Tcp(host) => Ok(ModbusOpener::tcp(
            host,
            settings.slave_id,
            settings.response_timeout,
        )),
        Link::Rtu(line) => Err(ConfigError {
            key: "port".into(),
            value: Some(line.path.clone()),
            reason: "Modbus RTU on a serial line is not implemented yet (use host[:port])".into(),
        }),
    }
}
