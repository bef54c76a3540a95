//! `snmp-ups` instant commands: a row's own SNMP SET, the composite commands built from the
//! delay rows, and the kill-power sequence.
//!
//! Seen with the real NUT 2.8.0 `snmp-ups` (snmpsim agents logging every SET):
//!
//! * start-up offers `load.off` when the mapping has a `load.off.delay` row, `load.on` when it
//!   has a `load.on.delay` row, and `shutdown.return` and `shutdown.stayoff` when it has both,
//!   whether or not the agent answers those OIDs ([`offered`]);
//! * a command whose own row exists SETs the row's OID to the parameter given, else to the
//!   row's default; no number there is `INVALID` (`load.off.delay` without a parameter on the
//!   XUPS and MGE mappings) — [`command_value`];
//! * a composite command the mapping has a row for is that row, answered at start-up or not;
//!   one without a row of its own is answered `UNKNOWN` (TRACKING 1): 2.8.0
//!   offers it but lost the composite path of its predecessors. We carry it out as NUT's
//!   `su_instcmd` did before ([`steps`], docs/DIFFERENCES.md row 61);
//! * `-k` (`upsdrv_shutdown`) first SETs `ups.delay.start` to `ondelay` and
//!   `ups.delay.shutdown` to `offdelay` when those options are given (results ignored), then
//!   tries `shutdown.return`, `shutdown.reboot` and `load.off.delay`, the first handled one
//!   ending it ([`KILL_POWER_ORDER`]).

use nut_hal::snmp::{Snmp, SnmpValue, VarBind};

use super::driver::SnmpUps;
use super::tables::{InfoRow, Tables, su};
use super::walk::Item;
use crate::device::{CommandError, DeviceError, DeviceProtocol};

/// The commands `upsdrv_shutdown` tries in turn, after the delays are set.
pub const KILL_POWER_ORDER: &[&str] = &["shutdown.return", "shutdown.reboot", "load.off.delay"];

/// The variable `ondelay` is written to before kill power.
pub const ONDELAY_VAR: &str = "ups.delay.start";
/// The variable `offdelay` is written to before kill power.
pub const OFFDELAY_VAR: &str = "ups.delay.shutdown";

/// The composite commands 2.8.0's start-up offers for the mapping rows `rows`.
pub fn offered<'a>(rows: impl IntoIterator<Item = &'a InfoRow> + Clone) -> Vec<&'static str> {
    let has = |name: &str| rows.clone().into_iter().any(|r| r.nut_name == name);
    let (off, on) = (has("load.off.delay"), has("load.on.delay"));
    let mut out = Vec::new();
    if off {
        out.push("load.off");
    }
    if on {
        out.push("load.on");
    }
    if off && on {
        out.extend(["shutdown.return", "shutdown.stayoff"]);
    }
    out
}

/// Where a composite step's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A fixed value.
    Fixed(&'static str),
    /// The value published for this variable (none when it is not published: the row's
    /// default is used then).
    Published(&'static str),
}

/// One step of a composite command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Set this variable to this value if it is published; the result is ignored.
    SetIfPublished(&'static str, &'static str),
    /// Carry out this command row with this value; a failure ends the composite command.
    Command(&'static str, Source),
}

/// The steps of composite `command`, as NUT's `su_instcmd` carried them out: `load.on` /
/// `load.off` as the delay command with 0; `shutdown.return` switches auto-restart on, then
/// starts after `ups.delay.start` and stops after `ups.delay.shutdown`; `shutdown.stayoff`
/// switches it off, cancels the start (-1) and stops after `ups.delay.shutdown`.
pub fn steps(command: &str) -> Option<&'static [Step]> {
    use Source::{Fixed, Published};
    use Step::{Command, SetIfPublished};
    Some(match command {
        "load.off" => &[Command("load.off.delay", Fixed("0"))],
        "load.on" => &[Command("load.on.delay", Fixed("0"))],
        "shutdown.return" => &[
            SetIfPublished("ups.start.auto", "yes"),
            Command("load.on.delay", Published(ONDELAY_VAR)),
            Command("load.off.delay", Published(OFFDELAY_VAR)),
        ],
        "shutdown.stayoff" => &[
            SetIfPublished("ups.start.auto", "no"),
            Command("load.on.delay", Fixed("-1")),
            Command("load.off.delay", Published(OFFDELAY_VAR)),
        ],
        _ => return None,
    })
}

/// The value a command row (default `default`) is SET to when asked with `param`: the
/// parameter, else the default; a row that is not a text row needs a whole number there
/// (2.8.0's `str_to_long`), else `INVALID`.
pub fn command_value(
    row: &InfoRow,
    default: &str,
    param: Option<&str>,
) -> Result<CommandValue, CommandError> {
    let text = param.unwrap_or(default);
    if row.string {
        return Ok(CommandValue::Text(text.to_string()));
    }
    let t = text.trim();
    if t.is_empty() {
        return Err(CommandError::Invalid);
    }
    t.parse::<i64>()
        .map(CommandValue::Number)
        .map_err(|_| CommandError::Invalid)
}

/// What a command row's SET carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandValue {
    /// An OCTET STRING (`ST_FLAG_STRING` rows).
    Text(String),
    /// An INTEGER.
    Number(i64),
}

/// Whether `row` is a plain (not template) command row.
pub fn is_plain_command(row: &InfoRow) -> bool {
    row.flags & su::TYPE_CMD != 0 && !row.is_template()
}

