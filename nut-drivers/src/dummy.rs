//! The dummy driver: a simulated UPS played from a dummy-ups `.dev` (values once) or `.seq`
//! (values stepped by `TIMER`, looped) file. A state machine without I/O: time goes in,
//! [`StateChange`]s come out.
//!
//! Variables from the file are writable (`SET` is accepted for any variable, as dummy-ups
//! does): numbers get `RW`, other text `RW STRING` with a length of 32; `#RW:`/`#CMD:`
//! comments add enums, ranges, lengths and commands.

use std::time::Duration;

use nut_core::alarm::Alarms;
use nut_core::{StateChange, StateTree, VarFlags};
use nut_protocol::devfile::{DevFile, DevLine, Entry};

/// Length given to writable string variables, as dummy-ups does.
pub const STRING_LENGTH: i64 = 32;

/// A simulated UPS.
#[derive(Debug, Clone)]
pub struct DummyDriver {
    file: DevFile,
    tree: StateTree,
    alarms: Alarms,
    /// Index of the next entry to apply.
    cursor: usize,
    /// When the pending TIMER ends.
    wake_at: Option<Duration>,
    looping: bool,
}

impl DummyDriver {
    /// A driver for `file`; `port` is what ups.conf says (published as
    /// `driver.parameter.port`). Sequences loop; plain dumps are applied once.
    pub fn new(file: DevFile, port: &str) -> DummyDriver {
        let looping = file.is_sequence();
        let mode = if looping { "dummy-loop" } else { "dummy-once" };
        let mut tree = StateTree::new();
        for (name, value) in [
            ("driver.name", "dummy-ups"),
            ("driver.parameter.mode", mode),
            ("driver.parameter.pollinterval", "2"),
            ("driver.parameter.port", port),
            ("driver.parameter.synchronous", "auto"),
            ("driver.version", "2.8.0"),
            ("driver.version.internal", "0.15"),
        ] {
            tree.apply(&StateChange::SetInfo {
                name: name.into(),
                value: value.into(),
            });
        }
        let mut driver = DummyDriver {
            file,
            tree,
            alarms: Alarms::new(),
            cursor: 0,
            wake_at: None,
            looping,
        };
        driver.advance(Duration::ZERO);
        driver.add_identity_defaults();
        for change in driver
            .file
            .rw_changes()
            .iter()
            .chain(&driver.file.command_changes())
        {
            driver.tree.apply(change);
        }
        driver
    }

    /// The current state.
    pub fn tree(&self) -> &StateTree {
        &self.tree
    }

    /// When [`DummyDriver::poll`] has something to do next.
    pub fn next_wakeup(&self) -> Option<Duration> {
        self.wake_at
    }

    /// Advances to `now`; returns what changed.
    pub fn poll(&mut self, now: Duration) -> Vec<StateChange> {
        match self.wake_at {
            Some(at) if now >= at => self.advance(now),
            _ => Vec::new(),
        }
    }

    /// The device file changed (dummy-once re-reads it when its mtime changes): applies the
    /// new file from the top and removes device variables it no longer has. Returns what
    /// changed.
    pub fn reload(&mut self, file: DevFile) -> Vec<StateChange> {
        let before: Vec<String> = self
            .tree
            .variables()
            .map(|v| v.name().to_string())
            .filter(|n| !nut_protocol::devfile::is_driver_variable(n))
            .collect();
        self.file = file;
        self.cursor = 0;
        let mut changes = self.advance(Duration::ZERO);
        let mut extra = Vec::new();
        for change in self
            .file
            .rw_changes()
            .iter()
            .chain(&self.file.command_changes())
        {
            if self.tree.apply(change) {
                extra.push(change.clone());
            }
        }
        changes.extend(extra);
        let kept: Vec<&str> = self.file.device_values().map(|(n, _)| n).collect();
        for name in before {
            let identity = matches!(
                name.as_str(),
                "ups.mfr" | "ups.model" | "device.mfr" | "device.model" | "device.type"
            );
            if !identity && !kept.iter().any(|k| k.eq_ignore_ascii_case(&name)) {
                let change = StateChange::DelInfo { name };
                if self.tree.apply(&change) {
                    changes.push(change);
                }
            }
        }
        changes
    }

