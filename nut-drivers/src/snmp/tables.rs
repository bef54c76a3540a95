//! NUT's snmp-ups mapping tables, read from the TSV files in `data/` (see `data/SOURCES.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

const MIB2NUT: &str = include_str!("data/mib2nut.tsv");
const SNMP_INFO: &str = include_str!("data/snmp_info.tsv");
const LOOKUPS: &str = include_str!("data/lookups.tsv");
const ALARMS: &str = include_str!("data/alarms.tsv");

/// `SU_*` flag bits of an `snmp_info_t` row (names as in NUT's `snmp-ups.h`).
pub mod su {
    /// `SU_FLAG_STATIC`: read once at start-up.
    pub const STATIC: u32 = 1 << 1;
    /// `SU_FLAG_NAINVALID`: a text reading starting with `N/A` means "not available".
    pub const NAINVALID: u32 = 1 << 7;
    /// `SU_FLAG_SEMI_STATIC`: read every `semistaticfreq` polls.
    pub const SEMI_STATIC: u32 = 1 << 9;
    /// `SU_FLAG_ABSENT`: no OID to read; publish the default value.
    pub const ABSENT: u32 = 1 << 2;
    /// `SU_FLAG_NEGINVALID`: a negative reading means "not available".
    pub const NEGINVALID: u32 = 1 << 4;
    /// `SU_FLAG_UNIQUE`: once it answers, other rows of the same name are not polled.
    pub const UNIQUE: u32 = 1 << 5;
    /// `SU_FLAG_ZEROINVALID`: zero means "not available".
    pub const ZEROINVALID: u32 = 1 << 6;
    /// `SU_OUTLET_GROUP`: an outlet-group template row.
    pub const OUTLET_GROUP: u32 = 1 << 10;
    /// `SU_OUTLET`: an outlet template row.
    pub const OUTLET: u32 = 1 << 11;
    /// `SU_INPUT_1`: only on a single-phase input.
    pub const INPUT_1: u32 = 1 << 12;
    /// `SU_INPUT_3`: only on a three-phase input.
    pub const INPUT_3: u32 = 1 << 13;
    /// `SU_OUTPUT_1`: only on a single-phase output.
    pub const OUTPUT_1: u32 = 1 << 14;
    /// `SU_OUTPUT_3`: only on a three-phase output.
    pub const OUTPUT_3: u32 = 1 << 15;
    /// `SU_BYPASS_1`: only on a single-phase bypass.
    pub const BYPASS_1: u32 = 1 << 16;
    /// `SU_BYPASS_3`: only on a three-phase bypass.
    pub const BYPASS_3: u32 = 1 << 17;
    /// `SU_TYPE_CMD`: an instant command (SET of the default value).
    pub const TYPE_CMD: u32 = 1 << 20;
    /// `SU_TYPE_DAISY_1`: a daisy-chain template row.
    pub const TYPE_DAISY_1: u32 = 1 << 21;
    /// `SU_TYPE_DAISY_2`: a daisy-chain template row.
    pub const TYPE_DAISY_2: u32 = 1 << 22;
    /// `SU_AMBIENT_TEMPLATE`: an ambient-sensor template row.
    pub const AMBIENT_TEMPLATE: u32 = 1 << 26;
    /// `SU_STATUS_PWR`: feeds `ups.status` (power source).
    pub const STATUS_PWR: u32 = 1 << 28;
    /// `SU_STATUS_BATT`: feeds `ups.status` (battery).
    pub const STATUS_BATT: u32 = 1 << 29;
    /// `SU_STATUS_CAL`: feeds `ups.status` (calibration).
    pub const STATUS_CAL: u32 = 1 << 30;
    /// `SU_STATUS_RB`: feeds `ups.status` (replace battery).
    pub const STATUS_RB: u32 = 1 << 31;
    /// Any of the `SU_STATUS_*` bits.
    pub const STATUS_ANY: u32 = STATUS_PWR | STATUS_BATT | STATUS_CAL | STATUS_RB;

