//! Voltronic values only some protocols report: the per-phase values of three-phase units
//! (`QPI` P03, P09, P10: `Q3PV`, `Q3PC`, `Q3OV`, `Q3OC`, `Q3LD`, `Q3YV`) and the battery type
//! of P31 units (`QBT`, writable with `PBT<nn>`) and their grid work range (`QGR`, the
//! `work_range_type` option, set with `PGR<nn>`; not published).
//!
//! Which protocol reports which value was read off the real nutdrv_qx 2.8.0 on the simulator
//! (`tests/tests/qx_differential.rs` `nutdrv_qx_voltronic_protocols`): P03 reports the three
//! input phases only; P09 two phases in and out (the line-to-line value L1-L2 and the
//! bypass L1-N, L2-N); P10 all three phases in, out and on bypass.

use super::voltronic::{checked, field};
use Units::{AllThreePhase as ALL, P09, P10, ThreePhaseInput as IN3, ThreePhaseOutput as OUT};

/// The units that report a three-phase item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Units {
    /// P03, P09 and P10 (the first two input phases).
    AllThreePhase,
    /// P03 and P10 (the third input phase).
    ThreePhaseInput,
    /// P09 and P10 (the first two output phases).
    ThreePhaseOutput,
    /// P10 only (the third output phase, the three bypass phases).
    P10,
    /// P09 only (its two bypass phases).
    P09,
}

impl Units {
    fn include(self, protocol: u8) -> bool {
        match self {
            Units::AllThreePhase => matches!(protocol, 3 | 9 | 10),
            Units::ThreePhaseInput => matches!(protocol, 3 | 10),
            Units::ThreePhaseOutput => matches!(protocol, 9 | 10),
            Units::P10 => protocol == 10,
            Units::P09 => protocol == 9,
        }
    }
}

/// One three-phase value: the query, the reply's minimum length, columns and precision.
struct PhaseItem {
    name: &'static str,
    command: &'static [u8],
    min_len: usize,
    from: usize,
    to: usize,
    precision: usize,
    units: Units,
}

const fn item(
    name: &'static str,
    command: &'static [u8],
    min_len: usize,
    (from, to, precision): (usize, usize, usize),
    units: Units,
) -> PhaseItem {
    PhaseItem {
        name,
        command,
        min_len,
        from,
        to,
        precision,
        units,
    }
}

/// NUT's voltronic three-phase items, in table order.
#[rustfmt::skip]
const PHASE_ITEMS: &[PhaseItem] = &[
    item("input.L1-N.voltage", b"Q3PV\r", 37, (1, 5, 1), ALL),
    item("input.L2-N.voltage", b"Q3PV\r", 37, (7, 11, 1), ALL),
    item("input.L3-N.voltage", b"Q3PV\r", 37, (13, 17, 1), IN3),
    item("input.L1-L2.voltage", b"Q3PV\r", 37, (19, 23, 1), ALL),
    item("input.L2-L3.voltage", b"Q3PV\r", 37, (25, 29, 1), IN3),
    item("input.L1-L3.voltage", b"Q3PV\r", 37, (31, 35, 1), IN3),
    item("input.L1.current", b"Q3PC\r", 13, (1, 3, 0), ALL),
    item("input.L2.current", b"Q3PC\r", 13, (5, 7, 0), ALL),
    item("input.L3.current", b"Q3PC\r", 13, (9, 11, 0), IN3),
    item("output.L1-N.voltage", b"Q3OV\r", 37, (1, 5, 1), OUT),
    item("output.L2-N.voltage", b"Q3OV\r", 37, (7, 11, 1), OUT),
    item("output.L3-N.voltage", b"Q3OV\r", 37, (13, 17, 1), P10),
    item("output.L1-L2.voltage", b"Q3OV\r", 37, (19, 23, 1), OUT),
    item("output.L2-L3.voltage", b"Q3OV\r", 37, (25, 29, 1), P10),
    item("output.L1-L3.voltage", b"Q3OV\r", 37, (31, 35, 1), P10),
    item("output.L1.current", b"Q3OC\r", 13, (1, 3, 0), OUT),
    item("output.L2.current", b"Q3OC\r", 13, (5, 7, 0), OUT),
    item("output.L3.current", b"Q3OC\r", 13, (9, 11, 0), P10),
    item("output.L1.power.percent", b"Q3LD\r", 13, (1, 3, 0), OUT),
    item("output.L2.power.percent", b"Q3LD\r", 13, (5, 7, 0), OUT),
    item("output.L3.power.percent", b"Q3LD\r", 13, (9, 11, 0), P10),
    item("output.bypass.L1-N.voltage", b"Q3YV\r", 37, (1, 5, 1), P10),
    item("output.bypass.L2-N.voltage", b"Q3YV\r", 37, (7, 11, 1), P10),
    item("output.bypass.L3-N.voltage", b"Q3YV\r", 37, (13, 17, 1), P10),
    item("output.bypass.L1-N.voltage", b"Q3YV\r", 19, (1, 5, 1), P09),
    item("output.bypass.L2-N.voltage", b"Q3YV\r", 19, (7, 11, 1), P09),
    item("output.bypass.L1-L2.voltage", b"Q3YV\r", 37, (19, 23, 1), P10),
    item("output.bypass.L2-L3.voltage", b"Q3YV\r", 37, (25, 29, 1), P10),
    item("output.bypass.L1-L3.voltage", b"Q3YV\r", 37, (31, 35, 1), P10),
];

