//! usbhid-ups' mapping data: every subdriver's `hid_info_t` rows, the `info_lkp_t` lookup
//! tables and the USB device tables, kept as the TSV extracted from NUT (see `data/SOURCES.md`)
//! and read once on first use. Keeping NUT's tables as data keeps every row auditable against
//! NUT, and lets a row be added without code.

use std::collections::HashMap;
use std::sync::OnceLock;

const HID_INFO_TSV: &str = include_str!("data/hid_info.tsv");
const LOOKUPS_TSV: &str = include_str!("data/lookups.tsv");
const SUBDRIVERS_TSV: &str = include_str!("data/subdrivers.tsv");

/// The preprocessor conditions of NUT's builds that we follow: the default Linux build has
/// `strptime` and none of the debug switches.
fn built(condition: &str) -> bool {
    matches!(condition, "" | "defined HAVE_STRPTIME")
}

/// `HU_*` flags of a mapping row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowFlags {
    /// `HU_FLAG_STATIC`: read once at start-up.
    pub static_value: bool,
    /// `HU_FLAG_SEMI_STATIC`: re-read on full polls only.
    pub semi_static: bool,
    /// `HU_FLAG_ABSENT`: publish the default (format) string instead of reading.
    pub absent: bool,
    /// `HU_FLAG_QUICK_POLL`: read on every poll.
    pub quick_poll: bool,
    /// `HU_TYPE_CMD`: an instant command writing the default value (or the parameter).
    pub command: bool,
    /// `HU_FLAG_ENUM`: publish the lookup table's values as the variable's enumeration.
    pub enumerated: bool,
    /// `HU_FLAG_PARAM_REQUIRED`: the command needs a parameter.
    pub param_required: bool,
}

impl RowFlags {
    fn parse(text: &str) -> Self {
        let mut flags = RowFlags::default();
        for flag in text.split('|').map(str::trim) {
            match flag {
                "HU_FLAG_STATIC" => flags.static_value = true,
                "HU_FLAG_SEMI_STATIC" => flags.semi_static = true,
                "HU_FLAG_ABSENT" => flags.absent = true,
                "HU_FLAG_QUICK_POLL" => flags.quick_poll = true,
                "HU_TYPE_CMD" => flags.command = true,
                "HU_FLAG_ENUM" => flags.enumerated = true,
                "HU_FLAG_PARAM_REQUIRED" => flags.param_required = true,
                _ => {}
            }
        }
        flags
    }
}

/// One `hid_info_t` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingRow {
    /// The subdriver (`apc`, `mge`…).
    pub subdriver: &'static str,
    /// NUT variable or command name; `BOOL` feeds `ups.status`; `ups.alarm` feeds alarms.
    pub nut_name: &'static str,
    /// `ST_FLAG_RW`: the variable is writable.
    pub writable: bool,
    /// `ST_FLAG_STRING`: a writable string of at most [`MappingRow::length`] characters.
    pub string: bool,
    /// String length for writable strings.
    pub length: usize,
    /// The HID path.
    pub path: &'static str,
    /// printf format, default value for absent rows, or the command's value.
    pub default: &'static str,
    /// The macro the default came from (`DEFAULT_OFFDELAY`…): the user's `offdelay` or
    /// `ondelay` replaces such defaults.
    pub default_symbol: Option<&'static str>,
    /// `HU_*` flags.
    pub flags: RowFlags,
    /// The lookup table, if any.
    pub lookup: Option<&'static str>,
}

/// One `info_lkp_t` entry: a HID value and its NUT text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupEntry {
    /// The HID value.
    pub hid: i64,
    /// The NUT text (status token such as `online` / `!online`, or a value).
    pub nut: &'static str,
}

/// One lookup table: value pairs, or a conversion function (by NUT's name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The table's name.
    pub name: &'static str,
    /// Value pairs, in NUT's order.
    pub entries: Vec<LookupEntry>,
    /// The HID → NUT conversion function, for conversion tables.
    pub function: Option<&'static str>,
    /// The NUT → HID conversion function, if writable.
    pub reverse: Option<&'static str>,
}

impl Lookup {
    /// The NUT text of a HID value in a value-pair table.
    pub fn text(&self, hid: i64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|entry| entry.hid == hid)
            .map(|entry| entry.nut)
    }

    /// The HID value of a NUT text in a value-pair table.
    pub fn value(&self, nut: &str) -> Option<i64> {
        self.entries
            .iter()
            .find(|entry| entry.nut == nut)
            .map(|entry| entry.hid)
    }
}

