//! The `q6` dialect (NUT's `nutdrv_qx_q6.c`, after 2.8.0): three-phase values from `Q6`,
//! output power from `WA`, status bits from `Q1`.

use super::items::{Conv, Query, TableDialect, WA, item};

/// The `Q6` query: per-phase voltages and loads, frequencies, battery, topology.
pub const Q6: Query = Query {
    command: b"Q6\r",
    min_len: 110,
    lead: Some(b'('),
    items: &[
        item("input.L1-N.voltage", 1, 5, Conv::F1),
        item("input.L2-N.voltage", 7, 11, Conv::F1),
        item("input.L3-N.voltage", 13, 17, Conv::F1),
        item("input.frequency", 19, 22, Conv::F1),
        item("output.L1-N.voltage", 24, 28, Conv::F1),
        item("output.L2-N.voltage", 30, 34, Conv::F1),
        item("output.L3-N.voltage", 36, 40, Conv::F1),
        item("output.frequency", 42, 45, Conv::F1),
        item("output.L1.load", 47, 49, Conv::F0),
        item("output.L2.load", 51, 53, Conv::F0),
        item("output.L3.load", 55, 57, Conv::F0),
        item("ups.temperature", 71, 74, Conv::F1),
        item("battery.voltage", 59, 63, Conv::F1),
        item("battery.runtime", 76, 80, Conv::F0),
        item("battery.charge", 82, 84, Conv::F0),
        item("experimental.battery.voltage.negative", 65, 69, Conv::F1),
        item("experimental.input.topology", 107, 107, Conv::Topology),
        item("experimental.output.topology", 108, 108, Conv::Topology),
    ],
};

/// The dialect's table.
pub const TABLE: TableDialect = TableDialect {
    status: &[Q6, WA],
    q1_bits: true,
    ratings: false,
    ident: &[],
    static_names: &[
        "experimental.input.topology",
        "experimental.output.topology",
    ],
    claim: &[WA],
};

/// NUT's testing reply to `Q6` (q6, innovart31/33).
pub const Q6_REPLY: &[u8] = b"(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 327.8 000.0 23.0 06932 100 32 00000000 00000000 11\r";
