//! From the status booleans a device reports to `ups.status`, `ups.alarm` and
//! `input.transfer.reason` (NUT-REFERENCE.md §8.2, `status-bits.tsv`).
//!
//! Each `BOOL` mapping row's lookup yields a token such as `online` (set the bit) or `!online`
//! (clear it); the bits persist between polls, as a device reports changes only. The status is
//! then derived as usbhid-ups 2.8.0 derives it, with the `onlinedischarge*` options of later
//! NUT releases for the units that report `OL DISCHRG` while on battery.

/// The status bits, in NUT's order.
pub const BITS: [&str; 30] = [
    "online",
    "offline",
    "dischrg",
    "chrg",
    "lowbatt",
    "overload",
    "replacebatt",
    "shutdownimm",
    "trim",
    "boost",
    "bypassauto",
    "bypassman",
    "ecomode",
    "essmode",
    "off",
    "cal",
    "overheat",
    "commfault",
    "depleted",
    "timelimitexp",
    "fullycharged",
    "notfullycharged",
    "awaitingpower",
    "fanfail",
    "nobattery",
    "battvoltlo",
    "battvolthi",
    "chargerfail",
    "vrange",
    "frange",
];

/// Alarm texts of the bits that raise one.
const ALARMS: [(&str, &str); 12] = [
    ("replacebatt", "Replace battery!"),
    ("shutdownimm", "Shutdown imminent!"),
    ("bypassauto", "Automatic bypass mode!"),
    ("bypassman", "Manual bypass mode!"),
    ("overheat", "Temperature too high!"),
    ("commfault", "Internal UPS fault!"),
    ("awaitingpower", "Awaiting power!"),
    ("fanfail", "Fan failure!"),
    ("nobattery", "No battery installed!"),
    ("battvoltlo", "Battery voltage too low!"),
    ("battvolthi", "Battery voltage too high!"),
    ("chargerfail", "Battery charger fail!"),
];

/// What to make of a unit that says it is on line and discharging at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnlineDischarge {
    /// NUT 2.8.0: publish `OL DISCHRG` as reported.
    #[default]
    AsReported,
    /// `onlinedischarge` / `onlinedischarge_onbattery`: the unit is on battery (`OB DISCHRG`).
    OnBattery,
    /// `onlinedischarge_calibration`: the unit is calibrating (`OL DISCHRG CAL`).
    Calibration,
}

/// The status bits of a device, kept across polls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusBits(u32);

/// What the bits say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Derived {
    /// `ups.status` tokens, in NUT's order.
    pub status: Vec<&'static str>,
    /// `ups.alarm` texts.
    pub alarms: Vec<&'static str>,
    /// `input.transfer.reason`, when a range bit is set.
    pub transfer_reason: Option<&'static str>,
}

impl StatusBits {
    fn bit(name: &str) -> Option<u32> {
        BITS.iter().position(|bit| *bit == name).map(|i| 1 << i)
    }

    /// Whether bit `name` is set.
    pub fn has(&self, name: &str) -> bool {
        Self::bit(name).is_some_and(|bit| self.0 & bit != 0)
    }

    /// Applies a lookup token: `name` sets the bit, `!name` clears it; `offline` also clears
    /// `online` and the reverse, as `fullycharged`/`notfullycharged` do. Returns false for a
    /// token that names no bit (such as `normal`).
    pub fn apply(&mut self, token: &str) -> bool {
        let (name, set) = match token.strip_prefix('!') {
            Some(name) => (name, false),
            None => (token, true),
        };
        let Some(bit) = Self::bit(name) else {
            return false;
        };
        if set {
            self.0 |= bit;
            let opposite = match name {
                "online" => Some("offline"),
                "offline" => Some("online"),
                "fullycharged" => Some("notfullycharged"),
                "notfullycharged" => Some("fullycharged"),
                _ => None,
            };
            if let Some(other) = opposite.and_then(Self::bit) {
                self.0 &= !other;
            }
        } else {
            self.0 &= !bit;
        }
        true
    }

    /// `ups.status`, alarms and transfer reason.
    ///
    /// `CHRG` is published as the device reports it (as NUT 2.8.0 does, also at 100 %), except
    /// when the device itself says the battery is fully charged.
    pub fn derive(&self, online_discharge: OnlineDischarge) -> Derived {
        let mut derived = Derived::default();
        let has = |name| self.has(name);
        let push = |token: &'static str, status: &mut Vec<&'static str>| {
            if !status.contains(&token) {
                status.push(token);
            }
        };
        let status = &mut derived.status;
        let discharging = has("dischrg") && !has("depleted");
        let online = has("online") && !has("offline");
        if has("cal") {
            push("CAL", status);
        }
        if online {
            if discharging && online_discharge == OnlineDischarge::OnBattery {
                push("OB", status);
            } else {
                push("OL", status);
                if discharging && online_discharge == OnlineDischarge::Calibration {
                    push("CAL", status);
                }
            }
        } else if has("offline") || has("dischrg") {
            push("OB", status);
        }
        if discharging {
            push("DISCHRG", status);
        }
        if has("chrg") && !has("fullycharged") {
            push("CHRG", status);
        }
        if has("lowbatt") || has("timelimitexp") || has("shutdownimm") {
            push("LB", status);
        }
        if has("overload") {
            push("OVER", status);
        }
        if has("replacebatt") || has("nobattery") {
            push("RB", status);
        }
        if has("bypassauto") || has("bypassman") {
            push("BYPASS", status);
        }
        if has("off") {
            push("OFF", status);
        }
        if has("trim") {
            push("TRIM", status);
        }
        if has("boost") {
            push("BOOST", status);
        }
        derived.alarms = ALARMS
            .iter()
            .filter(|(bit, _)| has(bit))
            .map(|(_, text)| *text)
            .collect();
        derived.transfer_reason = if has("vrange") {
            Some("input voltage out of range")
        } else if has("frange") {
            Some("input frequency out of range")
        } else {
            None
        };
        derived
    }
}

