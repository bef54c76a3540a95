//! A simulated Masterguard A/E unit (`protocol=masterguard`): `WH`, `Q3`, `MSO`, `PNV` and the
//! per-slave queries (`GS,<addr>`, `GBS,<addr>`, `GSN,<addr>`, `DRC,<addr>`), commands taken
//! silently, anything else (or another slave's address) echoed back.
//!
//! NUT has no Masterguard test vectors: the replies are built from the table's columns
//! (`dialects/items.tsv`), with the [`super::SimState`] measurements (battery voltage per
//! cell).

use super::SimState;
use crate::qx::masterguard::days_hms;

/// The Masterguard-specific part of the simulated unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Slave address (`ups.id`), 0–99.
    pub address: u32,
    /// The model field as `WH` shows it (`A 1000`, `E100`, `A 2000-19`, …).
    pub model: String,
    /// Battery packs (`GS`).
    pub packs: u32,
    /// Seconds of operation (`DRC`).
    pub uptime: u64,
    /// Output voltage nominal (`PNV`).
    pub output_nominal: u32,
    /// Supported output voltages (`MSO`).
    pub output_voltages: Vec<u32>,
    /// Whether the battery is to be replaced (`Q3` column 65).
    pub replace_battery: bool,
    /// The last commands it took (for tests), CR cut.
    pub taken: Vec<String>,
}

impl Default for Unit {
    fn default() -> Self {
        Unit {
            address: 1,
            model: "A 1000".into(),
            packs: 1,
            uptime: 90_061,
            output_nominal: 230,
            output_voltages: vec![220, 230, 240],
            replace_battery: false,
            taken: Vec::new(),
        }
    }
}

/// `width` spaces with `fields` (column, text) written in, then CR.
fn put(width: usize, fields: &[(usize, &str)]) -> Vec<u8> {
    let mut line = vec![b' '; width];
    for (col, text) in fields {
        for (i, b) in text.bytes().enumerate() {
            if let Some(slot) = line.get_mut(col + i) {
                *slot = b;
            }
        }
    }
    line.push(b'\r');
    line
}

/// A `WH` reply (113 bytes) for slave `address` (two digits) and the model field `model`.
pub fn wh(address: &str, model: &str) -> Vec<u8> {
    put(
        112,
        &[
            (0, "("),
            (1, address),
            (4, "V1.30"),
            (10, "V2.10"),
            (16, model),
            (49, "230"),
            (53, "50.00"),
            (59, "012"),
            (63, "2.300"),
            (69, "010.30"),
            (76, "004.10"),
            (83, "008"),
            (87, "00"),
            (90, "40"),
            (93, "170"),
            (97, "280"),
            (101, "45.00"),
            (107, "55.00"),
        ],
    )
}

/// A `Q3` reply (71 bytes) showing `state`.
pub fn q3(state: &SimState) -> Vec<u8> {
    let bit = |b: bool| if b { "1" } else { "0" };
    let u = &state.masterguard;
    let output = if state.load_off {
        0.0
    } else {
        state.output_voltage
    };
    let test = if state.testing { "001" } else { "000" };
    put(
        70,
        &[
            (0, "("),
            (1, &format!("{:02}", u.address)),
            (4, &format!("{:05.1}", state.input_voltage)),
            (10, &format!("{:05.1}", state.input_voltage_fault)),
            (16, &format!("{output:05.1}")),
            (22, &format!("{:03}", state.load)),
            (26, &format!("{:04.1}", state.input_frequency)),
            (31, &format!("{:05.3}", state.battery_voltage)),
            (37, &format!("{:04.1}", state.temperature)),
            (42, &format!("{:03}.{:02}", state.runtime_minutes, 0)),
            (49, &format!("{:03}", state.battery_charge)),
            (53, bit(state.on_battery)),
            (54, bit(state.battery_low)),
            (55, bit(state.regulating)),
            (56, bit(state.failed)),
            (57, bit(state.line_interactive)),
            (58, bit(state.testing)),
            (59, bit(state.shutdown.is_some())),
            (60, "000"),
            (63, "0"),
            (64, "0"),
            (65, bit(u.replace_battery)),
            (66, "0"),
            (67, test),
        ],
    )
}