/// Sends command `item` (its OID, to the value [`command_value`] gives).
async fn send<S: Snmp>(port: &mut S, item: &Item, param: Option<&str>) -> Result<(), CommandError> {
    let oid = item.oid.clone().ok_or(CommandError::Unknown)?;
    let value = match command_value(item.row, &item.default, param)? {
        CommandValue::Text(text) => SnmpValue::OctetString(text.into_bytes()),
        CommandValue::Number(n) => SnmpValue::Integer(n),
    };
    port.set(&[VarBind { oid, value }])
        .await
        .map(|_| ())
        .map_err(|e| CommandError::Failed(DeviceError::transport(&item.name, &e)))
}

impl<S: Snmp + 'static> SnmpUps<S> {
    /// The value published for `name` now (the last walk, a value set since, or start-up).
    fn published(&self, name: &str) -> Option<String> {
        self.last
            .get(name)
            .or_else(|| {
                self.startup
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
            })
            .map(str::to_string)
    }

    /// The command row `name` a composite step uses: the one offered, else the mapping's
    /// plain row of that name (2.8.0 SETs a row it has, answered or not).
    fn command_row(&self, name: &str) -> Option<Item> {
        if let Some(item) = self.commands.iter().find(|c| c.name == name) {
            return Some(item.clone());
        }
        let mapping = self.mapping?;
        Tables::get()
            .rows_of(mapping)
            .iter()
            .find(|r| r.nut_name == name && is_plain_command(r))
            .map(Item::plain)
    }

    /// Carries out instant command `command`: its own row if offered; for a composite command
    /// the mapping's row of that name if it has one, else the composite [`steps`].
    pub(super) async fn run_command(
        &mut self,
        port: &mut S,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        if let Some(item) = self.commands.iter().find(|c| c.name == command) {
            let item = item.clone();
            return send(port, &item, param).await;
        }
        if !self.composites.contains(&command) {
            return Err(CommandError::Unknown);
        }
        // A composite command the mapping also has a row for (answered at start-up or
        // not): 2.8.0 SETs that row.
        if let Some(item) = self.command_row(command) {
            return send(port, &item, param).await;
        }
        let steps = steps(command).ok_or(CommandError::Unknown)?;
        for step in steps {
            match *step {
                Step::SetIfPublished(var, value) => {
                    if self.published(var).is_some() {
                        // As NUT: the command goes on whatever this SET gives.
                        let _ = DeviceProtocol::set_var(self, port, var, value).await;
                    }
                }
                Step::Command(name, source) => {
                    let value = match source {
                        Source::Fixed(v) => Some(v.to_string()),
                        Source::Published(var) => self.published(var),
                    };
                    let item = self.command_row(name).ok_or(CommandError::Unknown)?;
                    send(port, &item, value.as_deref()).await?;
                }
            }
        }
        Ok(())
    }

    /// Kill power as 2.8.0's `upsdrv_shutdown`: `ondelay` / `offdelay` written to
    /// [`ONDELAY_VAR`] / [`OFFDELAY_VAR`] when given (and used by the composite
    /// `shutdown.return` whether the SET worked or not), then the first of
    /// [`KILL_POWER_ORDER`] carried out.
    pub(super) async fn kill(&mut self, port: &mut S) -> Result<(), DeviceError> {
        for (var, delay) in [(ONDELAY_VAR, self.ondelay), (OFFDELAY_VAR, self.offdelay)] {
            if let Some(delay) = delay.filter(|d| *d >= 0) {
                let value = delay.to_string();
                let _ = DeviceProtocol::set_var(self, port, var, &value).await;
                self.last.set(var, value);
            }
        }
        let mut failure = None;
        for command in KILL_POWER_ORDER {
            match self.run_command(port, command, None).await {
                Ok(()) => return Ok(()),
                Err(CommandError::Failed(e)) => failure = Some(e),
                Err(_) => {}
            }
        }
        Err(failure.unwrap_or_else(|| {
            DeviceError::NotSupported(format!(
                "shutdown failed: none of {} could be carried out",
                KILL_POWER_ORDER.join(", ")
            ))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, string: bool) -> InfoRow {
        InfoRow {
            nut_name: name.into(),
            string,
            writable: false,
            multiplier: 1.0,
            oid: Some("1.3.6.1.4.1.534.1.9.1.0".into()),
            default: String::new(),
            flags: su::TYPE_CMD,
            lookup: None,
            file: "powerware-mib.c".into(),
        }
    }

    #[test]
    fn composites_follow_the_delay_rows() {
        let off = row("load.off.delay", false);
        let on = row("load.on.delay", false);
        assert_eq!(offered([&off]), ["load.off"]);
        assert_eq!(offered([&on]), ["load.on"]);
        assert_eq!(
            offered([&off, &on]),
            ["load.off", "load.on", "shutdown.return", "shutdown.stayoff"]
        );
        assert!(offered([&row("load.off", false)]).is_empty());
    }

    #[test]
    fn a_command_needs_a_number_from_its_parameter_or_default() {
        let r = row("load.off.delay", false);
        assert_eq!(command_value(&r, "", None), Err(CommandError::Invalid));
        assert_eq!(
            command_value(&r, "", Some("7")),
            Ok(CommandValue::Number(7))
        );
        assert_eq!(command_value(&r, "1", None), Ok(CommandValue::Number(1)));
        assert_eq!(
            command_value(&r, "1", Some("x")),
            Err(CommandError::Invalid)
        );
        let s = row("x", true);
        assert_eq!(
            command_value(&s, "on", None),
            Ok(CommandValue::Text("on".into()))
        );
    }
}
