//! The dummy driver: a simulated UPS played from a dummy-ups `.dev` (values once) or `.seq`
//! (values stepped by `TIMER`, looped) file, as NUT's `dummy-ups` 2.8.0 does. A state machine
//! without I/O: time goes in, [`StateChange`]s come out ([`WatchedDummy`] adds the file
//! watching).
//!
//! What it publishes, checked against the real dummy-ups (see the tests):
//!
//! * `driver.*` from the options ([`DummyOptions::driver_variables`]);
//! * `ups.mfr`, `ups.model` (`Dummy Manufacturer`, `Dummy UPS`) and `ups.status` (`OL`)
//!   before the file is read;
//! * every value of the file except `driver.*`, writable: typed by dummy-ups' table
//!   ([`table`]), `RW STRING` of length 32 when the table does not know the name;
//! * the `load.off` command (which answers "unknown", as dummy-ups' does);
//! * after the first pass, `device.mfr`, `device.model` and `device.serial` copied from
//!   `ups.mfr`, `ups.model` and `ups.serial`, and `device.type` `ups` unless the file set it.
//!
//! Extensions (docs/DIFFERENCES.md): `ALARM <text>` raises an alarm (`ups.alarm`, and `ALARM`
//! first in `ups.status`), a bare `ALARM` clears them, as newer dummy-ups does; the Devices
//! Dumps Library's `#RW:`/`#CMD:` comments add enums, ranges, lengths and commands; a changed
//! file removes the variables it no longer has.

use std::time::Duration;

use nut_core::alarm::Alarms;
use nut_core::status::StatusBuilder;
use nut_core::{StateChange, StateTree};
use nut_protocol::devfile::{DevFile, Entry, is_driver_variable};
use nut_protocol::sock::TrackingResult;

mod options;
pub mod repeater;
mod setup;
pub mod table;
#[cfg(test)]
mod tests;
mod watch;

pub use options::{
    DEFAULT_POLLINTERVAL, DRIVER_NAME, DRIVER_VERSION, DRIVER_VERSION_INTERNAL, DummyOptions, Mode,
    OptionError, REPEATER_DISABLE_STRICT_START,
};
pub use repeater::{Repeater, RepeaterError};
pub use setup::{
    DummyProgram, SetupError, device_path, from_ups_conf, from_ups_conf_with, options_from_args,
    program_from_args, program_from_options, program_from_ups_conf, watched_from_args,
    watched_from_ups_conf,
};
pub use watch::{WATCH_INTERVAL, WatchedDummy};

use crate::diff::tree_diff;

/// The instant command every dummy-ups offers (and answers "unknown" to).
pub const BUILTIN_COMMAND: &str = "load.off";

/// Variables dummy-ups sets before reading the file: name and value.
const INITIAL_VALUES: &[(&str, &str)] = &[
    ("ups.mfr", "Dummy Manufacturer"),
    ("ups.model", "Dummy UPS"),
    ("ups.status", "OL"),
];

/// `device.*` variables copied from `ups.*` after the first pass.
const MIRRORED: &[(&str, &str)] = &[
    ("ups.mfr", "device.mfr"),
    ("ups.model", "device.model"),
    ("ups.serial", "device.serial"),
];

/// A simulated UPS.
#[derive(Debug, Clone)]
pub struct DummyDriver {
    file: DevFile,
    options: DummyOptions,
    tree: StateTree,
    alarms: Alarms,
    /// `ups.status` as last set, without the `ALARM` word.
    status: String,
    /// Index of the next entry to apply.
    cursor: usize,
    /// When the pending pause (a `TIMER`, or the gap between passes) ends.
    wake_at: Option<Duration>,
    /// The latest time seen by [`DummyDriver::poll`].
    now: Duration,
    startup: Vec<StateChange>,
}

