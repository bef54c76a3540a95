//! What upsmon knows of one UPS: its last status, the transitions it has announced, and
//! when things started. Fed one reading at a time; says which notifications each reading
//! causes and whether the UPS is critical.

use std::collections::BTreeSet;
use std::time::Duration;

use nut_protocol::config::upsmon_conf::NotifyType;

use super::Settings;

/// Status tokens upsmon understands (anything else is an "other" token).
const KNOWN_TOKENS: &[&str] = &[
    "OL", "OB", "LB", "RB", "CAL", "OFF", "BYPASS", "ECO", "ALARM", "OVER", "TRIM", "BOOST", "FSD",
    "HB", "CHRG", "DISCHRG",
];

/// A yes/no state whose first value is not announced (NUT's -1/0/1 trackers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Seen {
    /// Not known yet.
    #[default]
    Unknown,
    /// Known to be off.
    No,
    /// Known to be on.
    Yes,
}

/// One monitored UPS.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    /// The UPS as written in MONITOR (`UPSNAME`).
    pub(crate) name: String,
    /// Power supplies it feeds.
    pub(crate) power_value: u32,
    /// This machine is its primary.
    pub(crate) primary: bool,
    pub(crate) comm: Seen,
    line: Seen,
    /// On battery, as last known.
    pub(crate) on_battery: bool,
    pub(crate) low_battery: bool,
    pub(crate) fsd: bool,
    cal: bool,
    trim: bool,
    boost: bool,
    off: Seen,
    off_since: Option<Duration>,
    bypass: Seen,
    eco: Seen,
    alarm: Seen,
    alarm_text: String,
    over: Seen,
    over_since: Option<Duration>,
    others: BTreeSet<String>,
    /// Last successful status reading.
    pub(crate) last_poll: Option<Duration>,
    /// Last time the UPS was not on battery with a low battery (or was calibrating).
    pub(crate) last_noncrit: Option<Duration>,
    last_rb_warn: Option<Duration>,
    /// Start of the current silence, for NOCOMM.
    last_nc_warn: Option<Duration>,
    /// When OB+LB was first seen, for OBLBDURATION.
    pub(crate) oblb_since: Option<Duration>,
}

/// A notification caused by a reading: its type and, for ALARM and OTHER, the detail.
pub(crate) type Event = (NotifyType, Option<String>);

impl Tracker {
    pub(crate) fn new(name: &str, power_value: u32, primary: bool) -> Tracker {
        Tracker {
            name: name.to_string(),
            power_value,
            primary,
            comm: Seen::Unknown,
            line: Seen::Unknown,
            on_battery: false,
            low_battery: false,
            fsd: false,
            cal: false,
            trim: false,
            boost: false,
            off: Seen::Unknown,
            off_since: None,
            bypass: Seen::Unknown,
            eco: Seen::Unknown,
            alarm: Seen::Unknown,
            alarm_text: String::new(),
            over: Seen::Unknown,
            over_since: None,
            others: BTreeSet::new(),
            last_poll: None,
            last_noncrit: None,
            last_rb_warn: None,
            last_nc_warn: None,
            oblb_since: None,
        }
    }

    /// Forgets every reading (after a suspend): the UPS counts as just heard from.
    pub(crate) fn forget_readings(&mut self, now: Duration) {
        let fresh = Tracker::new(&self.name, self.power_value, self.primary);
        *self = Tracker {
            last_poll: Some(now),
            last_noncrit: Some(now),
            ..fresh
        };
    }

    /// Whether the UPS is in a state that calls for fast polling.
    pub(crate) fn alert(&self, settings: &Settings) -> bool {
        self.on_battery
            || self.off == Seen::Yes
            || self.off_since.is_some()
            || self.bypass == Seen::Yes
            || self.alarm == Seen::Yes
            || (self.over == Seen::Yes && settings.over_duration >= 0)
    }

    /// The connection failed or the status could not be read.
    pub(crate) fn gone(&mut self, now: Duration, settings: &Settings, events: &mut Vec<Event>) {
        if self.comm != Seen::No {
            self.comm = Seen::No;
            self.last_nc_warn = Some(now);
            events.push((NotifyType::CommBad, None));
            return;
        }
        let since = self.last_nc_warn.get_or_insert(now);
        if now.saturating_sub(*since) > settings.nocomm_warn_time {
            self.last_nc_warn = Some(now);
            events.push((NotifyType::NoComm, None));
        }
    }

