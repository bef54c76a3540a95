//! Wrappers over any [`Serial`](crate::Serial), [`HidDevice`](crate::hid::HidDevice) or
//! [`UsbControl`](crate::usb::UsbControl): record
//! a session, replay a capture, inject faults. They compose:
//! `Recording<FaultInjecting<TtySerial>>` records what a driver saw under injected faults.
//! Serial, HID and USB sessions share one capture format ([`parse_capture`], [`write_capture`]).

mod capture;
mod fault;
mod hid;
mod recording;
mod replaying;
mod usb;
mod usb_capture;

pub use capture::{CaptureParseError, Exchange, parse_capture, write_capture};
pub use fault::{Fault, FaultInjecting};
pub use recording::Recording;
pub use replaying::Replaying;
