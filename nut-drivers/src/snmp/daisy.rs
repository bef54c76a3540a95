//! Daisy-chained devices (`device.count` > 1, e.g. Eaton ePDUs of the `eaton_epdu` mapping),
//! walked as NUT 2.8.0's `snmp-ups` walks them (checked against the real driver on the
//! `tests/fixtures/snmp/eaton-epdu-*.snmprec` agents). A single unit of a mapping with daisy
//! rows (`device.count` 1) is walked the same way at unit index 0, nothing prefixed.
//!
//! * unit `N` (from 1) is SNMP index `N - 1`: the first `%i` of a row's OID;
//! * a row whose OID holds a `%i` is read for every unit and published as `device.N.<name>`
//!   (`device.model` as `device.N.model`); outlet and outlet-group templates
//!   (`SU_TYPE_DAISY_1`, `.%i.%i`) are expanded per unit as `device.N.outlet.M.*`, `M` the
//!   second `%i`, the count being the unit's `outlet.count` (or guessed);
//! * a row without `%i` (a fixed index such as `input.L1.current`'s `.0.1.1`) is read once and
//!   published for `device.1` only; a `SU_FLAG_ABSENT` row's default goes to every unit;
//! * unprefixed are only the chain's `device.*` rows without `%i` (`device.contact`,
//!   `device.mfr`, `device.type` …), `device.count`, `device.model` (`daisychain <type> (1+<n-1>)`),
//!   `ups.mfr` and `ups.status`;
//! * `SU_TYPE_DAISY_MASTER_ONLY` rows (the EMP sensors): a template (`ambient.N.*`, one
//!   `%i`: the sensor) for `device.1` only, a plain row (`ambient.count`) read for every unit
//!   and writable as `device.1`'s only;
//! * a unit's alarms are its `device.N.ups.alarm` (in row order) and raise ALARM;
//! * `SU_FLAG_ABSENT` RW rows (`outlet.desc`) are listed writable for every unit, as 2.8.0
//!   lists them (a SET is refused: there is no object to write);
//! * instant commands of template rows per unit (`device.N.outlet.M.load.off`), writable rows
//!   as published; what is left is in docs/DIFFERENCES.md row 80.

use nut_hal::snmp::Snmp;

use super::driver::{get_one, integer};
use super::tables::{InfoRow, MibEntry, Tables, su};
use super::template::{IndexBases, TemplateKind, guess_count, instantiate};
use super::walk::{Item, Outcome, read_item};
use super::write;
use crate::device::{DeviceError, Identity, Reading};

/// `SU_TYPE_DAISY_MASTER_ONLY`: rows NUT reads for the master unit only.
const MASTER_ONLY: u32 = 1 << 24;

/// More units than any chain has: a bigger `device.count` is not taken as a chain.
const MAX_UNITS: i64 = 64;

/// Where a row read by the chain walk is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A row without `%i`: read once, published for `device.1` (and unprefixed for `device.*`).
    Chain,
    /// Unit `N` (from 1).
    Unit(i64),
}

/// One row (or template instance) the chain walk polls.
#[derive(Debug, Clone)]
struct Polled {
    scope: Scope,
    item: Item,
}

/// A daisy chain being driven (or a single unit of a daisy-capable mapping): its unit count
/// and the rows polled.
#[derive(Debug, Clone)]
pub struct Chain {
    /// `device.count`.
    pub count: i64,
    dynamic: Vec<Polled>,
    /// Instant commands of the template rows, as published (`device.N.outlet.M.load.off`).
    pub commands: Vec<Item>,
    /// Writable rows and instances that answered, named as published.
    pub writable: Vec<Item>,
}

/// `name` read for `scope` as a chain of `count` units publishes it (see [`merge`]).
fn published(count: i64, scope: Scope, name: &str) -> String {
    match scope {
        _ if count <= 1 => name.to_string(),
        Scope::Unit(n) => prefixed(n, name),
        Scope::Chain => prefixed(1, name),
    }
}

