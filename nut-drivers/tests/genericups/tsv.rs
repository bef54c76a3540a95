//! `upstypes.tsv` read on its own terms (line names and "high"/"low" words), independent of
//! the driver's table, to say what the driver must do.

use nut_hal::ModemLines;

const TSV: &str = include_str!("../fixtures/genericups/upstypes.tsv");

/// What the TSV says about one input condition: the line and whether "true" is asserted.
pub type Cond = Option<(ModemLines, bool)>;

/// What the TSV says about the shutdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sd {
    /// `n/a (-1)`: the driver refuses.
    Refuse,
    /// `ST (break)`.
    Break,
    /// Exactly these lines (DTR, RTS) raised, the others dropped.
    Lines(bool, bool),
}

/// One row of the TSV.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: u8,
    pub mfr: String,
    pub model: String,
    pub description: String,
    /// (DTR, RTS) raised at start.
    pub cable_power: (bool, bool),
    pub online: Cond,
    pub low_battery: Cond,
    pub replace_battery: Cond,
    pub bypass: Cond,
    pub shutdown: Sd,
}

fn line(name: &str) -> Option<ModemLines> {
    Some(match name {
        "CTS" => ModemLines::CTS,
        "DCD" => ModemLines::DCD,
        "RNG" => ModemLines::RI,
        "DSR" => ModemLines::DSR,
        "none" => return None,
        other => panic!("unknown input line {other:?} in upstypes.tsv"),
    })
}

fn cond(name: &str, when: &str) -> Cond {
    let line = line(name)?;
    let high = if when.starts_with("high") {
        true
    } else if when.starts_with("low") {
        false
    } else {
        panic!("unknown level {when:?}")
    };
    Some((line, high))
}

fn outputs(text: &str) -> (bool, bool) {
    if text.starts_with("none") {
        return (false, false);
    }
    let words: Vec<&str> = text.split('+').collect();
    for word in &words {
        assert!(["DTR", "RTS"].contains(word), "unknown output {word:?}");
    }
    (words.contains(&"DTR"), words.contains(&"RTS"))
}

/// Every row, in file order.
pub fn rows() -> Vec<Row> {
    let mut lines = TSV.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(header[0], "upstype");
    assert_eq!(header[4], "cable_power");
    assert_eq!(header[13], "shutdown_lines");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 16, "{l}");
            let shutdown = if c[13].starts_with("n/a") {
                assert!(c[14].contains("refuses"));
                Sd::Refuse
            } else if c[13].starts_with("ST") {
                assert!(c[14].contains("BREAK"));
                Sd::Break
            } else {
                let (dtr, rts) = outputs(c[13]);
                Sd::Lines(dtr, rts)
            };
            Row {
                id: c[0].parse().unwrap(),
                mfr: c[1].into(),
                model: c[2].into(),
                description: c[3].into(),
                cable_power: outputs(c[4]),
                online: cond(c[5], c[6]),
                low_battery: cond(c[7], c[8]),
                replace_battery: cond(c[9], c[10]),
                bypass: cond(c[11], c[12]),
                shutdown,
            }
        })
        .collect()
}

fn holds(cond: Cond, lines: ModemLines) -> Option<bool> {
    cond.map(|(line, high)| lines.contains(line) == high)
}

/// The status words semantics.md gives for `lines`: `OL` (also when no on-line line is
/// wired) or `OB`, plus `LB`, `RB`, `BYPASS`; in the real driver's order (`LB` first, seen
/// by running it with its modem ioctls emulated: `tests/tests/genericups_lines_real.rs`).
pub fn expected_status(row: &Row, lines: ModemLines) -> Vec<&'static str> {
    let mut words = Vec::new();
    if holds(row.low_battery, lines) == Some(true) {
        words.push("LB");
    }
    words.push(if holds(row.online, lines).unwrap_or(true) {
        "OL"
    } else {
        "OB"
    });
    for (cond, word) in [(row.replace_battery, "RB"), (row.bypass, "BYPASS")] {
        if holds(cond, lines) == Some(true) {
            words.push(word);
        }
    }
    words
}

/// All 16 combinations of the four input lines.
pub fn all_inputs() -> impl Iterator<Item = ModemLines> {
    (0u8..16).map(ModemLines::from_bits_truncate)
}
