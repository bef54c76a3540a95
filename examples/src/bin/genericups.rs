//! `genericups`: contact-closure UPSes on a serial port, drop-in for NUT's `genericups`. Flags, `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::GenericUpsSerial;

fn main() -> ExitCode {
    nut_examples::driver::main::<GenericUpsSerial>()
}
