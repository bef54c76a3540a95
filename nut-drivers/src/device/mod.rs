//! The contract between a hardware protocol family (Qx, APC Smart, contact closure, …) and the
//! driver runtime that polls it.
//!
//! A family implements [`DeviceProtocol`]: plain async code that sequences exchanges over a
//! `nut-hal` transport (its [`DeviceProtocol::Port`]) and reports what it saw as a
//! [`Reading`] — NUT variables, `ups.status` words and alarm texts, the way a C driver calls
//! `dstate_setinfo`, `status_set` and `alarm_set` between `*_init` and `*_commit`. The runtime
//! owns the port, the clock, staleness, reconnection, `override.*`/`default.*`, `ignorelb`,
//! the `driver.*` variables and the NUT driver socket; a family never sees those.
//!
//! Parsing a reply and mapping it to a [`Reading`] are pure functions a family tests on
//! captured bytes; only the sequencing is async.

use std::future::Future;

use nut_hal::ErrorKind;

mod config;
mod core;
mod family;
mod published;
mod runner;
pub mod scripted;

pub use config::{COMMON_KEYS, ConfigError, DriverConfig, RELOADABLE_KEYS, is_reloadable};
pub use core::{CoreError, DeviceCore, tracking_result};
pub use family::Family;
pub use published::{
    DEFAULT_POLLINTERVAL, NUT_VERSION, SENSITIVE_KEYS, driver_variables, pollinterval,
};
pub use runner::{FIRST_BACKOFF, MAX_BACKOFF, RunError, Runner, kill_power};

/// What one look at the device found.
///
/// ```
/// use nut_drivers::device::Reading;
///
/// let mut reading = Reading::default();
/// reading.set("input.voltage", "230.0");
/// reading.status("OL");
/// reading.status("CHRG");
/// reading.alarm("Replace battery!");
/// assert_eq!(reading.get("input.voltage"), Some("230.0"));
/// assert_eq!(reading.status_text(), "OL CHRG");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// NUT variables and their values, in the order they were set (a later `set` of the same
    /// name replaces the value in place).
    pub values: Vec<(String, String)>,
    /// `ups.status` words (`OL`, `OB`, `LB`, `RB`, `CHRG`, …), without duplicates.
    pub status: Vec<String>,
    /// Alarm texts for `ups.alarm`; any alarm adds `ALARM` to `ups.status`.
    pub alarms: Vec<String>,
    /// Publish `ups.status` even when it has no words (an empty value), as a C driver's
    /// `status_init`/`status_commit` pair does; set by [`Reading::commit_status`].
    pub status_committed: bool,
}

impl Reading {
    /// Sets variable `name` to `value`.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.values.iter_mut().find(|(known, _)| known == name) {
            Some((_, old)) => *old = value,
            None => self.values.push((name.into(), value)),
        }
    }

    /// The value of variable `name`, if this reading set it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }

    /// Adds a `ups.status` word (once).
    pub fn status(&mut self, word: &str) {
        if !self.status.iter().any(|known| known == word) {
            self.status.push(word.into());
        }
    }

    /// Makes this reading publish `ups.status` even with no words (`ups.status: ` with an
    /// empty value), as NUT drivers that always call `status_commit` do.
    pub fn commit_status(&mut self) {
        self.status_committed = true;
    }

    /// True when the status words include `word`.
    pub fn has_status(&self, word: &str) -> bool {
        self.status.iter().any(|known| known == word)
    }

    /// Adds an alarm text (once).
    pub fn alarm(&mut self, text: &str) {
        if !self.alarms.iter().any(|known| known == text) {
            self.alarms.push(text.into());
        }
    }

    /// The status words joined by spaces, as `ups.status` shows them.
    pub fn status_text(&self) -> String {
        self.status.join(" ")
    }
}

/// How a writable variable may be set, for `upsrw` (NUT's `ADDENUM`/`ADDRANGE`/`SETAUX`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writable {
    /// Any of these values.
    Enum(Vec<String>),
    /// A number within one of these inclusive ranges.
    Ranges(Vec<(i64, i64)>),
    /// A string of at most this many bytes.
    String(usize),
    /// Any of these values, held as a string of at most this many bytes (NUT's
    /// `ST_FLAG_STRING` variables with an enumeration: `upsrw` shows `ENUM STRING`).
    EnumString(Vec<String>, usize),
    /// A number with no stated limits.
    Number,
}

/// What a family found when it opened the device: static variables and what can be asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Variables that do not change while the device stays connected (`ups.mfr`,
    /// `ups.model`, `ups.firmware`, `battery.voltage.nominal`, …).
    pub info: Reading,
    /// Instant commands the device supports (`test.battery.start`, `shutdown.return`, …).
    pub commands: Vec<String>,
    /// Writable variables and how they may be set.
    pub writable: Vec<(String, Writable)>,
}

