//! [`ApcSmart`]: the APC Smart family over any [`Serial`]: smart mode, identification,
//! polling. Commands, `SET` and kill-power are in `commands.rs`.

use std::marker::PhantomData;
use std::time::Duration;

use nut_hal::Error as _;
use nut_hal::ErrorKind;
use nut_hal::serial::{LineSettings, Serial};

use crate::device::{ConfigError, DeviceError, DriverConfig, Identity, Reading, Writable};

use super::parse::{self, Filter, LineReader};
use super::settings::Settings;
use super::tables::{self, CMDS, CmdDef, STRING_LEN, Shape, VARS, VarDef};

/// How long a reply may take (the real driver waits 1.5 s).
pub const REPLY_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long the `^Z` reply may take (it is long and the UPS is slow to build it).
pub const CAPS_TIMEOUT: Duration = Duration::from_secs(5);
/// How often smart mode is tried when identifying.
pub const SMART_TRIES: usize = 5;
/// Full refresh of the non-polled variables this often (NUT: hourly).
pub const FULL_REFRESH: Duration = Duration::from_secs(3600);

/// The APC Smart protocol family (NUT's `apcsmart`) over serial port type `S`.
///
/// ```
/// use nut_drivers::apcsmart::ApcSmart;
/// use nut_drivers::device::DriverConfig;
/// use nut_hal::wrap::Replaying;
///
/// let family = ApcSmart::<Replaying>::new(&DriverConfig::default()).unwrap();
/// # let _ = family;
/// ```
#[derive(Debug)]
pub struct ApcSmart<S> {
    pub(super) settings: Settings,
    pub(super) reader: LineReader,
    /// NUT's `ups_status`: the last status byte with alerts applied.
    pub(super) status_bits: u8,
    /// Variables the UPS has (one row per name).
    pub(super) present: Vec<&'static VarDef>,
    /// Command characters the UPS answers.
    pub(super) supported: Vec<u8>,
    /// Writable enumerated variables and their values.
    pub(super) enums: Vec<(&'static str, Vec<String>)>,
    /// A nasty command waiting for its confirmation: name, argument, when.
    pub(super) pending: Option<(String, Option<String>, tokio::time::Instant)>,
    last_full: Option<tokio::time::Instant>,
    /// The last poll failed: wake the UPS with `Y` before the next one (it may have left
    /// smart mode, e.g. after a power cycle), as NUT does while its data is stale.
    failed_poll: bool,
    _port: PhantomData<fn() -> S>,
}

impl<S> ApcSmart<S> {
    /// A family with the driver settings of `config` (checked as `apcsmart` checks them).
    pub fn new(config: &DriverConfig) -> Result<Self, ConfigError> {
        Ok(Self::with_settings(Settings::from_config(config)?))
    }

    /// A family with already-checked settings.
    pub fn with_settings(settings: Settings) -> Self {
        ApcSmart {
            settings,
            reader: LineReader::default(),
            status_bits: 0,
            present: Vec::new(),
            supported: Vec::new(),
            enums: Vec::new(),
            pending: None,
            last_full: None,
            failed_poll: false,
            _port: PhantomData,
        }
    }

    /// The status words for the current status bits.
    pub(super) fn status_reading(&self, reading: &mut Reading) {
        for word in parse::status_words(self.status_bits) {
            reading.status(word);
        }
    }

    fn apply_alerts(&mut self) {
        for alert in self.reader.take_alerts() {
            tracing::debug!(?alert, "apcsmart alert");
            self.status_bits = alert.apply(self.status_bits);
        }
    }

    /// The commands NUT would offer for the supported command characters.
    pub(super) fn supported_cmds(&self) -> impl Iterator<Item = &'static CmdDef> + '_ {
        CMDS.iter().filter(|c| self.supported.contains(&c.cmd))
    }

    /// Whether variable `name` is present.
    pub(super) fn present_var(&self, name: &str) -> Option<&'static VarDef> {
        self.present.iter().copied().find(|v| v.name == name)
    }
}

fn cut(text: &str) -> String {
    text.chars().take(64).collect()
}