    /// A status was read: `status` is `ups.status` as upsd gives it, `alarm` is
    /// `ups.alarm`, `buzzwords` is `ups.mode.buzzwords`.
    pub(crate) fn read(
        &mut self,
        status: &str,
        alarm: Option<&str>,
        buzzwords: Option<&str>,
        now: Duration,
        settings: &Settings,
        events: &mut Vec<Event>,
    ) {
        let mut tokens: Vec<String> = status
            .split_ascii_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        if tokens.is_empty() {
            // No status at all is a loss of communications.
            self.gone(now, settings, events);
            return;
        }
        // A vendor's high-efficiency mode named in the buzzwords is ECO too (NUT's test
        // takes any buzzword at all for ECO [bug]).
        if buzzwords.is_some_and(names_eco_mode) && !tokens.iter().any(|t| t == "ECO") {
            tokens.push(String::from("ECO"));
        }
        self.alive(now, events);
        let has = |token: &str| tokens.iter().any(|t| t == token);
        self.clear_absent(&has, events);
        for token in &tokens {
            self.token(token, alarm, now, settings, events);
        }
        self.other_tokens(&tokens, events);
        if !(self.on_battery && self.low_battery) || self.cal {
            self.last_noncrit = Some(now);
        }
    }

    fn alive(&mut self, now: Duration, events: &mut Vec<Event>) {
        self.last_poll = Some(now);
        self.last_nc_warn = None;
        if self.comm == Seen::No {
            events.push((NotifyType::CommOk, None));
        }
        self.comm = Seen::Yes;
    }

    /// Flags whose token is gone are cleared (with their NOT… notification).
    fn clear_absent(&mut self, has: &dyn Fn(&str) -> bool, events: &mut Vec<Event>) {
        if !has("LB") {
            self.low_battery = false;
        }
        if !has("FSD") {
            self.fsd = false;
        }
        if !has("CAL") && std::mem::take(&mut self.cal) {
            events.push((NotifyType::NotCal, None));
        }
        if !has("TRIM") && std::mem::take(&mut self.trim) {
            events.push((NotifyType::NotTrim, None));
        }
        if !has("BOOST") && std::mem::take(&mut self.boost) {
            events.push((NotifyType::NotBoost, None));
        }
        if !has("OFF") {
            self.off_since = None;
            leave(&mut self.off, NotifyType::NotOff, events);
        }
        if !has("BYPASS") {
            leave(&mut self.bypass, NotifyType::NotBypass, events);
        }
        if !has("ECO") {
            leave(&mut self.eco, NotifyType::NotEco, events);
        }
        if !has("ALARM") {
            self.alarm_text.clear();
            leave(&mut self.alarm, NotifyType::NotAlarm, events);
        }
        if !has("OVER") {
            self.over_since = None;
            leave(&mut self.over, NotifyType::NotOver, events);
        }
    }

    fn token(
        &mut self,
        token: &str,
        alarm: Option<&str>,
        now: Duration,
        settings: &Settings,
        events: &mut Vec<Event>,
    ) {
        match token {
            "OL" => {
                if self.line == Seen::No {
                    events.push((NotifyType::Online, None));
                }
                self.line = Seen::Yes;
                self.on_battery = false;
            }
            "OB" => {
                if self.line != Seen::No {
                    events.push((NotifyType::OnBatt, None));
                }
                self.line = Seen::No;
                self.on_battery = true;
            }
            "LB" if !self.low_battery => {
                self.low_battery = true;
                events.push((NotifyType::LowBatt, None));
            }
            "FSD" if !self.fsd => {
                self.fsd = true;
                events.push((NotifyType::Fsd, None));
            }
            "RB" => {
                let due = self
                    .last_rb_warn
                    .is_none_or(|last| now.saturating_sub(last) > settings.rb_warn_time);
                if due {
                    self.last_rb_warn = Some(now);
                    events.push((NotifyType::ReplBatt, None));
                }
            }
            "CAL" if !self.cal => {
                self.cal = true;
                events.push((NotifyType::Cal, None));
            }
            "TRIM" if !self.trim => {
                self.trim = true;
                events.push((NotifyType::Trim, None));
            }
            "BOOST" if !self.boost => {
                self.boost = true;
                events.push((NotifyType::Boost, None));
            }
            "OFF" => self.off(now, settings, events),
            "BYPASS" => enter(&mut self.bypass, NotifyType::Bypass, events),
            "ECO" => enter(&mut self.eco, NotifyType::Eco, events),
            "ALARM" => {
                let text = alarm.unwrap_or("n/a");
                if self.alarm != Seen::Yes || self.alarm_text != text {
                    self.alarm = Seen::Yes;
                    self.alarm_text = text.to_string();
                    events.push((NotifyType::Alarm, Some(text.to_string())));
                }
            }
            "OVER" => {
                self.over_since.get_or_insert(now);
                enter(&mut self.over, NotifyType::Over, events);
            }
            _ => {}
        }
    }

