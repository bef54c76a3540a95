//! The `innovart31` and `innovart33` dialects (NUT's `nutdrv_qx_innovart31.c` and
//! `nutdrv_qx_innovart33.c`, after 2.8.0): values from `Q6` (single- or three-phase output),
//! `WA`, the bypass from `BPS`, ratings from `F`, firmware from `FW?`, serial from `SASV07?`,
//! status bits from `Q1`. Refusals are `NAK`; battery tests are acknowledged `ACK`.

use super::items::{Conv, Query, RATINGS, TableDialect, WA, item};

/// `FW?`: the firmware, the whole reply.
pub const FIRMWARE: Query = Query {
    command: b"FW?\r",
    min_len: 0,
    lead: None,
    items: &[item("ups.firmware", 0, 0, Conv::Text)],
};

/// `SASV07?`: the serial number from column 7 to the CR, trimmed.
pub const SERIAL: Query = Query {
    command: b"SASV07?\r",
    min_len: 28,
    lead: None,
    items: &[item("ups.serial", 7, 0, Conv::Text)],
};

/// innovart31's `Q6`: single-phase output.
pub const Q6_31: Query = Query {
    command: b"Q6\r",
    min_len: 110,
    lead: Some(b'('),
    items: &[
        item("input.L1-N.voltage", 1, 5, Conv::F1),
        item("input.L2-N.voltage", 7, 11, Conv::F1),
        item("input.L3-N.voltage", 13, 17, Conv::F1),
        item("input.frequency", 19, 22, Conv::F1),
        item("output.voltage", 24, 28, Conv::F1),
        item("output.frequency", 42, 45, Conv::F1),
        item("ups.load", 47, 49, Conv::F0),
        item("ups.temperature", 71, 74, Conv::F1),
        item("battery.voltage", 59, 63, Conv::F1),
        item("battery.runtime", 76, 80, Conv::F0),
        item("battery.charge", 82, 84, Conv::F0),
    ],
};

/// innovart31's `WA`: output current and totals.
pub const WA_31: Query = Query {
    command: b"WA\r",
    min_len: 80,
    lead: Some(b'('),
    items: &[
        item("output.current", 49, 53, Conv::F1),
        item("ups.realpower", 37, 41, Conv::X1000),
        item("ups.power", 43, 47, Conv::X1000),
    ],
};

/// innovart31's `BPS`: bypass voltage and frequency.
pub const BPS_31: Query = Query {
    command: b"BPS\r",
    min_len: 24,
    lead: Some(b'('),
    items: &[
        item("input.bypass.voltage", 1, 5, Conv::F1),
        item("input.bypass.frequency", 19, 22, Conv::F1),
    ],
};

/// innovart33's `Q6`: three-phase output, q6's items without its negative battery voltage
/// and topology.
pub const Q6_33: Query = Query {
    items: super::q6::Q6.items.split_at(15).0,
    ..super::q6::Q6
};

/// innovart33's `BPS`: per-phase bypass voltages and frequency.
pub const BPS_33: Query = Query {
    command: b"BPS\r",
    min_len: 24,
    lead: Some(b'('),
    items: &[
        item("input.bypass.L1-N.voltage", 1, 5, Conv::F1),
        item("input.bypass.L2-N.voltage", 7, 11, Conv::F1),
        item("input.bypass.L3-N.voltage", 13, 17, Conv::F1),
        item("input.bypass.frequency", 19, 22, Conv::F1),
    ],
};

/// `innovart31`.
pub const TABLE_31: TableDialect = TableDialect {
    status: &[Q6_31, WA_31, BPS_31],
    q1_bits: true,
    ratings: true,
    ident: &[FIRMWARE, SERIAL],
    static_names: &[],
    claim: &[WA_31, BPS_31, RATINGS, FIRMWARE, SERIAL],
};

/// `innovart33`. NUT's claim asks for `output.current` and
/// `input.bypass.voltage`, which this table does not have (so it never claims); ours asks for
/// the table's own `output.L1.current` (`WA`) and `input.bypass.L1-N.voltage` (`BPS`).
pub const TABLE_33: TableDialect = TableDialect {
    status: &[Q6_33, WA, BPS_33],
    q1_bits: true,
    ratings: true,
    ident: &[FIRMWARE, SERIAL],
    static_names: &[],
    claim: &[WA, BPS_33, RATINGS, FIRMWARE, SERIAL],
};

/// NUT's innovart testing reply to `BPS`.
pub const BPS_REPLY: &[u8] = b"(230.4 000.0 000.0 49.9\r";
/// NUT's innovart testing reply to `F`.
pub const F_REPLY: &[u8] = b"#230.0 087 288.0 50.0\r";
/// NUT's innovart testing reply to `FW?`.
pub const FW_REPLY: &[u8] = b"05516-1100\r";
/// NUT's innovart testing reply to `SASV07?`.
pub const SASV07_REPLY: &[u8] = b"GASV07DN05K10KB100004      \r";
