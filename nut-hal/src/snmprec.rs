//! One binding in snmpsim's `.snmprec` line form, `OID|type|value`, shared by
//! [`ReplayingSnmp::from_snmprec`](crate::snmp_wrap::ReplayingSnmp::from_snmprec) and the SNMP
//! lines of the capture format ([`wrap`](crate::wrap)).
//!
//! Types are BER tag numbers: `2` INTEGER, `4` OCTET STRING, `5` NULL, `6` OBJECT IDENTIFIER,
//! `64` IpAddress, `65` Counter32, `66` Gauge32, `67` TimeTicks, `68` Opaque, `70` Counter64,
//! and, for the exception values a reply can hold, `128` noSuchObject, `129` noSuchInstance,
//! `130` endOfMibView (empty value). An `x` after the type means the value is hex.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::snmp::{Oid, SnmpValue, VarBind};

/// Bytes from hex text without separators (`"4a4b"`); `None` if it is not.
pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// Parse one `OID|type|value` line.
pub(crate) fn parse_binding(line: &str) -> Result<VarBind, &'static str> {
    let mut parts = line.splitn(3, '|');
    let (Some(oid), Some(ty), Some(val)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected OID|type|value");
    };
    let oid: Oid = oid.parse().map_err(|_| "bad OID")?;
    let (ty, hex) = match ty.strip_suffix('x') {
        Some(t) => (t, true),
        None => (ty, false),
    };
    if ty.contains(':') {
        return Err("variation modules are not supported");
    }
    let bytes = if hex {
        decode_hex(val).ok_or("bad hex value")?
    } else {
        val.as_bytes().to_vec()
    };
    let text = core::str::from_utf8(&bytes).map_err(|_| "value is not text");
    let num = |t: &str| -> Result<u64, &'static str> { t.trim().parse().map_err(|_| "bad number") };
    let small = |t: &str| -> Result<u32, &'static str> {
        u32::try_from(num(t)?).map_err(|_| "number out of range")
    };
    let value = match ty {
        "2" => SnmpValue::Integer(text?.trim().parse().map_err(|_| "bad integer")?),
        "4" => SnmpValue::OctetString(bytes),
        "5" => SnmpValue::Null,
        "6" => SnmpValue::ObjectId(text?.parse().map_err(|_| "bad OID value")?),
        "64" => {
            let mut a = [0u8; 4];
            let mut it = text?.split('.');
            for b in &mut a {
                *b = it
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("bad IpAddress")?;
            }
            if it.next().is_some() {
                return Err("bad IpAddress");
            }
            SnmpValue::IpAddress(a)
        }
        "65" => SnmpValue::Counter32(small(text?)?),
        "66" => SnmpValue::Gauge32(small(text?)?),
        "67" => SnmpValue::TimeTicks(small(text?)?),
        "68" => SnmpValue::Opaque(bytes),
        "70" => SnmpValue::Counter64(num(text?)?),
        "128" => SnmpValue::NoSuchObject,
        "129" => SnmpValue::NoSuchInstance,
        "130" => SnmpValue::EndOfMibView,
        _ => return Err("unknown type tag"),
    };
    Ok(VarBind { oid, value })
}

/// Append `vb` as one `OID|type|value` line (no newline); byte strings in hex, so the text
/// holds no spaces, `|` or line breaks.
pub(crate) fn write_binding(out: &mut String, vb: &VarBind) {
    let _ = write!(out, "{}|", vb.oid);
    let _ = match &vb.value {
        SnmpValue::Integer(i) => write!(out, "2|{i}"),
        SnmpValue::OctetString(b) => {
            out.push_str("4x|");
            push_hex(out, b);
            Ok(())
        }
        SnmpValue::Null => write!(out, "5|"),
        SnmpValue::ObjectId(o) => write!(out, "6|{o}"),
        SnmpValue::IpAddress([a, b, c, d]) => write!(out, "64|{a}.{b}.{c}.{d}"),
        SnmpValue::Counter32(v) => write!(out, "65|{v}"),
        SnmpValue::Gauge32(v) => write!(out, "66|{v}"),
        SnmpValue::TimeTicks(v) => write!(out, "67|{v}"),
        SnmpValue::Opaque(b) => {
            out.push_str("68x|");
            push_hex(out, b);
            Ok(())
        }
        SnmpValue::Counter64(v) => write!(out, "70|{v}"),
        SnmpValue::NoSuchObject => write!(out, "128|"),
        SnmpValue::NoSuchInstance => write!(out, "129|"),
        SnmpValue::EndOfMibView => write!(out, "130|"),
    };
}