/// One row of a subdriver's USB device table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// USB vendor id (`None` for the explore wildcard).
    pub vendor_id: Option<u16>,
    /// USB product id (`None` matches any product of the vendor).
    pub product_id: Option<u16>,
    /// NUT's per-device callback, if any.
    pub callback: Option<&'static str>,
}

/// A usbhid-ups subdriver: its name, version, tables and device list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subdriver {
    /// Position in NUT's claim order.
    pub order: u32,
    /// The `subdriver=` name (`apc`).
    pub name: &'static str,
    /// `driver.version.data` (`APC HID 0.101`).
    pub name_string: &'static str,
    /// NUT's source file, which scopes its lookup tables.
    pub file: &'static str,
    /// Vendor usage table searched before the generic one, if any.
    pub usage_table: Option<&'static str>,
    /// The USB devices it claims.
    pub devices: Vec<DeviceEntry>,
}

/// Everything read from the TSV files.
#[derive(Debug, Default)]
pub struct Tables {
    rows: Vec<MappingRow>,
    /// Lookup tables by source file, then by name.
    lookups: HashMap<&'static str, HashMap<&'static str, Lookup>>,
    subdrivers: Vec<Subdriver>,
}

/// The name of our generic Power Device subdriver ([`Tables::subdriver`]).
pub const GENERIC_SUBDRIVER: &str = "generic";

/// The file of NUT's generic lookup tables, visible to every subdriver.
const GENERIC_FILE: &str = "usbhid-ups.c";

fn columns(line: &str) -> Vec<&str> {
    line.split('\t').collect()
}

fn hex_id(text: &str) -> Option<u16> {
    u16::from_str_radix(text.trim(), 16).ok()
}

