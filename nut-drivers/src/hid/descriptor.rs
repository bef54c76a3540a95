//! Parsing a report descriptor into NUT's model: one [`Field`] per usage-carrying report field,
//! with its usage path, report ID, type, bit offset and size, logical and physical ranges, unit
//! and unit exponent (NUT-REFERENCE.md §9.1–§9.2).
//!
//! # Why our own parser and not `hidreport`
//!
//! Splitting items is sixty lines ([`super::item`]); what matters is what NUT does with them, and
//! that is defined at the item level in ways a spec-following parser normalises away:
//! * a Collection appends the *first* pending usage to the path and, for a vendor-defined
//!   collection type (≥ 0x80), an index node rendered `[n]` — paths such as
//!   `UPS.PowerConverter.Input.[1].Voltage` are the vocabulary of every mapping table;
//! * each repetition of a main item takes the next pending usage; repetitions without a fresh
//!   usage only advance the offset and create no field (NUT has no "last usage repeats");
//! * Logical Minimum/Maximum are sign-extended from their *encoded* width, and a Logical
//!   Maximum that comes out below the minimum is re-read as unsigned and marked assumed — the
//!   encoding width is needed for that, and `hidreport` keeps only the decoded number;
//! * the unit exponent is a signed nibble.
//!
//! Where NUT is limited we go further without changing its results for descriptors it handles:
//! bit offsets are 32-bit (NUT's are 8-bit and wrap past bit 255), Usage Minimum/Maximum ranges
//! are expanded into usages (NUT ignores them, so such fields had no usage and no field),
//! Push/Pop work as the HID spec says, and descriptors longer than NUT's 6 KiB are parsed.
//! Every limit is explicit in [`Limits`].

use std::collections::BTreeMap;

use super::item::{ItemError, Items, ShortItem, tag};

/// A usage: page in the high 16 bits, id in the low 16 bits (`0x00840030` is Voltage).
pub type Usage = u32;

/// The node a vendor-defined collection adds after its usage: `INDEX_NODE | (type & 0x7F)`.
pub const INDEX_NODE: Usage = 0x00ff_0000;

/// Which of the three report types a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReportKind {
    /// Input reports: read with GET_REPORT(Input) or arriving on the interrupt pipe.
    Input,
    /// Output reports.
    Output,
    /// Feature reports: read and written with GET_REPORT/SET_REPORT(Feature).
    Feature,
}

impl ReportKind {
    /// The name NUT prints (`Input`, `Output`, `Feature`).
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Input => "Input",
            ReportKind::Output => "Output",
            ReportKind::Feature => "Feature",
        }
    }

    /// The HID report type number used in GET_REPORT/SET_REPORT's wValue high byte.
    pub fn report_type(self) -> u8 {
        match self {
            ReportKind::Input => 1,
            ReportKind::Output => 2,
            ReportKind::Feature => 3,
        }
    }
}

/// One report field NUT can address by path.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Collection usages, index nodes, then the field's own usage.
    pub path: Vec<Usage>,
    /// The report ID (0 when the descriptor declares none).
    pub report_id: u8,
    /// Input, Output or Feature.
    pub kind: ReportKind,
    /// The main item's flags (Constant, Variable, Relative…).
    pub attribute: u32,
    /// Bit offset in the report, counted after the report-ID byte.
    pub offset: u32,
    /// Size in bits.
    pub size: u32,
    /// The HID unit code (`0x00F0D121` is volt).
    pub unit: u32,
    /// The unit exponent (a signed nibble in the descriptor).
    pub unit_exponent: i8,
    /// Logical minimum.
    pub logical_min: i64,
    /// Logical maximum (after the LogMax repair, see [`Field::assumed_logical_max`]).
    pub logical_max: i64,
    /// Physical minimum, when the descriptor gave one.
    pub physical_min: Option<i64>,
    /// Physical maximum, when the descriptor gave one.
    pub physical_max: Option<i64>,
    /// The descriptor's Logical Maximum was below the minimum and was re-read as unsigned.
    pub assumed_logical_max: bool,
}

impl Field {
    /// The last node of the path: the field's own usage.
    pub fn usage(&self) -> Usage {
        self.path.last().copied().unwrap_or(0)
    }
}

