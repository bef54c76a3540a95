//! USB HID Power Device Class: the report-descriptor parser and NUT's path model
//! (NUT-REFERENCE.md §9), the ground usbhid-ups stands on.
//!
//! * [`item`] splits a descriptor into items;
//! * [`descriptor`] builds NUT's fields (path, report ID, type, bit offset and size, ranges,
//!   unit) with NUT's repairs and explicit limits;
//! * [`value`] reads and writes a field's value in a report as NUT does;
//! * [`path`] prints and reads paths with NUT's usage-name tables.
//! * [`nut_log`] reads `usbhid-ups -DDD` logs (descriptor, reports, paths) for tests and replay.

pub mod descriptor;
pub mod item;
pub mod nut_log;
pub mod path;
pub mod value;

pub use descriptor::{DescriptorError, Field, Limits, Repair, ReportDescriptor, ReportKind, Usage};
pub use path::{PathError, PathNames};
pub use value::ValueError;
