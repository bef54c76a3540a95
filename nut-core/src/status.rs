//! `ups.status`: space-separated status words such as `OL CHRG` or `OB LB`.
//!
//! Known words are bit flags ([`StatusFlags`]); any other word is kept as text, in order, so a
//! status string always round-trips exactly — including word order, unknown vendor words and
//! odd spacing. Words are matched case-insensitively, as upsmon does (`ol` counts as `OL`);
//! the text keeps the case it had.
//!
//! ```
//! use nut_core::status::{Status, StatusFlags};
//!
//! let status = Status::parse("OB LB VENDORWORD");
//! assert!(status.contains(StatusFlags::OB | StatusFlags::LB));
//! assert_eq!(status.unknown_tokens().collect::<Vec<_>>(), ["VENDORWORD"]);
//! assert_eq!(status.to_string(), "OB LB VENDORWORD");
//! assert_eq!(nut_core::status::with_fsd_prefix("OL"), "FSD OL");
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use bitflags::bitflags;

bitflags! {
    /// Every status word NUT knows of (standard, internal, legacy and the non-standard words
    /// some drivers use).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StatusFlags: u32 {
        /// On line: mains present.
        const OL = 1 << 0;
        /// On battery.
        const OB = 1 << 1;
        /// Low battery.
        const LB = 1 << 2;
        /// High battery.
        const HB = 1 << 3;
        /// Replace battery.
        const RB = 1 << 4;
        /// Charging.
        const CHRG = 1 << 5;
        /// Discharging.
        const DISCHRG = 1 << 6;
        /// On bypass: powered but unprotected.
        const BYPASS = 1 << 7;
        /// Runtime calibration.
        const CAL = 1 << 8;
        /// Output off.
        const OFF = 1 << 9;
        /// Overloaded.
        const OVER = 1 << 10;
        /// Trimming high input voltage.
        const TRIM = 1 << 11;
        /// Boosting low input voltage.
        const BOOST = 1 << 12;
        /// Forced shutdown.
        const FSD = 1 << 13;
        /// At least one alarm is active (see `ups.alarm`).
        const ALARM = 1 << 14;
        /// upsd's placeholder before a driver's first dump.
        const WAIT = 1 << 15;
        /// ECO mode (legacy).
        const ECO = 1 << 16;
        /// Self test in progress (non-standard).
        const TEST = 1 << 17;
        /// Over temperature (non-standard).
        const OVERHEAT = 1 << 18;
        /// Internal fault (non-standard, belkinunv).
        const COMMFAULT = 1 << 19;
        /// Battery depleted (non-standard, belkinunv).
        const DEPLETED = 1 << 20;
        /// AC failure (non-standard, belkinunv).
        const ACFAIL = 1 << 21;
        /// Test in progress (non-standard, masterguard).
        const TIP = 1 << 22;
        /// Shutdown active (non-standard, masterguard).
        const SD = 1 << 23;
        /// Bypass (non-standard, metasys).
        const BY = 1 << 24;
    }
}

const WORDS: &[(&str, StatusFlags)] = &[
    ("OL", StatusFlags::OL),
    ("OB", StatusFlags::OB),
    ("LB", StatusFlags::LB),
    ("HB", StatusFlags::HB),
    ("RB", StatusFlags::RB),
    ("CHRG", StatusFlags::CHRG),
    ("DISCHRG", StatusFlags::DISCHRG),
    ("BYPASS", StatusFlags::BYPASS),
    ("CAL", StatusFlags::CAL),
    ("OFF", StatusFlags::OFF),
    ("OVER", StatusFlags::OVER),
    ("TRIM", StatusFlags::TRIM),
    ("BOOST", StatusFlags::BOOST),
    ("FSD", StatusFlags::FSD),
    ("ALARM", StatusFlags::ALARM),
    ("WAIT", StatusFlags::WAIT),
    ("ECO", StatusFlags::ECO),
    ("TEST", StatusFlags::TEST),
    ("OVERHEAT", StatusFlags::OVERHEAT),
    ("COMMFAULT", StatusFlags::COMMFAULT),
    ("DEPLETED", StatusFlags::DEPLETED),
    ("ACFAIL", StatusFlags::ACFAIL),
    ("TIP", StatusFlags::TIP),
    ("SD", StatusFlags::SD),
    ("BY", StatusFlags::BY),
];

impl StatusFlags {
    /// The flag of one status word (case-insensitive), if it is a known word.
    pub fn from_word(word: &str) -> Option<StatusFlags> {
        WORDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, flag)| *flag)
    }

    /// The canonical (upper-case) word of a single flag.
    pub fn word(self) -> Option<&'static str> {
        WORDS
            .iter()
            .find(|(_, flag)| *flag == self)
            .map(|(name, _)| *name)
    }
}

/// One word of a status string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusToken<'a> {
    /// A known word.
    Known(StatusFlags),
    /// Any other word, as written.
    Other(&'a str),
}

/// A parsed `ups.status` value that prints back exactly as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    text: String,
    flags: StatusFlags,
}

impl Status {
    /// Reads a status string. Never fails: unknown words are kept as they are.
    pub fn parse(text: &str) -> Status {
        let flags = text
            .split(' ')
            .filter_map(StatusFlags::from_word)
            .fold(StatusFlags::empty(), |acc, flag| acc | flag);
        Status {
            text: String::from(text),
            flags,
        }
    }

