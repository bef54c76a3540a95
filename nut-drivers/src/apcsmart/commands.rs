//! Instant commands, `SET` of writable variables, and kill-power for [`ApcSmart`].

use std::time::Duration;

use nut_hal::serial::Serial;

use crate::device::{CommandError, DeviceError};

use super::driver::{ApcSmart, REPLY_TIMEOUT, bad_reply, op_name};
use super::parse::{self, Filter};
use super::settings::{Method, hibernate_digits};
use super::tables::{self, CmdArg, CmdDef, STAT_CAL, STAT_LB, STAT_OB, STAT_OL};

/// Pause between the two bytes of a repeated command (NUT's `CMDLONGDELAY`).
pub const REPEAT_DELAY: Duration = Duration::from_millis(1500);
/// Pause between the characters of a string or `@` argument.
pub const CHAR_DELAY: Duration = Duration::from_millis(50);
/// How many times `SET` cycles an enumerated variable before giving up.
pub const MAX_CYCLES: usize = 6;

fn failed(e: DeviceError) -> CommandError {
    CommandError::Failed(e)
}

impl<S: Serial> ApcSmart<S> {
    /// Reads a command's answer: `OK` (or `*`, the old models' "turning off") is success.
    async fn expect_ok(&mut self, port: &mut S, operation: &str) -> Result<(), DeviceError> {
        let reply = self
            .read_reply(port, Filter::Normal, REPLY_TIMEOUT, operation)
            .await?;
        if reply == "OK" || reply == "*" {
            Ok(())
        } else {
            Err(bad_reply(operation, &reply))
        }
    }

    /// Sends `cmd` (twice, 1.5 s apart, when `repeat`) and expects `OK`.
    async fn simple(&mut self, port: &mut S, cmd: u8, repeat: bool) -> Result<(), DeviceError> {
        let op = op_name(cmd);
        self.flush(port).await?;
        self.send(port, &[cmd], &op).await?;
        if repeat {
            tokio::time::sleep(REPEAT_DELAY).await;
            self.send(port, &[cmd], &op).await?;
        }
        self.expect_ok(port, &op).await
    }

    /// `@` and the wake-up delay digits.
    async fn hibernate(&mut self, port: &mut S, digits: &str) -> Result<(), DeviceError> {
        self.flush(port).await?;
        self.send(port, b"@", "@").await?;
        for byte in hibernate_digits(digits).bytes() {
            tokio::time::sleep(CHAR_DELAY).await;
            self.send(port, &[byte], "@").await?;
        }
        self.expect_ok(port, "@").await
    }

    /// `U` (simulate a power failure) when on line, the configured pause, then `S`.
    async fn force_ob(&mut self, port: &mut S, status: u8) -> Result<(), DeviceError> {
        if status & STAT_OL != 0 {
            self.flush(port).await?;
            self.send(port, b"U", "U").await?;
            // The answer to U does not matter; the UPS goes on battery.
            let _ = self
                .read_reply(port, Filter::Normal, REPLY_TIMEOUT, "U")
                .await;
            tokio::time::sleep(self.settings.cshdelay).await;
        }
        self.simple(port, b'S', false).await
    }

    /// Runs one shutdown method.
    async fn method(
        &mut self,
        port: &mut S,
        method: Method,
        status: u8,
    ) -> Result<(), DeviceError> {
        let awd = self.settings.awd.clone();
        match method {
            Method::Soft => self.simple(port, b'S', false).await,
            Method::Hibernate => self.hibernate(port, &awd).await,
            Method::DelayedOff => self.simple(port, b'K', true).await,
            Method::InstantOff => self.simple(port, b'Z', true).await,
            Method::ForceOb => self.force_ob(port, status).await,
        }
    }