/// Whether `row` has a `%i` in its OID.
fn indexed(row: &InfoRow) -> bool {
    row.oid.as_deref().is_some_and(|o| o.contains("%i"))
}

/// `name` as unit `unit` publishes it: `device.X` → `device.N.X`, anything else
/// `device.N.<name>`.
pub fn prefixed(unit: i64, name: &str) -> String {
    match name.strip_prefix("device.") {
        Some(rest) => format!("device.{unit}.{rest}"),
        None => format!("device.{unit}.{name}"),
    }
}

/// `template` with its first `%i` replaced by `first` and any other by `second`.
fn fill_two(template: &str, first: i64, second: i64) -> String {
    match template.split_once("%i") {
        Some((head, tail)) => format!("{head}{first}{}", instantiate(tail, second)),
        None => template.to_string(),
    }
}

/// The item of `row` for `unit` (its `%i` the unit's SNMP index).
fn unit_item(row: &'static InfoRow, unit: i64) -> Item {
    let oid_text = instantiate(row.oid.as_deref().unwrap_or(""), unit - 1);
    Item::filled(row, row.nut_name.clone(), oid_text, unit - 1)
}

/// Instance `index` of template `row` for `unit`: `.%i.%i` is unit, then instance.
fn instance_item(row: &'static InfoRow, unit: i64, index: i64) -> Item {
    let oid_text = fill_two(row.oid.as_deref().unwrap_or(""), unit - 1, index);
    Item::filled(row, instantiate(&row.nut_name, index), oid_text, index)
}