    /// OFF counts once it has lasted OFFDURATION (never with a negative duration).
    fn off(&mut self, now: Duration, settings: &Settings, events: &mut Vec<Event>) {
        let since = *self.off_since.get_or_insert(now);
        let Ok(duration) = u64::try_from(settings.off_duration) else {
            return;
        };
        if now.saturating_sub(since) >= Duration::from_secs(duration) {
            enter(&mut self.off, NotifyType::Off, events);
        }
    }

    /// Tokens upsmon does not know: OTHER when new ones appear, NOTOTHER when none is left.
    fn other_tokens(&mut self, tokens: &[String], events: &mut Vec<Event>) {
        let others: BTreeSet<String> = tokens
            .iter()
            .filter(|t| !KNOWN_TOKENS.contains(&t.as_str()))
            .cloned()
            .collect();
        if others.is_empty() {
            if !self.others.is_empty() {
                events.push((NotifyType::NotOther, None));
            }
        } else if !others.is_subset(&self.others) {
            let list = others.iter().cloned().collect::<Vec<_>>().join(" ");
            events.push((NotifyType::Other, Some(list)));
        }
        self.others = others;
    }

    /// A UPS silent for longer than DEADTIME while on battery is presumed exhausted.
    pub(crate) fn check_dead(&mut self, now: Duration, settings: &Settings) {
        if self.comm == Seen::No
            && self.on_battery
            && self
                .last_poll
                .is_some_and(|last| now.saturating_sub(last) > settings.deadtime)
        {
            self.low_battery = true;
        }
    }

    /// Whether the UPS can no longer be counted on (NUT-REFERENCE §5.7, in its order).
    pub(crate) fn critical(&mut self, now: Duration, settings: &Settings) -> bool {
        if self.fsd {
            return true;
        }
        if self.comm == Seen::No && self.critical_without_comms(now, settings) {
            return true;
        }
        if self.off == Seen::Yes && settings.off_duration >= 0 {
            return true;
        }
        if !(self.on_battery && self.low_battery) {
            self.oblb_since = None;
            return false;
        }
        if self.cal {
            return false;
        }
        if settings.oblb_duration > Duration::ZERO {
            let since = *self.oblb_since.get_or_insert(now);
            if now.saturating_sub(since) < settings.oblb_duration {
                return false;
            }
        }
        if self.primary {
            return true;
        }
        // A secondary waits for the primary's FSD, up to HOSTSYNC.
        self.last_noncrit
            .is_none_or(|since| now.saturating_sub(since) > settings.hostsync)
    }

    /// With communications lost, the last known state decides.
    fn critical_without_comms(&self, now: Duration, settings: &Settings) -> bool {
        let over_too_long = self.over == Seen::Yes
            && u64::try_from(settings.over_duration).is_ok_and(|limit| {
                self.over_since
                    .is_some_and(|since| now.saturating_sub(since) >= Duration::from_secs(limit))
            });
        over_too_long
            || (self.alarm == Seen::Yes && settings.alarm_critical)
            || self.cal
            || self.bypass == Seen::Yes
            || self.off == Seen::Yes
    }
}

/// Whether `ups.mode.buzzwords` names an ECO-like mode (`…:ECO`, `…:ESS`, `…:HE`,
/// `…:SMART`).
fn names_eco_mode(buzzwords: &str) -> bool {
    buzzwords.split_ascii_whitespace().any(|word| {
        [":ECO", ":ESS", ":HE", ":SMART"]
            .iter()
            .any(|marker| word.to_ascii_uppercase().ends_with(marker))
    })
}

fn enter(state: &mut Seen, kind: NotifyType, events: &mut Vec<Event>) {
    if *state != Seen::Yes {
        events.push((kind, None));
    }
    *state = Seen::Yes;
}

fn leave(state: &mut Seen, kind: NotifyType, events: &mut Vec<Event>) {
    if *state == Seen::Yes {
        events.push((kind, None));
    }
    *state = Seen::No;
}
