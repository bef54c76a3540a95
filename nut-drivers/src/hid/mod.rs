//! USB HID Power Device Class — usbhid-ups (NUT-REFERENCE.md §8.2, §9).
//!
//! * [`item`] splits a descriptor into items;
//! * [`descriptor`] builds NUT's fields (path, report ID, type, bit offset and size, ranges,
//!   unit) with NUT's repairs and explicit limits;
//! * [`value`] reads and writes a field's value in a report as NUT does;
//! * [`path`] prints and reads paths with NUT's usage-name tables;
//! * [`tables`] holds NUT's subdriver mapping rows, lookup tables and device lists as data;
//! * [`explore`] lists every field and value as NUT's `explore` mode does;
//! * [`claim`] chooses the subdriver by NUT's claim rules and device-table quirks;
//! * [`fixups`] repairs descriptors of known-broken firmware and formats product strings;
//! * [`mapping`] binds a subdriver's rows to one device's fields;
//! * [`convert`] turns values into NUT's text (formats, lookup conversions) and back, with the
//!   vendor families' conversion functions in its submodules;
//! * [`status`] derives `ups.status`, alarms and transfer reason from status booleans;
//! * [`cache`] keeps one buffer per report ID within a poll;
//! * [`driver`] is the protocol ([`UsbHid`]) on any [`nut_hal::hid::HidDevice`];
//! * `open` (feature `hid`) finds and opens a real UPS by NUT's USB matching keys;
//! * [`sim`] plays a device from a real capture; [`nut_log`] reads `usbhid-ups -DDD` logs.

pub mod cache;
pub mod claim;
pub mod convert;
pub mod descriptor;
pub mod driver;
pub mod explore;
pub mod fixups;
pub mod item;
pub mod mapping;
pub mod nut_log;
#[cfg(feature = "hid")]
pub mod open;
pub mod path;
pub mod settings;
pub mod sim;
pub mod status;
pub mod tables;
pub mod value;

pub use descriptor::{DescriptorError, Field, Limits, Repair, ReportDescriptor, ReportKind, Usage};
pub use driver::UsbHid;
pub use path::{PathError, PathNames};
pub use settings::HidSettings;
pub use value::ValueError;
