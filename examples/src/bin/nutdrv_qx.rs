//! `nutdrv_qx`: the Megatec/Qx family (serial), drop-in for NUT's `nutdrv_qx`. Flags, `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::NutdrvQx;

fn main() -> ExitCode {
    nut_examples::driver::main::<NutdrvQx>()
}
