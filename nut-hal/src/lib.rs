//! How do bytes reach a device? Transport traits (serial with modem lines, USB HID, USB
//! control, SNMP, Modbus), real backends behind features, and wrappers that record, replay and
//! inject faults. This crate knows nothing about what a UPS is.
//!
//! Status: empty; built in the nut-hal issue.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