    /// `SET var value`: accepted for any variable.
    pub fn set_var(&mut self, name: &str, value: &str) -> Vec<StateChange> {
        let change = StateChange::SetInfo {
            name: name.into(),
            value: value.into(),
        };
        if self.tree.apply(&change) {
            vec![change]
        } else {
            Vec::new()
        }
    }

    fn advance(&mut self, now: Duration) -> Vec<StateChange> {
        self.wake_at = None;
        let mut changes = Vec::new();
        let entries: Vec<DevLine> = self.file.entries.clone();
        let mut steps = 0;
        while steps <= entries.len() {
            let Some(line) = entries.get(self.cursor) else {
                if self.looping && !entries.is_empty() {
                    self.cursor = 0;
                    steps += 1;
                    continue;
                }
                break;
            };
            self.cursor += 1;
            steps += 1;
            match &line.entry {
                Entry::Set { name, value } if !nut_protocol::devfile::is_driver_variable(name) => {
                    self.set_value(name, value, &mut changes);
                }
                Entry::Set { .. } => {}
                Entry::Timer { seconds } => {
                    self.wake_at = Some(now + Duration::from_secs(*seconds));
                    break;
                }
                Entry::Alarm(text) => {
                    match text {
                        Some(text) => self.alarms.set(text),
                        None => self.alarms.clear(),
                    }
                    self.publish_alarms(&mut changes);
                }
            }
        }
        changes
    }

    /// dummy-ups publishes an identity even for a file without one: `ups.mfr` and
    /// `ups.model` (writable) and `device.mfr`, `device.model`, `device.type`.
    fn add_identity_defaults(&mut self) {
        let mut ignored = Vec::new();
        for (name, value) in [
            ("ups.mfr", "Dummy Manufacturer"),
            ("ups.model", "Dummy UPS"),
        ] {
            if self.tree.get(name).is_none() {
                self.set_value(name, value, &mut ignored);
            }
        }
        let mfr = self
            .tree
            .value("ups.mfr")
            .unwrap_or("Dummy Manufacturer")
            .to_string();
        let model = self
            .tree
            .value("ups.model")
            .unwrap_or("Dummy UPS")
            .to_string();
        for (name, value) in [
            ("device.mfr", mfr),
            ("device.model", model),
            ("device.type", "ups".to_string()),
        ] {
            if self.tree.get(name).is_none() {
                self.tree.apply(&StateChange::SetInfo {
                    name: name.into(),
                    value,
                });
            }
        }
    }

    fn set_value(&mut self, name: &str, value: &str, changes: &mut Vec<StateChange>) {
        let is_new = self.tree.get(name).is_none();
        let mut push = |tree: &mut StateTree, change: StateChange| {
            if tree.apply(&change) {
                changes.push(change);
            }
        };
        push(
            &mut self.tree,
            StateChange::SetInfo {
                name: name.into(),
                value: value.into(),
            },
        );
        if is_new {
            let numeric = nut_core::value::parse_number(value).is_some();
            if !numeric {
                push(
                    &mut self.tree,
                    StateChange::SetAux {
                        name: name.into(),
                        aux: STRING_LENGTH,
                    },
                );
            }
            let flags = if numeric {
                VarFlags::RW
            } else {
                VarFlags::RW | VarFlags::STRING
            };
            push(
                &mut self.tree,
                StateChange::SetFlags {
                    name: name.into(),
                    flags,
                },
            );
        }
    }

