//! The variables dummy-ups 2.8.0 knows by name, with the flags and string length it gives
//! them when a file line or `SET` creates them. Every other variable gets `RW STRING` with a
//! length of [`OTHER_STRING_LENGTH`], whatever its value looks like (so `battery.charge.warning:
//! 50` is a string while `battery.charge: 100` is not).
//!
//! Observed on the real driver (`tests/fixtures/.../dummy-ups-dumpall.txt`): a known string
//! variable gets `SETAUX` with its table length, a known non-string variable only `SETFLAGS RW`.

use nut_core::VarFlags;

/// Length given to writable string variables the table does not know.
pub const OTHER_STRING_LENGTH: i64 = 32;

/// How dummy-ups types one variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownVariable {
    /// Variable name.
    pub name: &'static str,
    /// True for `RW STRING`, false for plain `RW`.
    pub string: bool,
    /// Maximum length of a string variable (its aux value).
    pub length: i64,
}

const fn string(name: &'static str, length: i64) -> KnownVariable {
    KnownVariable {
        name,
        string: true,
        length,
    }
}

const fn number(name: &'static str) -> KnownVariable {
    KnownVariable {
        name,
        string: false,
        length: 0,
    }
}

/// dummy-ups 2.8.0's table, in its order (the first entry for a name wins).
pub const KNOWN_VARIABLES: &[KnownVariable] = &[
    string("ups.mfr", 32),
    string("ups.model", 32),
    string("ups.status", 32),
    string("ups.serial", 32),
    number("ups.load"),
    string("ups.alarm", 32),
    string("ups.time", 16),
    string("ups.date", 16),
    string("ups.mfr.date", 16),
    string("ups.firmware", 16),
    string("ups.firmware.aux", 16),
    number("ups.temperature"),
    string("ups.id", 16),
    number("ups.delay.start"),
    number("ups.delay.reboot"),
    number("ups.delay.shutdown"),
    number("ups.test.interval"),
    string("ups.test.result", 16),
    number("input.voltage"),
    number("input.voltage.maximum"),
    number("input.voltage.minimum"),
    number("input.voltage.nominal"),
    string("input.transfer.reason", 1),
    number("input.transfer.low"),
    number("input.transfer.high"),
    string("input.sensitivity", 1),
    string("input.quality", 6),
    number("input.frequency"),
    number("input.transfer.boost.low"),
    number("input.transfer.boost.high"),
    number("input.transfer.trim.low"),
    number("input.transfer.trim.high"),
    number("output.voltage"),
    number("output.frequency"),
    number("output.current"),
    number("battery.charge"),
    number("battery.charge.low"),
    number("battery.voltage"),
    number("battery.current"),
    number("battery.runtime"),
    number("battery.runtime.low"),
    number("battery.charge.restart"),
    number("battery.temperature"),
    number("battery.voltage.nominal"),
    number("ambient.temperature"),
    number("ambient.temperature.alarm"),
    number("ambient.temperature.high"),
    number("ambient.temperature.low"),
    number("ambient.humidity"),
    number("ambient.humidity.alarm"),
    number("ambient.humidity.high"),
    number("ambient.humidity.low"),
];

/// The flags and, for strings, the length dummy-ups gives `name` (matched
/// case-insensitively, as dummy-ups does).
pub fn typing(name: &str) -> (VarFlags, Option<i64>) {
    match KNOWN_VARIABLES
        .iter()
        .find(|known| known.name.eq_ignore_ascii_case(name))
    {
        Some(known) if known.string => (VarFlags::RW | VarFlags::STRING, Some(known.length)),
        Some(_) => (VarFlags::RW, None),
        None => (VarFlags::RW | VarFlags::STRING, Some(OTHER_STRING_LENGTH)),
    }
}
