//! [`QxDriver`]: the Megatec/Qx family as a [`DeviceProtocol`] over any [`Serial`] port —
//! NUT's `nutdrv_qx` (serial) and `blazer_ser`.

use std::collections::HashMap;
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::serial::Serial;
use tokio::time::Instant;

use crate::device::{
    CommandError, ConfigError, DeviceError, DeviceProtocol, DriverConfig, Identity, Reading,
};

mod identify;
mod items;
mod masterguard;
mod omron;
mod voltronic;
mod voltronic_axpert;
mod voltronic_qs;

use super::ablerex;
use super::battery::BatteryModel;
use super::bestups;
use super::commands;
use super::dialect::{CommandOutcome, Dialect, detect};
use super::io::{self, Reply};
use super::megatec::StatusReply;
use super::omron as omron_items;
use super::settings::{OFFDELAY_RANGE, ONDELAY_RANGE, QxSettings};
use super::voltronic as volt;

/// How long a reply may take by default (NUT's serial Qx transport waits about a second).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1000);

/// How many times a query is tried before the poll fails (NUT's `MAXTRIES`).
pub const MAX_TRIES: usize = 3;

/// The Megatec/Qx family over a serial port `S`.
#[derive(Debug)]
pub struct QxDriver<S> {
    settings: QxSettings,
    name: &'static str,
    /// How long one reply may take.
    pub timeout: Duration,
    dialect: Option<Dialect>,
    battery: Option<BatteryModel>,
    last_poll: Option<Instant>,
    /// Best Power units that answer `RT` (battery runtime).
    asks_runtime: bool,
    /// `battery.voltage.nominal` as the UPS or the configuration gave it.
    nominal: Option<f64>,
    /// Voltronic: the `QPI` protocol number.
    protocol: Option<u8>,
    /// Voltronic: the capability flags (`QFLAG`), when answered.
    flags: Option<crate::qx::voltronic_caps::Flags>,
    /// Voltronic: when the semi-static values were last read.
    semi_static_at: Option<Instant>,
    /// Voltronic: the variables published at start (for writable ranges and checks).
    published: Reading,
    /// Instant commands the UPS enabled besides the dialect's (Voltronic flags, outlets).
    extra_commands: Vec<String>,
    /// Voltronic: the beeper state of the last status (for `beeper.toggle`).
    beeper_enabled: bool,
    /// Voltronic Axpert: what the unit turned out to send and answer.
    axpert: voltronic_axpert::AxpertState,
    /// Masterguard: slave address, series, nominal power, cells, writable ranges.
    masterguard: Option<masterguard::Unit>,
    /// Omron: `ups.start.auto` after a shutdown command.
    start_auto: Option<&'static str>,
    _port: std::marker::PhantomData<fn() -> S>,
}

fn bad_reply(command: &[u8], reply: &[u8]) -> DeviceError {
    DeviceError::BadReply {
        operation: io::operation(command),
        reply: io::shown(reply),
    }
}

impl<S: Serial> QxDriver<S> {
    /// A driver with these settings, published as `nutdrv_qx`.
    pub fn new(settings: QxSettings) -> Self {
        QxDriver {
            settings,
            name: "nutdrv_qx",
            timeout: DEFAULT_TIMEOUT,
            dialect: None,
            battery: None,
            last_poll: None,
            asks_runtime: false,
            nominal: None,
            protocol: None,
            flags: None,
            extra_commands: Vec::new(),
            published: Reading::default(),
            semi_static_at: None,
            beeper_enabled: false,
            axpert: voltronic_axpert::AxpertState::default(),
            masterguard: None,
            start_auto: None,
            _port: std::marker::PhantomData,
        }
    }

