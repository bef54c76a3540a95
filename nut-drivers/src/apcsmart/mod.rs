//! APC Smart protocol family (NUT's `apcsmart`): single-character queries over a 2400 8N1
//! serial line, replies ending in CR LF, asynchronous alert characters, capabilities from
//! `a` and `^Z`.
//!
//! * [`tables`]: NUT's variable, command, status-bit, transfer-reason and compatibility
//!   tables, protocol constants, and the config keys ([`tables::CONFIG_KEYS`]).
//! * [`parse`]: pure reply framing and parsing, tested on captured bytes.
//! * [`settings`]: `cable`, `sdtype`, `advorder`, `awd`, `cshdelay`, `ttymode`.
//! * [`ApcSmart`]: the [`DeviceProtocol`] over any `nut_hal::serial::Serial`; closing it
//!   ([`DeviceProtocol::close`], on a clean stop and after `-k`) leaves smart mode (`R`).
//! * [`sim`]: a UPS simulator for tests and demos, also of units with a Measure-UPS probe
//!   and of units listing dual-byte commands.
//!
//! Measure-UPS (environment probe) values: `t`/`h` give `ambient.temperature`/`humidity`,
//! `i` the alarm contacts (`ups.contacts`); the packed replies (`APC_PACK`: `T`, `[`, `]`,
//! `H`, `{`, `}`) are comma-separated, one field per sensor, published as `ambient.N.*`
//! from N = 1, as the real 2.8.0 driver publishes them ([`parse::unpack`]).
//!
//! Dual-byte ("extended") commands: the fourth section of the `a` reply is kept
//! ([`parse::CommandSet::extended`]) but not probed: NUT 2.8.0's `apcsmart` has no dual-byte
//! variables (its binary holds no `battery.current`), sends no prefix byte and publishes
//! nothing more for such a unit (`tests/tests/apcsmart_vs_real_nut.rs`
//! `extended_command_set_matches_real_apcsmart`).

mod commands;
mod driver;
pub mod parse;
pub mod settings;
pub mod sim;
pub mod tables;

pub use driver::ApcSmart;
pub use tables::CONFIG_KEYS;

use nut_hal::serial::Serial;

use crate::device::{CommandError, DeviceError, DeviceProtocol, Identity, Reading};

/// The version published as `driver.version.internal`.
pub const VERSION: &str = "3.2";

impl<S: Serial + 'static> DeviceProtocol for ApcSmart<S> {
    type Port = S;

    fn name(&self) -> &'static str {
        "apcsmart"
    }

    fn version(&self) -> &'static str {
        VERSION
    }

    async fn identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        self.do_identify(port).await
    }

    async fn update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        self.do_update(port).await
    }

    async fn instcmd(
        &mut self,
        port: &mut S,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        self.do_instcmd(port, command, param).await
    }

    async fn set_var(&mut self, port: &mut S, name: &str, value: &str) -> Result<(), CommandError> {
        self.do_set_var(port, name, value).await
    }

    async fn kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        self.do_kill_power(port).await
    }

    async fn close(&mut self, port: &mut S) -> Result<(), DeviceError> {
        self.do_close(port).await
    }
}