    /// The known words present, as flags.
    pub fn flags(&self) -> StatusFlags {
        self.flags
    }

    /// True when every flag in `flags` is present.
    pub fn contains(&self, flags: StatusFlags) -> bool {
        self.flags.contains(flags)
    }

    /// The words in order (empty words from repeated spaces are skipped).
    pub fn tokens(&self) -> impl Iterator<Item = StatusToken<'_>> {
        self.text
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| match StatusFlags::from_word(w) {
                Some(flag) => StatusToken::Known(flag),
                None => StatusToken::Other(w),
            })
    }

    /// The words that are not known status words, in order.
    pub fn unknown_tokens(&self) -> impl Iterator<Item = &str> {
        self.tokens().filter_map(|t| match t {
            StatusToken::Other(w) => Some(w),
            StatusToken::Known(_) => None,
        })
    }

    /// The text exactly as read.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The status as upsd shows it while its FSD latch is set: `FSD ` before the driver's value.
pub fn with_fsd_prefix(status: &str) -> String {
    let mut out = String::with_capacity(status.len() + 4);
    out.push_str("FSD ");
    out.push_str(status);
    out
}

/// Builds a status value the way a driver does (`status_init`, `status_set`,
/// `status_commit`): words are de-duplicated and keep the order they were set in; a driver
/// that sets `ALARM` itself is treated as raising an alarm, and `ALARM` is put first when any
/// alarm is active.
///
/// ```
/// use nut_core::status::StatusBuilder;
///
/// let mut b = StatusBuilder::new();
/// b.set("OB");
/// b.set("DISCHRG");
/// b.set("OB");
/// assert_eq!(b.commit(true), "ALARM OB DISCHRG");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusBuilder {
    words: Vec<String>,
    alarm_word_set: bool,
}

impl StatusBuilder {
    /// An empty status (`status_init`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a word unless it is already there (`status_set`).
    pub fn set(&mut self, word: &str) {
        if word.eq_ignore_ascii_case("ALARM") {
            self.alarm_word_set = true;
            return;
        }
        if !word.is_empty() && !self.words.iter().any(|w| w == word) {
            self.words.push(String::from(word));
        }
    }

    /// True when `word` was set.
    pub fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w.eq_ignore_ascii_case(word))
    }

    /// Removes a word if present.
    pub fn unset(&mut self, word: &str) {
        self.words.retain(|w| !w.eq_ignore_ascii_case(word));
    }

    /// The final value (`status_commit`); `alarm_active` says whether `ups.alarm` has any
    /// alarm, in which case `ALARM` comes first.
    pub fn commit(&self, alarm_active: bool) -> String {
        let mut out = String::new();
        if alarm_active || self.alarm_word_set {
            out.push_str("ALARM");
        }
        for word in &self.words {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn every_known_word_maps_both_ways() {
        for (word, flag) in WORDS {
            assert_eq!(StatusFlags::from_word(word), Some(*flag));
            assert_eq!(flag.word(), Some(*word));
        }
        assert_eq!(WORDS.len(), StatusFlags::all().iter().count());
    }

    #[test]
    fn matching_ignores_case_but_text_is_kept() {
        let s = Status::parse("ol Chrg");
        assert!(s.contains(StatusFlags::OL | StatusFlags::CHRG));
        assert_eq!(s.to_string(), "ol Chrg");
    }

    #[test]
    fn ol_dischrg_quirk_is_representable() {
        let s = Status::parse("OL DISCHRG");
        assert!(s.contains(StatusFlags::OL | StatusFlags::DISCHRG));
        assert!(!s.contains(StatusFlags::OB));
    }

    #[test]
    fn tokens_come_in_order() {
        let s = Status::parse("WAIT  OL X1");
        let tokens: Vec<_> = s.tokens().collect();
        assert_eq!(
            tokens,
            [
                StatusToken::Known(StatusFlags::WAIT),
                StatusToken::Known(StatusFlags::OL),
                StatusToken::Other("X1")
            ]
        );
    }

    #[test]
    fn builder_without_alarm() {
        let mut b = StatusBuilder::new();
        b.set("OL");
        b.set("CHRG");
        b.unset("CHRG");
        assert!(b.has("ol"));
        assert_eq!(b.commit(false), "OL");
    }

    #[test]
    fn builder_intercepts_a_driver_set_alarm_word() {
        let mut b = StatusBuilder::new();
        b.set("OL");
        b.set("ALARM");
        assert_eq!(b.commit(false), "ALARM OL");
    }

    proptest! {
        #[test]
        fn any_status_string_round_trips(text in "[ -~]{0,80}") {
            let status = Status::parse(&text);
            prop_assert_eq!(status.to_string(), text.clone());
            let rebuilt: Vec<String> = status.tokens().map(|t| match t {
                StatusToken::Known(f) => f.word().unwrap_or("").to_string(),
                StatusToken::Other(w) => w.to_string(),
            }).collect();
            let words: Vec<String> = text.split(' ').filter(|w| !w.is_empty()).map(|w| {
                StatusFlags::from_word(w).and_then(StatusFlags::word).map(str::to_string).unwrap_or_else(|| w.to_string())
            }).collect();
            prop_assert_eq!(rebuilt, words);
        }
    }
}