    /// Kill power: `advorder` methods in turn, else the `sdtype` method.
    pub(super) async fn do_kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        if let Err(e) = self.smart_mode(port, 1).await {
            tracing::warn!("apcsmart: smart mode failed before shutdown ({e}), continuing");
        }
        let status = match self.read_status(port).await {
            Ok(bits) => bits,
            Err(e) => {
                tracing::warn!("apcsmart: status read failed ({e}), assuming on battery");
                STAT_OB | STAT_LB
            }
        };
        if !self.settings.advorder.is_empty() {
            let mut last = DeviceError::NotSupported("no shutdown method".into());
            for method in self.settings.advorder.clone() {
                match self.method(port, method, status).await {
                    Ok(()) => return Ok(()),
                    Err(e) => last = e,
                }
            }
            return Err(last);
        }
        let on_battery = status & STAT_OB != 0;
        match self.settings.sdtype {
            1 => {
                if on_battery && self.method(port, Method::Soft, status).await.is_ok() {
                    return Ok(());
                }
                self.method(port, Method::Hibernate, status).await
            }
            2 => self.method(port, Method::InstantOff, status).await,
            3 => self.method(port, Method::DelayedOff, status).await,
            4 => self.method(port, Method::ForceOb, status).await,
            5 => self.method(port, Method::Hibernate, status).await,
            _ if status & STAT_OL != 0 => self.method(port, Method::Hibernate, status).await,
            _ => self.method(port, Method::Soft, status).await,
        }
    }

    /// Runs the command row `def` with argument `arg`.
    async fn run(
        &mut self,
        port: &mut S,
        def: &CmdDef,
        arg: Option<&str>,
    ) -> Result<(), DeviceError> {
        match (def.cmd, def.arg) {
            (b'@', _) => {
                let digits = arg.and_then(tables::parse_at).unwrap_or("000").to_string();
                self.hibernate(port, &digits).await
            }
            (b'S', CmdArg::SoftOrCs) if arg.is_some_and(|a| a.eq_ignore_ascii_case("cs")) => {
                let status = self.read_status(port).await?;
                self.force_ob(port, status).await
            }
            _ => self.simple(port, def.cmd, def.repeat).await,
        }
    }

    /// Calibration: toggles `D` only when the state differs from what is asked.
    async fn calibrate(&mut self, port: &mut S, start: bool) -> Result<(), DeviceError> {
        let running = self.read_status(port).await? & STAT_CAL != 0;
        if running == start {
            tracing::info!(
                "apcsmart: calibration already {}",
                if start { "running" } else { "stopped" }
            );
            return Ok(());
        }
        self.simple(port, b'D', false).await
    }

    /// Instant command `name` with its optional argument.
    pub(super) async fn do_instcmd(
        &mut self,
        port: &mut S,
        name: &str,
        arg: Option<&str>,
    ) -> Result<(), CommandError> {
        let rows: Vec<&'static CmdDef> = self.supported_cmds().filter(|c| c.name == name).collect();
        if rows.is_empty() {
            return Err(CommandError::Unknown);
        }
        let Some(def) = rows.into_iter().find(|c| c.arg.accepts(arg)) else {
            return Err(CommandError::Invalid);
        };
        match name {
            "calibrate.start" => return self.calibrate(port, true).await.map_err(failed),
            "calibrate.stop" => return self.calibrate(port, false).await.map_err(failed),
            _ => {}
        }
        if def.nasty && !self.confirmed(name, arg) {
            tracing::warn!("apcsmart: {name} needs confirmation: ask again in 3 to 15 seconds");
            return Ok(());
        }
        self.run(port, def, arg).await.map_err(failed)
    }

    /// Whether this request of a nasty command confirms an earlier one (3–15 s ago); if not,
    /// it becomes the request waiting for confirmation.
    fn confirmed(&mut self, name: &str, arg: Option<&str>) -> bool {
        let now = tokio::time::Instant::now();
        if let Some((pending, pending_arg, at)) = self.pending.take() {
            let age = now.saturating_duration_since(at).as_secs_f64();
            let window = tables::CONFIRM_MIN_SECS as f64..=tables::CONFIRM_MAX_SECS as f64;
            if pending == name && pending_arg.as_deref() == arg && window.contains(&age) {
                return true;
            }
        }
        self.pending = Some((name.into(), arg.map(Into::into), now));
        false
    }

    /// `SET name value`.
    pub(super) async fn do_set_var(
        &mut self,
        port: &mut S,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        let def = self.present_var(name).ok_or(CommandError::Unknown)?;
        if def.string {
            if value.is_empty() || value.len() > tables::STRING_LEN || !value.is_ascii() {
                return Err(CommandError::Invalid);
            }
            return self.set_string(port, def.cmd, value).await.map_err(failed);
        }
        let values = self
            .enums
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .ok_or(CommandError::Unknown)?;
        if !values.iter().any(|v| v == value) {
            return Err(CommandError::Invalid);
        }
        self.set_enum(port, def, value).await
    }

    async fn set_string(&mut self, port: &mut S, cmd: u8, value: &str) -> Result<(), DeviceError> {
        let op = op_name(cmd);
        self.flush(port).await?;
        let current = self.query(port, cmd, Filter::Normal, REPLY_TIMEOUT).await?;
        if parse::is_na(&current) {
            return Err(bad_reply(&op, &current));
        }
        if current == value {
            return Ok(());
        }
        self.send(port, &[tables::CMD_NEXTVAL], &op).await?;
        let padding = tables::STRING_LEN.saturating_sub(value.len());
        for byte in value.bytes().chain(std::iter::repeat_n(b'\r', padding)) {
            tokio::time::sleep(CHAR_DELAY).await;
            self.send(port, &[byte], &op).await?;
        }
        self.expect_ok(port, &op).await
    }

    async fn set_enum(
        &mut self,
        port: &mut S,
        def: &'static tables::VarDef,
        value: &str,
    ) -> Result<(), CommandError> {
        let op = op_name(def.cmd);
        self.flush(port).await.map_err(failed)?;
        let raw = self
            .query(port, def.cmd, Filter::Normal, REPLY_TIMEOUT)
            .await
            .map_err(failed)?;
        let original = parse::convert(def, &raw);
        if original == value {
            return Ok(());
        }
        for _ in 0..MAX_CYCLES {
            let answer = self
                .query(port, tables::CMD_NEXTVAL, Filter::Normal, REPLY_TIMEOUT)
                .await
                .map_err(failed)?;
            if answer != "OK" {
                return Err(failed(bad_reply(&op, &answer)));
            }
            let raw = self
                .query(port, def.cmd, Filter::Normal, REPLY_TIMEOUT)
                .await
                .map_err(failed)?;
            let now = parse::convert(def, &raw);
            if now == value {
                return Ok(());
            }
            if now == original {
                return Err(failed(bad_reply(&op, "wrapped around without the value")));
            }
        }
        Err(failed(bad_reply(&op, "gave up cycling")))
    }
}