/// Something the parser repaired rather than refused, to be logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Logical Maximum < Logical Minimum: the maximum was re-read as unsigned (NUT's fix-up).
    AssumedLogicalMax {
        /// Byte offset of the main item.
        at: usize,
        /// Its report ID.
        report_id: u8,
        /// The maximum as encoded (sign-extended).
        encoded: i64,
        /// The maximum used.
        assumed: i64,
    },
    /// An End Collection with no open collection was ignored.
    UnmatchedEndCollection {
        /// Byte offset of the item.
        at: usize,
    },
    /// The descriptor ended with collections still open.
    UnclosedCollections {
        /// How many were open.
        open: usize,
    },
    /// A Pop with nothing pushed was ignored.
    UnmatchedPop {
        /// Byte offset of the item.
        at: usize,
    },
}

impl core::fmt::Display for Repair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Repair::AssumedLogicalMax {
                report_id,
                encoded,
                assumed,
                ..
            } => write!(
                f,
                "LogMax is less than LogMin; interpreting LogMax {encoded} as {assumed} in ReportID: 0x{report_id:02x}"
            ),
            Repair::UnmatchedEndCollection { at } => {
                write!(
                    f,
                    "End Collection without a collection at byte {at} ignored"
                )
            }
            Repair::UnclosedCollections { open } => {
                write!(f, "descriptor ends with {open} collection(s) still open")
            }
            Repair::UnmatchedPop { at } => write!(f, "Pop without Push at byte {at} ignored"),
        }
    }
}

/// Explicit bounds on what a descriptor may ask of the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest descriptor accepted (NUT: 6144 bytes; HID allows up to 65535).
    pub max_descriptor_bytes: usize,
    /// Deepest collection nesting, counting index nodes (NUT: 10 path nodes).
    pub max_depth: usize,
    /// Most fields (NUT: 500).
    pub max_fields: usize,
    /// Most pending usages before a main item, after range expansion (NUT: 50).
    pub max_pending_usages: usize,
    /// Longest report in bytes after the ID byte (a control transfer carries at most 65535).
    pub max_report_bytes: u32,
    /// Deepest Push nesting.
    pub max_push_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_descriptor_bytes: 65_535,
            max_depth: 32,
            max_fields: 8_192,
            max_pending_usages: 4_096,
            max_report_bytes: 65_535,
            max_push_depth: 16,
        }
    }
}

/// Why a descriptor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    /// The descriptor is empty.
    #[error("the report descriptor is empty")]
    Empty,
    /// Longer than [`Limits::max_descriptor_bytes`].
    #[error("the report descriptor has {len} bytes, more than the limit of {limit}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// An item runs past the end (a short read of the descriptor).
    #[error("truncated report descriptor: {0}")]
    Truncated(#[from] ItemError),
    /// Collections nest deeper than [`Limits::max_depth`].
    #[error("collections nest deeper than {limit} at byte {at}")]
    TooDeep {
        /// Byte offset of the Collection item.
        at: usize,
        /// The limit.
        limit: usize,
    },
    /// More fields than [`Limits::max_fields`].
    #[error("more than {limit} report fields (at byte {at})")]
    TooManyFields {
        /// Byte offset of the main item.
        at: usize,
        /// The limit.
        limit: usize,
    },
    /// More pending usages than [`Limits::max_pending_usages`].
    #[error("more than {limit} usages before one main item (at byte {at})")]
    TooManyUsages {
        /// Byte offset of the Usage or Usage Maximum item.
        at: usize,
        /// The limit.
        limit: usize,
    },
    /// A report grows past [`Limits::max_report_bytes`].
    #[error("report 0x{report_id:02x} grows past {limit} bytes at byte {at}")]
    ReportTooLong {
        /// Byte offset of the main item.
        at: usize,
        /// The report ID.
        report_id: u8,
        /// The limit.
        limit: u32,
    },
    /// More nested Push items than [`Limits::max_push_depth`].
    #[error("Push nests deeper than {limit} at byte {at}")]
    TooManyPushes {
        /// Byte offset of the Push item.
        at: usize,
        /// The limit.
        limit: usize,
    },
}

/// A parsed report descriptor.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDescriptor {
    fields: Vec<Field>,
    report_bits: BTreeMap<(u8, ReportKind), u32>,
    repairs: Vec<Repair>,
}