/// `lbrb_log_delay_sec`: some units raise LB and RB together for a moment (typically while
/// calibrating); with a delay set, the pair is held back until it has lasted that long.
/// `lbrb_log_delay_without_calibrating` holds it back even when the unit is not calibrating.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LbRbDelay {
    /// How long LB+RB must last before it is reported.
    pub delay: core::time::Duration,
    /// Apply the delay also when the unit is not calibrating.
    pub without_calibrating: bool,
    since: Option<std::time::Instant>,
}

impl LbRbDelay {
    /// A delay of `delay` (zero: report at once).
    pub fn new(delay: core::time::Duration, without_calibrating: bool) -> Self {
        LbRbDelay {
            delay,
            without_calibrating,
            since: None,
        }
    }

    /// Removes `LB` and `RB` from `derived` while the pair is younger than the delay.
    pub fn filter(&mut self, derived: &mut Derived, now: std::time::Instant) {
        let both = derived.status.contains(&"LB") && derived.status.contains(&"RB");
        let calibrating = derived.status.contains(&"CAL");
        if !both || self.delay.is_zero() || !(calibrating || self.without_calibrating) {
            self.since = None;
            return;
        }
        let since = *self.since.get_or_insert(now);
        if now.duration_since(since) < self.delay {
            derived
                .status
                .retain(|token| *token != "LB" && *token != "RB");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(tokens: &[&str]) -> StatusBits {
        let mut bits = StatusBits::default();
        for token in tokens {
            assert!(bits.apply(token), "{token}");
        }
        bits
    }

    #[test]
    fn on_line_and_charging() {
        let derived = bits(&["online", "chrg", "!dischrg"]).derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OL", "CHRG"]);
        assert!(derived.alarms.is_empty());
    }

    #[test]
    fn charging_is_as_reported_unless_the_device_says_full() {
        let derived = bits(&["online", "chrg"]).derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OL", "CHRG"]);
        let derived = bits(&["online", "chrg", "fullycharged"]).derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OL"]);
        let derived =
            bits(&["online", "chrg", "notfullycharged"]).derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OL", "CHRG"]);
    }

    #[test]
    fn on_battery_low_and_shutting_down() {
        let derived = bits(&["!online", "dischrg", "lowbatt", "shutdownimm"])
            .derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OB", "DISCHRG", "LB"]);
        assert_eq!(derived.alarms, vec!["Shutdown imminent!"]);
    }

    #[test]
    fn online_discharge_options() {
        let both = bits(&["online", "dischrg"]);
        assert_eq!(
            both.derive(OnlineDischarge::AsReported).status,
            vec!["OL", "DISCHRG"]
        );
        assert_eq!(
            both.derive(OnlineDischarge::OnBattery).status,
            vec!["OB", "DISCHRG"]
        );
        assert_eq!(
            both.derive(OnlineDischarge::Calibration).status,
            vec!["OL", "CAL", "DISCHRG"]
        );
    }

    #[test]
    fn lb_and_rb_together_wait_for_the_delay() {
        let start = std::time::Instant::now();
        let later = |secs| start + core::time::Duration::from_secs(secs);
        let mut delay = LbRbDelay::new(core::time::Duration::from_secs(10), false);
        let calibrating = bits(&["online", "cal", "lowbatt", "replacebatt"]);
        let mut derived = calibrating.derive(OnlineDischarge::AsReported);
        delay.filter(&mut derived, start);
        assert_eq!(derived.status, vec!["CAL", "OL"]);
        let mut derived = calibrating.derive(OnlineDischarge::AsReported);
        delay.filter(&mut derived, later(10));
        assert_eq!(derived.status, vec!["CAL", "OL", "LB", "RB"]);
        // Not calibrating: reported at once unless asked otherwise.
        let plain = bits(&["online", "lowbatt", "replacebatt"]);
        let mut derived = plain.derive(OnlineDischarge::AsReported);
        delay.filter(&mut derived, later(11));
        assert_eq!(derived.status, vec!["OL", "LB", "RB"]);
        let mut strict = LbRbDelay::new(core::time::Duration::from_secs(10), true);
        let mut derived = plain.derive(OnlineDischarge::AsReported);
        strict.filter(&mut derived, later(11));
        assert_eq!(derived.status, vec!["OL"]);
    }

    #[test]
    fn bits_persist_and_clear() {
        let mut state = bits(&["online", "replacebatt", "vrange"]);
        let derived = state.derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OL", "RB"]);
        assert_eq!(derived.alarms, vec!["Replace battery!"]);
        assert_eq!(derived.transfer_reason, Some("input voltage out of range"));
        state.apply("!replacebatt");
        state.apply("offline");
        let derived = state.derive(OnlineDischarge::AsReported);
        assert_eq!(derived.status, vec!["OB"]);
        assert!(!state.apply("normal"));
    }
}
