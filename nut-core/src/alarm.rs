//! Alarms as a driver builds them (`alarm_init`, `alarm_set`, `alarm_commit`): a list of
//! texts published as `ups.alarm`, joined by single spaces. While any alarm is active the
//! status carries `ALARM` first (see [`crate::status::StatusBuilder::commit`]).
//!
//! ```
//! use nut_core::alarm::Alarms;
//!
//! let mut alarms = Alarms::new();
//! alarms.set("[Replace battery]");
//! alarms.set("[Overheat]");
//! assert_eq!(alarms.value().as_deref(), Some("[Replace battery] [Overheat]"));
//! alarms.clear();
//! assert_eq!(alarms.value(), None);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::value::MAX_VALUE_LEN;

/// The active alarms of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alarms {
    texts: Vec<String>,
}

impl Alarms {
    /// No alarms (`alarm_init`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an alarm text (`alarm_set`); an identical text is not added twice.
    pub fn set(&mut self, text: &str) {
        if !text.is_empty() && !self.texts.iter().any(|t| t == text) {
            self.texts.push(String::from(text));
        }
    }

    /// Removes every alarm (a bare `ALARM` line in a dummy-ups file).
    pub fn clear(&mut self) {
        self.texts.clear();
    }

    /// True when at least one alarm is active.
    pub fn is_active(&self) -> bool {
        !self.texts.is_empty()
    }

    /// The texts in the order they were raised.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// The `ups.alarm` value (`alarm_commit`), at most 255 bytes; `None` when no alarm is
    /// active, in which case the variable should be removed.
    pub fn value(&self) -> Option<String> {
        if self.texts.is_empty() {
            return None;
        }
        let joined = self.texts.join(" ");
        Some(String::from(crate::value::truncate_at_boundary(
            &joined,
            MAX_VALUE_LEN,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_ignored_and_value_is_bounded() {
        let mut a = Alarms::new();
        a.set("x");
        a.set("x");
        a.set("");
        assert_eq!(a.texts().len(), 1);
        let long = "y".repeat(200);
        a.set(&long);
        a.set(&alloc::format!("{long}z"));
        assert_eq!(a.value().map(|v| v.len()), Some(255));
        assert!(a.is_active());
    }
}
