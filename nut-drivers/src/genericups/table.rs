//! The cable types NUT's `genericups` knows (`upstype=0` … `23`), as in NUT 2.8.0's
//! `drivers/genericups.h` (summarised in the project's research data, `upstypes.tsv`).
//!
//! Each row says which output lines power the cable, which input line (at which level) means
//! on line, low battery, replace battery and bypass, and how to signal a shutdown. The tests
//! compare every row with `upstypes.tsv` and the descriptions with `genericups -h`.

use nut_hal::ModemLines;

use super::lines::{Outputs, Shutdown, Signal};

/// One cable type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsType {
    /// The `upstype` number.
    pub id: u8,
    /// Published as `ups.mfr` (unless `mfr` is set).
    pub mfr: &'static str,
    /// Published as `ups.model` (unless `model` is set).
    pub model: &'static str,
    /// What `genericups -h` lists and the driver logs at start (`UPS type: …`).
    pub description: &'static str,
    /// Output lines raised at start and held while monitoring (many cables draw power
    /// from them).
    pub cable_power: Outputs,
    /// On line (`OL`, else `OB`); [`Signal::NONE`] means always on line.
    pub online: Signal,
    /// Low battery (`LB`).
    pub low_battery: Signal,
    /// Replace battery (`RB`).
    pub replace_battery: Signal,
    /// On bypass (`BYPASS`).
    pub bypass: Signal,
    /// How to tell the UPS to shut down.
    pub shutdown: Shutdown,
}

