//! The `snmp-ups` [`DeviceProtocol`] over any [`Snmp`] session.

use std::marker::PhantomData;

use nut_hal::Error as _;
use nut_hal::snmp::{Oid, Snmp, SnmpValue};

use super::detect::{SYS_OBJECT_ID, select_mapping};
use super::schedule::Schedule;
use super::tables::{InfoRow, MibEntry, Tables, su};
use super::template::{self, IndexBases};
use super::walk::{Item, Outcome, read_item};
use crate::device::{CommandError, DeviceError, DeviceProtocol, Identity, Reading};

/// The version of our snmp-ups, published as `driver.version.internal` (NUT 2.8.0's is 1.21).
pub const VERSION: &str = "1.21";

/// The `snmp-ups` driver: `mibs=auto` or `mibs=<name>` picks a mapping, whose rows (template
/// rows expanded) are read on the polls its [`Schedule`] picks.
#[derive(Debug)]
pub struct SnmpUps<S> {
    mibs: String,
    pub(super) mapping: Option<&'static MibEntry>,
    /// Rows (and template instances) that answered at start-up and are not static.
    dynamic: Vec<Item>,
    /// Instant commands: plain ones whose OID answered, and every template instance.
    pub(super) commands: Vec<Item>,
    /// The composite commands offered (see [`super::composite`]).
    pub(super) composites: Vec<&'static str>,
    /// The `ondelay` / `offdelay` options (kill power writes them first).
    pub(super) ondelay: Option<i64>,
    pub(super) offdelay: Option<i64>,
    /// Start-up values the composite commands read (`ups.delay.*`, `ups.start.auto`).
    pub(super) startup: Vec<(String, String)>,
    schedule: Schedule,
    /// What the last walk published; polls between walks publish it again.
    pub(super) last: Reading,
    /// Plain rows that answered at start-up (what `SET` may write, see [`super::write`]).
    answered: Vec<&'static InfoRow>,
    /// Template instances of `ST_FLAG_RW` rows that answered at start-up (writable).
    writable_instances: Vec<Item>,
    /// The daisy chain driven, when the agent has more than one unit (see [`super::daisy`]).
    chain: Option<super::daisy::Chain>,
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
            composites: Vec::new(),
            ondelay: None,
            offdelay: None,
            startup: Vec::new(),
            schedule: Schedule::default(),
            last: Reading::default(),
            answered: Vec::new(),
            writable_instances: Vec::new(),
            chain: None,
            port: PhantomData,
        }
    }

    /// The same driver walking on `schedule` (`pollfreq`, `semistaticfreq`).
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// The same driver with the `ondelay` / `offdelay` options (seconds; negative: unset).
    pub fn with_delays(mut self, ondelay: Option<i64>, offdelay: Option<i64>) -> Self {
        self.ondelay = ondelay;
        self.offdelay = offdelay;
        self
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
pub(super) fn answered(value: &SnmpValue) -> bool {
    !matches!(
        value,
        SnmpValue::NoSuchObject
            | SnmpValue::NoSuchInstance
            | SnmpValue::EndOfMibView
            | SnmpValue::Null
    )
}

/// The integer NUT's `nut_snmp_get_int` makes of `value`, if any.
pub(super) fn integer(value: &SnmpValue) -> Option<i64> {
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

/// NUT's `SU_INFOSIZE`: the size of the buffer a text value is read into.
const SU_INFOSIZE: usize = 128;

/// A number as NUT prints `value × multiplier`: an integer when exact, else two decimals.
pub fn format_number(raw: i64, multiplier: f64) -> String {
    let v = raw as f64 * multiplier;
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// C's `isprint(b) || isspace(b)` in the C locale: the bytes NUT's `decode_str` takes as text.
fn printable_or_space(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || (0x09..=0x0d).contains(&b)
}

/// A text holding other bytes as NUT's `decode_str` gives it: net-snmp's `snprint_hexstring`
/// (`D0 A1 …`, each byte `%02X` and a space), without the line break net-snmp puts after every
/// 16 bytes (upsd drops it: the real upsc shows the bytes on one line), cut to the 127
/// characters of NUT's buffer.
fn hex_display(bytes: &[u8]) -> String {
    let mut text: String = bytes.iter().map(|b| format!("{b:02X} ")).collect();
    text.truncate(SU_INFOSIZE - 1);
    text
}

/// The value NUT publishes for `row` given what the agent answered, or `None` when the row
/// gives nothing (no answer, unknown lookup value, a status row).
pub fn row_value(tables: &Tables, row: &InfoRow, value: &SnmpValue) -> Option<String> {
    if !answered(value) {
        return None;
    }
    if row.string {
        if let SnmpValue::OctetString(bytes) = value {
            // NUT reads text into its SU_INFOSIZE (128) buffer whatever the row's length
            // says (`ambient.N.name` rows of the XUPS mapping say 1).
            if !bytes.iter().all(|b| printable_or_space(*b)) {
                return Some(hex_display(bytes));
            }
            let bytes = &bytes[..bytes.len().min(SU_INFOSIZE - 1)];
            return Some(String::from_utf8_lossy(bytes).into_owned());
        }
        let n = integer(value)?;
        if row.lookup.is_some() {
            return tables.lookup(row, n).map(str::to_string);
        }
        return Some(n.to_string());
    }
    let n = integer(value)?;
    // SU_FLAG_NEGINVALID is applied by the walk (`walk::read_item`), which also stops
    // polling the row.
    if row.flags & su::ZEROINVALID != 0 && n == 0 {
        return None;
    }
    if row.lookup.is_some() {
        // A number the lookup does not know is published as a number (NUT's su_ups_get);
        // conversion functions are not modelled.
        if let Some(text) = tables.lookup(row, n) {
            return Some(text.to_string());
        }
        if tables.is_function(row) {
            return None;
        }
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
pub(super) async fn get_one<S: Snmp>(port: &mut S, oid: &Oid) -> Result<SnmpValue, DeviceError> {
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

/// The error of a poll whose `item` answered with `what`.
fn bad_reply(item: &Item, what: &str) -> DeviceError {
    DeviceError::BadReply {
        operation: format!("GET {} ({})", item.oid_text, item.name),
        reply: what.into(),
    }
}

/// Sets `name` in `reading`, and its `device.*` twin for `ups.mfr`/`ups.model`/`ups.serial`
/// as NUT 2.8.0 does.
pub(super) fn publish(reading: &mut Reading, name: &str, value: &str) {
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
        let every: Vec<&'static InfoRow> = tables.rows_of(mapping).iter().collect();
        let units = super::daisy::device_count(&every, port).await?;
        self.chain = None;
        if let Some(units) = units
            && (units > 1 || (units == 1 && super::daisy::daisy_capable(&every)))
        {
            let (identity, mut chain) =
                super::daisy::Chain::identify(tables, mapping, &every, port, units).await?;
            self.last = Reading::default();
            self.dynamic.clear();
            self.commands = std::mem::take(&mut chain.commands);
            self.composites.clear();
            self.answered.clear();
            self.writable_instances = std::mem::take(&mut chain.writable);
            self.chain = Some(chain);
            return Ok(identity);
        }
        let all: Vec<&'static InfoRow> = tables
            .rows_of(mapping)
            .iter()
            .filter(|r| !template::skipped(r))
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
        for (name, slot, flags) in [
            ("input.phases", 0, su::INPUT_1 | su::INPUT_3),
            ("output.phases", 1, su::OUTPUT_1 | su::OUTPUT_3),
            ("input.bypass.phases", 2, su::BYPASS_1 | su::BYPASS_3),
        ] {
            let Some(oid) = all
                .iter()
                .find(|r| r.nut_name == name)
                .and_then(|r| oid_of(r))
            else {
                continue;
            };
            let read = integer(&get_one(port, &oid).await?);
            // NUT publishes the count when the row answers, or (as 1) when a row depends on it.
            if read.is_none() && !all.iter().any(|r| r.flags & flags != 0) {
                continue;
            }
            let n = read.filter(|n| *n > 0).unwrap_or(1);
            match slot {
                0 => phases.input = n,
                1 => phases.output = n,
                _ => {}
            }
            info.set(name, n.to_string());
        }
        let mut commands = Vec::new();
        let mut dynamic = Vec::new();
        let mut bases = IndexBases::default();
        let mut unique: Vec<(&str, &'static InfoRow)> = Vec::new();
        let mut answered_rows: Vec<&'static InfoRow> = Vec::new();
        let mut writable_instances: Vec<Item> = Vec::new();
        for &row in &all {
            if row.nut_name.ends_with(".phases") && row.flags & su::STATUS_ANY == 0 {
                continue;
            }
            if !phases.keep(row) {
                continue;
            }
            if let Some(kind) = template::expandable(row) {
                let count = match info.get(kind.count_var()) {
                    Some(text) => nut_core::value::parse_c_int(text),
                    None => {
                        let guess = template::guess_count(port, row).await?;
                        if guess > 0 {
                            info.set(kind.count_var(), guess.to_string());
                        }
                        guess
                    }
                };
                if count <= 0 {
                    continue;
                }
                let base = bases.base(port, kind, row).await?;
                let mut all_answered = true;
                let mut instances = Vec::new();
                for index in base..base + count {
                    let item = Item::instance(row, index);
                    if row.flags & su::TYPE_CMD != 0 {
                        commands.push(item);
                        continue;
                    }
                    let outcome = read_item(tables, mapping, port, &item, info).await?;
                    all_answered &= outcome == Outcome::Answered;
                    // As 2.8.0, an RW template row's instances that answered are writable.
                    if outcome == Outcome::Answered && super::write::writable(tables, row).is_some()
                    {
                        writable_instances.push(item.clone());
                    }
                    instances.push(item);
                }
                // As in NUT, one instance failing at start-up stops the whole template
                // from being polled (the row's SU_FLAG_OK is shared by its instances).
                if all_answered && row.flags & (su::STATIC | su::TYPE_CMD) == 0 {
                    dynamic.extend(instances);
                }
                continue;
            }
            let item = Item::plain(row);
            if row.flags & su::TYPE_CMD != 0 {
                if let Some(oid) = &item.oid
                    && answered(&get_one(port, oid).await?)
                {
                    commands.push(item);
                }
                continue;
            }
            if row.flags & su::ABSENT != 0 {
                if !row.default.is_empty() {
                    publish(info, &row.nut_name, &row.default);
                }
                continue;
            }
            let outcome = read_item(tables, mapping, port, &item, info).await?;
            if row.flags & su::UNIQUE != 0 && outcome != Outcome::Missing {
                unique.retain(|(name, _)| *name != row.nut_name);
                unique.push((row.nut_name.as_str(), row));
            }
            if outcome == Outcome::Answered {
                answered_rows.push(row);
                if row.flags & su::STATIC == 0 {
                    dynamic.push(item);
                }
            }
        }
        // NUT's disable_competition: a SU_FLAG_UNIQUE row that answered stops the other rows
        // of its name from being polled (they were still read, in table order, at start-up).
        dynamic.retain(|item| {
            unique
                .iter()
                .all(|(name, winner)| *name != item.name || std::ptr::eq(*winner, item.row))
        });
        // Status words and alarms of the start-up walk are not committed (NUT commits them
        // only in updates).
        identity.writable = super::write::writable_variables(tables, &answered_rows);
        for item in &writable_instances {
            if let Some(how) = super::write::writable(tables, item.row)
                && !identity.writable.iter().any(|(name, _)| *name == item.name)
            {
                identity.writable.push((item.name.clone(), how));
            }
        }
        self.writable_instances = writable_instances;
        self.answered = answered_rows;
        info.status.clear();
        info.alarms.clear();
        identity.commands = commands.iter().map(|c| c.name.clone()).collect();
        self.composites = super::composite::offered(all.iter().copied());
        for name in &self.composites {
            if !identity.commands.iter().any(|c| c == name) {
                identity.commands.push((*name).to_string());
            }
        }
        self.startup = ["ups.start.auto", "ups.delay.start", "ups.delay.shutdown"]
            .iter()
            .filter_map(|n| Some((n.to_string(), identity.info.get(n)?.to_string())))
            .collect();
        self.last = Reading::default();
        for item in &dynamic {
            if let Some(value) = identity.info.get(&item.name) {
                self.last.set(&item.name, value);
            }
        }
        self.commands = commands;
        self.dynamic = dynamic;
        Ok(identity)
    }

    async fn update(&mut self, port: &mut S) -> Result<Reading, DeviceError> {
        if !self.schedule.due(tokio::time::Instant::now()) {
            return Ok(self.last.clone());
        }
        let Some(mapping) = self.mapping else {
            return Err(DeviceError::NotSupported("no mapping identified".into()));
        };
        let tables = Tables::get();
        let semi_static = self.schedule.begin_walk();
        let mut reading = Reading {
            values: self.last.values.clone(),
            ..Reading::default()
        };
        let mut invalid = Vec::new();
        if let Some(chain) = &mut self.chain {
            let fresh = chain.update(tables, mapping, port, semi_static).await?;
            reading
                .values
                .retain(|(name, _)| !super::daisy::is_unit_alarm(name));
            for (name, value) in fresh.values {
                reading.set(&name, value);
            }
            reading.status = fresh.status;
            reading.alarms = fresh.alarms;
        }
        for (at, item) in self.dynamic.iter().enumerate() {
            if item.row.flags & su::SEMI_STATIC != 0 && !semi_static {
                continue;
            }
            match read_item(tables, mapping, port, item, &mut reading).await? {
                Outcome::Invalid => invalid.push(at),
                // A row that answered at start-up now answering with a type it cannot be read
                // as, or the power status gone: the data is stale, not silently partial.
                Outcome::Unusable => return Err(bad_reply(item, "a value of an unusable type")),
                Outcome::Missing if item.row.flags & su::STATUS_PWR != 0 => {
                    return Err(bad_reply(item, "no value for the power status"));
                }
                Outcome::Answered | Outcome::Missing => {}
            }
        }
        // NUT clears SU_FLAG_OK on an invalid reading: the row is not polled again.
        for at in invalid.into_iter().rev() {
            self.dynamic.remove(at);
        }
        // NUT's status_commit publishes `ups.status` after every walk, empty when no row gave
        // a word (an agent without a power-status object, e.g. the Delta recording).
        reading.values.retain(|(name, _)| name != "ups.status");
        if reading.status.is_empty() {
            reading.set("ups.status", "");
        }
        self.schedule.walked(tokio::time::Instant::now());
        self.last = reading.clone();
        Ok(reading)
    }

    async fn instcmd(
        &mut self,
        port: &mut S,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        self.run_command(port, command, param).await
    }

    async fn set_var(&mut self, port: &mut S, name: &str, value: &str) -> Result<(), CommandError> {
        if let Some(item) = self.writable_instances.iter().find(|i| i.name == name) {
            super::write::set_instance(Tables::get(), port, item, value).await?;
            self.last.set(name, value);
            return Ok(());
        }
        let row = super::write::set_var(Tables::get(), port, &self.answered, name, value).await?;
        // NUT publishes the value sent at once (polls between walks repeat `last`); a
        // static row is read back at every walk from now on.
        self.last.set(name, value);
        if !self.dynamic.iter().any(|item| std::ptr::eq(item.row, row)) {
            self.dynamic.push(Item::plain(row));
        }
        Ok(())
    }

    async fn kill_power(&mut self, port: &mut S) -> Result<(), DeviceError> {
        self.kill(port).await
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
        let text = SnmpValue::OctetString(b"RPS SpA".to_vec());
        assert_eq!(row_value(t, mfr, &text).as_deref(), Some("RPS SpA"));
        // A NUL is not printable: the real 2.8.0 snmp-ups showed `52 50 53 20 53 70 41 00 00 `
        // for an agent answering "RPS SpA\0\0" (snmpsim, `4x`).
        let text = SnmpValue::OctetString(b"RPS SpA\0\0".to_vec());
        assert_eq!(
            row_value(t, mfr, &text).as_deref(),
            Some("52 50 53 20 53 70 41 00 00 ")
        );
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