impl ReportDescriptor {
    /// Parses `bytes` with the default [`Limits`].
    pub fn parse(bytes: &[u8]) -> Result<Self, DescriptorError> {
        Self::parse_with_limits(bytes, &Limits::default())
    }

    /// Parses `bytes` within `limits`.
    pub fn parse_with_limits(bytes: &[u8], limits: &Limits) -> Result<Self, DescriptorError> {
        if bytes.is_empty() {
            return Err(DescriptorError::Empty);
        }
        if bytes.len() > limits.max_descriptor_bytes {
            return Err(DescriptorError::TooLong {
                len: bytes.len(),
                limit: limits.max_descriptor_bytes,
            });
        }
        let mut parser = Parser::new(limits);
        for item in Items::new(bytes) {
            parser.item(&item?)?;
        }
        Ok(parser.finish())
    }

    /// Every field, in descriptor order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Every field, for descriptor fix-ups.
    pub fn fields_mut(&mut self) -> &mut [Field] {
        &mut self.fields
    }

    /// What the parser repaired, in order.
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    /// The length of report `report_id` of `kind` on the wire, report-ID byte included; `None`
    /// when the descriptor declares no such report.
    pub fn report_len(&self, report_id: u8, kind: ReportKind) -> Option<usize> {
        let bits = *self.report_bits.get(&(report_id, kind))?;
        Some(1 + bits.div_ceil(8) as usize)
    }

    /// The longest of a report ID's Input, Output and Feature reports, report-ID byte included
    /// (NUT keeps one length per report ID and asks for that many bytes).
    pub fn report_id_len(&self, report_id: u8) -> Option<usize> {
        ReportKind::ALL
            .into_iter()
            .filter_map(|kind| self.report_len(report_id, kind))
            .max()
    }

    /// The report IDs that have a report of `kind`, ascending.
    pub fn report_ids(&self, kind: ReportKind) -> impl Iterator<Item = u8> + '_ {
        self.report_bits
            .keys()
            .filter(move |(_, k)| *k == kind)
            .map(|(id, _)| *id)
    }

    /// The field of `kind` at `path`: an exact match if there is one, else — as NUT does — the
    /// first field whose path begins with `path`.
    pub fn find(&self, path: &[Usage], kind: ReportKind) -> Option<&Field> {
        let of_kind = || self.fields.iter().filter(move |field| field.kind == kind);
        of_kind()
            .find(|field| field.path == path)
            .or_else(|| of_kind().find(|field| field.path.starts_with(path)))
    }
}

/// A Logical Minimum/Maximum as encoded: both readings are kept for the LogMax repair.
#[derive(Debug, Clone, Copy, Default)]
struct Encoded {
    signed: i64,
    unsigned: i64,
}

impl Encoded {
    fn of(item: &ShortItem<'_>) -> Self {
        Encoded {
            signed: i64::from(item.signed()),
            unsigned: i64::from(item.unsigned()),
        }
    }
}

/// The global item state (pushed and popped as a whole).
#[derive(Debug, Clone, Copy, Default)]
struct Globals {
    usage_page: u16,
    logical_min: Encoded,
    logical_max: Encoded,
    physical_min: Option<i64>,
    physical_max: Option<i64>,
    unit_exponent: i8,
    unit: u32,
    report_size: u32,
    report_id: u8,
    report_count: u32,
}

/// One open collection: how many path nodes it added (its usage, and maybe an index node).
#[derive(Debug, Clone, Copy)]
struct OpenCollection {
    nodes: usize,
}

struct Parser<'l> {
    limits: &'l Limits,
    globals: Globals,
    pushed: Vec<Globals>,
    usages: Vec<Usage>,
    usage_minimum: Option<Usage>,
    /// The current Logical Maximum is the result of the LogMax repair.
    maximum_repaired: bool,
    path: Vec<Usage>,
    open: Vec<OpenCollection>,
    offsets: BTreeMap<(u8, ReportKind), u32>,
    fields: Vec<Field>,
    repairs: Vec<Repair>,
}

impl<'l> Parser<'l> {
    fn new(limits: &'l Limits) -> Self {
        Parser {
            limits,
            globals: Globals::default(),
            pushed: Vec::new(),
            usages: Vec::new(),
            usage_minimum: None,
            maximum_repaired: false,
            path: Vec::new(),
            open: Vec::new(),
            offsets: BTreeMap::new(),
            fields: Vec::new(),
            repairs: Vec::new(),
        }
    }