/// Every cable type, indexed by its `upstype` number.
pub const UPS_TYPES: &[UpsType] = &[
    UpsType {
        id: 0,
        mfr: "UPSONIC",
        model: "LAN Saver 600",
        description: "UPSONIC LAN Saver 600",
        cable_power: Outputs::BOTH,
        online: Signal::low(ModemLines::CTS),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::RTS),
    },
    UpsType {
        id: 1,
        mfr: "APC",
        model: "Back-UPS",
        description: "APC Back-UPS (940-0095A/C cable)",
        cable_power: Outputs::DTR,
        online: Signal::low(ModemLines::RI),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::RTS),
    },
    UpsType {
        id: 2,
        mfr: "APC",
        model: "Back-UPS",
        description: "APC Back-UPS (940-0020B/C cable)",
        cable_power: Outputs::RTS,
        online: Signal::low(ModemLines::CTS),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::BOTH),
    },
    UpsType {
        id: 3,
        mfr: "PowerTech",
        model: "Comp1000",
        description: "PowerTech Comp1000 with DTR as cable power",
        cable_power: Outputs::DTR,
        online: Signal::low(ModemLines::CTS),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::BOTH),
    },
    UpsType {
        id: 4,
        mfr: "Generic",
        model: "Generic RUPS model",
        description: "Generic RUPS model",
        cable_power: Outputs::RTS,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::NONE),
    },
    UpsType {
        id: 5,
        mfr: "TrippLite",
        model: "Internet Office Series",
        description: "Tripp Lite UPS with Lan2.2 interface (black 73-0844 cable)",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::BOTH),
    },
    UpsType {
        id: 6,
        mfr: "Best",
        model: "Patriot",
        description: "Best Patriot (INT51 cable)",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::RTS),
    },
    UpsType {
        id: 7,
        mfr: "CyberPower",
        model: "Power99",
        description: "CyberPower Power99",
        cable_power: Outputs::RTS,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::DTR),
    },
    UpsType {
        id: 8,
        mfr: "Nitram",
        model: "Elite UPS",
        description: "Nitram Elite 500",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Unknown,
    },
    UpsType {
        id: 9,
        mfr: "APC",
        model: "Back-UPS",
        description: "APC Back-UPS (940-0023A cable)",
        cable_power: Outputs::NONE,
        online: Signal::low(ModemLines::DCD),
        low_battery: Signal::high(ModemLines::CTS),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::RTS),
    },
    UpsType {
        id: 10,
        mfr: "Victron",
        model: "Lite",
        description: "Victron Lite (crack cable)",
        cable_power: Outputs::RTS,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::DTR),
    },
    UpsType {
        id: 11,
        mfr: "Powerware",
        model: "3115",
        description: "Powerware 3115",
        cable_power: Outputs::DTR,
        online: Signal::low(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Break,
    },
    UpsType {
        id: 12,
        mfr: "APC",
        model: "Back-UPS Office",
        description: "APC Back-UPS Office (940-0119A cable)",
        cable_power: Outputs::RTS,
        online: Signal::low(ModemLines::CTS),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::DTR),
    },
    UpsType {
        id: 13,
        mfr: "RPT",
        model: "Repoteck",
        description: "Repoteck RPT-800A, RPT-162A",
        cable_power: Outputs::BOTH,
        online: Signal::high(ModemLines::DCD),
        low_battery: Signal::low(ModemLines::CTS),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Break,
    },
    UpsType {
        id: 14,
        mfr: "Online",
        model: "P250, P500, P750, P1250",
        description: "Online P-series",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::DCD),
        low_battery: Signal::low(ModemLines::CTS),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::RTS),
    },
    UpsType {
        id: 15,
        mfr: "Powerware",
        model: "5119",
        description: "Powerware 5119",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Break,
    },
    UpsType {
        id: 16,
        mfr: "Nitram",
        model: "Elite UPS",
        description: "Nitram Elite 2002",
        cable_power: Outputs::BOTH,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Unknown,
    },
    UpsType {
        id: 17,
        mfr: "PowerKinetics",
        model: "9001",
        description: "PowerKinetics 9001",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Unknown,
    },
    UpsType {
        id: 18,
        mfr: "TrippLite",
        model: "Omni 450LAN",
        description: "TrippLite UPS with Martin's cabling",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Unknown,
    },
    UpsType {
        id: 19,
        mfr: "Fideltronik",
        model: "Ares Series",
        description: "Fideltronik Ares Series",
        cable_power: Outputs::DTR,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::RTS),
    },
    UpsType {
        id: 20,
        mfr: "Powerware",
        model: "5119 RM",
        description: "Powerware 5119 RM",
        cable_power: Outputs::DTR,
        online: Signal::low(ModemLines::CTS),
        low_battery: Signal::high(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Break,
    },
    UpsType {
        id: 21,
        mfr: "Generic",
        model: "Generic RUPS 2000",
        description: "Generic RUPS 2000 (Megatec M2501 cable)",
        cable_power: Outputs::RTS,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::BOTH),
    },
    UpsType {
        id: 22,
        mfr: "Gamatronic Electronic Industries",
        model: "Generic Alarm UPS",
        description: "Gamatronic UPSs with alarm interface",
        cable_power: Outputs::RTS,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::NONE,
        bypass: Signal::NONE,
        shutdown: Shutdown::Lines(Outputs::DTR),
    },
    UpsType {
        id: 23,
        mfr: "Generic",
        model: "Generic FTTx Battery Backup",
        description: "FTTx (Fiber to the x) battery backup with 4-wire telemetry interface",
        cable_power: Outputs::RTS,
        online: Signal::high(ModemLines::CTS),
        low_battery: Signal::low(ModemLines::DCD),
        replace_battery: Signal::low(ModemLines::RI),
        bypass: Signal::low(ModemLines::DSR),
        shutdown: Shutdown::Lines(Outputs::NONE),
    },
];

/// The cable type with `upstype` number `id`.
pub fn ups_type(id: u8) -> Option<&'static UpsType> {
    UPS_TYPES.get(usize::from(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_indexed_by_their_number() {
        assert_eq!(UPS_TYPES.len(), 24);
        for (index, row) in UPS_TYPES.iter().enumerate() {
            assert_eq!(usize::from(row.id), index);
        }
        assert!(ups_type(24).is_none());
        assert_eq!(ups_type(7).map(|t| t.model), Some("Power99"));
    }
}
