//! The SNMP and Modbus lines of the capture format; see [`capture`](super::capture).
//!
//! One request and its answer per line. SNMP bindings are written as in snmpsim's
//! `.snmprec` files (`OID|type|value`, byte strings as hex), separated by spaces:
//!
//! ```text
//! snmp get 1.3.6.1.2.1.33.1.2.4.0 = 1.3.6.1.2.1.33.1.2.4.0|2|100
//! snmp get-next 1.3.6.1.2.1.33.1.2 = 1.3.6.1.2.1.33.1.2.1.0|2|2
//! snmp get-bulk 0 2 1.3.6.1.2.1.1 = 1.3.6.1.2.1.1.1.0|4x|525053 1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.5491
//! snmp walk 1.3.6.1.2.1.33.1.4 = 1.3.6.1.2.1.33.1.4.1.0|2|3
//! snmp set 1.3.6.1.2.1.33.1.9.1.0|2|230 = 1.3.6.1.2.1.33.1.9.1.0|2|230
//! snmp get 1.3.6.1.2.1.33.1.2.99.0 = error timeout
//! ```
//!
//! Modbus lines name the function, then the protocol address and count (decimal); registers
//! are four hex digits, coils and discrete inputs `0` or `1`. A write that failed ends in
//! ` = error <kind>`, as `set` does:
//!
//! ```text
//! modbus read-holding 128 2 = 0000 0e10
//! modbus read-input 0 2 = 03e8 03e9
//! modbus read-coils 0 4 = 0 1 1 0
//! modbus read-discrete 0 2 = 1 0
//! modbus read-holding 9000 1 = error protocol
//! modbus write-register 1024 beef
//! modbus write-registers 1025 0001 0002
//! modbus write-coil 3 1
//! modbus write-coils 8 1 0 1 = error protocol
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use super::capture::{
    Exchange, Parsed, kind_token, next_word, parse_error, parse_hex_tokens, split_eq,
};
use crate::error::ErrorKind;
use crate::snmp::{Oid, VarBind};
use crate::snmprec::{parse_binding, write_binding};

/// An SNMP request as a capture records it (one [`Snmp`](crate::snmp::Snmp) call).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SnmpRequest {
    /// GET of these OIDs.
    Get(Vec<Oid>),
    /// GETNEXT from these OIDs.
    GetNext(Vec<Oid>),
    /// GETBULK.
    GetBulk {
        /// How many leading OIDs get one answer each.
        non_repeaters: u32,
        /// How many answers each other OID gets at most.
        max_repetitions: u32,
        /// The OIDs.
        oids: Vec<Oid>,
    },
    /// A walk of the subtree under this OID.
    Walk(Oid),
    /// SET of these bindings.
    Set(Vec<VarBind>),
}

/// A Modbus request as a capture records it (one [`Modbus`](crate::modbus::Modbus) call).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModbusRequest {
    /// Function 0x03 from `addr`, `count` registers.
    ReadHolding {
        /// First address.
        addr: u16,
        /// How many registers.
        count: u16,
    },
    /// Function 0x04 from `addr`, `count` registers.
    ReadInput {
        /// First address.
        addr: u16,
        /// How many registers.
        count: u16,
    },
    /// Function 0x01 from `addr`, `count` coils.
    ReadCoils {
        /// First address.
        addr: u16,
        /// How many coils.
        count: u16,
    },
    /// Function 0x02 from `addr`, `count` inputs.
    ReadDiscrete {
        /// First address.
        addr: u16,
        /// How many inputs.
        count: u16,
    },
    /// Function 0x06.
    WriteRegister {
        /// The address.
        addr: u16,
        /// The value written.
        value: u16,
    },
    /// Function 0x10.
    WriteRegisters {
        /// First address.
        addr: u16,
        /// The values written.
        values: Vec<u16>,
    },
    /// Function 0x05.
    WriteCoil {
        /// The address.
        addr: u16,
        /// The value written.
        value: bool,
    },
    /// Function 0x0F.
    WriteCoils {
        /// First address.
        addr: u16,
        /// The values written.
        values: Vec<bool>,
    },
}

/// What a Modbus unit answered to a request that did not fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModbusReply {
    /// The registers a register read gave.
    Registers(Vec<u16>),
    /// The bits a coil or discrete-input read gave.
    Bits(Vec<bool>),
    /// A write was done.
    Written,
}

impl From<Vec<u16>> for ModbusReply {
    fn from(values: Vec<u16>) -> Self {
        ModbusReply::Registers(values)
    }
}