    /// A driver from its configuration (keys: [`super::QX_KEYS`]).
    pub fn from_config(config: &DriverConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(QxSettings::from_config(config)?))
    }

    /// The same driver published as `blazer_ser` (the older NUT driver for the same units):
    /// its `ondelay` setting is in minutes (`blazer_ser -h`: "Delay before UPS startup
    /// (minutes)"), and it has no writable variables.
    pub fn as_blazer(mut self) -> Self {
        self.name = "blazer_ser";
        if self.settings.delays_given.1 {
            self.settings.ondelay = self.settings.ondelay.saturating_mul(60);
        }
        self
    }

    /// The same driver published as `blazer_usb` (the `blazer_ser` flavour over a USB
    /// bridge).
    pub fn as_blazer_usb(self) -> Self {
        let mut driver = self.as_blazer();
        driver.name = "blazer_usb";
        driver
    }

    /// The settings in use (`ups.delay.*` changes update them).
    pub fn settings(&self) -> &QxSettings {
        &self.settings
    }

    /// The dialect in use, once identified.
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect
    }

    /// Sends a query, retrying up to [`MAX_TRIES`] times on a timeout or a bad reply; `check`
    /// validates the reply.
    async fn ask<T>(
        &mut self,
        port: &mut S,
        command: &[u8],
        check: impl Fn(&[u8]) -> Option<T>,
    ) -> Result<T, DeviceError> {
        let mut last = None;
        for _ in 0..MAX_TRIES {
            match io::query(port, command, self.timeout).await {
                Ok(reply) => match check(&reply) {
                    Some(value) => return Ok(value),
                    None => last = Some(bad_reply(command, &reply)),
                },
                Err(e) if matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Protocol) => {
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| bad_reply(command, b"")))
    }

    /// Auto-detection over the port: runs [`detect`] on cached replies, asking the UPS for
    /// each command detection wants that is not cached yet, until a run needs nothing new.
    async fn detect(&mut self, port: &mut S) -> Result<Option<Dialect>, DeviceError> {
        let mut cache: HashMap<Vec<u8>, Option<Vec<u8>>> = HashMap::new();
        loop {
            let mut missing: Option<Vec<u8>> = None;
            let found = detect(|command: &[u8]| match cache.get(command) {
                Some(reply) => reply.clone(),
                None => {
                    missing.get_or_insert_with(|| command.to_vec());
                    None
                }
            });
            let Some(command) = missing else {
                return Ok(found);
            };
            let reply = match io::exchange(port, &command, self.timeout).await? {
                Reply::Line(line) => Some(line),
                Reply::Partial(_) | Reply::Nothing => None,
            };
            cache.insert(command, reply);
        }
    }

    async fn status(&mut self, port: &mut S, dialect: Dialect) -> Result<StatusReply, DeviceError> {
        self.ask(port, dialect.status_command(), |r| {
            StatusReply::parse(r)
                .ok()
                .filter(|status| regulation_valid(dialect, status))
        })
        .await
    }

    /// Sends an instant command's bytes and judges the reply as the dialect does.
    async fn send_command(&mut self, port: &mut S, bytes: &[u8]) -> Result<(), CommandError> {
        let dialect = self.dialect.unwrap_or(Dialect::Megatec);
        let framed;
        let bytes = if dialect == Dialect::VoltronicAxpert {
            framed = super::voltronic_axpert::with_crc(bytes);
            &framed
        } else {
            bytes
        };
        let mut reply = io::exchange(port, bytes, self.timeout)
            .await
            .map_err(CommandError::Failed)?;
        if let (Dialect::VoltronicAxpert, Reply::Line(line)) = (dialect, &mut reply) {
            *line = super::voltronic_axpert::strip_crc(line);
        }
        let reply = match &reply {
            Reply::Line(line) => Some(line.as_slice()),
            Reply::Partial(bytes) => Some(bytes.as_slice()),
            Reply::Nothing => None,
        };
        match dialect.command_outcome(bytes, reply) {
            CommandOutcome::Accepted => Ok(()),
            CommandOutcome::NoReply => Err(CommandError::Failed(DeviceError::Transport {
                operation: io::operation(bytes),
                kind: ErrorKind::Timeout,
                message: "no acknowledgement".into(),
            })),
            CommandOutcome::Rejected | CommandOutcome::Unexpected => Err(CommandError::Failed(
                bad_reply(bytes, reply.unwrap_or_default()),
            )),
        }
    }

    /// Runs instant command `command` whose bytes are `bytes`: sends them, or for omron its
    /// command lines one by one.
    async fn run_command(
        &mut self,
        port: &mut S,
        command: &str,
        bytes: &[u8],
    ) -> Result<(), CommandError> {
        if self.dialect == Some(Dialect::Omron) {
            return self.omron_run(port, command).await;
        }
        self.send_command(port, bytes).await
    }

    /// The bytes of instant command `command` (with an optional parameter), for the dialect
    /// in use.
    pub fn command_bytes(
        &self,
        command: &str,
        param: Option<&str>,
    ) -> Result<Vec<u8>, CommandError> {
        let dialect = self.dialect.unwrap_or(Dialect::Megatec);
        if !command_names(dialect).contains(&command)
            && !self.extra_commands.iter().any(|c| c == command)
        {
            return Err(CommandError::Unknown);
        }
        let invalid = |_| CommandError::Invalid;
        let s = &self.settings;
        if dialect == Dialect::Voltronic {
            return self.voltronic_command(command, param);
        }
        if dialect == Dialect::VoltronicAxpert {
            return super::voltronic_axpert::command(command)
                .map(<[u8]>::to_vec)
                .ok_or(CommandError::Unknown);
        }
        if dialect == Dialect::Masterguard {
            return self.masterguard_command(command, param);
        }
        if dialect == Dialect::Omron {
            // The lines sent in order (`An\r` then `S.5\r`, …).
            let lines = omron_items::command(command, s.offdelay).ok_or(CommandError::Invalid)?;
            return Ok(lines.concat());
        }
        Ok(match command {
            "beeper.toggle" => commands::beeper_toggle(),
            "load.off" => dialect.load_off(),
            "load.on" => commands::load_on(),
            "shutdown.return" => {
                commands::shutdown_return(s.offdelay, s.ondelay).map_err(invalid)?
            }
            "shutdown.stayoff" => dialect.shutdown_stayoff(s.offdelay).map_err(invalid)?,
            "shutdown.stop" => commands::shutdown_stop(),
            "test.battery.start" => {
                let duration: u32 = match param {
                    None | Some("") => commands::DEFAULT_TEST_DURATION,
                    Some(text) => text.trim().parse().map_err(|_| CommandError::Invalid)?,
                };
                // blazer_ser takes the duration in minutes (checked against the real one).
                let duration = match (self.name, param) {
                    (name, Some(text)) if is_blazer(name) && !text.is_empty() => {
                        duration.saturating_mul(60)
                    }
                    _ => duration,
                };
                commands::test_battery_start(duration).map_err(invalid)?
            }
            "test.battery.start.deep" => commands::test_battery_deep(),
            "test.battery.start.quick" => commands::test_battery_quick(),
            "test.battery.stop" => commands::test_battery_stop(),
            _ => return Err(CommandError::Unknown),
        })
    }
}

