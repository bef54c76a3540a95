//! `usbhid-ups`: USB HID Power Device UPSes, drop-in for NUT's `usbhid-ups`. Flags, `ups.conf`
//! and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::UsbHidUps;

fn main() -> ExitCode {
    nut_examples::driver::main::<UsbHidUps>()
}
