//! Table-driven Qx dialects (`q2`, `q6`, `gtec`, `innovart31`, `innovart33`, newer than
//! NUT 2.8.0): each query's reply is cut into columns by an item table, as NUT's `item_t`
//! rows do (`dialects/items.tsv` of the research data).
//!
//! A [`Query`] checks the reply (the dialect's refusal, minimum length counting the CR,
//! leading character) and turns every [`Item`] into a NUT variable with its conversion. A
//! [`TableDialect`] lists a dialect's status queries (polled each update), its static queries
//! (read at start) and its claim steps for auto-detection.

use super::dialect::Dialect;
use super::megatec::{ParseError, StatusReply, number};
use super::sim::SimState;

/// Why a reply to a table query was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// The UPS answered with the dialect's refusal (`NAK`).
    #[error("the UPS refused the query")]
    Refused,
    /// The reply is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// How an item's columns become a NUT value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conv {
    /// A number printed `%.1f`.
    F1,
    /// A number printed `%.0f`.
    F0,
    /// A number × 1000 printed `%.2f` (kW/kVA to W/VA, NUT's `qx_multiply_x1000`).
    X1000,
    /// Minutes × 60 printed `%.0f` (NUT's `qx_multiply_m2s`).
    MinutesToSeconds,
    /// Transformer topology bit: `1` star, `0` delta; anything else leaves the item out.
    Topology,
    /// The text, trimmed; an empty text leaves the item out.
    Text,
}

/// One item: a NUT variable from columns `from..=to` of a reply (`to` = `None`: up to the CR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The NUT variable.
    pub name: &'static str,
    /// First column (0 = the leading character).
    pub from: usize,
    /// Last column, or `None` for "up to the CR".
    pub to: Option<usize>,
    /// The conversion.
    pub conv: Conv,
}

/// A query and the items of its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// The bytes sent, CR included.
    pub command: &'static [u8],
    /// Minimum reply length, CR included.
    pub min_len: usize,
    /// Expected leading character, if any.
    pub lead: Option<u8>,
    /// The items, in table order.
    pub items: &'static [Item],
}

/// Shorthand for an item table row.
pub(crate) const fn item(name: &'static str, from: usize, to: usize, conv: Conv) -> Item {
    Item {
        name,
        from,
        to: if to == 0 { None } else { Some(to) },
        conv,
    }
}

/// The bytes of columns `from..=to`, stopping at the CR.
fn columns(reply: &[u8], from: usize, to: Option<usize>) -> &[u8] {
    let end = reply
        .iter()
        .position(|&b| b == b'\r')
        .unwrap_or(reply.len());
    let end = to.map_or(end, |to| end.min(to.saturating_add(1)));
    reply.get(from..end).unwrap_or(&[])
}

impl Query {
    /// Checks a reply and converts its items; `rejected` is the dialect's refusal (`NAK\r`).
    pub fn parse(
        &self,
        reply: &[u8],
        rejected: Option<&[u8]>,
    ) -> Result<Vec<(&'static str, String)>, ItemError> {
        if Some(reply) == rejected {
            return Err(ItemError::Refused);
        }
        if reply.len() < self.min_len {
            return Err(ParseError::TooShort {
                min: self.min_len,
                got: reply.len(),
            }
            .into());
        }
        if let Some(lead) = self.lead
            && reply.first() != Some(&lead)
        {
            return Err(ParseError::BadLeadingChar {
                expected: char::from(lead),
                got: reply.first().copied(),
            }
            .into());
        }
        let mut vars = Vec::new();
        for item in self.items {
            let bytes = columns(reply, item.from, item.to);
            let value = match item.conv {
                Conv::F1 => format!("{:.1}", number(item.name, bytes)?),
                Conv::F0 => format!("{:.0}", number(item.name, bytes)?),
                Conv::X1000 => format!("{:.2}", number(item.name, bytes)? * 1000.0),
                Conv::MinutesToSeconds => format!("{:.0}", number(item.name, bytes)? * 60.0),
                Conv::Topology => match bytes {
                    b"1" => "star".to_owned(),
                    b"0" => "delta".to_owned(),
                    _ => continue,
                },
                Conv::Text => {
                    let text = String::from_utf8_lossy(bytes).trim().to_owned();
                    if text.is_empty() {
                        continue;
                    }
                    text
                }
            };
            vars.push((item.name, value));
        }
        Ok(vars)
    }
}

/// A table-driven dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDialect {
    /// Queries read every poll; the first is the main status query.
    pub status: &'static [Query],
    /// Whether `Q1`'s status bits give `ups.status`, `ups.alarm`, `ups.type` and
    /// `ups.beeper.status` (every dialect here but gtec).
    pub q1_bits: bool,
    /// Whether `F` gives the input ratings (Megatec layout and formats).
    pub ratings: bool,
    /// Identification queries read once at start (skipped with `novendor`).
    pub ident: &'static [Query],
    /// Variables of the status queries read only at start (NUT's `QX_FLAG_STATIC`).
    pub static_names: &'static [&'static str],
    /// Claim steps besides the main status query (and `Q1` when `q1_bits`): these queries
    /// must be answered and parse.
    pub claim: &'static [Query],
}

/// The table of a table-driven dialect, `None` for the others.
pub fn table(dialect: Dialect) -> Option<&'static TableDialect> {
    match dialect {
        Dialect::Q2 => Some(&super::q2::TABLE),
        Dialect::Q6 => Some(&super::q6::TABLE),
        Dialect::Gtec => Some(&super::gtec::TABLE),
        Dialect::Innovart31 => Some(&super::innovart::TABLE_31),
        Dialect::Innovart33 => Some(&super::innovart::TABLE_33),
        _ => None,
    }
}