    fn finish(mut self) -> ReportDescriptor {
        if !self.open.is_empty() {
            self.repairs.push(Repair::UnclosedCollections {
                open: self.open.len(),
            });
        }
        ReportDescriptor {
            fields: self.fields,
            report_bits: self.offsets,
            repairs: self.repairs,
        }
    }

    fn item(&mut self, item: &ShortItem<'_>) -> Result<(), DescriptorError> {
        let globals = &mut self.globals;
        match item.tag {
            tag::INPUT => self.main(item, ReportKind::Input)?,
            tag::OUTPUT => self.main(item, ReportKind::Output)?,
            tag::FEATURE => self.main(item, ReportKind::Feature)?,
            tag::COLLECTION => self.collection(item)?,
            tag::END_COLLECTION => self.end_collection(item),
            tag::USAGE_PAGE => globals.usage_page = item.unsigned() as u16,
            tag::LOGICAL_MINIMUM => {
                globals.logical_min = Encoded::of(item);
                self.maximum_repaired = false;
            }
            tag::LOGICAL_MAXIMUM => {
                globals.logical_max = Encoded::of(item);
                self.maximum_repaired = false;
            }
            tag::PHYSICAL_MINIMUM => globals.physical_min = Some(i64::from(item.signed())),
            tag::PHYSICAL_MAXIMUM => globals.physical_max = Some(i64::from(item.signed())),
            tag::UNIT_EXPONENT => globals.unit_exponent = unit_exponent(item),
            tag::UNIT => globals.unit = item.unsigned(),
            tag::REPORT_SIZE => globals.report_size = item.unsigned(),
            tag::REPORT_ID => globals.report_id = item.unsigned() as u8,
            tag::REPORT_COUNT => globals.report_count = item.unsigned(),
            tag::PUSH => self.push(item)?,
            tag::POP => self.pop(item),
            tag::USAGE => {
                let usage = self.usage(item);
                self.pend(item.at, core::iter::once(usage))?;
            }
            tag::USAGE_MINIMUM => self.usage_minimum = Some(self.usage(item)),
            tag::USAGE_MAXIMUM => self.usage_range(item)?,
            _ => {}
        }
        Ok(())
    }

    /// A Usage item: four bytes carry the page; shorter ones use the current Usage Page.
    fn usage(&self, item: &ShortItem<'_>) -> Usage {
        if item.data.len() == 4 {
            item.unsigned()
        } else {
            (u32::from(self.globals.usage_page) << 16) | (item.unsigned() & 0xffff)
        }
    }

    fn pend(
        &mut self,
        at: usize,
        usages: impl Iterator<Item = Usage>,
    ) -> Result<(), DescriptorError> {
        for usage in usages {
            if self.usages.len() >= self.limits.max_pending_usages {
                return Err(DescriptorError::TooManyUsages {
                    at,
                    limit: self.limits.max_pending_usages,
                });
            }
            self.usages.push(usage);
        }
        Ok(())
    }

    /// Usage Maximum closes a range opened by Usage Minimum: every usage in it becomes pending.
    fn usage_range(&mut self, item: &ShortItem<'_>) -> Result<(), DescriptorError> {
        let maximum = self.usage(item);
        let Some(minimum) = self.usage_minimum.take() else {
            return Ok(());
        };
        if maximum < minimum {
            return Ok(());
        }
        let count = (maximum - minimum) as usize + 1;
        if self.usages.len() + count > self.limits.max_pending_usages {
            return Err(DescriptorError::TooManyUsages {
                at: item.at,
                limit: self.limits.max_pending_usages,
            });
        }
        self.pend(item.at, minimum..=maximum)
    }

    fn reset_locals(&mut self) {
        self.usages.clear();
        self.usage_minimum = None;
    }

    fn collection(&mut self, item: &ShortItem<'_>) -> Result<(), DescriptorError> {
        let collection_type = item.unsigned() & 0xff;
        let usage = self.usages.first().copied().unwrap_or(0);
        let mut nodes = vec![usage];
        if collection_type >= 0x80 {
            nodes.push(INDEX_NODE | (collection_type & 0x7f));
        }
        if self.path.len() + nodes.len() > self.limits.max_depth {
            return Err(DescriptorError::TooDeep {
                at: item.at,
                limit: self.limits.max_depth,
            });
        }
        self.open.push(OpenCollection { nodes: nodes.len() });
        self.path.extend(nodes);
        self.reset_locals();
        Ok(())
    }

