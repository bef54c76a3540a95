//! Template rows (`%i` in the name and OID): outlets, outlet groups and ambient sensors,
//! expanded as NUT 2.8.0's `process_template` does:
//!
//! * the instance count is the already published `outlet.count` / `outlet.group.count` /
//!   `ambient.count`; without one it is guessed by reading the row's OID at index 0 (or 1
//!   when 0 does not answer, or answers 0 on a `SU_FLAG_ZEROINVALID` row) and counting the
//!   indexes that answer from there, and the guess is published as the count;
//! * the first SNMP index (0 or 1) is probed once per kind, with the first template row of
//!   that kind that has instances: 0 if it answers, else 1, else 2 (NUT's loop runs out);
//! * the NUT index of each instance is its SNMP index, and `%i` in the default is replaced
//!   too.
//!
//! Daisy-chain templates (`SU_TYPE_DAISY_*`, two `%i`) are expanded by [`super::daisy`], not here.

use nut_hal::snmp::{Oid, Snmp, SnmpValue};

use super::driver::{answered, get_one, integer};
use super::tables::{InfoRow, su};
use crate::device::DeviceError;

/// More instances than any PDU has; stops the count guess on an agent answering everything.
const MAX_INSTANCES: i64 = 1024;

/// What a template row repeats over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// `SU_OUTLET`: `outlet.N.*`.
    Outlet,
    /// `SU_OUTLET_GROUP`: `outlet.group.N.*`.
    OutletGroup,
    /// `SU_AMBIENT_TEMPLATE`: `ambient.N.*`.
    Ambient,
}

impl TemplateKind {
    /// The kind of `row` as NUT's walk tests the flags (outlet, then group, then ambient).
    pub fn of(row: &InfoRow) -> Option<Self> {
        if row.flags & su::OUTLET != 0 {
            Some(TemplateKind::Outlet)
        } else if row.flags & su::OUTLET_GROUP != 0 {
            Some(TemplateKind::OutletGroup)
        } else if row.flags & su::AMBIENT_TEMPLATE != 0 {
            Some(TemplateKind::Ambient)
        } else {
            None
        }
    }