    /// The bits of a `SU_A | SU_B` cell; unknown names count as 0.
    pub fn parse(cell: &str) -> u32 {
        cell.split('|').map(str::trim).fold(0, |acc, name| {
            acc | match name {
                "SU_FLAG_OK" => 1,
                "SU_FLAG_STATIC" => STATIC,
                "SU_FLAG_ABSENT" => ABSENT,
                "SU_FLAG_STALE" => 1 << 3,
                "SU_FLAG_NEGINVALID" => NEGINVALID,
                "SU_FLAG_UNIQUE" => UNIQUE,
                "SU_FLAG_ZEROINVALID" => ZEROINVALID,
                "SU_FLAG_NAINVALID" => NAINVALID,
                "SU_CMD_OFFSET" => 1 << 8,
                "SU_FLAG_SEMI_STATIC" => SEMI_STATIC,
                "SU_OUTLET_GROUP" => OUTLET_GROUP,
                "SU_OUTLET" => OUTLET,
                "SU_INPUT_1" => INPUT_1,
                "SU_INPUT_3" => INPUT_3,
                "SU_OUTPUT_1" => OUTPUT_1,
                "SU_OUTPUT_3" => OUTPUT_3,
                "SU_BYPASS_1" => BYPASS_1,
                "SU_BYPASS_3" => BYPASS_3,
                "SU_TYPE_INT" => 1 << 18,
                "SU_TYPE_TIME" => 1 << 19,
                "SU_TYPE_CMD" => TYPE_CMD,
                "SU_TYPE_DAISY_1" => TYPE_DAISY_1,
                "SU_TYPE_DAISY_2" => TYPE_DAISY_2,
                "SU_TYPE_DAISY_MASTER_ONLY" | "SU_DAISY_MASTER_ONLY" => 1 << 24,
                "SU_AMBIENT_TEMPLATE" => AMBIENT_TEMPLATE,
                "SU_STATUS_PWR" => STATUS_PWR,
                "SU_STATUS_BATT" => STATUS_BATT,
                "SU_STATUS_CAL" => STATUS_CAL,
                "SU_STATUS_RB" => STATUS_RB,
                _ => 0,
            }
        })
    }
}

/// One registered mapping (`mib2nut_info_t`), in `mibs=auto` order.
#[derive(Debug, Clone, PartialEq)]
pub struct MibEntry {
    /// The C struct name (`ietf`, `tripplite_ietf`, `apc`).
    pub structure: String,
    /// The value of `mibs=` selecting it.
    pub mib_name: String,
    /// The mapping version, published as `driver.version.data`.
    pub version: String,
    /// The sysObjectID it claims (exact match), if any.
    pub sys_oid: Option<String>,
    /// The `snmp_info_t` table it uses.
    pub table: String,
    /// The C file of that table (lookup names are scoped by file).
    pub file: String,
    /// The `alarms_info_t` table it uses, if any.
    pub alarms: Option<String>,
}

/// One `alarms_info_t` row: an alarm OID (as NUT spells it) and what it raises.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmRow {
    /// The OID exactly as written in NUT's table (compared as text, leading dot and all).
    pub oid: String,
    /// The `ups.status` word it adds, if any.
    pub status: Option<String>,
    /// The `ups.alarm` text it adds, if any.
    pub text: Option<String>,
}

/// One `snmp_info_t` row.
#[derive(Debug, Clone, PartialEq)]
pub struct InfoRow {
    /// The NUT variable or command name.
    pub nut_name: String,
    /// `ST_FLAG_STRING`: the value is text (else a number times `multiplier`).
    pub string: bool,
    /// `ST_FLAG_RW`: writable.
    pub writable: bool,
    /// The multiplier of a numeric row (or the string length of a text row).
    pub multiplier: f64,
    /// The OID read, without a leading dot; `None` for rows with no OID.
    pub oid: Option<String>,
    /// The default value (the value SET by a command row).
    pub default: String,
    /// The `SU_*` bits.
    pub flags: u32,
    /// The lookup table name, if any.
    pub lookup: Option<String>,
    /// The C file the row is in (scope of `lookup`).
    pub file: String,
}

impl InfoRow {
    /// True for template rows (outlets, groups, daisy chain, ambient sensors, `%i` names);
    /// `template::expandable` says which of them the driver expands.
    pub fn is_template(&self) -> bool {
        self.flags
            & (su::OUTLET
                | su::OUTLET_GROUP
                | su::TYPE_DAISY_1
                | su::TYPE_DAISY_2
                | su::AMBIENT_TEMPLATE)
            != 0
            || self.nut_name.contains("%i")
            || self.oid.as_deref().is_some_and(|o| o.contains("%i"))
    }
}

/// All tables, parsed once.
#[derive(Debug, Default)]
pub struct Tables {
    /// The registry in `mibs=auto` order.
    pub mibs: Vec<MibEntry>,
    /// `snmp_info_t` rows per table name, in source order (rows under a build condition that
    /// is off by default are left out).
    pub info: HashMap<String, Vec<InfoRow>>,
    /// Lookups per (file, table): SNMP integer → NUT text.
    pub lookups: HashMap<(String, String), Vec<(i64, String)>>,
    /// `alarms_info_t` rows per table name, in source order.
    pub alarms: HashMap<String, Vec<AlarmRow>>,
    /// The (file, table) lookups that are conversion functions in NUT (`fun_vp2s`), which
    /// this driver does not model.
    pub functions: std::collections::HashSet<(String, String)>,
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

fn cell<'a>(row: &[&'a str], i: usize) -> &'a str {
    row.get(i).copied().unwrap_or("")
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses `alarms.tsv` (header line first); rows under an off-by-default build condition are
/// left out.
pub fn parse_alarms(text: &str) -> HashMap<String, Vec<AlarmRow>> {
    let mut alarms: HashMap<String, Vec<AlarmRow>> = HashMap::new();
    // file table mib_names oid status_token alarm_text condition source
    for r in rows(text).filter(|r| cell(r, 6).is_empty()) {
        alarms
            .entry(cell(&r, 1).into())
            .or_default()
            .push(AlarmRow {
                oid: cell(&r, 3).into(),
                status: non_empty(cell(&r, 4)),
                text: non_empty(cell(&r, 5)),
            });
    }
    alarms
}