fn non_empty(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

impl Tables {
    fn load() -> Self {
        let mut tables = Tables::default();
        for line in HID_INFO_TSV.lines().skip(1) {
            let c = columns(line);
            if c.len() < 12 || !built(c[11]) {
                continue;
            }
            tables.rows.push(MappingRow {
                subdriver: c[0],
                nut_name: c[3],
                writable: c[4].contains("ST_FLAG_RW"),
                string: c[4].contains("ST_FLAG_STRING"),
                length: c[5].parse().unwrap_or(0),
                path: c[6],
                default: c[7],
                default_symbol: non_empty(c[8]),
                flags: RowFlags::parse(c[9]),
                lookup: non_empty(c[10]),
            });
        }
        for line in LOOKUPS_TSV.lines().skip(1) {
            let c = columns(line);
            if c.len() < 9 || !built(c[8]) {
                continue;
            }
            let lookup = tables
                .lookups
                .entry(c[2])
                .or_default()
                .entry(c[0])
                .or_default();
            lookup.name = c[0];
            if let Some(function) = non_empty(c[5]) {
                lookup.function = Some(function);
                lookup.reverse = non_empty(c[6]);
            } else if let Ok(hid) = c[3].trim().parse::<i64>() {
                lookup.entries.push(LookupEntry { hid, nut: c[4] });
            }
        }
        for line in SUBDRIVERS_TSV.lines().skip(1) {
            let c = columns(line);
            if c.len() < 19 {
                continue;
            }
            let device = DeviceEntry {
                vendor_id: hex_id(c[6]),
                product_id: hex_id(c[7]),
                callback: non_empty(c[10]),
            };
            match tables.subdrivers.iter_mut().find(|s| s.name == c[1]) {
                Some(subdriver) => subdriver.devices.push(device),
                None => tables.subdrivers.push(Subdriver {
                    order: c[0].parse().unwrap_or(u32::MAX),
                    name: c[1],
                    name_string: c[2],
                    file: c[5],
                    usage_table: c[18]
                        .split('>')
                        .map(str::trim)
                        .find(|table| *table != super::path::GENERIC_TABLE && !table.is_empty()),
                    devices: vec![device],
                }),
            }
        }
        tables.subdrivers.sort_by_key(|subdriver| subdriver.order);
        tables.add_generic();
        tables
    }

    /// Builds the generic Power Device subdriver (ours; NUT has none): every row of the
    /// vendor subdrivers whose path uses only the standard Power Device and Battery System
    /// usages and whose lookup is one of NUT's generic tables, first occurrence kept, in claim
    /// order. A device no subdriver claims but whose descriptor is a Power Device is read with
    /// it, so a standard-conforming UPS of a new vendor works without a table.
    fn add_generic(&mut self) {
        let names = super::path::PathNames::generic();
        let generic_lookups = self.lookups.get(GENERIC_FILE);
        let mut rows: Vec<MappingRow> = Vec::new();
        for subdriver in self.subdrivers.iter().filter(|s| s.name != "explore") {
            for row in self.rows.iter().filter(|r| r.subdriver == subdriver.name) {
                let standard_path = names.parse(row.path).is_ok();
                let generic_lookup = row
                    .lookup
                    .is_none_or(|name| generic_lookups.is_some_and(|t| t.contains_key(name)));
                let seen = rows
                    .iter()
                    .any(|r| r.nut_name == row.nut_name && r.path == row.path);
                // The driver builds these from the delay commands; a vendor's own row for
                // them (EVER writes shutdown.return straight to the shutdown delay) is not
                // generic.
                let composite = row.flags.command
                    && matches!(
                        row.nut_name,
                        "load.off" | "load.on" | "shutdown.return" | "shutdown.stayoff"
                    );
                if standard_path && generic_lookup && !seen && !composite {
                    rows.push(MappingRow {
                        subdriver: GENERIC_SUBDRIVER,
                        ..row.clone()
                    });
                }
            }
        }
        self.rows.extend(rows);
        self.subdrivers.push(Subdriver {
            order: u32::MAX,
            name: GENERIC_SUBDRIVER,
            name_string: "Generic HID 0.1",
            file: GENERIC_FILE,
            usage_table: None,
            devices: Vec::new(),
        });
    }

    /// The tables, read on first use.
    pub fn get() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(Tables::load)
    }

    /// A subdriver's mapping rows, in NUT's order.
    pub fn rows<'a>(&'a self, subdriver: &'a str) -> impl Iterator<Item = &'a MappingRow> + 'a {
        self.rows
            .iter()
            .filter(move |row| row.subdriver == subdriver)
    }

    /// The lookup table `name` as `subdriver` sees it: its own file's, else the generic one.
    pub fn lookup(&self, subdriver: &Subdriver, name: &str) -> Option<&Lookup> {
        let in_file = |file: &str| self.lookups.get(file).and_then(|tables| tables.get(name));
        in_file(subdriver.file).or_else(|| in_file(GENERIC_FILE))
    }

    /// Every subdriver, in NUT's claim order.
    pub fn subdrivers(&self) -> &[Subdriver] {
        &self.subdrivers
    }

    /// The subdriver called `name`.
    pub fn subdriver(&self, name: &str) -> Option<&Subdriver> {
        self.subdrivers
            .iter()
            .find(|subdriver| subdriver.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_load() {
        let tables = Tables::get();
        assert!(tables.subdrivers().len() >= 17);
        let apc = tables.subdriver("apc").unwrap();
        assert!(apc.name_string.starts_with("APC HID"));
        assert_eq!(apc.usage_table, Some("apc_usage_lkp"));
        assert!(apc.devices.iter().any(|d| d.vendor_id == Some(0x051d)));
        let first = tables.rows("apc").next().unwrap();
        assert_eq!(first.nut_name, "battery.charge");
        assert_eq!(first.path, "UPS.PowerSummary.RemainingCapacity");
        let online = tables.lookup(apc, "online_info").unwrap();
        assert_eq!(online.text(1), Some("online"));
        assert_eq!(online.text(0), Some("offline"));
        let dates = tables.lookup(apc, "apc_date_conversion").unwrap();
        assert_eq!(dates.function, Some("apc_date_conversion_fun"));
        let sensitivity = tables.lookup(apc, "apc_sensitivity_info").unwrap();
        assert_eq!(sensitivity.value("medium"), Some(1));
    }

    #[test]
    fn the_generic_subdriver_takes_standard_rows_only() {
        let tables = Tables::get();
        let generic = tables.subdriver(GENERIC_SUBDRIVER).unwrap();
        assert!(generic.devices.is_empty(), "claims nothing by id");
        let rows: Vec<_> = tables.rows(GENERIC_SUBDRIVER).collect();
        assert!(rows.len() > 50, "{}", rows.len());
        let names = super::super::path::PathNames::generic();
        assert!(rows.iter().all(|row| names.parse(row.path).is_ok()));
        assert!(rows.iter().any(|row| row.nut_name == "battery.charge"
            && row.path == "UPS.PowerSummary.RemainingCapacity"));
        assert!(rows.iter().all(|row| !row.path.contains("APC")));
        let mut pairs: Vec<_> = rows.iter().map(|r| (r.nut_name, r.path)).collect();
        let before = pairs.len();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), before, "no row twice");
    }

    #[test]
    fn debug_only_rows_are_left_out() {
        let tables = Tables::get();
        assert!(
            tables
                .rows("salicru")
                .all(|row| !row.nut_name.starts_with("experimental.ups.powersummary"))
        );
        let mge_dates = tables
            .rows("mge")
            .filter(|r| r.nut_name == "ups.date")
            .count();
        assert_eq!(mge_dates, 1, "only the strptime variant");
    }
}