/// `F`: the input ratings with the Megatec formats.
pub const RATINGS: Query = Query {
    command: b"F\r",
    min_len: 22,
    lead: Some(b'#'),
    items: &[
        item("input.voltage.nominal", 1, 5, Conv::F0),
        item("input.current.nominal", 7, 9, Conv::F1),
        item("battery.voltage.nominal", 11, 15, Conv::F1),
        item("input.frequency.nominal", 17, 20, Conv::F0),
    ],
};

/// `WA`: per-phase and total output power, current and load (q2, q6, innovart33).
pub const WA: Query = Query {
    command: b"WA\r",
    min_len: 80,
    lead: Some(b'('),
    items: &[
        item("output.L1.realpower", 1, 5, Conv::X1000),
        item("output.L2.realpower", 7, 11, Conv::X1000),
        item("output.L3.realpower", 13, 17, Conv::X1000),
        item("output.L1.power", 19, 23, Conv::X1000),
        item("output.L2.power", 25, 29, Conv::X1000),
        item("output.L3.power", 31, 35, Conv::X1000),
        item("output.L1.current", 49, 53, Conv::F1),
        item("output.L2.current", 55, 59, Conv::F1),
        item("output.L3.current", 61, 65, Conv::F1),
        item("ups.realpower", 37, 41, Conv::X1000),
        item("ups.power", 43, 47, Conv::X1000),
        item("ups.load", 67, 69, Conv::F0),
    ],
};

/// Whether a table-driven dialect claims the UPS: its main status query, `Q1` (when it reads
/// the status bits), then its claim queries, must all give valid replies. `ask` returns
/// `None` for no reply or the dialect's refusal.
pub fn claims(
    dialect: Dialect,
    table: &TableDialect,
    ask: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
) -> bool {
    let rejected = dialect.rejected_reply();
    let Some(main) = table.status.first() else {
        return false;
    };
    let ok = |query: &Query, ask: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>| {
        ask(query.command).is_some_and(|r| query.parse(&r, rejected).is_ok())
    };
    if !ok(main, ask) {
        return false;
    }
    if table.q1_bits && ask(b"Q1\r").is_none_or(|r| StatusReply::parse(&r).is_err()) {
        return false;
    }
    table.claim.iter().all(|query| ok(query, ask))
}

/// Gives a simulated unit of a table-driven dialect its testing-table values.
pub fn sim_defaults(dialect: Dialect, state: &mut SimState) {
    match dialect {
        Dialect::Gtec => {
            state.input_voltage = 236.7;
            state.input_voltage_fault = 220.1;
            state.output_voltage = 230.4;
            state.load = 1;
            state.input_frequency = 50.0;
            state.battery_voltage = 41.3;
            state.temperature = 22.9;
        }
        Dialect::Innovart31 | Dialect::Innovart33 => state.rating = (230.0, 87, 288.0, 50.0),
        _ => {}
    }
}

/// A simulated table-driven unit's reply to query `text` (without the CR), as NUT's testing
/// tables give it: `Q1`, `F`, `I` and gtec's `Q4` follow the state, the others are the test
/// vectors. `None`: not one of the dialect's queries.
pub fn sim_reply(dialect: Dialect, state: &SimState, text: &str) -> Option<Vec<u8>> {
    let table = table(dialect)?;
    let command = format!("{text}\r");
    let known = table
        .status
        .iter()
        .chain(table.ident)
        .chain(table.claim)
        .any(|q| q.command == command.as_bytes());
    let reply = match text {
        "Q1" if table.q1_bits => state.q1(),
        "F" if table.ratings => state.f(),
        _ if !known => return None,
        "Q2" => super::q2::Q2_REPLY.to_vec(),
        "Q6" => super::q6::Q6_REPLY.to_vec(),
        "WA" => super::q2::WA_REPLY.to_vec(),
        "BPS" => super::innovart::BPS_REPLY.to_vec(),
        "FW?" => super::innovart::FW_REPLY.to_vec(),
        "SASV07?" => super::innovart::SASV07_REPLY.to_vec(),
        "Q4" => super::gtec::sim_q4(state),
        "I" => format!("#{}\r", state.info).into_bytes(),
        _ => return None,
    };
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: Query = Query {
        command: b"X\r",
        min_len: 12,
        lead: Some(b'('),
        items: &[
            item("a", 1, 5, Conv::F1),
            item("b", 7, 7, Conv::Topology),
            item("c", 9, 0, Conv::Text),
        ],
    };

    #[test]
    fn items_and_errors() {
        assert_eq!(
            Q.parse(b"(001.4 1 ab \r", None).unwrap(),
            [
                ("a", "1.4".to_owned()),
                ("b", "star".into()),
                ("c", "ab".into())
            ]
        );
        assert_eq!(
            Q.parse(b"(001.4 x    \r", None).unwrap(),
            [("a", "1.4".to_owned())]
        );
        assert!(matches!(
            Q.parse(b"(001.4\r", None),
            Err(ItemError::Parse(ParseError::TooShort { min: 12, got: 7 }))
        ));
        assert!(matches!(
            Q.parse(b"#001.4 1 ab \r", None),
            Err(ItemError::Parse(ParseError::BadLeadingChar { .. }))
        ));
        assert!(matches!(
            Q.parse(b"(0x1.4 1 ab \r", None),
            Err(ItemError::Parse(ParseError::NotNumeric { field: "a", .. }))
        ));
        assert_eq!(Q.parse(b"NAK\r", Some(b"NAK\r")), Err(ItemError::Refused));
    }
}
