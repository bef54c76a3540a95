//! `apc_modbus`: APC Smart-UPS over Modbus — TCP (`porttype = tcp`, `port = host[:502]`), RTU
//! on a serial line (`porttype = serial`, `port = /dev/ttyS0`, `baudrate`, `parity`,
//! `databits`, `stopbits`) or RTU in USB HID reports (`porttype = usb`, the default; `vendorid`,
//! `productid`, `serial`, …), `slaveid` — drop-in for NUT's `apc_modbus`. Flags, `ups.conf` and the driver socket as NUT's
//! drivers.

use std::process::ExitCode;

use nut_drivers::programs::ApcModbusProgram;

fn main() -> ExitCode {
    nut_examples::driver::main::<ApcModbusProgram>()
}
