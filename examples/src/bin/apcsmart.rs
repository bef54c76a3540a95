//! `apcsmart`: APC Smart serial UPSes, drop-in for NUT's `apcsmart`. Flags, `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::ApcSmartSerial;

fn main() -> ExitCode {
    nut_examples::driver::main::<ApcSmartSerial>()
}
