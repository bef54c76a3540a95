//! `snmp-ups`: UPSes behind an SNMP agent, driven by NUT's own MIB-to-NUT mapping tables.
//!
//! * [`tables`]: the mapping registry, `snmp_info_t` rows and lookups, read from TSV copied
//!   from NUT (`data/SOURCES.md`).
//! * [`detect`]: `mibs=auto` (sysObjectID match, then the model-OID probe) and `mibs=<name>`.
//! * [`driver`]: [`SnmpUps`], the [`DeviceProtocol`](crate::device::DeviceProtocol) over any
//!   [`nut_hal::snmp::Snmp`].
//! * [`write`]: writable variables (`ST_FLAG_RW` rows) and `SET` as an SNMP SET.
//! * [`template`]: outlet, outlet-group and ambient-sensor template rows (`%i`).
//! * [`alarms`]: `.alarm` rows and the `ups.alarms` alarm tables.
//! * [`composite`]: instant commands, the composite `load.*`/`shutdown.*` commands, kill power.
//! * [`schedule`]: `pollfreq` and `semistaticfreq`.
//! * [`daisy`]: daisy chains (`device.count`, `device.N.*`, `SU_TYPE_DAISY_*` templates per
//!   unit, master-only rows) and single units of daisy-capable mappings.
//! * [`walk`]: one row (or template instance) read as NUT reads it.
//!
//! Not yet: the daisy-chain leftovers of docs/DIFFERENCES.md row 80.

pub mod alarms;
pub mod composite;
pub mod daisy;
pub mod detect;
pub mod driver;
#[cfg(feature = "snmp")]
pub mod program;
pub mod schedule;
pub mod tables;
pub mod template;
pub mod walk;
pub mod write;

pub use driver::SnmpUps;
#[cfg(feature = "snmp")]
pub use program::{SnmpOpener, SnmpUpsProgram};
