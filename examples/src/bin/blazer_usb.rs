//! `blazer_usb`: the Megatec/Qx family on USB bridges in the older `blazer_usb` flavour (delays in minutes). Flags, `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::BlazerUsb;

fn main() -> ExitCode {
    nut_examples::driver::main::<BlazerUsb>()
}