    /// The variable holding the number of instances.
    pub fn count_var(self) -> &'static str {
        match self {
            TemplateKind::Outlet => "outlet.count",
            TemplateKind::OutletGroup => "outlet.group.count",
            TemplateKind::Ambient => "ambient.count",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The kind of `row` if this driver expands it: a template without daisy-chain flags and
/// with at most one `%i` in its OID.
pub fn expandable(row: &InfoRow) -> Option<TemplateKind> {
    let daisy = row.flags & (su::TYPE_DAISY_1 | su::TYPE_DAISY_2) != 0;
    let one_index = row
        .oid
        .as_deref()
        .is_none_or(|o| o.matches("%i").count() <= 1);
    TemplateKind::of(row).filter(|_| !daisy && one_index)
}

/// True for rows this driver leaves out: templates it does not expand (daisy chain) and
/// plain rows whose name or OID still holds a `%i`.
pub fn skipped(row: &InfoRow) -> bool {
    row.is_template() && expandable(row).is_none()
}

/// `text` with `%i` replaced by `index` (NUT's `snprintf(…, template, index)`).
pub fn instantiate(text: &str, index: i64) -> String {
    text.replace("%i", &index.to_string())
}

/// The OID of `row` at `index`, if it has one that parses.
pub fn oid_at(row: &InfoRow, index: i64) -> Option<Oid> {
    instantiate(row.oid.as_deref()?, index).parse().ok()
}

async fn value_at<S: Snmp>(
    port: &mut S,
    row: &InfoRow,
    index: i64,
) -> Result<SnmpValue, DeviceError> {
    match oid_at(row, index) {
        Some(oid) => get_one(port, &oid).await,
        None => Ok(SnmpValue::NoSuchObject),
    }
}

/// NUT's `guestimate_template_count`: how many consecutive indexes of `row`'s OID answer.
pub async fn guess_count<S: Snmp>(port: &mut S, row: &InfoRow) -> Result<i64, DeviceError> {
    if row.oid.is_none() {
        return Ok(0);
    }
    let first = value_at(port, row, 0).await?;
    let base =
        if !answered(&first) || (row.flags & su::ZEROINVALID != 0 && integer(&first) == Some(0)) {
            1
        } else {
            0
        };
    let mut count = 0;
    while count < MAX_INSTANCES && answered(&value_at(port, row, base + count).await?) {
        count += 1;
    }
    Ok(count)
}

/// NUT's `*_template_index_base`, one per [`TemplateKind`], probed on first use.
#[derive(Debug, Clone, Default)]
pub struct IndexBases([Option<i64>; 3]);

impl IndexBases {
    /// The first SNMP index of `kind`, probing it with `row` the first time (NUT's
    /// `base_snmp_template_index`). A row without an OID gives -1 and caches nothing.
    pub async fn base<S: Snmp>(
        &mut self,
        port: &mut S,
        kind: TemplateKind,
        row: &InfoRow,
    ) -> Result<i64, DeviceError> {
        if row.oid.is_none() {
            return Ok(-1);
        }
        if let Some(base) = self.0[kind.slot()] {
            return Ok(base);
        }
        let mut base = 0;
        while base < 2 {
            let value = value_at(port, row, base).await?;
            if answered(&value) && fits(row, &value) {
                break;
            }
            base += 1;
        }
        self.0[kind.slot()] = Some(base);
        Ok(base)
    }
}

/// The `SU_FLAG_ZEROINVALID` / `SU_FLAG_NAINVALID` test of the index probe.
fn fits(row: &InfoRow, value: &SnmpValue) -> bool {
    if row.flags & su::ZEROINVALID != 0 {
        integer(value).is_some_and(|n| n != 0)
    } else if row.flags & su::NAINVALID != 0 {
        match value {
            SnmpValue::OctetString(bytes) => !bytes.starts_with(b"N/A"),
            _ => true,
        }
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use nut_hal::snmp_wrap::ReplayingSnmp;

    use super::*;

    fn row(flags: u32) -> InfoRow {
        InfoRow {
            nut_name: "outlet.%i.status".into(),
            string: false,
            writable: false,
            multiplier: 1.0,
            oid: Some("1.3.6.1.4.1.99.1.%i".into()),
            default: String::new(),
            flags,
            lookup: None,
            file: String::new(),
        }
    }

    fn agent(snmprec: &str) -> ReplayingSnmp {
        ReplayingSnmp::from_snmprec(snmprec).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn counts_and_bases_from_index_0_or_1_like_nut() {
        let from_0 = "1.3.6.1.4.1.99.1.0|2|5\n1.3.6.1.4.1.99.1.1|2|6\n";
        let from_1 = "1.3.6.1.4.1.99.1.1|2|5\n1.3.6.1.4.1.99.1.2|2|6\n1.3.6.1.4.1.99.1.3|2|7\n";
        let plain = row(su::OUTLET);
        let mut a = agent(from_0);
        assert_eq!(guess_count(&mut a, &plain).await.ok(), Some(2));
        let mut bases = IndexBases::default();
        assert_eq!(
            bases.base(&mut a, TemplateKind::Outlet, &plain).await.ok(),
            Some(0)
        );
        let mut b = agent(from_1);
        assert_eq!(guess_count(&mut b, &plain).await.ok(), Some(3));
        // The base is probed once per kind: a later row of the same kind reuses it.
        assert_eq!(
            bases.base(&mut b, TemplateKind::Outlet, &plain).await.ok(),
            Some(0)
        );
        let mut fresh = IndexBases::default();
        assert_eq!(
            fresh.base(&mut b, TemplateKind::Outlet, &plain).await.ok(),
            Some(1)
        );
        // Nothing answers: NUT's probe loop runs out at 2.
        let mut none = agent("1.3.6.1.2.1.1.1.0|4|x\n");
        assert_eq!(guess_count(&mut none, &plain).await.ok(), Some(0));
        let mut fresh = IndexBases::default();
        let ambient = TemplateKind::Ambient;
        assert_eq!(fresh.base(&mut none, ambient, &plain).await.ok(), Some(2));
    }

    #[tokio::test]
    async fn a_zero_at_index_0_of_a_zeroinvalid_row_starts_at_1() {
        let text = "1.3.6.1.4.1.99.1.0|2|0\n1.3.6.1.4.1.99.1.1|2|5\n";
        let zero_invalid = row(su::OUTLET | su::ZEROINVALID);
        let mut a = agent(text);
        assert_eq!(guess_count(&mut a, &zero_invalid).await.ok(), Some(1));
        let mut bases = IndexBases::default();
        let base = bases
            .base(&mut a, TemplateKind::Outlet, &zero_invalid)
            .await;
        assert_eq!(base.ok(), Some(1));
        // Without the flag the 0 counts: two instances from index 0.
        assert_eq!(guess_count(&mut a, &row(su::OUTLET)).await.ok(), Some(2));
    }

    #[test]
    fn daisy_chain_templates_are_not_expanded() {
        assert_eq!(expandable(&row(su::OUTLET)), Some(TemplateKind::Outlet));
        let daisy = row(su::OUTLET | su::TYPE_DAISY_1);
        assert_eq!(expandable(&daisy), None);
        assert!(skipped(&daisy));
        assert!(!skipped(&row(su::OUTLET)));
    }

    #[test]
    fn instances_replace_every_index_marker() {
        assert_eq!(instantiate("outlet.%i.status", 2), "outlet.2.status");
        assert_eq!(instantiate("%i", 7), "7");
        assert_eq!(instantiate("ups.alarm", 1), "ups.alarm");
    }
}
