//! Wrappers over any [`Serial`](crate::Serial), [`HidDevice`](crate::hid::HidDevice) or
//! [`UsbControl`](crate::usb::UsbControl): record
//! a session, replay a capture, inject faults. They compose:
//! `Recording<FaultInjecting<TtySerial>>` records what a driver saw under injected faults.
//! [`Recording`] and [`Replaying`] also work over any [`Snmp`](crate::snmp::Snmp) or
//! [`Modbus`](crate::modbus::Modbus) (their fault injectors are
//! [`FaultInjectingSnmp`](crate::snmp_wrap::FaultInjectingSnmp) and
//! [`FaultInjectingModbus`](crate::modbus_wrap::FaultInjectingModbus)).
//! Serial, HID, USB, SNMP and Modbus sessions share one capture format ([`parse_capture`],
//! [`write_capture`]).

mod capture;
mod fault;
mod hid;
mod modbus;
mod net_capture;
mod recording;
mod replaying;
mod snmp;
mod usb;
mod usb_capture;

pub use capture::{CaptureParseError, Exchange, parse_capture, write_capture};
pub use fault::{Fault, FaultInjecting};
pub use net_capture::{ModbusReply, ModbusRequest, SnmpRequest};
pub use recording::Recording;
pub use replaying::Replaying;
