//! `blazer_ser`: the Megatec/Qx family in its older `blazer_ser` flavour (delays in minutes). Flags, `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::programs::BlazerSer;

fn main() -> ExitCode {
    nut_examples::driver::main::<BlazerSer>()
}
