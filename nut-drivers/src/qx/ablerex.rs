//! Ablerex (`ablerex` dialect) extras: battery voltage scaling, a fixed voltage → charge curve,
//! battery low/high voltages from the nominal one, and its own reading of status bits 4–5.
//!
//! The curves are NUT's (`dialects/ablerex-charge-curve.tsv` of the research data, from
//! networkupstools/nut `drivers/nutdrv_qx_ablerex.c`, GPL-2.0-or-later): the first row whose
//! voltage is at most the reading gives the charge.

use super::megatec::{Regulation, StatusReply};

const PER_CELL: &[(f64, u8)] = &[
    (2.22, 100),
    (2.21, 90),
    (2.20, 88),
    (2.19, 87),
    (2.18, 85),
    (2.17, 83),
    (2.16, 82),
    (2.15, 80),
    (2.14, 78),
    (2.13, 77),
    (2.12, 75),
    (2.11, 73),
    (2.10, 72),
    (2.09, 70),
    (2.08, 68),
    (2.07, 65),
    (2.06, 65),
    (2.05, 62),
    (2.04, 62),
    (2.03, 58),
    (2.02, 58),
    (2.01, 55),
    (2.00, 55),
    (1.99, 53),
    (1.98, 52),
    (1.97, 50),
    (1.96, 48),
    (1.95, 47),
    (1.94, 45),
    (1.93, 43),
    (1.92, 42),
    (1.91, 40),
    (1.90, 38),
    (1.89, 37),
    (1.88, 35),
    (1.87, 33),
    (1.86, 32),
    (1.85, 30),
    (1.84, 28),
    (1.83, 27),
    (1.82, 25),
    (1.81, 23),
    (1.80, 22),
    (1.79, 20),
    (1.78, 18),
    (1.77, 17),
    (1.76, 15),
    (1.75, 13),
    (1.74, 12),
    (1.73, 10),
    (1.72, 8),
    (1.71, 7),
    (1.70, 5),
    (1.69, 3),
    (1.68, 2),
];
const PER_BLOCK: &[(f64, u8)] = &[
    (13.5, 100),
    (13.3, 90),
    (13.2, 88),
    (13.1, 86),
    (13.0, 83),
    (12.9, 80),
    (12.8, 77),
    (12.7, 74),
    (12.6, 72),
    (12.5, 69),
    (12.4, 66),
    (12.3, 63),
    (12.2, 61),
    (12.1, 58),
    (12.0, 55),
    (11.9, 52),
    (11.8, 49),
    (11.7, 47),
    (11.6, 44),
    (11.5, 41),
    (11.4, 38),
    (11.3, 36),
    (11.2, 33),
    (11.1, 30),
    (11.0, 27),
    (10.9, 24),
    (10.8, 22),
    (10.7, 19),
    (10.6, 16),
    (10.5, 13),
    (10.4, 11),
    (10.3, 8),
    (10.2, 5),
    (10.1, 2),
];

/// `battery.voltage`: a reading above 3 V as is, else per-cell volts × 6 × nominal / 12.
pub fn battery_voltage(reported: f64, nominal: Option<f64>) -> f64 {
    match nominal {
        Some(nominal) if reported <= 3.0 => reported * 6.0 * nominal / 12.0,
        _ => reported,
    }
}

/// `battery.charge` (%) from the reported voltage: per-cell (below 3 V) or per 12 V block;
/// 100 when the nominal voltage is unknown.
pub fn battery_charge(reported: f64, nominal: Option<f64>) -> u8 {
    let Some(nominal) = nominal.filter(|n| *n > 0.0) else {
        return 100;
    };
    let (value, curve) = if reported < 3.0 {
        (reported, PER_CELL)
    } else {
        (reported / (nominal / 12.0), PER_BLOCK)
    };
    curve
        .iter()
        .find(|(at_least, _)| value >= *at_least - 1e-9)
        .map_or(0, |(_, charge)| *charge)
}

/// `battery.voltage.low` and `.high` (`%.2f`): 960/1200 and 1365/1200 of the nominal voltage.
pub fn battery_limits(nominal: f64) -> [(&'static str, String); 2] {
    [
        (
            "battery.voltage.low",
            format!("{:.2}", 960.0 * nominal / 1200.0),
        ),
        (
            "battery.voltage.high",
            format!("{:.2}", 1365.0 * nominal / 1200.0),
        ),
    ]
}

/// `ups.status` words: bit 5 means TRIM/BYPASS/BOOST by voltage ratio only on a
/// line-interactive unit (bit 3), else BYPASS; bit 4 is `RB`; an output below 50 V is `OFF`.
/// NUT's Ablerex hooks set these words at once, so they come before the ones NUT's Qx core
/// commits at the end of the poll (`OL`/`OB`, `LB`, `CAL`, `FSD`) — checked against the real
/// driver.
pub fn status_words(status: &StatusReply) -> Vec<&'static str> {
    let bits = &status.bits;
    let mut words = Vec::new();
    if bits.bypass_boost_buck {
        let regulation = if bits.line_interactive {
            status.regulation()
        } else {
            Some(Regulation::Bypass)
        };
        match regulation {
            Some(Regulation::Trim) => words.push("TRIM"),
            Some(Regulation::Bypass) => words.push("BYPASS"),
            Some(Regulation::Boost) => words.push("BOOST"),
            None => {}
        }
    }
    if bits.ups_failed {
        words.push("RB");
    }
    if status.output_voltage < 50.0 {
        words.push("OFF");
    }
    words.push(if bits.utility_fail { "OB" } else { "OL" });
    if bits.battery_low {
        words.push("LB");
    }
    if bits.test_in_progress {
        words.push("CAL");
    }
    if bits.shutdown_active {
        words.push("FSD");
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve() {
        assert_eq!(battery_charge(22.7, Some(24.0)), 36);
        assert_eq!(battery_charge(27.0, Some(24.0)), 100);
        assert_eq!(battery_charge(2.05, Some(24.0)), 62);
        assert_eq!(battery_charge(1.0, Some(24.0)), 0);
        assert_eq!(battery_charge(22.7, None), 100);
        assert_eq!(battery_voltage(2.0, Some(24.0)), 24.0);
        assert_eq!(battery_limits(24.0)[1].1, "27.30");
    }
}