/// The three-phase items a unit of `protocol` reports.
fn items_of(protocol: u8) -> impl Iterator<Item = &'static PhaseItem> {
    PHASE_ITEMS
        .iter()
        .filter(move |i| i.units.include(protocol))
}

/// The three-phase queries a unit of `protocol` answers, in NUT's order (none for a
/// single-phase protocol).
pub fn three_phase_queries(protocol: u8) -> Vec<&'static [u8]> {
    let mut out: Vec<&'static [u8]> = Vec::new();
    for item in items_of(protocol) {
        if !out.contains(&item.command) {
            out.push(item.command);
        }
    }
    out
}

/// The values of a reply to three-phase query `command` for a unit of `protocol`; `None`
/// when the reply gives none of them (a `(NAK`, too short, not numbers).
pub fn three_phase_values(
    command: &[u8],
    reply: &[u8],
    protocol: u8,
) -> Option<Vec<(&'static str, String)>> {
    let values: Vec<(&'static str, String)> = items_of(protocol)
        .filter(|i| i.command == command)
        .filter_map(|i| {
            let reply = checked(reply, i.min_len)?;
            Some((i.name, field(reply, i.from, Some(i.to), i.precision)?))
        })
        .collect();
    (!values.is_empty()).then_some(values)
}

/// P31 battery types, by the digit `QBT` answers (`battery.type`, writable).
pub const BATTERY_TYPES: &[&str] = &["Li", "Flooded", "AGM"];

/// A P31 `QBT` reply `(nn` → `battery.type` (`Li`, `Flooded`, `AGM`).
pub fn battery_type(reply: &[u8]) -> Option<&'static str> {
    let reply = checked(reply, 4)?;
    let digits = std::str::from_utf8(reply.get(1..3)?).ok()?;
    let index: usize = digits.parse().ok()?;
    BATTERY_TYPES.get(index).copied()
}

/// The bytes that set the P31 battery type to `name` (`PBT<nn>`), `None` for an unknown one.
pub fn set_battery_type(name: &str) -> Option<Vec<u8>> {
    let index = BATTERY_TYPES.iter().position(|t| *t == name.trim())?;
    Some(format!("PBT{index:02}\r").into_bytes())
}

/// P31 grid work ranges, by the digit `QGR` answers (the `work_range_type` option).
pub const WORK_RANGES: &[&str] = &["Appliance", "UPS"];

/// A P31 `QGR` reply `(nn` → the index of its work range in [`WORK_RANGES`].
pub fn work_range(reply: &[u8]) -> Option<usize> {
    let reply = checked(reply, 4)?;
    let index: usize = std::str::from_utf8(reply.get(1..3)?).ok()?.parse().ok()?;
    (index < WORK_RANGES.len()).then_some(index)
}

/// The bytes that switch a P31 unit reporting work range `current` to `wanted`
/// (`PGR<nn>`): `None` when it already is, or `wanted` is not a work range.
pub fn set_work_range(current: usize, wanted: &str) -> Option<Vec<u8>> {
    let index = WORK_RANGES.iter().position(|r| *r == wanted.trim())?;
    (index != current).then(|| format!("PGR{index:02}\r").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q3PV: &[u8] = b"(123.4 456.4 789.4 012.4 323.4 223.4\r";

    #[test]
    fn queries_follow_the_protocol() {
        assert!(three_phase_queries(1).is_empty());
        assert!(three_phase_queries(31).is_empty());
        assert_eq!(three_phase_queries(3), [&b"Q3PV\r"[..], b"Q3PC\r"]);
        assert_eq!(three_phase_queries(10).len(), 6);
        assert_eq!(three_phase_queries(9).len(), 6);
    }

    #[test]
    fn values_follow_the_protocol() {
        let p03 = three_phase_values(b"Q3PV\r", Q3PV, 3).unwrap();
        assert_eq!(p03.len(), 6);
        assert!(p03.contains(&("input.L1-L2.voltage", "12.4".into())));
        let p09 = three_phase_values(b"Q3PV\r", Q3PV, 9).unwrap();
        let names: Vec<_> = p09.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "input.L1-N.voltage",
                "input.L2-N.voltage",
                "input.L1-L2.voltage"
            ]
        );
        let p09_bypass = three_phase_values(b"Q3YV\r", b"(303.4 245.4 126.4\r", 9).unwrap();
        assert_eq!(
            p09_bypass[1],
            ("output.bypass.L2-N.voltage", "245.4".into())
        );
        assert_eq!(three_phase_values(b"Q3PV\r", b"(NAK\r", 10), None);
        assert_eq!(three_phase_values(b"Q3OC\r", b"(109 069 023\r", 3), None);
        let currents = three_phase_values(b"Q3OC\r", b"(109 069 023\r", 10).unwrap();
        assert_eq!(currents[2], ("output.L3.current", "23".into()));
    }

    #[test]
    fn p31_battery_type() {
        assert_eq!(battery_type(b"(01\r"), Some("Flooded"));
        assert_eq!(battery_type(b"(07\r"), None);
        assert_eq!(battery_type(b"(NAK\r"), None);
        assert_eq!(set_battery_type("AGM").as_deref(), Some(&b"PBT02\r"[..]));
        assert_eq!(set_battery_type("Lead"), None);
        assert_eq!(work_range(b"(01\r"), Some(1));
        assert_eq!(work_range(b"(02\r"), None);
        assert_eq!(set_work_range(0, "UPS").as_deref(), Some(&b"PGR01\r"[..]));
        assert_eq!(set_work_range(0, "Appliance"), None);
        assert_eq!(set_work_range(0, "bogus"), None);
    }
}