impl<S> QxDriver<S> {
    fn voltronic_command(
        &self,
        command: &str,
        param: Option<&str>,
    ) -> Result<Vec<u8>, CommandError> {
        let s = &self.settings;
        let invalid = |_| CommandError::Invalid;
        Ok(match command {
            "beeper.toggle" => {
                if self.beeper_enabled {
                    b"BZOFF\r".to_vec()
                } else {
                    b"BZON\r".to_vec()
                }
            }
            "beeper.enable" => b"PEA\r".to_vec(),
            "beeper.disable" => b"PDA\r".to_vec(),
            "bypass.start" => b"PEE\r".to_vec(),
            "bypass.stop" => b"PDE\r".to_vec(),
            "load.off" => b"SOFF\r".to_vec(),
            "load.on" => b"SON\r".to_vec(),
            "shutdown.return" => {
                commands::shutdown_return(s.offdelay, s.ondelay).map_err(invalid)?
            }
            "shutdown.stayoff" => commands::shutdown_stayoff(s.offdelay).map_err(invalid)?,
            "shutdown.stop" => b"CS\r".to_vec(),
            "test.battery.start" => {
                let duration = match param {
                    None | Some("") => commands::DEFAULT_TEST_DURATION,
                    Some(text) => text.trim().parse().map_err(|_| CommandError::Invalid)?,
                };
                volt::test_battery_start(duration).ok_or(CommandError::Invalid)?
            }
            "test.battery.start.deep" => commands::test_battery_deep(),
            "test.battery.start.quick" => commands::test_battery_quick(),
            "test.battery.stop" => commands::test_battery_stop(),
            _ => {
                let outlet = command
                    .strip_prefix("outlet.")
                    .and_then(|rest| rest.split_once(".load."));
                match outlet {
                    Some((n, "off")) => format!("SKOFF{n}\r").into_bytes(),
                    Some((n, "on")) => format!("SKON{n}\r").into_bytes(),
                    _ => return Err(CommandError::Unknown),
                }
            }
        })
    }
}

