//! HID paths as text: `UPS.PowerSummary.RemainingCapacity`, `UPS.Flow.[4].ConfigVoltage`,
//! `UPS.ff860005.ff86007c` (NUT-REFERENCE.md §9.4).
//!
//! A node prints as its name from the usage tables searched in order (a subdriver's vendor table,
//! then NUT's generic table), else as `[n]` for a vendor-collection index node, else as eight
//! lowercase hex digits. Reading accepts names (any case), 8-hex-digit usages and `[n]`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::descriptor::{INDEX_NODE, Usage};

/// The usage-name tables of NUT's usbhid-ups, as TSV (see `data/SOURCES.md`).
const USAGES_TSV: &str = include_str!("data/usages.tsv");

/// The name of NUT's generic table (Power Device and Battery System pages).
pub const GENERIC_TABLE: &str = "hid_usage_lkp";

/// One usage-name table: usage → name and name (lowercase) → usage.
#[derive(Debug, Default)]
pub struct UsageTable {
    names: HashMap<Usage, &'static str>,
    usages: HashMap<String, Usage>,
}

impl UsageTable {
    /// The name of `usage`, if the table has it.
    pub fn name(&self, usage: Usage) -> Option<&'static str> {
        self.names.get(&usage).copied()
    }

    /// The usage called `name` (case-insensitive), if the table has it.
    pub fn usage(&self, name: &str) -> Option<Usage> {
        self.usages.get(&name.to_ascii_lowercase()).copied()
    }

    /// How many names the table holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when the table holds no names.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn insert(&mut self, usage: Usage, name: &'static str) {
        self.names.entry(usage).or_insert(name);
        self.usages
            .entry(name.to_ascii_lowercase())
            .or_insert(usage);
    }
}

fn tables() -> &'static HashMap<&'static str, UsageTable> {
    static TABLES: OnceLock<HashMap<&'static str, UsageTable>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables: HashMap<&'static str, UsageTable> = HashMap::new();
        for line in USAGES_TSV.lines().skip(1) {
            let mut columns = line.split('\t');
            let (Some(table), Some(_file), Some(name), Some(code)) = (
                columns.next(),
                columns.next(),
                columns.next(),
                columns.next(),
            ) else {
                continue;
            };
            let Ok(usage) = u32::from_str_radix(code.trim_start_matches("0x"), 16) else {
                continue;
            };
            tables.entry(table).or_default().insert(usage, name);
        }
        tables
    })
}

/// The usage table called `name` (`hid_usage_lkp`, `apc_usage_lkp`, `mge_usage_lkp`…).
pub fn usage_table(name: &str) -> Option<&'static UsageTable> {
    tables().get(name)
}

/// NUT's generic table: names of the Power Device (0x84) and Battery System (0x85) pages.
pub fn generic_table() -> &'static UsageTable {
    static EMPTY: OnceLock<UsageTable> = OnceLock::new();
    usage_table(GENERIC_TABLE).unwrap_or_else(|| EMPTY.get_or_init(UsageTable::default))
}

/// A path string that names no usage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HID path {path:?}: {node:?} is not a usage name, [n] or 8 hex digits")]
pub struct PathError {
    /// The whole path.
    pub path: String,
    /// The node that was not understood.
    pub node: String,
}

/// Usage tables searched in order, to print and read paths.
#[derive(Debug, Clone)]
pub struct PathNames {
    tables: Vec<&'static UsageTable>,
}

impl Default for PathNames {
    fn default() -> Self {
        PathNames::generic()
    }
}

impl PathNames {
    /// The generic table only (what `explore` uses).
    pub fn generic() -> Self {
        PathNames {
            tables: vec![generic_table()],
        }
    }

    /// `vendor` first, then the generic table.
    pub fn with_vendor(vendor: &'static UsageTable) -> Self {
        PathNames {
            tables: vec![vendor, generic_table()],
        }
    }

    fn name(&self, usage: Usage) -> Option<&'static str> {
        self.tables.iter().find_map(|table| table.name(usage))
    }

    /// One node as NUT prints it.
    pub fn node(&self, usage: Usage) -> String {
        if let Some(name) = self.name(usage) {
            name.to_owned()
        } else if usage & 0xffff_ff80 == INDEX_NODE {
            format!("[{}]", usage & 0x7f)
        } else {
            format!("{usage:08x}")
        }
    }

    /// A whole path as NUT prints it.
    pub fn render(&self, path: &[Usage]) -> String {
        let nodes: Vec<String> = path.iter().map(|&usage| self.node(usage)).collect();
        nodes.join(".")
    }

    /// Reads a path string back into usages.
    pub fn parse(&self, text: &str) -> Result<Vec<Usage>, PathError> {
        text.split('.')
            .map(|node| {
                self.parse_node(node).ok_or_else(|| PathError {
                    path: text.to_owned(),
                    node: node.to_owned(),
                })
            })
            .collect()
    }

    fn parse_node(&self, node: &str) -> Option<Usage> {
        if let Some(index) = node.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            let index: u32 = index.parse().ok()?;
            return (index <= 0x7f).then_some(INDEX_NODE | index);
        }
        if let Some(usage) = self.tables.iter().find_map(|table| table.usage(node)) {
            return Some(usage);
        }
        if node.len() == 8 && node.bytes().all(|b| b.is_ascii_hexdigit()) {
            return u32::from_str_radix(node, 16).ok();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generic_table_has_both_pages() {
        let generic = generic_table();
        assert!(generic.len() > 150);
        assert_eq!(generic.name(0x00840004), Some("UPS"));
        assert_eq!(generic.name(0x00850066), Some("RemainingCapacity"));
        assert_eq!(generic.usage("remainingcapacity"), Some(0x00850066));
    }

    #[test]
    fn paths_render_names_indexes_and_hex() {
        let names = PathNames::generic();
        let path = [0x00840004, 0x0084001a, INDEX_NODE | 1, 0x00840030];
        assert_eq!(names.render(&path), "UPS.Input.[1].Voltage");
        assert_eq!(names.render(&[0x00840004, 0xff860005]), "UPS.ff860005");
    }

    #[test]
    fn paths_read_back() {
        let names = PathNames::generic();
        let text = "UPS.Input.[1].Voltage";
        let path = names.parse(text).unwrap();
        assert_eq!(names.render(&path), text);
        assert_eq!(
            names.parse("ups.powersummary.ff860060").unwrap(),
            vec![0x00840004, 0x00840024, 0xff860060]
        );
        assert_eq!(
            names.parse("UPS.NoSuchThing").unwrap_err().node,
            "NoSuchThing"
        );
        assert!(names.parse("UPS.[200]").is_err());
    }

    #[test]
    fn a_vendor_table_is_searched_first() {
        let apc = usage_table("apc_usage_lkp").unwrap();
        let names = PathNames::with_vendor(apc);
        let vendor_usage = apc.usages.values().next().copied().unwrap();
        assert_ne!(names.node(vendor_usage), format!("{vendor_usage:08x}"));
        assert_eq!(names.node(0x00840004), "UPS");
    }
}