/// The reply of a Masterguard unit to one command line (CR cut), `None` for none.
pub fn respond(state: &mut SimState, text: &str) -> Option<Vec<u8>> {
    let echo = Some(format!("{text}\r").into_bytes());
    let address = format!("{:02}", state.masterguard.address);
    // Per-slave commands end in ",<address>"; another address is not for this unit.
    let (name, for_us) = match text.rsplit_once(',') {
        Some((name, to)) => (name, to == address),
        None => (text, true),
    };
    if !for_us {
        return echo;
    }
    let u = &state.masterguard;
    let reply = match (name, text.contains(',')) {
        ("WH", false) => wh(&address, &u.model),
        ("Q3", false) => q3(state),
        ("MSO", false) => {
            let list: Vec<String> = u.output_voltages.iter().map(u32::to_string).collect();
            format!("({}\r", list.join(" ")).into_bytes()
        }
        ("PNV", false) => format!("(PNV={:03}\r", u.output_nominal).into_bytes(),
        ("GS", true) => {
            let beeper = if state.beeper { 1 } else { 0 };
            format!("({address} 00 {} {beeper}\r", u.packs).into_bytes()
        }
        ("GBS", true) => put(
            42,
            &[
                (0, "("),
                (1, &address),
                (4, &format!("{:03}", state.battery_charge)),
                (18, "0100"),
                (33, "100"),
            ],
        ),
        ("GSN", true) => put(
            24,
            &[(0, "("), (1, &address), (8, "MG1000  "), (20, "4711")],
        ),
        ("DRC", true) => {
            let s = u.uptime;
            format!(
                "({address} {:04}:{:02}:{:02}:{:02}\r",
                s / 86_400,
                s / 3600 % 24,
                s / 60 % 60,
                s % 60
            )
            .into_bytes()
        }
        _ => {
            return if command(state, name, text) {
                None
            } else {
                echo
            };
        }
    };
    Some(reply)
}

/// Runs a command (`name` without the address); false when the unit does not know it.
fn command(state: &mut SimState, name: &str, text: &str) -> bool {
    let addressed = text.contains(',');
    let taken = match (name, addressed) {
        ("T" | "TL", false) | ("TUD", true) => {
            state.testing = true;
            true
        }
        ("CT", false) => {
            state.testing = false;
            true
        }
        ("C", false) => {
            state.shutdown = None;
            state.load_off = false;
            true
        }
        ("FOFF", false) => {
            state.regulating = true;
            true
        }
        ("FON", false) => {
            state.regulating = false;
            true
        }
        ("FCLR", true) => true,
        ("SS---1", true) => {
            state.beeper = true;
            true
        }
        ("SS---0", true) => {
            state.beeper = false;
            true
        }
        _ if addressed && name.starts_with("SRC") => name
            .strip_prefix("SRC")
            .and_then(days_hms)
            .map(|secs| state.masterguard.uptime = secs)
            .is_some(),
        _ if addressed && name.starts_with("SS--") && name.len() == 6 => name
            .get(4..5)
            .and_then(|n| n.parse().ok())
            .map(|n| state.masterguard.packs = n)
            .is_some(),
        _ if addressed && name.starts_with("SS") && name.ends_with("--") && name.len() == 6 => name
            .get(2..4)
            .and_then(|n| n.parse().ok())
            .map(|n| state.masterguard.address = n)
            .is_some(),
        _ if !addressed && name.starts_with("PNV=") => name
            .get(4..)
            .and_then(|v| v.parse().ok())
            .filter(|v| state.masterguard.output_voltages.contains(v))
            .map(|v| state.masterguard.output_nominal = v)
            .is_some(),
        _ if !addressed && name.len() == 3 && name.starts_with('T') => {
            let minutes = name
                .get(1..)
                .is_some_and(|m| m.bytes().all(|b| b.is_ascii_digit()));
            if minutes {
                state.testing = true;
            }
            minutes
        }
        _ if !addressed && super::is_shutdown(name) => {
            state.shutdown = Some(name.to_owned());
            true
        }
        _ => false,
    };
    if taken {
        state.masterguard.taken.push(text.to_owned());
    }
    taken
}