/// The instant commands a dialect offers (NUT's `QX_FLAG_CMD` items).
pub fn command_names(dialect: Dialect) -> &'static [&'static str] {
    // Voltronic offers these too; those needing `QFLAG` capabilities or outlets are added when
    // the unit reports them.
    const ALL: &[&str] = &[
        "beeper.toggle",
        "load.off",
        "load.on",
        "shutdown.return",
        "shutdown.stayoff",
        "shutdown.stop",
        "test.battery.start",
        "test.battery.start.deep",
        "test.battery.start.quick",
        "test.battery.stop",
    ];
    const QS: &[&str] = &[
        "beeper.toggle",
        "load.off",
        "load.on",
        "shutdown.return",
        "shutdown.stayoff",
        "shutdown.stop",
        "test.battery.start.quick",
    ];
    match dialect {
        Dialect::Masterguard => super::masterguard::COMMANDS,
        Dialect::Omron => omron_items::COMMANDS,
        // Best Power and innovart units have no beeper toggle.
        Dialect::BestUps | Dialect::Innovart31 | Dialect::Innovart33 => ALL.get(1..).unwrap_or(ALL),
        Dialect::VoltronicQs => QS,
        // test.battery.start.quick only with protocol `T` (not modelled).
        Dialect::VoltronicQsHex => QS.get(..6).unwrap_or(QS),
        Dialect::VoltronicAxpert => super::voltronic_axpert::COMMANDS,
        _ => ALL,
    }
}

/// Whether a set bit 5 (bypass/boost/buck) can be classified: NUT refuses a status whose
/// output/input voltage ratio is below 0.5 or at least 1.5 while the bit counts (checked
/// against the real driver: "Can't initialise data from the UPS"). Best Power units ignore the
/// bit off line, in a test or shutting down; Ablerex units use the ratio only when
/// line-interactive.
pub fn regulation_valid(dialect: Dialect, status: &StatusReply) -> bool {
    let bits = &status.bits;
    let counts = match dialect {
        Dialect::BestUps => {
            bits.bypass_boost_buck
                && !(bits.utility_fail || bits.test_in_progress || bits.shutdown_active)
        }
        Dialect::Ablerex => bits.bypass_boost_buck && bits.line_interactive,
        // Omron's table has no item for bit 5.
        Dialect::Omron => false,
        _ => bits.bypass_boost_buck,
    };
    !counts || status.regulation().is_some()
}

/// Rounds a delay as NUT's blazer `setvar` does: `ups.delay.start` down to whole minutes,
/// `ups.delay.shutdown` down to 6 s steps below a minute, else whole minutes.
pub fn round_delay(name: &str, value: u32) -> u32 {
    if name == "ups.delay.start" || value >= 60 {
        value / 60 * 60
    } else {
        value / 6 * 6
    }
}