/// A bad-reply error for `operation`.
pub(super) fn bad_reply(operation: &str, reply: &str) -> DeviceError {
    DeviceError::BadReply {
        operation: operation.into(),
        reply: cut(reply),
    }
}

/// A printable name for a command character.
pub(super) fn op_name(cmd: u8) -> String {
    if cmd.is_ascii_graphic() {
        char::from(cmd).to_string()
    } else {
        format!("^{}", char::from(cmd.wrapping_add(0x40)))
    }
}

impl<S: Serial> ApcSmart<S> {
    /// Writes `bytes`.
    pub(super) async fn send(
        &mut self,
        port: &mut S,
        bytes: &[u8],
        operation: &str,
    ) -> Result<(), DeviceError> {
        port.write_all(bytes)
            .await
            .map_err(|e| DeviceError::transport(operation, &e))
    }

    /// Reads one reply (alerts filtered out and applied).
    pub(super) async fn read_reply(
        &mut self,
        port: &mut S,
        filter: Filter,
        timeout: Duration,
        operation: &str,
    ) -> Result<String, DeviceError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut buf = [0u8; 64];
        loop {
            if let Some(reply) = self.reader.next_reply(filter) {
                self.apply_alerts();
                return Ok(reply);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match port.read(&mut buf, left).await {
                Ok(n) => {
                    let got = buf.get(..n).unwrap_or_default();
                    if let Some(reply) = self.reader.push(got, filter) {
                        self.apply_alerts();
                        return Ok(reply);
                    }
                    self.apply_alerts();
                }
                Err(e) => {
                    self.apply_alerts();
                    return Err(DeviceError::transport(operation, &e));
                }
            }
        }
    }

    /// Drops whatever the UPS sent unasked (acting on its alerts), as NUT's `apc_flush`.
    pub(super) async fn flush(&mut self, port: &mut S) -> Result<(), DeviceError> {
        let mut buf = [0u8; 64];
        for _ in 0..64 {
            match port.read(&mut buf, Duration::ZERO).await {
                Ok(n) => {
                    // Whole replies nobody asked for are dropped too.
                    let _ = self
                        .reader
                        .push(buf.get(..n).unwrap_or_default(), Filter::Normal);
                    while self.reader.next_reply(Filter::Normal).is_some() {}
                }
                Err(e) if e.kind() == ErrorKind::Timeout => break,
                Err(e) => return Err(DeviceError::transport("flush", &e)),
            }
        }
        self.reader.flush();
        self.apply_alerts();
        Ok(())
    }

    /// Sends command character `cmd` and reads its reply.
    pub(super) async fn query(
        &mut self,
        port: &mut S,
        cmd: u8,
        filter: Filter,
        timeout: Duration,
    ) -> Result<String, DeviceError> {
        let op = op_name(cmd);
        self.send(port, &[cmd], &op).await?;
        self.read_reply(port, filter, timeout, &op).await
    }

