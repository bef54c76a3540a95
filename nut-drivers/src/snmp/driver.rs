//! The `snmp-ups` [`DeviceProtocol`] over any [`Snmp`] session.

use std::marker::PhantomData;

use nut_hal::Error as _;
use nut_hal::snmp::{Oid, Snmp, SnmpValue, VarBind};

use super::detect::{SYS_OBJECT_ID, select_mapping};
use super::tables::{InfoRow, MibEntry, Tables, su};
use crate::device::{CommandError, DeviceError, DeviceProtocol, Identity, Reading};

/// The version of our snmp-ups, published as `driver.version.internal` (NUT 2.8.0's is 1.21).
pub const VERSION: &str = "1.21";

/// The `snmp-ups` driver: `mibs=auto` or `mibs=<name>` picks a mapping, whose rows are read
/// on every poll.
#[derive(Debug)]
pub struct SnmpUps<S> {
    mibs: String,
    mapping: Option<&'static MibEntry>,
    /// Rows that answered at start-up and are read on every poll.
    dynamic: Vec<&'static InfoRow>,
    /// Instant commands whose OID answered: name → row.
    commands: Vec<&'static InfoRow>,
    /// Every row that answered at start-up (what `SET` may write, see [`super::write`]).
    answered: Vec<&'static InfoRow>,
    port: PhantomData<fn() -> S>,
}

impl<S> SnmpUps<S> {
    /// A driver for `mibs` (`"auto"` or a mapping name such as `"ietf"`).
    pub fn new(mibs: &str) -> Self {
        SnmpUps {
            mibs: mibs.into(),
            mapping: None,
            dynamic: Vec::new(),
            commands: Vec::new(),
            answered: Vec::new(),
            port: PhantomData,
        }
    }

    /// The mapping chosen by the last [`DeviceProtocol::identify`].
    pub fn mapping(&self) -> Option<&'static MibEntry> {
        self.mapping
    }
}

/// The phase counts that select `SU_*_1` / `SU_*_3` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Phases {
    input: i64,
    output: i64,
}

impl Phases {
    /// Whether `row` applies. Bypass rows are not filtered: NUT 2.8.0 publishes both its
    /// single- and three-phase bypass rows (seen against the real driver).
    fn keep(&self, row: &InfoRow) -> bool {
        let f = row.flags;
        let fits = |one: u32, three: u32, n: i64| {
            f & (one | three) == 0 || (f & one != 0 && n == 1) || (f & three != 0 && n == 3)
        };
        fits(su::INPUT_1, su::INPUT_3, self.input) && fits(su::OUTPUT_1, su::OUTPUT_3, self.output)
    }
}

/// What a GET of one row gave.
fn answered(value: &SnmpValue) -> bool {
    !matches!(
        value,
        SnmpValue::NoSuchObject
            | SnmpValue::NoSuchInstance
            | SnmpValue::EndOfMibView
            | SnmpValue::Null
    )
}