    fn publish_alarms(&mut self, changes: &mut Vec<StateChange>) {
        let change = match self.alarms.value() {
            Some(value) => StateChange::SetInfo {
                name: "ups.alarm".into(),
                value,
            },
            None => StateChange::DelInfo {
                name: "ups.alarm".into(),
            },
        };
        if self.tree.apply(&change) {
            changes.push(change);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver(text: &str, name: &str) -> DummyDriver {
        DummyDriver::new(DevFile::parse(text.as_bytes(), name).config, name)
    }

    #[test]
    fn identity_defaults_like_dummy_ups() {
        let d = driver("battery.charge: 80\nups.status: OL\n", "minimal.dev");
        assert_eq!(d.tree().value("ups.mfr"), Some("Dummy Manufacturer"));
        assert_eq!(d.tree().value("device.model"), Some("Dummy UPS"));
        assert_eq!(d.tree().value("device.type"), Some("ups"));
        assert_eq!(
            d.tree().get("device.mfr").map(|v| v.flags()),
            Some(VarFlags::empty())
        );
    }

    #[test]
    fn dev_values_and_driver_variables() {
        let d = driver(
            "ups.status: OL\nbattery.charge: 80\ndriver.name: other\n",
            "x.dev",
        );
        assert_eq!(d.tree().value("ups.status"), Some("OL"));
        assert_eq!(d.tree().value("driver.name"), Some("dummy-ups"));
        assert_eq!(
            d.tree().get("battery.charge").map(|v| v.flags()),
            Some(VarFlags::RW)
        );
        assert_eq!(d.tree().get("ups.status").map(|v| v.aux()), Some(32));
        assert_eq!(d.next_wakeup(), None);
    }

    #[test]
    fn sequences_step_on_timers_and_loop() {
        let mut d = driver(
            "ups.status: OL\nTIMER 5\nups.status: OB\nTIMER 5\n",
            "x.seq",
        );
        assert_eq!(d.next_wakeup(), Some(Duration::from_secs(5)));
        assert!(d.poll(Duration::from_secs(4)).is_empty());
        let changes = d.poll(Duration::from_secs(5));
        assert_eq!(
            changes,
            [StateChange::SetInfo {
                name: "ups.status".into(),
                value: "OB".into()
            }]
        );
        assert_eq!(d.next_wakeup(), Some(Duration::from_secs(10)));
        d.poll(Duration::from_secs(10));
        assert_eq!(d.tree().value("ups.status"), Some("OL"));
    }

    #[test]
    fn alarms_are_published_and_cleared() {
        let mut d = driver(
            "ups.status: OL\nALARM Replace battery\nTIMER 1\nALARM\nTIMER 1\n",
            "a.seq",
        );
        assert_eq!(d.tree().value("ups.alarm"), Some("Replace battery"));
        d.poll(Duration::from_secs(1));
        assert_eq!(d.tree().value("ups.alarm"), None);
    }

    #[test]
    fn reload_applies_the_new_file_and_drops_what_is_gone() {
        let mut d = driver(
            "ups.status: OL\nbattery.charge: 80\ninput.voltage: 230\n",
            "x.dev",
        );
        let new = DevFile::parse(b"ups.status: OB\nbattery.charge: 80\n", "x.dev").config;
        let changes = d.reload(new);
        assert!(changes.contains(&StateChange::SetInfo {
            name: "ups.status".into(),
            value: "OB".into()
        }));
        assert!(changes.contains(&StateChange::DelInfo {
            name: "input.voltage".into()
        }));
        assert!(
            !changes.iter().any(
                |c| matches!(c, StateChange::SetInfo { name, .. } if name == "battery.charge")
            )
        );
        assert_eq!(d.tree().value("ups.mfr"), Some("Dummy Manufacturer"));
    }

    #[test]
    fn set_is_accepted_for_any_variable() {
        let mut d = driver("ups.status: OL\n", "x.dev");
        assert_eq!(d.set_var("ups.id", "rack").len(), 1);
        assert_eq!(d.tree().value("ups.id"), Some("rack"));
    }

    #[test]
    fn every_fixture_file_loads() {
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/dev");
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let text = std::fs::read(&path).expect("read");
            let mut d = DummyDriver::new(DevFile::parse(&text, &name).config, &name);
            assert!(d.tree().len() > 7, "{name}");
            if let Some(at) = d.next_wakeup() {
                d.poll(at);
            }
        }
    }
}

/// Why a dummy driver could not be set up from `ups.conf`.
#[derive(Debug)]
pub enum SetupError {
    /// No such section, or it has no `port`.
    NotConfigured(String),
    /// The device file could not be read.
    Read(std::path::PathBuf, std::io::Error),
    /// The device file has errors.
    Invalid(nut_protocol::config::ConfigError),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::NotConfigured(what) => write!(f, "{what}"),
            SetupError::Read(path, error) => write!(f, "{}: {error}", path.display()),
            SetupError::Invalid(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SetupError {}

/// The dummy driver for `[ups]` of `ups.conf`: its `port` is the device file, relative to
/// `confdir` unless absolute.
pub fn from_ups_conf(
    conf: &nut_protocol::config::ups_conf::UpsConf,
    confdir: &std::path::Path,
    ups: &str,
) -> Result<DummyDriver, SetupError> {
    let section = conf
        .section(ups)
        .ok_or_else(|| SetupError::NotConfigured(format!("no [{ups}] section in ups.conf")))?;
    let port = section
        .port()
        .ok_or_else(|| SetupError::NotConfigured(format!("[{ups}] has no port")))?;
    let path = confdir.join(port);
    let bytes = std::fs::read(&path).map_err(|e| SetupError::Read(path.clone(), e))?;
    let parsed = DevFile::parse(&bytes, port);
    for warning in parsed.warnings() {
        tracing::warn!("{warning}");
    }
    let file = parsed.into_result().map_err(SetupError::Invalid)?;
    Ok(DummyDriver::new(file, port))
}

/// [`from_ups_conf`], watching the file for changes as dummy-ups does in dummy-once mode.
pub fn watched_from_ups_conf(
    conf: &nut_protocol::config::ups_conf::UpsConf,
    confdir: &std::path::Path,
    ups: &str,
) -> Result<WatchedDummy, SetupError> {
    let driver = from_ups_conf(conf, confdir, ups)?;
    let port = conf.section(ups).and_then(|s| s.port()).unwrap_or("");
    Ok(WatchedDummy::new(driver, confdir.join(port)))
}

/// A dummy driver that re-reads its `.dev` file when the file's modification time changes
/// (dummy-ups' dummy-once mode), checked every [`WATCH_INTERVAL`].
#[derive(Debug)]
pub struct WatchedDummy {
    driver: DummyDriver,
    path: std::path::PathBuf,
    modified: Option<std::time::SystemTime>,
    next_check: Duration,
}

/// How often a watched device file is checked for changes.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

impl WatchedDummy {
    /// Watches `path`, the file `driver` was built from.
    pub fn new(driver: DummyDriver, path: std::path::PathBuf) -> WatchedDummy {
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        WatchedDummy {
            driver,
            path,
            modified,
            next_check: WATCH_INTERVAL,
        }
    }

    /// The current state.
    pub fn tree(&self) -> &StateTree {
        self.driver.tree()
    }

    /// When to poll next: the sequence's next step or the next file check.
    pub fn next_wakeup(&self) -> Option<Duration> {
        Some(match self.driver.next_wakeup() {
            Some(at) => at.min(self.next_check),
            None => self.next_check,
        })
    }

    /// Advances the sequence and re-reads the file if it changed.
    pub fn poll(&mut self, now: Duration) -> Vec<StateChange> {
        let mut changes = self.driver.poll(now);
        if now >= self.next_check {
            self.next_check = now + WATCH_INTERVAL;
            let modified = std::fs::metadata(&self.path)
                .and_then(|m| m.modified())
                .ok();
            if modified.is_some() && modified != self.modified {
                self.modified = modified;
                if let Ok(bytes) = std::fs::read(&self.path) {
                    let name = self.driver.file.file_name.clone();
                    let parsed = DevFile::parse(&bytes, &name);
                    if !parsed.has_errors() {
                        changes.extend(self.driver.reload(parsed.config));
                    }
                }
            }
        }
        changes
    }

    /// `SET var value`.
    pub fn set_var(&mut self, name: &str, value: &str) -> Vec<StateChange> {
        self.driver.set_var(name, value)
    }
}