    fn end_collection(&mut self, item: &ShortItem<'_>) {
        match self.open.pop() {
            Some(collection) => {
                let keep = self.path.len().saturating_sub(collection.nodes);
                self.path.truncate(keep);
            }
            None => self
                .repairs
                .push(Repair::UnmatchedEndCollection { at: item.at }),
        }
        self.reset_locals();
    }

    fn push(&mut self, item: &ShortItem<'_>) -> Result<(), DescriptorError> {
        if self.pushed.len() >= self.limits.max_push_depth {
            return Err(DescriptorError::TooManyPushes {
                at: item.at,
                limit: self.limits.max_push_depth,
            });
        }
        self.pushed.push(self.globals);
        Ok(())
    }

    fn pop(&mut self, item: &ShortItem<'_>) {
        match self.pushed.pop() {
            Some(globals) => {
                self.globals = globals;
                self.maximum_repaired = false;
            }
            None => self.repairs.push(Repair::UnmatchedPop { at: item.at }),
        }
    }

    /// The logical range of a new field, with NUT's LogMax repair. The repaired maximum
    /// replaces the global one, so later main items under it are not repaired (nor logged)
    /// again — as NUT logs it once per Logical Maximum item.
    fn logical_range(&mut self, at: usize) -> (i64, i64, bool) {
        if self.maximum_repaired {
            let Globals {
                logical_min,
                logical_max,
                ..
            } = self.globals;
            return (logical_min.signed, logical_max.signed, true);
        }
        let Globals {
            logical_min,
            logical_max,
            report_id,
            ..
        } = self.globals;
        let minimum = logical_min.signed;
        if logical_max.signed >= minimum {
            return (minimum, logical_max.signed, false);
        }
        self.repairs.push(Repair::AssumedLogicalMax {
            at,
            report_id,
            encoded: logical_max.signed,
            assumed: logical_max.unsigned,
        });
        self.globals.logical_max.signed = logical_max.unsigned;
        self.maximum_repaired = true;
        (minimum, logical_max.unsigned, true)
    }

    fn main(&mut self, item: &ShortItem<'_>, kind: ReportKind) -> Result<(), DescriptorError> {
        let Globals {
            report_id,
            report_size,
            report_count,
            ..
        } = self.globals;
        let start = self
            .offsets
            .get(&(report_id, kind))
            .copied()
            .unwrap_or_default();
        let too_long = DescriptorError::ReportTooLong {
            at: item.at,
            report_id,
            limit: self.limits.max_report_bytes,
        };
        let end = u64::from(report_size) * u64::from(report_count) + u64::from(start);
        if end > u64::from(self.limits.max_report_bytes) * 8 {
            return Err(too_long);
        }
        let with_usage = (report_count as usize).min(self.usages.len());
        if self.fields.len() + with_usage > self.limits.max_fields {
            return Err(DescriptorError::TooManyFields {
                at: item.at,
                limit: self.limits.max_fields,
            });
        }
        if with_usage > 0 {
            let (logical_min, logical_max, assumed_logical_max) = self.logical_range(item.at);
            let globals = self.globals;
            for (repetition, usage) in self.usages.iter().take(with_usage).enumerate() {
                let mut path = self.path.clone();
                path.push(*usage);
                self.fields.push(Field {
                    path,
                    report_id,
                    kind,
                    attribute: item.unsigned(),
                    offset: start + repetition as u32 * report_size,
                    size: report_size,
                    unit: globals.unit,
                    unit_exponent: globals.unit_exponent,
                    logical_min,
                    logical_max,
                    physical_min: globals.physical_min,
                    physical_max: globals.physical_max,
                    assumed_logical_max,
                });
            }
        }
        self.offsets.insert((report_id, kind), end as u32);
        self.reset_locals();
        Ok(())
    }
}

/// The Unit Exponent is a signed nibble (0x0E is -2); a value encoded as a whole signed byte
/// (outside 0..=15) is read as that byte.
fn unit_exponent(item: &ShortItem<'_>) -> i8 {
    match item.unsigned() {
        raw @ 0..=7 => raw as i8,
        raw @ 8..=15 => raw as i8 - 16,
        _ => item.signed().clamp(-128, 127) as i8,
    }
}