impl From<Vec<bool>> for ModbusReply {
    fn from(values: Vec<bool>) -> Self {
        ModbusReply::Bits(values)
    }
}

impl From<()> for ModbusReply {
    fn from((): ()) -> Self {
        ModbusReply::Written
    }
}

fn oids(out: &mut String, list: &[Oid]) {
    for o in list {
        let _ = write!(out, " {o}");
    }
}

fn bindings(out: &mut String, list: &[VarBind]) {
    for (i, vb) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_binding(out, vb);
    }
}

fn error(out: &mut String, kind: ErrorKind) {
    out.push_str("error ");
    out.push_str(kind_token(kind));
}

fn words(out: &mut String, values: &[u16]) {
    for v in values {
        let _ = write!(out, " {v:04x}");
    }
}

fn bits(out: &mut String, values: &[bool]) {
    for v in values {
        out.push_str(if *v { " 1" } else { " 0" });
    }
}

fn write_snmp(out: &mut String, request: &SnmpRequest, reply: &Result<Vec<VarBind>, ErrorKind>) {
    out.push_str("snmp ");
    match request {
        SnmpRequest::Get(list) => {
            out.push_str("get");
            oids(out, list);
        }
        SnmpRequest::GetNext(list) => {
            out.push_str("get-next");
            oids(out, list);
        }
        SnmpRequest::GetBulk {
            non_repeaters,
            max_repetitions,
            oids: list,
        } => {
            let _ = write!(out, "get-bulk {non_repeaters} {max_repetitions}");
            oids(out, list);
        }
        SnmpRequest::Walk(root) => {
            let _ = write!(out, "walk {root}");
        }
        SnmpRequest::Set(list) => {
            out.push_str("set ");
            bindings(out, list);
        }
    }
    out.push_str(" = ");
    match reply {
        Ok(list) => bindings(out, list),
        Err(kind) => error(out, *kind),
    }
}

fn write_modbus(out: &mut String, request: &ModbusRequest, reply: &Result<ModbusReply, ErrorKind>) {
    out.push_str("modbus ");
    let _ = match request {
        ModbusRequest::ReadHolding { addr, count } => write!(out, "read-holding {addr} {count}"),
        ModbusRequest::ReadInput { addr, count } => write!(out, "read-input {addr} {count}"),
        ModbusRequest::ReadCoils { addr, count } => write!(out, "read-coils {addr} {count}"),
        ModbusRequest::ReadDiscrete { addr, count } => {
            write!(out, "read-discrete {addr} {count}")
        }
        ModbusRequest::WriteRegister { addr, value } => {
            write!(out, "write-register {addr} {value:04x}")
        }
        ModbusRequest::WriteRegisters { addr, values } => {
            let _ = write!(out, "write-registers {addr}");
            words(out, values);
            Ok(())
        }
        ModbusRequest::WriteCoil { addr, value } => {
            write!(out, "write-coil {addr} {}", u8::from(*value))
        }
        ModbusRequest::WriteCoils { addr, values } => {
            let _ = write!(out, "write-coils {addr}");
            bits(out, values);
            Ok(())
        }
    };
    match reply {
        Ok(ModbusReply::Written) => {}
        Ok(ModbusReply::Registers(values)) => {
            out.push_str(" =");
            words(out, values);
        }
        Ok(ModbusReply::Bits(values)) => {
            out.push_str(" =");
            bits(out, values);
        }
        Err(kind) => {
            out.push_str(" = ");
            error(out, *kind);
        }
    }
}

/// Append the text of an SNMP or Modbus exchange (others write nothing).
pub(super) fn write_net(out: &mut String, exchange: &Exchange) {
    match exchange {
        Exchange::Snmp { request, reply } => write_snmp(out, request, reply),
        Exchange::Modbus { request, reply } => write_modbus(out, request, reply),
        _ => {}
    }
}

fn parse_oids(text: &str) -> Parsed<Vec<Oid>> {
    text.split_ascii_whitespace()
        .map(|o| o.parse().map_err(|_| "bad OID"))
        .collect()
}

fn parse_bindings(text: &str) -> Parsed<Vec<VarBind>> {
    text.split_ascii_whitespace().map(parse_binding).collect()
}

fn parse_number<T: core::str::FromStr>(token: &str) -> Parsed<T> {
    token.parse().map_err(|_| "bad number")
}

