//! State changes as data: the one vocabulary a driver emits and a server applies.
//!
//! Between processes `nut-protocol` writes these as driver-socket lines (`SETINFO`, `DELINFO`,
//! …); inside one process they travel on a channel. Applying a stream of them to a
//! [`crate::tree::StateTree`] gives the same tree either way.

use alloc::string::String;

use crate::flags::VarFlags;

/// An integer range of allowed values for a variable (`ADDRANGE var min max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
}

/// One change to a device's state, as a driver reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StateChange {
    /// Create or update a variable (`SETINFO`).
    SetInfo {
        /// Variable name, e.g. `battery.charge`.
        name: String,
        /// The raw (decoded) value.
        value: String,
    },
    /// Delete a variable (`DELINFO`).
    DelInfo {
        /// Variable name.
        name: String,
    },
    /// Append an allowed value to a variable's enumeration (`ADDENUM`).
    AddEnum {
        /// Variable name.
        name: String,
        /// The allowed value.
        value: String,
    },
    /// Remove an allowed value (`DELENUM`).
    DelEnum {
        /// Variable name.
        name: String,
        /// The value to remove.
        value: String,
    },
    /// Append an allowed integer range (`ADDRANGE`).
    AddRange {
        /// Variable name.
        name: String,
        /// The range.
        range: Range,
    },
    /// Remove an allowed integer range (`DELRANGE`).
    DelRange {
        /// Variable name.
        name: String,
        /// The range.
        range: Range,
    },
    /// Set a variable's auxiliary number: the maximum length of a `STRING` variable (`SETAUX`).
    SetAux {
        /// Variable name.
        name: String,
        /// The aux value.
        aux: i64,
    },
    /// Replace a variable's flags (`SETFLAGS`).
    SetFlags {
        /// Variable name.
        name: String,
        /// The new flags.
        flags: VarFlags,
    },
    /// Add an instant command (`ADDCMD`).
    AddCmd {
        /// Command name, e.g. `load.off`.
        name: String,
    },
    /// Remove an instant command (`DELCMD`).
    DelCmd {
        /// Command name.
        name: String,
    },
    /// The driver says its data is fresh (`DATAOK`).
    DataOk,
    /// The driver says its data is stale (`DATASTALE`).
    DataStale,
}