impl DummyDriver {
    /// A driver for `file` with the defaults for `port` (what `ups.conf` says, published as
    /// `driver.parameter.port`): `.dev` files play once, `.seq` files loop.
    pub fn new(file: DevFile, port: &str) -> DummyDriver {
        DummyDriver::with_options(file, DummyOptions::new(port))
    }

    /// A driver for `file` with `options`, started at time zero.
    pub fn with_options(file: DevFile, options: DummyOptions) -> DummyDriver {
        DummyDriver::start(file, options, Duration::ZERO)
    }

    fn start(file: DevFile, options: DummyOptions, now: Duration) -> DummyDriver {
        let mut driver = DummyDriver {
            file,
            options,
            tree: StateTree::new(),
            alarms: Alarms::new(),
            status: String::new(),
            cursor: 0,
            wake_at: None,
            now,
            startup: Vec::new(),
        };
        let mut out = Vec::new();
        for (name, value) in driver.options.driver_variables() {
            driver.record(StateChange::SetInfo { name, value }, &mut out);
        }
        for (name, value) in driver.options.overrides.clone() {
            out.push(StateChange::SetInfo {
                name: name.clone(),
                value: value.clone(),
            });
            driver.tree.set_override(&name, &value);
        }
        for (name, value) in driver.options.defaults.clone() {
            driver.record(StateChange::SetInfo { name, value }, &mut out);
        }
        for (name, value) in INITIAL_VALUES {
            driver.set_value(name, value, &mut out);
        }
        out.extend(driver.advance(now));
        for change in driver
            .file
            .rw_changes()
            .into_iter()
            .chain(driver.file.command_changes())
        {
            driver.record(change, &mut out);
        }
        driver.record(
            StateChange::AddCmd {
                name: BUILTIN_COMMAND.into(),
            },
            &mut out,
        );
        for (from, to) in MIRRORED {
            if let Some(value) = driver.tree.value(from).map(String::from) {
                driver.record(
                    StateChange::SetInfo {
                        name: (*to).into(),
                        value,
                    },
                    &mut out,
                );
            }
        }
        if driver.tree.get("device.type").is_none() {
            driver.record(
                StateChange::SetInfo {
                    name: "device.type".into(),
                    value: "ups".into(),
                },
                &mut out,
            );
        }
        driver.startup = out;
        driver
    }

    /// The changes that built the initial state, in the order they were made: applied to an
    /// empty tree they give [`DummyDriver::tree`] as it was after start-up.
    pub fn startup_changes(&self) -> &[StateChange] {
        &self.startup
    }

    /// The current state.
    pub fn tree(&self) -> &StateTree {
        &self.tree
    }

    /// The options the driver runs with.
    pub fn options(&self) -> &DummyOptions {
        &self.options
    }

    /// The device file being played.
    pub fn file(&self) -> &DevFile {
        &self.file
    }

    /// When [`DummyDriver::poll`] has something to do next (time since start); `None` once a
    /// `dummy-once` file has been read to its end.
    pub fn next_wakeup(&self) -> Option<Duration> {
        self.wake_at
    }

    /// Advances to `now` (time since start): continues the file after a finished `TIMER`,
    /// or starts the next pass of a looping file. Returns what changed.
    pub fn poll(&mut self, now: Duration) -> Vec<StateChange> {
        self.now = self.now.max(now);
        match self.wake_at {
            Some(at) if now >= at => self.advance(now),
            _ => Vec::new(),
        }
    }

    /// The device file changed: starts over with `file` (values set with `SET` are
    /// forgotten, as dummy-ups forgets them) and returns only the differences: new and
    /// changed values, and `DelInfo` for what the new file no longer has.
    pub fn reload(&mut self, file: DevFile) -> Vec<StateChange> {
        let fresh = DummyDriver::start(file, self.options.clone(), self.now);
        let changes = tree_diff(&self.tree, &fresh.tree);
        let startup = std::mem::take(&mut self.startup);
        *self = DummyDriver { startup, ..fresh };
        changes
    }

