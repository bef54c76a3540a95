//! The opener for `generic_modbus`'s settings: `apc_modbus`'s [`ModbusOpener`] over Modbus
//! TCP (`port = host[:502]`) or Modbus RTU on a serial line (`port = /dev/tty…` with the
//! `ser_*` options), unit `rio_slave_id`, the `mod_resp_to_*` response timeout.

use nut_hal::serial::{LineSettings, Parity, StopBits};

use super::settings::{Link, Settings};
use crate::apc_modbus::open::{self, ModbusOpener};

/// The opener for `settings`.
pub fn opener(settings: &Settings) -> ModbusOpener {
    let link = match &settings.link {
        Link::Tcp(host) => open::Link::Tcp(host.clone()),
        Link::Rtu(line) => open::Link::Serial {
            path: line.path.clone(),
            settings: LineSettings {
                baud: line.baud,
                data_bits: line.data_bits,
                parity: match line.parity {
                    'E' => Parity::Even,
                    'O' => Parity::Odd,
                    _ => Parity::None,
                },
                stop_bits: if line.stop_bits == 2 {
                    StopBits::Two
                } else {
                    StopBits::One
                },
            },
        },
    };
    ModbusOpener::new(link, settings.slave_id, settings.response_timeout)
}