impl<S: Serial + 'static> QxDriver<S> {
    async fn do_update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        let dialect = self
            .dialect
            .ok_or_else(|| DeviceError::NotSupported("update before identify".into()))?;
        if dialect == Dialect::Voltronic {
            return self.voltronic_update(port).await;
        }
        if dialect == Dialect::VoltronicAxpert {
            return self.axpert_update(port).await;
        }
        if let Some(table) = super::items::table(dialect) {
            return self.table_update(port, dialect, table).await;
        }
        if matches!(dialect, Dialect::VoltronicQs | Dialect::VoltronicQsHex) {
            return self.qs_update(port, dialect).await;
        }
        if dialect == Dialect::Masterguard {
            return self.masterguard_update(port).await;
        }
        if dialect == Dialect::Omron {
            return self.omron_update(port).await;
        }
        let status = self.status(port, dialect).await?;
        let mut reading = self.reading(dialect, &status);
        if self.asks_runtime {
            match self.ask(port, b"RT\r", bestups::runtime).await {
                Ok(runtime) => reading.set("battery.runtime", runtime),
                Err(e) if e.kind() == ErrorKind::Disconnected => return Err(e),
                Err(e) => tracing::debug!("battery runtime: {e}"),
            }
        }
        Ok(reading)
    }

    /// The reading for one status reply: variables, status words, alarm and battery guesses.
    fn reading(&mut self, dialect: Dialect, status: &StatusReply) -> Reading {
        let mut reading = Reading::default();
        // blazer_ser shows the pack voltage; NUT 2.8.0's nutdrv_qx shows the reported one
        // (and uses the pack voltage only for battery.charge).
        let packs = match &self.battery {
            Some(battery) if is_blazer(self.name) => battery.packs,
            _ => 1.0,
        };
        for (name, value) in status.variables(1) {
            match name {
                "ups.status" | "ups.alarm" => {}
                // Best Power units have no beeper bit.
                "ups.beeper.status" if dialect == Dialect::BestUps => {}
                "battery.voltage" => {
                    reading.set(name, format!("{:.2}", status.battery_voltage * packs));
                }
                _ => reading.set(name, value),
            }
        }
        let words = if dialect == Dialect::Ablerex {
            ablerex::status_words(status)
        } else {
            dialect.status_words(status)
        };
        self.push_status(&mut reading, words);
        if let Some(alarm) = status.alarm() {
            reading.alarm(alarm);
        }
        if dialect == Dialect::Ablerex {
            self.poll_elapsed();
            let voltage = ablerex::battery_voltage(status.battery_voltage, self.nominal);
            reading.set("battery.voltage", format!("{voltage:.2}"));
            let charge = ablerex::battery_charge(status.battery_voltage, self.nominal);
            reading.set("battery.charge", charge.to_string());
        } else {
            let (voltage, load) = (status.battery_voltage, status.load);
            self.battery_guesses(&mut reading, voltage, load, status.bits.utility_fail);
        }
        reading
    }

    /// Adds status words, leaving `FSD` out with `ignoresab`.
    fn push_status(&self, reading: &mut Reading, words: Vec<&'static str>) {
        for word in words {
            if word == "FSD" && self.settings.ignoresab {
                continue;
            }
            reading.status(word);
        }
    }

    /// Seconds since the previous poll (0 at the first); this poll becomes the previous one.
    fn poll_elapsed(&mut self) -> f64 {
        let now = Instant::now();
        let elapsed = self.last_poll.map_or(0.0, |last| {
            now.saturating_duration_since(last).as_secs_f64()
        });
        self.last_poll = Some(now);
        elapsed
    }

    /// Adds the battery model's guesses (`battery.charge`, `battery.runtime`) for the reported
    /// battery voltage and load, and marks the poll.
    fn battery_guesses(
        &mut self,
        reading: &mut Reading,
        reported: f64,
        load: f64,
        on_battery: bool,
    ) {
        let elapsed = self.poll_elapsed();
        if let Some(battery) = self.battery.as_mut() {
            let pack_voltage = battery.pack_voltage(reported);
            for (name, value) in battery.update(pack_voltage, load, on_battery, elapsed) {
                reading.set(name, value);
            }
        }
    }
}

