//! `apc_modbus`: APC Smart-UPS over Modbus TCP (`porttype = tcp`, `port = host[:502]`,
//! `slaveid`), drop-in for NUT's `apc_modbus`. Flags, `ups.conf` and the driver socket as NUT's
//! drivers.

use std::process::ExitCode;

use nut_drivers::programs::ApcModbusProgram;

fn main() -> ExitCode {
    nut_examples::driver::main::<ApcModbusProgram>()
}
