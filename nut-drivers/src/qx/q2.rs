//! The `q2` dialect (NUT's `nutdrv_qx_q2.c`, after 2.8.0): three-phase values from `Q2`,
//! output power from `WA`, status bits from `Q1`.

use super::items::{Conv, Query, TableDialect, WA, item};

/// The `Q2` query: per-phase input and output voltages and loads, battery, topology.
pub const Q2: Query = Query {
    command: b"Q2\r",
    min_len: 118,
    lead: Some(b'('),
    items: &[
        item("input.L1-N.voltage", 1, 5, Conv::F1),
        item("input.L2-N.voltage", 7, 11, Conv::F1),
        item("input.L3-N.voltage", 13, 17, Conv::F1),
        item("input.voltage.fault", 19, 23, Conv::F1),
        item("input.frequency", 55, 58, Conv::F1),
        item("output.L1-N.voltage", 25, 29, Conv::F1),
        item("output.L2-N.voltage", 31, 35, Conv::F1),
        item("output.L3-N.voltage", 37, 41, Conv::F1),
        item("output.L1.load", 43, 45, Conv::F0),
        item("output.L2.load", 47, 49, Conv::F0),
        item("output.L3.load", 51, 53, Conv::F0),
        item("ups.temperature", 66, 69, Conv::F1),
        item("battery.voltage", 60, 64, Conv::F1),
        item("battery.runtime", 80, 85, Conv::MinutesToSeconds),
        item("battery.charge", 87, 89, Conv::F0),
        item("experimental.input.topology", 115, 115, Conv::Topology),
        item("experimental.output.topology", 116, 116, Conv::Topology),
    ],
};

/// The dialect's table.
pub const TABLE: TableDialect = TableDialect {
    status: &[Q2, WA],
    q1_bits: true,
    ratings: false,
    ident: &[],
    static_names: &[
        "experimental.input.topology",
        "experimental.output.topology",
    ],
    claim: &[WA],
};

/// NUT's `q2_testing` reply to `Q2`.
pub const Q2_REPLY: &[u8] = b"(226.6 224.3 228.0 226.6 229.9 000.0 000.0 000 000 000 49.9 327.6 18.0 00000000 999.24 100 02 00 00 00 00 00000000 11\r";

/// NUT's testing reply to `WA` (q2, q6, innovart31/33).
pub const WA_REPLY: &[u8] =
    b"(001.4 000.0 000.0 001.4 000.0 000.0 001.4 001.4 006.5 000.0 000.0 007 00000000\r";
