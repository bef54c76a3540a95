//! `generic_modbus`: a UPS wired to a Modbus remote-I/O box (`port = host[:502]`, the
//! `<STATE>_addr`/`_regtype`/`_noro` mapping, `FSD_addr` for `load.off` and `-k`), drop-in for
//! NUT's `generic_modbus`. Flags, `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::GenericModbusProgram;

fn main() -> ExitCode {
    nut_examples::driver::main::<GenericModbusProgram>()
}