fn integer(value: &SnmpValue) -> Option<i64> {
    match value {
        SnmpValue::Integer(v) => Some(*v),
        SnmpValue::Counter32(v) | SnmpValue::Gauge32(v) => Some(i64::from(*v)),
        // NUT's nut_snmp_get_int converts TimeTicks to seconds.
        SnmpValue::TimeTicks(v) => Some(i64::from(*v / 100)),
        SnmpValue::Counter64(v) => i64::try_from(*v).ok(),
        SnmpValue::OctetString(bytes) => std::str::from_utf8(bytes).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A number as NUT prints `value × multiplier`: an integer when exact, else two decimals.
pub fn format_number(raw: i64, multiplier: f64) -> String {
    let v = raw as f64 * multiplier;
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// The value NUT publishes for `row` given what the agent answered, or `None` when the row
/// gives nothing (no answer, unknown lookup value, a status row).
pub fn row_value(tables: &Tables, row: &InfoRow, value: &SnmpValue) -> Option<String> {
    if !answered(value) {
        return None;
    }
    if row.string {
        if let SnmpValue::OctetString(bytes) = value {
            let text = String::from_utf8_lossy(bytes);
            let text = text.trim_end_matches('\0');
            return Some(
                text.chars()
                    .take(row.multiplier.max(1.0) as usize)
                    .collect(),
            );
        }
        let n = integer(value)?;
        if row.lookup.is_some() {
            return tables.lookup(row, n).map(str::to_string);
        }
        return Some(n.to_string());
    }
    let n = integer(value)?;
    // NUT 2.8.0 publishes the negative readings of SU_FLAG_NEGINVALID rows (battery.current
    // -0.10 on the Riello recording, behind the real upsd); so do we.
    if row.flags & su::ZEROINVALID != 0 && n == 0 {
        return None;
    }
    if row.lookup.is_some() {
        return tables.lookup(row, n).map(str::to_string);
    }
    Some(format_number(n, row.multiplier))
}

/// The `ups.status` words a `SU_STATUS_*` row gives for `value`.
pub fn status_words<'t>(tables: &'t Tables, row: &InfoRow, value: &SnmpValue) -> Vec<&'t str> {
    integer(value)
        .and_then(|n| tables.lookup(row, n))
        .map(|text| text.split_whitespace().collect())
        .unwrap_or_default()
}

fn oid_of(row: &InfoRow) -> Option<Oid> {
    row.oid.as_deref()?.parse().ok()
}

/// GET of one OID. An error-status answer (v1 `noSuchName`) reads as `noSuchObject`; an
/// answer without exactly that one binding is a [`DeviceError::BadReply`].
async fn get_one<S: Snmp>(port: &mut S, oid: &Oid) -> Result<SnmpValue, DeviceError> {
    match port.get(std::slice::from_ref(oid)).await {
        Ok(mut binds) => match (binds.pop(), binds.is_empty()) {
            (Some(b), true) if b.oid == *oid => Ok(b.value),
            (last, _) => Err(DeviceError::BadReply {
                operation: format!("GET {oid}"),
                reply: match last {
                    Some(b) => format!("{} binding(s), the last for {}", binds.len() + 1, b.oid),
                    None => "no binding".into(),
                },
            }),
        },
        Err(e) if e.kind() == nut_hal::ErrorKind::Protocol => Ok(SnmpValue::NoSuchObject),
        Err(e) => Err(DeviceError::transport(&format!("GET {oid}"), &e)),
    }
}

/// Whether `value` has a type `row` can be read from (what NUT's `nut_snmp_get_*` accept).
pub fn readable_as(row: &InfoRow, value: &SnmpValue) -> bool {
    match value {
        SnmpValue::OctetString(_) if row.string && row.flags & su::STATUS_ANY == 0 => true,
        v => integer(v).is_some(),
    }
}

/// Sets `name` in `reading`, and its `device.*` twin for `ups.mfr`/`ups.model`/`ups.serial`
/// as NUT 2.8.0 does.
fn publish(reading: &mut Reading, name: &str, value: &str) {
    reading.set(name, value);
    if let Some(twin) = match name {
        "ups.mfr" => Some("device.mfr"),
        "ups.model" => Some("device.model"),
        "ups.serial" => Some("device.serial"),
        _ => None,
    } {
        reading.set(twin, value);
    }
}

/// Reads `rows` into `reading`; returns the rows that answered with a usable type.
///
/// `strict` (a poll of rows that answered before): a value of a type the row cannot be read
/// from, or a power-status row that no longer answers, fails the poll as a
/// [`DeviceError::BadReply`] (the data goes stale) instead of being skipped.
async fn read_rows<S: Snmp>(
    tables: &Tables,
    port: &mut S,
    rows: &[&'static InfoRow],
    reading: &mut Reading,
    strict: bool,
) -> Result<Vec<&'static InfoRow>, DeviceError> {
    let mut ok = Vec::new();
    for &row in rows {
        if row.flags & su::ABSENT != 0 {
            if !row.default.is_empty() {
                publish(reading, &row.nut_name, &row.default);
            }
            continue;
        }
        let Some(oid) = oid_of(row) else { continue };
        let value = get_one(port, &oid).await?;
        let usable = answered(&value) && readable_as(row, &value);
        if strict && !usable && (answered(&value) || row.flags & su::STATUS_PWR != 0) {
            return Err(DeviceError::BadReply {
                operation: format!("GET {oid} ({})", row.nut_name),
                reply: format!("{value:?}"),
            });
        }
        if !usable {
            continue;
        }
        ok.push(row);
        if row.flags & su::STATUS_ANY != 0 {
            for word in status_words(tables, row, &value) {
                reading.status(word);
            }
        } else if let Some(text) = row_value(tables, row, &value) {
            publish(reading, &row.nut_name, &text);
        }
    }
    Ok(ok)
}

impl<S: Snmp + 'static> DeviceProtocol for SnmpUps<S> {
    type Port = S;

    fn name(&self) -> &'static str {
        "snmp-ups"
    }

    fn version(&self) -> &'static str {
        VERSION
    }

    async fn identify(&mut self, port: &mut S) -> Result<Identity, DeviceError> {
        let tables = Tables::get();
        let sys = get_one(
            port,
            &SYS_OBJECT_ID
                .parse()
                .map_err(|_| DeviceError::NotSupported("sysObjectID".into()))?,
        )
        .await?;
        let mapping = select_mapping(tables, &self.mibs, &sys, port).await?;
        self.mapping = Some(mapping);
        let all: Vec<&'static InfoRow> = tables
            .rows_of(mapping)
            .iter()
            .filter(|r| !r.is_template())
            .collect();
        let mut identity = Identity::default();
        let info = &mut identity.info;
        info.set("device.type", "ups");
        info.set(
            "driver.version.data",
            format!("{} MIB {}", mapping.mib_name, mapping.version),
        );
        // Phase counts first (NUT assumes 1 when the agent does not say).
        let mut phases = Phases {
            input: 1,
            output: 1,
        };
        for (name, slot) in [
            ("input.phases", 0),
            ("output.phases", 1),
            ("input.bypass.phases", 2),
        ] {
            let Some(oid) = all
                .iter()
                .find(|r| r.nut_name == name)
                .and_then(|r| oid_of(r))
            else {
                continue;
            };
            let n = integer(&get_one(port, &oid).await?)
                .filter(|n| *n > 0)
                .unwrap_or(1);
            match slot {
                0 => phases.input = n,
                1 => phases.output = n,
                _ => {}
            }
            info.set(name, n.to_string());
        }
        let mut commands = Vec::new();
        let mut values = Vec::new();
        for &row in &all {
            if row.nut_name.ends_with(".phases") && row.flags & su::STATUS_ANY == 0 {
                continue;
            }
            if !phases.keep(row) {
                continue;
            }
            if row.flags & su::TYPE_CMD != 0 {
                if let Some(oid) = oid_of(row)
                    && answered(&get_one(port, &oid).await?)
                {
                    commands.push(row);
                }
                continue;
            }
            // `ups.status` rows without a SU_STATUS_* bit are overwritten by the status
            // NUT commits; they never show.
            if row.nut_name == "ups.status" && row.flags & su::STATUS_ANY == 0 {
                continue;
            }
            values.push(row);
        }
        let answered_rows = read_rows(tables, port, &values, info, false).await?;
        identity.writable = super::write::writable_variables(tables, &answered_rows);
        self.answered.clone_from(&answered_rows);
        self.dynamic = answered_rows
            .into_iter()
            .filter(|r| r.flags & su::STATIC == 0)
            .collect();
        info.status.clear();
        identity.commands = commands.iter().map(|r| r.nut_name.clone()).collect();
        self.commands = commands;
        Ok(identity)
    }

    async fn update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        let mut reading = Reading::default();
        let rows = self.dynamic.clone();
        read_rows(Tables::get(), port, &rows, &mut reading, true).await?;
        Ok(reading)
    }

    async fn instcmd(
        &mut self,
        port: &mut S,
        command: &str,
        _param: Option<&str>,
    ) -> Result<(), CommandError> {
        let row = self
            .commands
            .iter()
            .find(|r| r.nut_name == command)
            .ok_or(CommandError::Unknown)?;
        let oid = oid_of(row).ok_or(CommandError::Unknown)?;
        let value: i64 = row
            .default
            .trim()
            .parse()
            .map_err(|_| CommandError::Invalid)?;
        port.set(&[VarBind {
            oid,
            value: SnmpValue::Integer(value),
        }])
        .await
        .map(|_| ())
        .map_err(|e| CommandError::Failed(DeviceError::transport(command, &e)))
    }

    async fn set_var(&mut self, port: &mut S, name: &str, value: &str) -> Result<(), CommandError> {
        let row = super::write::set_var(Tables::get(), port, &self.answered, name, value).await?;
        // NUT publishes the value set at once; a static row is read from now on instead.
        if !self.dynamic.iter().any(|r| std::ptr::eq(*r, row)) {
            self.dynamic.push(row);
        }
        Ok(())
    }

    async fn kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        for command in ["shutdown.return", "load.off"] {
            match self.instcmd(port, command, None).await {
                Ok(()) => return Ok(()),
                Err(CommandError::Failed(e)) => return Err(e),
                Err(_) => continue,
            }
        }
        Err(DeviceError::NotSupported(
            "no shutdown.return or load.off command in this mapping".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ietf_row(name: &str) -> &'static InfoRow {
        let t = Tables::get();
        let ietf = t.mibs.iter().find(|m| m.structure == "ietf");
        ietf.and_then(|m| t.rows_of(m).iter().find(|r| r.nut_name == name))
            .unwrap_or_else(|| panic!("ietf row {name}"))
    }

    #[test]
    fn numbers_are_whole_when_exact_else_two_decimals() {
        assert_eq!(format_number(135, 60.0), "8100");
        assert_eq!(format_number(501, 0.1), "50.10");
        assert_eq!(format_number(-1, 0.1), "-0.10");
        assert_eq!(format_number(0, 0.1), "0");
    }

    #[test]
    fn row_values_follow_flags_and_lookups() {
        let t = Tables::get();
        let freq = ietf_row("input.frequency");
        assert_eq!(
            row_value(t, freq, &SnmpValue::Integer(599)).as_deref(),
            Some("59.90")
        );
        assert_eq!(row_value(t, freq, &SnmpValue::NoSuchInstance), None);
        assert_eq!(
            row_value(t, freq, &SnmpValue::OctetString(b"x".to_vec())),
            None
        );
        let result = ietf_row("ups.test.result");
        assert_eq!(
            row_value(t, result, &SnmpValue::Integer(1)).as_deref(),
            Some("done and passed")
        );
        assert_eq!(row_value(t, result, &SnmpValue::Integer(42)), None);
        let mfr = ietf_row("ups.mfr");
        let text = SnmpValue::OctetString(b"RPS SpA\0".to_vec());
        assert_eq!(row_value(t, mfr, &text).as_deref(), Some("RPS SpA"));
        // 6000 ticks are 60 s; the row multiplies by 60.
        let runtime = ietf_row("battery.runtime");
        assert_eq!(
            row_value(t, runtime, &SnmpValue::TimeTicks(6000)).as_deref(),
            Some("3600")
        );
    }

    #[test]
    fn status_rows_give_their_words() {
        let t = Tables::get();
        let rows = t
            .mibs
            .iter()
            .find(|m| m.structure == "ietf")
            .map(|m| t.rows_of(m));
        let pwr = rows
            .and_then(|r| r.iter().find(|r| r.flags & su::STATUS_PWR != 0))
            .expect("power status row");
        assert_eq!(
            status_words(t, pwr, &SnmpValue::Integer(4)),
            ["OL", "BYPASS"]
        );
        assert!(status_words(t, pwr, &SnmpValue::Integer(1)).is_empty());
        assert!(status_words(t, pwr, &SnmpValue::Null).is_empty());
    }
}
