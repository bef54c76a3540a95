//! How do bytes reach a device? Transport traits (serial with modem lines, USB HID, USB
//! control, SNMP, Modbus), real backends behind features, and wrappers that record, replay and
//! inject faults. This crate knows nothing about what a UPS is.
//!
//! * [`error`]: the portable [`ErrorKind`] and the [`Error`] trait every transport error
//!   implements (embedded-hal 1.0 style).
//! * [`serial`], [`hid`], [`usb`], [`snmp`], [`modbus`]: the transport traits and their data.
//! * [`wrap`]: [`wrap::Recording`], [`wrap::Replaying`], [`wrap::FaultInjecting`] over any
//!   [`Serial`], [`hid::HidDevice`] or [`usb::UsbControl`]; [`wrap::Recording`] and
//!   [`wrap::Replaying`] also over any [`snmp::Snmp`] or [`modbus::Modbus`]. One capture
//!   format for all of them.
//! * `tty` (feature `tty`, not default): `TtySerial`, a [`Serial`] on a Unix tty (no modem
//!   lines).
//! * `serialport` (feature `serialport`, not default): `SerialPortSerial`, a [`Serial`] over the
//!   `serialport` crate with modem lines, and `available_ports()`.
//! * `rusb` (feature `rusb`, not default): `RusbUsb`, a [`usb::UsbControl`] on a real device
//!   (libusb vendored), USB enumeration and NUT's device matching keys.
//! * `hidapi` (feature `hidapi`, not default): `HidapiDevice`, a [`hid::HidDevice`] on a real
//!   hidraw device (pure-Rust backend, no libudev-dev), and HID enumeration.
//! * [`snmp_wrap`], [`modbus_wrap`]: recordings replayed as an SNMP agent / Modbus unit, and
//!   fault injection (timeouts, garbage, error replies, disconnects) over any [`snmp::Snmp`]
//!   or [`modbus::Modbus`].
//! * `snmp` (feature `snmp`): `snmp_async::AsyncSnmp`, an [`snmp::Snmp`] over `async-snmp`
//!   (v1, v2c, v3 USM), configured by [`snmp_settings::SnmpSettings`] (NUT's option names).
//! * `modbus` (feature `modbus`): `modbus_tokio::TokioModbus`, a [`modbus::Modbus`] over
//!   `tokio-modbus` (TCP; RTU on a tty through `TtySerial`), `modbus_hid::HidModbus` (RTU
//!   inside APC's USB HID reports, on any [`hid::HidDevice`]), both through
//!   `modbus_transact::Transact`; [`modbus_frame`] is the RTU frame codec they and simulated
//!   units share.
//!
//! Without the `std` feature the traits build with `core` + `alloc` only.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod error;
pub mod hid;
pub mod hid_usb;
#[cfg(feature = "hidapi")]
pub mod hidapi;
pub mod modbus;
pub mod modbus_frame;
#[cfg(feature = "modbus")]
pub mod modbus_hid;
#[cfg(feature = "modbus")]
pub mod modbus_tokio;
#[cfg(feature = "modbus")]
pub mod modbus_transact;
pub mod modbus_wrap;
#[cfg(feature = "rusb")]
pub mod rusb;
pub mod serial;
#[cfg(feature = "serialport")]
pub mod serialport;
pub mod snmp;
#[cfg(feature = "snmp")]
pub mod snmp_async;
#[cfg(feature = "snmp")]
mod snmp_des_state;
pub mod snmp_settings;
pub mod snmp_wrap;
mod snmprec;
#[cfg(feature = "tty")]
pub mod tty;
pub mod usb;
pub mod wrap;

pub use error::{Error, ErrorKind, WrapError};
pub use serial::{EitherError, EitherSerial, LineSettings, ModemLines, Parity, Serial, StopBits};
#[cfg(feature = "serialport")]
pub use serialport::SerialPortSerial;
#[cfg(feature = "tty")]
pub use tty::{PtyPair, TtySerial};