impl ReportKind {
    /// All three kinds, in NUT's order.
    pub const ALL: [ReportKind; 3] = [ReportKind::Input, ReportKind::Output, ReportKind::Feature];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UPS { PowerSummary { Voltage (id 9, 16 bit, V 10^-2) ; PresentStatus { 2 bits + pad } } }
    const SMALL: &[u8] = &[
        0x05, 0x84, 0x09, 0x04, 0xa1,
        0x01, // Usage Page 0x84, Usage UPS, Collection Application
        0x09, 0x24, 0xa1, 0x00, // Usage PowerSummary, Collection Physical
        0x85, 0x09, 0x09, 0x30, 0x75, 0x10, 0x95, 0x01, 0x15, 0x00, 0x27, 0xff, 0xff, 0x00, 0x00,
        0x67, 0x21, 0xd1, 0xf0, 0x00, 0x55, 0x05, 0xb1, 0xa2, // Feature Voltage
        0x09, 0x02, 0xa1, 0x02, 0x85, 0x16, 0x05, 0x85, 0x75, 0x01, 0x25, 0x01, 0x09, 0x44, 0x09,
        0x45, 0x95, 0x02, 0x81, 0xa2, // Input Charging, Discharging
        0x95, 0x06, 0x81, 0x01, // padding
        0xc0, 0xc0, 0xc0,
    ];

    #[test]
    fn fields_get_their_paths_offsets_and_ranges() {
        let descriptor = ReportDescriptor::parse(SMALL).unwrap();
        let fields = descriptor.fields();
        assert_eq!(fields.len(), 3);
        let voltage = &fields[0];
        assert_eq!(voltage.path, vec![0x00840004, 0x00840024, 0x00840030]);
        assert_eq!(
            (
                voltage.report_id,
                voltage.kind,
                voltage.offset,
                voltage.size
            ),
            (9, ReportKind::Feature, 0, 16)
        );
        assert_eq!((voltage.logical_min, voltage.logical_max), (0, 65535));
        assert_eq!((voltage.unit, voltage.unit_exponent), (0x00F0_D121, 5));
        let discharging = &fields[2];
        assert_eq!(
            discharging.path,
            vec![0x00840004, 0x00840024, 0x00840002, 0x00850045]
        );
        assert_eq!((discharging.offset, discharging.size), (1, 1));
        assert_eq!(descriptor.report_len(0x16, ReportKind::Input), Some(2));
        assert_eq!(descriptor.report_len(0x09, ReportKind::Feature), Some(3));
        assert_eq!(descriptor.report_len(0x09, ReportKind::Input), None);
        assert!(descriptor.repairs().is_empty());
    }

    #[test]
    fn a_logical_maximum_below_the_minimum_is_read_unsigned() {
        let bytes = [
            0x05, 0x84, 0x85, 0x0c, 0x15, 0x00, 0x25, 0xff, 0x75, 0x08, 0x95, 0x01, 0x09, 0x66,
            0xb1, 0xa2,
        ];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let field = &descriptor.fields()[0];
        assert_eq!(field.logical_max, 255);
        assert!(field.assumed_logical_max);
        assert_eq!(
            descriptor.repairs(),
            &[Repair::AssumedLogicalMax {
                at: 14,
                report_id: 0x0c,
                encoded: -1,
                assumed: 255
            }]
        );
    }

    #[test]
    fn a_vendor_collection_adds_an_index_node() {
        let bytes = [
            0x05, 0x84, 0x09, 0x1a, 0xa1, 0x81, 0x09, 0x30, 0x75, 0x08, 0x95, 0x01, 0xb1, 0x02,
            0xc0,
        ];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        assert_eq!(
            descriptor.fields()[0].path,
            vec![0x0084001a, INDEX_NODE | 1, 0x00840030]
        );
    }

    #[test]
    fn repetitions_without_a_fresh_usage_create_no_field() {
        // Two usages, count 4: two fields, offsets 0 and 8; the report is 4 bytes long.
        let bytes = [
            0x05, 0x84, 0x85, 0x01, 0x09, 0x30, 0x09, 0x31, 0x75, 0x08, 0x95, 0x04, 0x81, 0x02,
        ];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let offsets: Vec<_> = descriptor.fields().iter().map(|f| f.offset).collect();
        assert_eq!(offsets, vec![0, 8]);
        assert_eq!(descriptor.report_len(1, ReportKind::Input), Some(5));
    }