/// Why talking to the device failed; the runtime logs it and decides about staleness and
/// reconnection by [`DeviceError::kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The transport failed (timeout, device gone, I/O error).
    #[error("{operation}: {kind}: {message}")]
    Transport {
        /// What the family was doing (`"Q1"`, `"reading status"`).
        operation: String,
        /// The portable kind of the transport error.
        kind: ErrorKind,
        /// The transport's own message.
        message: String,
    },
    /// The device answered something that is not a valid reply.
    #[error("{operation}: unexpected reply {reply:?}")]
    BadReply {
        /// What the family asked.
        operation: String,
        /// What came back (lossy UTF-8, cut to a sensible length by the family).
        reply: String,
    },
    /// The device is not one this family (or the configured dialect) can drive.
    #[error("not a supported device: {0}")]
    NotSupported(String),
}

impl DeviceError {
    /// The portable kind: `Protocol` for a bad reply, `Unsupported` for a device the family
    /// cannot drive.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DeviceError::Transport { kind, .. } => *kind,
            DeviceError::BadReply { .. } => ErrorKind::Protocol,
            DeviceError::NotSupported(_) => ErrorKind::Unsupported,
        }
    }

    /// A transport error met while doing `operation`.
    pub fn transport(operation: &str, error: &impl nut_hal::Error) -> DeviceError {
        DeviceError::Transport {
            operation: operation.into(),
            kind: error.kind(),
            message: format!("{error:?}"),
        }
    }
}

/// The outcome of an instant command or a `SET`, as NUT's `STAT_INSTCMD_*`/`STAT_SET_*`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The device does not know this command or variable (`STAT_*_UNKNOWN`).
    #[error("unknown command or variable")]
    Unknown,
    /// The parameter or value is not acceptable (`STAT_*_INVALID`).
    #[error("invalid argument")]
    Invalid,
    /// The device was asked and refused or did not answer (`STAT_*_FAILED`).
    #[error("failed: {0}")]
    Failed(DeviceError),
}

/// A hardware protocol family, driven by the runtime over a port it opened.
///
/// Every method gets the port for the duration of the call; the runtime never calls two at
/// once. A method that returns a [`DeviceError`] of kind `Disconnected` makes the runtime drop
/// the port and open it again (with back-off), then call [`DeviceProtocol::identify`] again.
pub trait DeviceProtocol: Send + 'static {
    /// The transport this family talks over (a `nut_hal::Serial`, `HidDevice`, …).
    type Port: Send;

    /// NUT's name for this driver (`"nutdrv_qx"`, `"apcsmart"`, `"genericups"`), published as
    /// `driver.name`.
    fn name(&self) -> &'static str;

    /// This family's version, published as `driver.version.internal`.
    fn version(&self) -> &'static str;

    /// Called after every (re)open: wakes the device, detects the dialect, reads static data.
    fn identify(
        &mut self,
        port: &mut Self::Port,
    ) -> impl Future<Output = Result<Identity, DeviceError>> + Send;

    /// One poll (every `pollinterval`): reads the changing data.
    fn update(
        &mut self,
        port: &mut Self::Port,
    ) -> impl Future<Output = Result<Reading, DeviceError>> + Send;

    /// Runs instant command `command` with an optional parameter.
    fn instcmd(
        &mut self,
        port: &mut Self::Port,
        command: &str,
        param: Option<&str>,
    ) -> impl Future<Output = Result<(), CommandError>> + Send;

    /// Sets writable variable `name` to `value`.
    fn set_var(
        &mut self,
        port: &mut Self::Port,
        name: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), CommandError>> + Send;

    /// Tells the UPS to cut the load and return when power comes back (`-k`, killpower),
    /// using `shutdown.default`/`sdcommands` or the family's default method.
    fn kill_power(
        &mut self,
        port: &mut Self::Port,
    ) -> impl Future<Output = Result<(), DeviceError>> + Send;

    /// Called once before a clean stop (and after `-k`) while the port is still open: hands
    /// the device back as the family found it (APC Smart leaves smart mode). The default does
    /// nothing.
    fn close(
        &mut self,
        port: &mut Self::Port,
    ) -> impl Future<Output = Result<(), DeviceError>> + Send {
        let _ = port;
        async { Ok(()) }
    }
}

/// Opens (and after a loss, re-opens) the port a [`DeviceProtocol`] talks over.
pub trait PortOpener: Send + 'static {
    /// What it opens.
    type Port: Send;

    /// Opens the port; a `Disconnected` or `Io` error means "not there yet, try again later".
    fn open(&mut self) -> impl Future<Output = Result<Self::Port, DeviceError>> + Send;
}
