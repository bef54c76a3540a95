//! What do the device's bytes mean? One module per protocol family (dummy, Qx/Megatec, APC
//! Smart, contact closure, USB HID PDC, SNMP, APC Modbus), plus the driver runtime and the
//! driver-socket server.
//!
//! Status: the dummy driver; the hardware driver runtime ([`device`]: the contract a family
//! implements, the pure core, the async runner); running a driver inside upsd or behind a NUT
//! driver socket ([`runtime::Serve`]); the `upsd --demo` setup.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod apc_modbus;
pub mod apcsmart;
pub mod cli;
pub mod demo;
pub mod device;
pub mod diff;
pub mod dummy;
pub mod embed;
pub mod generic_modbus;
pub mod genericups;
pub mod hid;
pub mod in_process;
pub mod programs;
pub mod qx;
pub mod runtime;
pub mod snmp;
pub mod socket;