fn parse_snmp(rest: &str) -> Parsed<Exchange> {
    let (request, reply) = split_eq(rest)?;
    let (operation, args) = next_word(request);
    let request = match operation {
        "get" => SnmpRequest::Get(parse_oids(args)?),
        "get-next" => SnmpRequest::GetNext(parse_oids(args)?),
        "get-bulk" => {
            let (non_repeaters, args) = next_word(args);
            let (max_repetitions, args) = next_word(args);
            SnmpRequest::GetBulk {
                non_repeaters: parse_number(non_repeaters)?,
                max_repetitions: parse_number(max_repetitions)?,
                oids: parse_oids(args)?,
            }
        }
        "walk" => {
            let (root, after) = next_word(args);
            if !after.trim().is_empty() {
                return Err("a walk has one root OID");
            }
            SnmpRequest::Walk(root.parse().map_err(|_| "bad OID")?)
        }
        "set" => SnmpRequest::Set(parse_bindings(args)?),
        _ => return Err("unknown SNMP operation"),
    };
    let reply = match parse_error(reply)? {
        Some(kind) => Err(kind),
        None => Ok(parse_bindings(reply)?),
    };
    Ok(Exchange::Snmp { request, reply })
}

fn parse_words(text: &str) -> Parsed<Vec<u16>> {
    parse_hex_tokens(
        text,
        4,
        u16::from_str_radix,
        "registers are four hex digits each",
    )
}

fn parse_bits(text: &str) -> Parsed<Vec<bool>> {
    text.split_ascii_whitespace()
        .map(|b| match b {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err("bits are 0 or 1"),
        })
        .collect()
}

fn one<T>(mut values: Vec<T>) -> Parsed<T> {
    match (values.pop(), values.is_empty()) {
        (Some(v), true) => Ok(v),
        _ => Err("expected one value"),
    }
}

fn parse_modbus(rest: &str) -> Parsed<Exchange> {
    let (request, reply) = match rest.split_once('=') {
        Some((request, reply)) => (request, Some(reply.trim())),
        None => (rest, None),
    };
    let (function, args) = next_word(request);
    let (addr, args) = next_word(args);
    let addr: u16 = parse_number(addr)?;
    let count = || -> Parsed<u16> {
        let (count, after) = next_word(args);
        if after.trim().is_empty() {
            parse_number(count)
        } else {
            Err("text after the count")
        }
    };
    let (request, is_read_of_registers) = match function {
        "read-holding" => (
            ModbusRequest::ReadHolding {
                addr,
                count: count()?,
            },
            Some(true),
        ),
        "read-input" => (
            ModbusRequest::ReadInput {
                addr,
                count: count()?,
            },
            Some(true),
        ),
        "read-coils" => (
            ModbusRequest::ReadCoils {
                addr,
                count: count()?,
            },
            Some(false),
        ),
        "read-discrete" => (
            ModbusRequest::ReadDiscrete {
                addr,
                count: count()?,
            },
            Some(false),
        ),
        "write-register" => (
            ModbusRequest::WriteRegister {
                addr,
                value: one(parse_words(args)?)?,
            },
            None,
        ),
        "write-registers" => (
            ModbusRequest::WriteRegisters {
                addr,
                values: parse_words(args)?,
            },
            None,
        ),
        "write-coil" => (
            ModbusRequest::WriteCoil {
                addr,
                value: one(parse_bits(args)?)?,
            },
            None,
        ),
        "write-coils" => (
            ModbusRequest::WriteCoils {
                addr,
                values: parse_bits(args)?,
            },
            None,
        ),
        _ => return Err("unknown Modbus function"),
    };
    let reply = match (reply, is_read_of_registers) {
        (None, None) => Ok(ModbusReply::Written),
        (None, Some(_)) => return Err("expected '='"),
        (Some(text), read) => match (parse_error(text)?, read) {
            (Some(kind), _) => Err(kind),
            (None, None) => return Err("expected 'error <kind>'"),
            (None, Some(true)) => Ok(ModbusReply::Registers(parse_words(text)?)),
            (None, Some(false)) => Ok(ModbusReply::Bits(parse_bits(text)?)),
        },
    };
    Ok(Exchange::Modbus { request, reply })
}

/// Parse an SNMP or Modbus line (`keyword` is its first word).
pub(super) fn parse_net(keyword: &str, rest: &str) -> Parsed<Exchange> {
    match keyword {
        "snmp" => parse_snmp(rest),
        "modbus" => parse_modbus(rest),
        _ => Err("unknown line type"),
    }
}