    /// `SET var value`: accepted for any variable, as dummy-ups does. A new variable is
    /// typed like a file line; an empty value deletes the variable (except `ups.status`).
    /// Never refused today; the error is the result code a refusal would report.
    pub fn set_var(&mut self, name: &str, value: &str) -> Result<Vec<StateChange>, TrackingResult> {
        let mut out = Vec::new();
        if value.is_empty() && !name.eq_ignore_ascii_case("ups.status") {
            self.record(StateChange::DelInfo { name: name.into() }, &mut out);
        } else {
            self.set_value(name, value, &mut out);
        }
        Ok(out)
    }

    /// `INSTCMD`: dummy-ups runs no command; every one is "unknown".
    pub fn instcmd(&mut self, _cmd: &str, _param: Option<&str>) -> TrackingResult {
        TrackingResult::UNKNOWN
    }

    /// Applies `change`; keeps it in `out` if it changed anything.
    fn record(&mut self, change: StateChange, out: &mut Vec<StateChange>) {
        if self.tree.apply(&change) {
            out.push(change);
        }
    }

    /// Reads the file from the cursor up to the next `TIMER` or the end.
    fn advance(&mut self, now: Duration) -> Vec<StateChange> {
        let mut out = Vec::new();
        loop {
            let Some(line) = self.file.entries.get(self.cursor) else {
                // The end of the file: a looping mode starts the next pass after a poll
                // interval, as dummy-ups' next update does.
                self.cursor = 0;
                self.wake_at = self
                    .options
                    .mode
                    .loops()
                    .then(|| now + Duration::from_secs(self.options.pollinterval));
                return out;
            };
            let entry = line.entry.clone();
            self.cursor += 1;
            match entry {
                Entry::Set { name, value } if !is_driver_variable(&name) => {
                    self.set_value(&name, &value, &mut out);
                }
                Entry::Set { .. } => {}
                Entry::Timer { seconds } => {
                    self.wake_at = Some(now + Duration::from_secs(seconds));
                    return out;
                }
                Entry::Alarm(text) => {
                    match text {
                        Some(text) => self.alarms.set(&text),
                        None => self.alarms.clear(),
                    }
                    self.publish_alarms(&mut out);
                }
            }
        }
    }

    /// Sets a value as a file line or `SET` does: the value, then the flags and length
    /// dummy-ups' table gives the name.
    fn set_value(&mut self, name: &str, value: &str, out: &mut Vec<StateChange>) {
        if name.eq_ignore_ascii_case("ups.status") {
            self.status = value.into();
            self.publish_status(out);
        } else {
            self.record(
                StateChange::SetInfo {
                    name: name.into(),
                    value: value.into(),
                },
                out,
            );
        }
        let (flags, length) = table::typing(name);
        self.record(
            StateChange::SetFlags {
                name: name.into(),
                flags,
            },
            out,
        );
        if let Some(aux) = length {
            self.record(
                StateChange::SetAux {
                    name: name.into(),
                    aux,
                },
                out,
            );
        }
    }

    /// `ups.status` from the last status set and the alarms (`ALARM` first while any).
    fn publish_status(&mut self, out: &mut Vec<StateChange>) {
        let mut builder = StatusBuilder::new();
        for word in self.status.split_whitespace() {
            builder.set(word);
        }
        let value = builder.commit(self.alarms.is_active());
        self.record(
            StateChange::SetInfo {
                name: "ups.status".into(),
                value,
            },
            out,
        );
    }

    /// `ups.alarm` (`alarm_commit`), then the status that depends on it.
    fn publish_alarms(&mut self, out: &mut Vec<StateChange>) {
        let change = match self.alarms.value() {
            Some(value) => StateChange::SetInfo {
                name: "ups.alarm".into(),
                value,
            },
            None => StateChange::DelInfo {
                name: "ups.alarm".into(),
            },
        };
        self.record(change, out);
        self.publish_status(out);
    }
}
