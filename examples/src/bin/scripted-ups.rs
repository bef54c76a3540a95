//! `scripted-ups`: a driver for no hardware (the scripted family of
//! `nut_drivers::device::scripted`), run by the generic driver main like every hardware
//! driver; for trying upsd, upsdrvctl and clients without a UPS.

use std::process::ExitCode;

use nut_drivers::device::scripted::ScriptedFamily;

fn main() -> ExitCode {
    nut_examples::driver::main::<ScriptedFamily>()
}
