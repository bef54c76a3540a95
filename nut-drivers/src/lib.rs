//! What do the device's bytes mean? One module per protocol family (dummy, Qx/Megatec, APC
//! Smart, contact closure, USB HID PDC, SNMP, APC Modbus), plus the driver runtime and the
//! driver-socket server.
//!
//! Status: empty; built in the driver issues.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
