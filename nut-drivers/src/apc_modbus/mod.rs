//! NUT's `apc_modbus`: APC Smart-UPS (SMT/SMX/SRT/SCL) over Modbus — the register map as
//! data (`data/*.tsv`, origin and licence in `data/SOURCES.md`), read in NUT's blocks
//! (status 0..25, dynamic 128..171, inventory 516..636, static 1026..1048):
//!
//! * status bits → `ups.status` words and `ups.alarm` texts (`data/status_bits.tsv`);
//! * integers, fixed-point values (value / 2^scale), ASCII strings (2 characters per register),
//!   dates as days since 2000-01-01, transfer causes and test results as names;
//! * writable settings (`SET VAR`) and instant commands (a value written to a command
//!   register) per `registers.tsv` / `commands.tsv` / `outlet_commands.tsv`.
//!
//! [`ApcModbus`] works over any [`nut_hal::modbus::Modbus`]; with the `modbus` feature,
//! [`open::ModbusOpener`] opens Modbus TCP (`porttype = tcp`, `port = host[:502]`), RTU on a
//! serial line (`porttype = serial`, `port = /dev/ttyS0`, `baudrate` 9600, `parity`,
//! `databits`, `stopbits`) or RTU in APC's USB HID reports (`porttype = usb`, the default as in
//! NUT; NUT's USB matching keys, APC 051d:0003 by default), all with `slaveid`, and
//! `programs::ApcModbusProgram` is the `apc_modbus` program.
//!
//! `-k` writes OutletCommand_BF as NUT's `upsdrv_shutdown` (docs/DIFFERENCES.md row 55). The
//! NUT 2.8.0 installed on the development machine ships no `apc_modbus` binary (`/lib/nut` has
//! only `generic_modbus` and `phoenixcontact_modbus`), so there is no differential test against
//! the real driver: `tests/tests/apc_modbus_feeds_real_upsd.rs` puts ours (against
//! `sim::SimUnit`, feature `modbus-sim`) behind the real upsd instead.

pub mod convert;
pub mod driver;
#[cfg(feature = "modbus")]
pub mod open;
#[cfg(feature = "modbus-sim")]
pub mod sim;
pub mod table;
#[cfg(feature = "modbus")]
pub mod usb;

pub use driver::ApcModbus;
pub use table::{TableError, Tables};
