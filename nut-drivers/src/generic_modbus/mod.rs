//! NUT's `generic_modbus`: a UPS whose contacts are wired to a Modbus remote-I/O box. Each NUT
//! state (OL, OB, LB, HB, RB, CHRG, DISCHRG) may be mapped onto one point —
//! `<STATE>_addr`, `<STATE>_regtype` (0 coil, 1 discrete input (default), 2 input register,
//! 3 holding register), `<STATE>_noro` (1: on when the point reads 0) — and `load.off` (and
//! `-k`) drives the FSD output (`FSD_addr`, a coil by default, optionally pulsed for
//! `FSD_pulse_duration` ms), as NUT 2.8.0's driver 0.03 does:
//!
//! * [`settings::Settings`]: the options, read as NUT's `get_config_vars`;
//! * [`GenericModbus`]: the family over any [`nut_hal::modbus::Modbus`];
//! * [`open::opener`] (feature `modbus`): Modbus TCP (`port = host[:502]`) or Modbus RTU on
//!   a serial line (`port = /dev/tty…`, `ser_baud_rate`, `ser_parity`, `ser_data_bit`,
//!   `ser_stop_bit`), through `apc_modbus`'s opener;
//! * [`sim::IoImage`] (feature `modbus-sim`): a simulated box as a tokio-modbus TCP server, or
//!   as Modbus RTU on a pseudo-terminal.
//!
//! Differences to NUT 2.8.0 are in docs/DIFFERENCES.md.

pub mod driver;
#[cfg(feature = "modbus")]
pub mod open;
pub mod settings;
#[cfg(feature = "modbus-sim")]
pub mod sim;

pub use driver::GenericModbus;
pub use settings::{RegType, Settings, Signal};