impl Tables {
    /// The tables compiled into the driver.
    pub fn get() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| {
            let mut t = Tables::parse(MIB2NUT, SNMP_INFO, LOOKUPS);
            t.alarms = parse_alarms(ALARMS);
            t
        })
    }

    /// Parses the three TSV texts (header line first); malformed numbers read as 1.
    pub fn parse(mib2nut: &str, snmp_info: &str, lookups: &str) -> Tables {
        let mut t = Tables::default();
        // order struct mib_name version sysOID test_oid power_status_oid snmp_info_table alarms_table file condition
        for r in rows(mib2nut).filter(|r| cell(r, 10).is_empty()) {
            t.mibs.push(MibEntry {
                structure: cell(&r, 1).into(),
                mib_name: cell(&r, 2).into(),
                version: cell(&r, 3).into(),
                sys_oid: non_empty(cell(&r, 4)),
                table: cell(&r, 7).into(),
                file: cell(&r, 9).into(),
                alarms: non_empty(cell(&r, 8)),
            });
        }
        // file table mib_names row nut_name info_flags len_or_multiplier oid dfl su_flags lookup condition
        for r in rows(snmp_info).filter(|r| cell(r, 11).is_empty()) {
            let info_flags = cell(&r, 5);
            t.info.entry(cell(&r, 1).into()).or_default().push(InfoRow {
                nut_name: cell(&r, 4).into(),
                string: info_flags.contains("ST_FLAG_STRING"),
                writable: info_flags.contains("ST_FLAG_RW"),
                multiplier: cell(&r, 6).parse().unwrap_or(1.0),
                oid: non_empty(cell(&r, 7).trim_start_matches('.')),
                default: cell(&r, 8).into(),
                flags: su::parse(cell(&r, 9)),
                lookup: non_empty(cell(&r, 10)),
                file: cell(&r, 0).into(),
            });
        }
        // file table value nut_value ... condition
        for r in rows(lookups).filter(|r| cell(r, 7).is_empty()) {
            if !cell(&r, 4).is_empty() {
                t.functions.insert((cell(&r, 0).into(), cell(&r, 1).into()));
            }
            let Ok(value) = cell(&r, 2).parse::<i64>() else {
                continue;
            };
            t.lookups
                .entry((cell(&r, 0).into(), cell(&r, 1).into()))
                .or_default()
                .push((value, cell(&r, 3).into()));
        }
        t
    }

    /// The rows of `entry`'s table (empty if unknown).
    pub fn rows_of(&self, entry: &MibEntry) -> &[InfoRow] {
        self.info.get(&entry.table).map_or(&[], Vec::as_slice)
    }

    /// The text for `value` in the lookup named by `row`, if any (never for a conversion
    /// function).
    pub fn lookup(&self, row: &InfoRow, value: i64) -> Option<&str> {
        if self.is_function(row) {
            // Its rows are placeholders (`dummy`); NUT calls the function instead.
            return None;
        }
        let name = row.lookup.as_ref()?;
        self.lookups
            .get(&(row.file.clone(), name.clone()))?
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, text)| text.as_str())
    }

    /// Whether `row`'s lookup is a conversion function in NUT.
    pub fn is_function(&self, row: &InfoRow) -> bool {
        row.lookup
            .as_ref()
            .is_some_and(|name| self.functions.contains(&(row.file.clone(), name.clone())))
    }

    /// The alarm rows of `entry`'s alarms table (empty if none).
    pub fn alarms_of(&self, entry: &MibEntry) -> &[AlarmRow] {
        entry
            .alarms
            .as_ref()
            .and_then(|name| self.alarms.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// The mappings `mibs=<name>` selects, in order (all of them for `auto`).
    pub fn candidates(&self, mibs: &str) -> Vec<&MibEntry> {
        self.mibs
            .iter()
            .filter(|m| mibs == "auto" || m.mib_name == mibs || m.mib_name == renamed(mibs))
            .collect()
    }
}

/// The later tables' name of a mapping NUT 2.8.0 called `mibs` (its `pw-mib.c` and
/// `pxgx-ups-mib.c` entries, renamed with their files), so that a 2.8.0 `ups.conf` still
/// selects it; any other name is returned as it is.
pub fn renamed(mibs: &str) -> &str {
    match mibs {
        "pw" => "eaton_pw_nm2",
        "pxgx_ups" => "eaton_pxg_ups",
        other => other,
    }
}