    /// `Y` until `SM` (ESC between tries).
    pub(super) async fn smart_mode(
        &mut self,
        port: &mut S,
        tries: usize,
    ) -> Result<(), DeviceError> {
        let mut last = DeviceError::NotSupported("no APC Smart UPS answers Y with SM".into());
        for attempt in 0..tries {
            if attempt > 0 {
                self.send(port, &[tables::ESC], "ESC").await?;
            }
            self.flush(port).await?;
            match self
                .query(port, tables::CMD_GOSMART, Filter::Normal, REPLY_TIMEOUT)
                .await
            {
                Ok(reply) if reply == "SM" => return Ok(()),
                Ok(reply) => last = bad_reply("Y", &reply),
                Err(e) if e.kind() == ErrorKind::Disconnected => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Reads the status byte into `status_bits`.
    pub(super) async fn read_status(&mut self, port: &mut S) -> Result<u8, DeviceError> {
        let reply = self
            .query(port, tables::CMD_STATUS, Filter::Normal, REPLY_TIMEOUT)
            .await?;
        let bits = parse::parse_status(&reply).map_err(|_| bad_reply("Q", &reply))?;
        self.status_bits = bits;
        self.apply_alerts();
        Ok(bits)
    }

    /// A variable's raw reply; `None` for `NA`.
    async fn read_var(&mut self, port: &mut S, cmd: u8) -> Result<Option<String>, DeviceError> {
        let reply = self.query(port, cmd, Filter::Normal, REPLY_TIMEOUT).await?;
        Ok((!parse::is_na(&reply)).then_some(reply))
    }

    /// A command's reply that is no valid reply at all (timeout): `None` for "unsupported".
    async fn optional_query(
        &mut self,
        port: &mut S,
        cmd: u8,
        filter: Filter,
        timeout: Duration,
    ) -> Result<Option<String>, DeviceError> {
        match self.query(port, cmd, filter, timeout).await {
            Ok(reply) if parse::is_na(&reply) || reply.is_empty() => Ok(None),
            Ok(reply) => Ok(Some(reply)),
            Err(e) if e.kind() == ErrorKind::Timeout => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The command characters: a compatibility table for known old firmware, else `a`,
    /// else the basic set.
    async fn command_set(&mut self, port: &mut S) -> Result<Vec<u8>, DeviceError> {
        for fw in [tables::CMD_FW_OLD, tables::CMD_FW_NEW] {
            let id = self
                .optional_query(port, fw, Filter::Normal, REPLY_TIMEOUT)
                .await?;
            if let Some(cmds) = id.as_deref().and_then(tables::compat_for) {
                tracing::debug!("apcsmart: firmware compatibility table");
                return Ok(cmds.to_vec());
            }
        }
        let reply = self
            .optional_query(port, tables::CMD_CMDSET, Filter::CommandSet, REPLY_TIMEOUT)
            .await?;
        match reply.as_deref().map(parse::parse_command_set) {
            Some(Ok(set)) => Ok(set.commands),
            Some(Err(e)) => {
                tracing::warn!("apcsmart: {e}; assuming the basic command set");
                Ok(tables::BASIC.to_vec())
            }
            None => Ok(tables::BASIC.to_vec()),
        }
    }

    /// Decides which variables are present (one row per name; `APC_MULTI` rows by shape).
    async fn find_vars(&mut self, port: &mut S) -> Result<(), DeviceError> {
        self.present.clear();
        for def in VARS {
            let probe =
                self.supported.contains(&def.cmd) && !tables::UNPROBED_CMDS.contains(&def.cmd);
            if !probe || self.present.iter().any(|p| p.name == def.name) {
                continue;
            }
            let Some(raw) = self.read_var(port, def.cmd).await? else {
                continue;
            };
            if def.shape != Shape::Any && !def.shape.matches(&raw) {
                continue;
            }
            self.present.push(def);
        }
        Ok(())
    }

    /// Reads `^Z` and keeps the enumerations of present, non-packed variables for the UPS's
    /// locale.
    async fn find_enums(&mut self, port: &mut S, locale: Option<char>) -> Result<(), DeviceError> {
        self.enums.clear();
        if !self.supported.contains(&tables::CMD_CAPS) {
            return Ok(());
        }
        let Some(reply) = self
            .optional_query(port, tables::CMD_CAPS, Filter::Capabilities, CAPS_TIMEOUT)
            .await?
        else {
            return Ok(());
        };
        let entries = match parse::parse_capabilities(&reply) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!("apcsmart: {e}; no writable enumerations");
                return Ok(());
            }
        };
        for entry in entries {
            let Some(def) = self.present.iter().copied().find(|v| v.cmd == entry.cmd) else {
                continue;
            };
            if def.pack || !(Some(entry.locale) == locale || entry.locale == '4') {
                continue;
            }
            let index = match self.enums.iter().position(|(name, _)| *name == def.name) {
                Some(index) => index,
                None => {
                    self.enums.push((def.name, Vec::new()));
                    self.enums.len() - 1
                }
            };
            if let Some((_, known)) = self.enums.get_mut(index) {
                // As NUT's dstate_addenum: a value already listed is not added again.
                for value in entry.values.iter().map(|v| parse::convert(def, v)) {
                    if !known.contains(&value) {
                        known.push(value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads the present variables `wanted` picks into `reading` (a packed reply gives
    /// several values); a variable answering `NA` is dropped for good.
    pub(super) async fn read_vars(
        &mut self,
        port: &mut S,
        wanted: impl Fn(&VarDef) -> bool,
        reading: &mut Reading,
    ) -> Result<(), DeviceError> {
        let wanted: Vec<&'static VarDef> =
            self.present.iter().copied().filter(|v| wanted(v)).collect();
        for def in wanted {
            let Some(raw) = self.read_var(port, def.cmd).await? else {
                self.present.retain(|p| p.name != def.name);
                continue;
            };
            if def.pack && parse::overfull_pack(&raw) {
                tracing::warn!(
                    "apcsmart: packed variable {} [{raw}] longer than {} fields, ignoring the rest",
                    def.name,
                    tables::PACK_MAX
                );
            }
            for (name, value) in parse::unpack(def, &raw) {
                reading.set(&name, value);
            }
        }
        Ok(())
    }

    /// Line settings, cable lines, smart mode, capabilities and static data.
    pub(super) async fn do_identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        port.set_line(LineSettings::new_8n1(2400))
            .await
            .map_err(|e| DeviceError::transport("line settings", &e))?;
        if self.settings.alt_cable {
            port.set_dtr(true)
                .await
                .map_err(|e| DeviceError::transport("DTR", &e))?;
            port.set_rts(false)
                .await
                .map_err(|e| DeviceError::transport("RTS", &e))?;
        }
        self.reader = LineReader::default();
        self.pending = None;
        self.failed_poll = false;
        self.smart_mode(port, SMART_TRIES).await?;
        self.supported = self.command_set(port).await?;
        self.find_vars(port).await?;
        let mut identity = Identity::default();
        identity.info.set("ups.mfr", "APC");
        // The polled variables belong to update(); identify reads the static ones.
        self.read_vars(port, |v| !v.poll, &mut identity.info)
            .await?;
        self.last_full = Some(tokio::time::Instant::now());
        let locale = identity.info.get("ups.firmware").and_then(parse::locale_of);
        self.find_enums(port, locale).await?;
        for cmd in self.supported_cmds() {
            if !identity.commands.iter().any(|c| c == cmd.name) {
                identity.commands.push(cmd.name.into());
            }
        }
        for def in &self.present {
            if def.string {
                identity
                    .writable
                    .push((def.name.into(), Writable::String(STRING_LEN)));
            } else if let Some((_, values)) = self.enums.iter().find(|(n, _)| *n == def.name) {
                identity
                    .writable
                    .push((def.name.into(), Writable::Enum(values.clone())));
            }
        }
        Ok(identity)
    }

    /// Leaves smart mode (`R`, answered `BYE`), as the real driver does when it exits; a
    /// UPS that does not answer (it may be off already) is no failure.
    pub(super) async fn do_close(&mut self, port: &mut S) -> Result<(), DeviceError> {
        self.pending = None;
        self.flush(port).await?;
        match self
            .query(port, tables::CMD_GODUMB, Filter::Normal, REPLY_TIMEOUT)
            .await
        {
            Ok(reply) => {
                tracing::debug!(%reply, "apcsmart: left smart mode");
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Timeout => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Status and the polled variables (all variables hourly); after a failed poll, smart
    /// mode is entered again first.
    pub(super) async fn do_update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        if self.failed_poll {
            self.smart_mode(port, 1).await?;
        }
        let result = self.poll(port).await;
        self.failed_poll = result.is_err();
        result
    }

    async fn poll(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        self.flush(port).await?;
        self.read_status(port).await?;
        let now = tokio::time::Instant::now();
        let all = self
            .last_full
            .is_none_or(|at| now.saturating_duration_since(at) >= FULL_REFRESH);
        let mut reading = Reading::default();
        self.read_vars(port, |v| all || v.poll, &mut reading)
            .await?;
        if all {
            self.last_full = Some(now);
        }
        self.status_reading(&mut reading);
        Ok(reading)
    }
}