    #[test]
    fn usage_ranges_are_expanded() {
        let bytes = [
            0x05, 0x85, 0x19, 0x44, 0x29, 0x46, 0x75, 0x01, 0x95, 0x03, 0x81, 0x02,
        ];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let usages: Vec<_> = descriptor.fields().iter().map(Field::usage).collect();
        assert_eq!(usages, vec![0x00850044, 0x00850045, 0x00850046]);
    }

    #[test]
    fn offsets_past_bit_255_are_kept() {
        // 40 padding bytes, then one field: NUT's 8-bit offset would wrap to 64.
        let bytes = [
            0x05, 0x84, 0x75, 0x08, 0x95, 0x28, 0xb1, 0x01, 0x95, 0x01, 0x09, 0x30, 0xb1, 0x02,
        ];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        assert_eq!(descriptor.fields()[0].offset, 320);
    }

    #[test]
    fn push_and_pop_restore_the_globals() {
        let bytes = [
            0x05, 0x84, 0x75, 0x10, 0x95, 0x01, 0xa4, 0x75, 0x08, 0x09, 0x30, 0xb1, 0x02, 0xb4,
            0x09, 0x31, 0xb1, 0x02,
        ];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let sizes: Vec<_> = descriptor.fields().iter().map(|f| f.size).collect();
        assert_eq!(sizes, vec![8, 16]);
    }

    #[test]
    fn limits_give_typed_errors() {
        assert_eq!(ReportDescriptor::parse(&[]), Err(DescriptorError::Empty));
        let deep: Vec<u8> = core::iter::repeat_n([0x09, 0x01, 0xa1, 0x00], 40)
            .flatten()
            .collect();
        assert!(matches!(
            ReportDescriptor::parse(&deep),
            Err(DescriptorError::TooDeep { limit: 32, .. })
        ));
        let huge_count = [0x75, 0x20, 0x97, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01];
        assert!(matches!(
            ReportDescriptor::parse(&huge_count),
            Err(DescriptorError::ReportTooLong { .. })
        ));
        let range = [0x19, 0x00, 0x2a, 0xff, 0xff];
        assert!(matches!(
            ReportDescriptor::parse(&range),
            Err(DescriptorError::TooManyUsages { .. })
        ));
        assert!(matches!(
            ReportDescriptor::parse(&[0x09, 0x04, 0x27, 0xff]),
            Err(DescriptorError::Truncated(_))
        ));
    }

    #[test]
    fn unbalanced_structure_is_repaired_and_reported() {
        let bytes = [0xc0, 0xb4, 0x09, 0x04, 0xa1, 0x01];
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        assert_eq!(
            descriptor.repairs(),
            &[
                Repair::UnmatchedEndCollection { at: 0 },
                Repair::UnmatchedPop { at: 1 },
                Repair::UnclosedCollections { open: 1 }
            ]
        );
    }

    #[test]
    fn unit_exponents_are_signed_nibbles() {
        let exponent = |data: &[u8]| {
            unit_exponent(&ShortItem {
                at: 0,
                tag: tag::UNIT_EXPONENT,
                data,
            })
        };
        assert_eq!(exponent(&[0x05]), 5);
        assert_eq!(exponent(&[0x0e]), -2);
        assert_eq!(exponent(&[0xfe]), -2);
    }

    #[test]
    fn find_prefers_an_exact_path_then_a_prefix() {
        let descriptor = ReportDescriptor::parse(SMALL).unwrap();
        let status = [0x00840004, 0x00840024, 0x00840002];
        let found = descriptor.find(&status, ReportKind::Input).unwrap();
        assert_eq!(
            found.usage(),
            0x00850044,
            "prefix: the first field under it"
        );
        let voltage = [0x00840004, 0x00840024, 0x00840030];
        assert!(descriptor.find(&voltage, ReportKind::Input).is_none());
        assert_eq!(
            descriptor
                .find(&voltage, ReportKind::Feature)
                .unwrap()
                .report_id,
            9
        );
    }
}
