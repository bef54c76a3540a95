//! `snmp-ups`: UPSes behind an SNMP agent (v1, v2c, v3), drop-in for NUT's `snmp-ups`. Flags,
//! `ups.conf` and the driver socket as NUT's drivers.

use std::process::ExitCode;

use nut_drivers::snmp::program::SnmpUpsProgram;

fn main() -> ExitCode {
    nut_examples::driver::main::<SnmpUpsProgram>()
}