impl<S: Serial + 'static> DeviceProtocol for QxDriver<S> {
    type Port = S;

    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> &'static str {
        "0.1 (Rust)"
    }

    async fn identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        self.do_identify(port).await
    }

    async fn update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        self.do_update(port).await
    }

    async fn instcmd(
        &mut self,
        port: &mut S,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        let bytes = self.command_bytes(command, param)?;
        self.run_command(port, command, &bytes).await
    }

    async fn set_var(&mut self, port: &mut S, name: &str, value: &str) -> Result<(), CommandError> {
        if self.dialect == Some(Dialect::VoltronicAxpert) {
            return self.axpert_set(port, name, value).await;
        }
        if self.dialect == Some(Dialect::Masterguard) {
            return self.masterguard_set_var(port, name, value).await;
        }
        if self.dialect == Some(Dialect::Voltronic)
            && !name.starts_with("ups.delay.")
            && self.published.get(name).is_some()
        {
            let published = &self.published;
            let current = |n: &str| published.get(n).and_then(|v| v.parse().ok());
            let bytes = crate::qx::voltronic_caps::set_command(name, value, &current)
                .ok_or(CommandError::Invalid)?;
            return self.send_command(port, &bytes).await;
        }
        let (min, max) = match name {
            // blazer_ser has no writable variables.
            _ if is_blazer(self.name) => return Err(CommandError::Unknown),
            "ups.delay.start" => ONDELAY_RANGE,
            "ups.delay.shutdown" => OFFDELAY_RANGE,
            _ => return Err(CommandError::Unknown),
        };
        let value: u32 = value.trim().parse().map_err(|_| CommandError::Invalid)?;
        if !(min..=max).contains(&value) {
            return Err(CommandError::Invalid);
        }
        let value = round_delay(name, value);
        if name == "ups.delay.start" {
            self.settings.ondelay = value;
        } else {
            self.settings.offdelay = value;
        }
        Ok(())
    }

    async fn kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        let dialect = self.dialect.unwrap_or(Dialect::Megatec);
        if dialect == Dialect::VoltronicAxpert {
            return Err(DeviceError::NotSupported(
                "voltronic-axpert has no shutdown command".into(),
            ));
        }
        // Cancel a pending shutdown first, as NUT does; a refusal means none was pending.
        let stop = self
            .command_bytes("shutdown.stop", None)
            .unwrap_or_else(|_| commands::shutdown_stop());
        let stopped = self.run_command(port, "shutdown.stop", &stop).await;
        if let Err(CommandError::Failed(e)) = stopped
            && e.kind() == ErrorKind::Disconnected
        {
            return Err(e);
        }
        let command = if self.settings.stayoff {
            "shutdown.stayoff"
        } else {
            "shutdown.return"
        };
        let bytes = self.command_bytes(command, None).map_err(|e| {
            DeviceError::NotSupported(format!("{command} on {}: {e}", dialect.name()))
        })?;
        let mut last = None;
        for _ in 0..MAX_TRIES {
            match self.run_command(port, command, &bytes).await {
                Ok(()) => return Ok(()),
                Err(CommandError::Failed(e)) if e.kind() == ErrorKind::Disconnected => {
                    return Err(e);
                }
                Err(CommandError::Failed(e)) => last = Some(e),
                Err(e) => last = Some(DeviceError::NotSupported(e.to_string())),
            }
        }
        Err(last.unwrap_or_else(|| DeviceError::NotSupported("shutdown failed".into())))
    }
}

/// True for the older `blazer_*` flavours (delays in minutes, no writable variables).
pub(super) fn is_blazer(name: &str) -> bool {
    name.starts_with("blazer_")
}