/// The `device.count` the agent gives: the first `device.count` row without `%i` that
/// answers with a number (`None`: no such row answers).
pub async fn device_count<S: Snmp>(
    rows: &[&'static InfoRow],
    port: &mut S,
) -> Result<Option<i64>, DeviceError> {
    for row in rows
        .iter()
        .filter(|r| r.nut_name == "device.count" && !indexed(r))
    {
        let Some(oid) = row.oid.as_deref().and_then(|o| o.parse().ok()) else {
            continue;
        };
        if let Some(n) = integer(&get_one(port, &oid).await?) {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Whether `rows` (a mapping) has daisy-chain rows: its single units are walked as a chain
/// of one, unprefixed, as 2.8.0 does.
pub fn daisy_capable(rows: &[&'static InfoRow]) -> bool {
    rows.iter()
        .any(|r| r.flags & (su::TYPE_DAISY_1 | su::TYPE_DAISY_2) != 0)
}

/// Moves what a read of `scope` put in `scratch` into `out`, prefixed as 2.8.0 publishes it
/// for a chain of `count` units (a single unit: nothing prefixed).
fn merge(out: &mut Reading, count: i64, scope: Scope, scratch: Reading) {
    for (name, value) in scratch.values {
        if scope == Scope::Chain && name.starts_with("device.") {
            out.set(&name, value.clone());
        }
        out.set(&published(count, scope, &name), value);
    }
    for word in &scratch.status {
        out.status(word);
    }
    // 2.8.0 publishes a chain unit's alarms as its own `device.N.ups.alarm` (the texts in
    // row order); any of them puts ALARM in the chain's `ups.status`.
    let unit = match scope {
        Scope::Unit(n) => n,
        Scope::Chain => 1,
    };
    for text in &scratch.alarms {
        if count > 1 {
            let name = prefixed(unit, "ups.alarm");
            let joined = match out.get(&name) {
                Some(known) => format!("{known} {text}"),
                None => text.clone(),
            };
            out.set(&name, joined);
        }
        out.alarm(text);
    }
}

/// Whether `name` is a unit's `device.N.ups.alarm` (renewed at every walk).
pub fn is_unit_alarm(name: &str) -> bool {
    name.strip_prefix("device.")
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(n, tail)| tail == "ups.alarm" && n.parse::<u32>().is_ok())
}

impl Chain {
    /// Walks the chain of `count` units at start-up: the identity to publish and the chain
    /// to poll. `rows` are the mapping's rows in table order.
    pub async fn identify<S: Snmp>(
        tables: &Tables,
        mapping: &MibEntry,
        rows: &[&'static InfoRow],
        port: &mut S,
        count: i64,
    ) -> Result<(Identity, Chain), DeviceError> {
        let mut identity = Identity::default();
        let info = &mut identity.info;
        info.set("device.type", "ups");
        info.set(
            "driver.version.data",
            format!("{} MIB {}", mapping.mib_name, mapping.version),
        );
        let count = count.clamp(1, MAX_UNITS);
        // What each unit (index 0: unit 1) has published so far, unprefixed.
        let mut units: Vec<Reading> = (0..count).map(|_| Reading::default()).collect();
        let mut dynamic = Vec::new();
        let mut bases = IndexBases::default();
        let mut unique: Vec<String> = Vec::new();
        let mut commands = Vec::new();
        let mut writable: Vec<Item> = Vec::new();
        let mut absent_writable = Vec::new();
        for &row in rows {
            let master_only = row.flags & MASTER_ONLY != 0;
            if row.nut_name == "device.count" {
                continue;
            }
            if row.flags & su::TYPE_CMD != 0 && TemplateKind::of(row).is_none() {
                continue;
            }
            if row.flags & su::ABSENT != 0 {
                if row.default.is_empty() {
                    continue;
                }
                for unit in &mut units {
                    super::driver::publish(unit, &row.nut_name, &row.default);
                }
                if let Some(how) = write::absent_writable(tables, row) {
                    for unit in 1..=count {
                        let name = published(count, Scope::Unit(unit), &row.nut_name);
                        absent_writable.push((name, how.clone()));
                    }
                }
                if row.nut_name.starts_with("device.") {
                    info.set(&row.nut_name, row.default.clone());
                }
                continue;
            }
            if let Some(kind) = TemplateKind::of(row) {
                for unit in 1..=if master_only { 1 } else { count } {
                    let slot = &mut units[(unit - 1) as usize];
                    let n = match slot.get(kind.count_var()) {
                        Some(text) => nut_core::value::parse_c_int(text),
                        None => {
                            let probe = instance_row_probe(row, unit);
                            let guess = guess_count(port, &probe).await?;
                            if guess > 0 {
                                slot.set(kind.count_var(), guess.to_string());
                            }
                            guess
                        }
                    };
                    if n <= 0 {
                        continue;
                    }
                    let base = bases.base(port, kind, &instance_row_probe(row, 1)).await?;
                    for index in base..base + n {
                        let mut item = if master_only {
                            Item::instance(row, index)
                        } else {
                            instance_item(row, unit, index)
                        };
                        if row.flags & su::TYPE_CMD != 0 {
                            item.name = published(count, Scope::Unit(unit), &item.name);
                            commands.push(item);
                            continue;
                        }
                        let outcome = read_item(tables, mapping, port, &item, slot).await?;
                        let scope = Scope::Unit(unit);
                        if outcome == Outcome::Answered && write::writable(tables, row).is_some() {
                            let mut named = item.clone();
                            named.name = published(count, scope, &item.name);
                            writable.push(named);
                        }
                        if outcome == Outcome::Answered && row.flags & su::STATIC == 0 {
                            dynamic.push(Polled { scope, item });
                        }
                    }
                }
                continue;
            }
            let scopes: Vec<Scope> = if indexed(row) || master_only {
                (1..=count).map(Scope::Unit).collect()
            } else {
                vec![Scope::Chain]
            };
            for scope in scopes {
                let (item, slot) = match scope {
                    Scope::Unit(n) => (unit_item(row, n), &mut units[(n - 1) as usize]),
                    Scope::Chain => (Item::plain(row), &mut units[0]),
                };
                let key = format!("{scope:?} {}", row.nut_name);
                if unique.contains(&key) {
                    continue;
                }
                let mut scratch = Reading::default();
                let outcome = read_item(tables, mapping, port, &item, &mut scratch).await?;
                if scope == Scope::Chain {
                    for (name, value) in &scratch.values {
                        if name.starts_with("device.") {
                            info.set(name, value.clone());
                        }
                    }
                }
                slot.values.extend(scratch.values);
                if outcome == Outcome::Answered {
                    if write::writable(tables, row).is_some()
                        && (!master_only || scope == Scope::Unit(1))
                    {
                        let mut named = item.clone();
                        named.name = published(count, scope, &item.name);
                        writable.push(named);
                    }
                    if row.flags & su::UNIQUE != 0 {
                        unique.push(key);
                    }
                    if row.flags & su::STATIC == 0 {
                        dynamic.push(Polled { scope, item });
                    }
                }
            }
        }
        for (at, unit) in units.into_iter().enumerate() {
            let mut clean = Reading::default();
            for (name, value) in unit.values {
                clean.set(&name, value);
            }
            merge(info, count, Scope::Unit(at as i64 + 1), clean);
        }
        info.set("device.count", count.to_string());
        if count > 1 {
            let kind = info.get("device.type").unwrap_or("ups").to_string();
            info.set(
                "device.model",
                format!("daisychain {kind} ({}+{})", 1, count - 1),
            );
            if let Some(mfr) = info.get("device.mfr").map(str::to_string) {
                info.set("ups.mfr", mfr);
            }
        }
        info.status.clear();
        info.alarms.clear();
        for item in &writable {
            if let Some(how) = write::writable(tables, item.row)
                && !identity.writable.iter().any(|(name, _)| *name == item.name)
            {
                identity.writable.push((item.name.clone(), how));
            }
        }
        identity.writable.extend(absent_writable);
        identity.commands = commands.iter().map(|c| c.name.clone()).collect();
        Ok((
            identity,
            Chain {
                count,
                dynamic,
                commands,
                writable,
            },
        ))
    }

    /// One walk of the rows polled: their values, prefixed, and `ups.status`.
    pub async fn update<S: Snmp>(
        &mut self,
        tables: &Tables,
        mapping: &MibEntry,
        port: &mut S,
        semi_static: bool,
    ) -> Result<Reading, DeviceError> {
        let mut reading = Reading::default();
        let mut invalid = Vec::new();
        for (at, polled) in self.dynamic.iter().enumerate() {
            if polled.item.row.flags & su::SEMI_STATIC != 0 && !semi_static {
                continue;
            }
            let mut scratch = Reading::default();
            if read_item(tables, mapping, port, &polled.item, &mut scratch).await?
                == Outcome::Invalid
            {
                invalid.push(at);
            }
            merge(&mut reading, self.count, polled.scope, scratch);
        }
        for at in invalid.into_iter().rev() {
            self.dynamic.remove(at);
        }
        Ok(reading)
    }
}

/// A copy of template `row` whose OID has its first `%i` filled with `unit`'s SNMP index, so
/// that the one-index count guess and base probe of [`super::template`] apply to it.
fn instance_row_probe(row: &InfoRow, unit: i64) -> InfoRow {
    let mut probe = row.clone();
    if let Some(oid) = &row.oid
        && oid.matches("%i").count() > 1
        && let Some((head, tail)) = oid.split_once("%i")
    {
        probe.oid = Some(format!("{head}{}{tail}", unit - 1));
    }
    probe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_oids_of_units() {
        assert_eq!(prefixed(2, "device.model"), "device.2.model");
        assert_eq!(prefixed(1, "ups.model"), "device.1.ups.model");
        assert_eq!(prefixed(2, "outlet.1.desc"), "device.2.outlet.1.desc");
        assert_eq!(fill_two(".1.2.%i.%i", 1, 3), ".1.2.1.3");
        assert_eq!(fill_two(".1.2.%i.%i.4", 0, 2), ".1.2.0.2.4");
        assert_eq!(fill_two(".1.2.3", 0, 2), ".1.2.3");
    }
}
