//! What was said to a device, and its text form. Serial, USB HID, USB, SNMP and Modbus
//! captures share it.
//!
//! One exchange per line; `#` starts a comment line; blank lines are ignored. Bytes are
//! two-digit hex separated by spaces. An error outcome is `error <kind>` with kind one of
//! `timeout`, `disconnected`, `io`, `protocol`, `unsupported`, `invalid-input`,
//! `permission-denied`, `busy`, `other`.
//!
//! Serial lines: `> ` then what the host wrote, `< ` then what it read, `< timeout` for a read
//! that timed out.
//!
//! ```text
//! # Megatec status query
//! > 51 31 0d
//! < 28 32 33 30 2e 30 0d
//! < timeout
//! ```
//!
//! HID lines (report buffers start with the report id, as in [`HidDevice`](crate::hid::HidDevice)):
//!
//! ```text
//! info 051d 0002 "American Power Conversion" "Back-UPS 500" none
//! descriptor 05 84 09 04 a1 01
//! get 0c = 0c 64 00 00 14 0a
//! get 77 = error io
//! set 0c 64 00 00 14 0a
//! set 15 00 = error protocol
//! input 06 00 00 08
//! input error timeout
//! string 3 = "AB0427"
//! string 9 = none
//! ```
//!
//! `info` gives vendor id, product id (hex) and the manufacturer, product and serial strings
//! (quoted, with `\\`, `\"`, `\n`, `\r`, `\t` and `\xNN` escapes, or `none`); `get` is a
//! GET_REPORT(Feature) for a report id and its reply; `set` a SET_REPORT(Feature) with its
//! data and, when it failed, ` = error <kind>`; `input` an input report; `string` a string
//! descriptor by index.
//!
//! USB lines ([`UsbControl`](crate::usb::UsbControl); request type `standard`, `class` or
//! `vendor`, recipient `device`, `interface`, `endpoint` or `other`, then bRequest, wValue
//! and wIndex in hex):
//!
//! ```text
//! control-out class interface 09 0200 0000 51 31 0d
//! control-in vendor device 01 0000 0000 = 28 32 33 30
//! control-in vendor device 01 0000 0000 = error timeout
//! interrupt 81 = 28 32 33 30
//! interrupt 81 = error timeout
//! interrupt-out 02 80 06 03 03 51 31 00 2f
//! interrupt-out 02 a3 51 31 0d = error timeout
//! ```
//!
//! A failed `control-out` or `interrupt-out` ends in ` = error <kind>`, as `set` does.
//!
//! SNMP and Modbus lines (`snmp …`, `modbus …`: one request and its answer) are described in
//! [`net_capture`](super::net_capture).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use super::net_capture::{ModbusReply, ModbusRequest, SnmpRequest};
use crate::error::{Error, ErrorKind};
use crate::hid::HidInfo;
use crate::snmp::VarBind;
use crate::usb::ControlRequest;

/// One event between host and device, as seen by the host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// Serial: the host wrote these bytes.
    Write(Vec<u8>),
    /// Serial: the host read these bytes (one `read` call).
    Read(Vec<u8>),
    /// Serial: a `read` ended with a timeout.
    ReadTimeout,
    /// HID: the device's identity.
    HidInfo(HidInfo),
    /// HID: the report descriptor.
    HidDescriptor(Vec<u8>),
    /// HID: GET_REPORT(Feature) for `report_id` and the report it gave (id in byte 0).
    GetFeature {
        /// The report id asked for.
        report_id: u8,
        /// The report, or the kind of error.
        reply: Result<Vec<u8>, ErrorKind>,
    },
    /// HID: SET_REPORT(Feature) with `data` (id in byte 0) and its outcome.
    SetFeature {
        /// What the host sent.
        data: Vec<u8>,
        /// Success, or the kind of error.
        result: Result<(), ErrorKind>,
    },
    /// HID: an output report written (id in byte 0) and its outcome.
    Output {
        /// What the host sent.
        data: Vec<u8>,
        /// Success, or the kind of error.
        result: Result<(), ErrorKind>,
    },
    /// HID: one input report read (id in byte 0), or the kind of error (often a timeout).
    Input(Result<Vec<u8>, ErrorKind>),
    /// HID: a string descriptor by index.
    HidString {
        /// The string index.
        index: u8,
        /// The string (`None`: the device has none there), or the kind of error.
        value: Result<Option<String>, ErrorKind>,
    },
    /// USB: a control transfer device-to-host and what it gave.
    ControlIn {
        /// The setup packet.
        request: ControlRequest,
        /// The data received, or the kind of error.
        reply: Result<Vec<u8>, ErrorKind>,
    },
    /// USB: a control transfer host-to-device.
    ControlOut {
        /// The setup packet.
        request: ControlRequest,
        /// The data sent.
        data: Vec<u8>,
        /// Success (all of `data` sent), or the kind of error.
        result: Result<(), ErrorKind>,
    },
    /// USB: one interrupt IN read.
    InterruptIn {
        /// The endpoint address.
        endpoint: u8,
        /// The packet, or the kind of error.
        reply: Result<Vec<u8>, ErrorKind>,
    },
    /// USB: one interrupt OUT write.
    InterruptOut {
        /// The endpoint address.
        endpoint: u8,
        /// The data sent.
        data: Vec<u8>,
        /// Success (all of `data` sent), or the kind of error.
        result: Result<(), ErrorKind>,
    },
    /// SNMP: one request and the agent's answer.
    Snmp {
        /// The request.
        request: SnmpRequest,
        /// The bindings answered, or the kind of error.
        reply: Result<Vec<VarBind>, ErrorKind>,
    },
    /// Modbus: one request and the unit's answer.
    Modbus {
        /// The request.
        request: ModbusRequest,
        /// The answer, or the kind of error (an exception is [`ErrorKind::Protocol`] or
        /// [`ErrorKind::Busy`]).
        reply: Result<ModbusReply, ErrorKind>,
    },
}

/// A capture line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capture line {line}: {reason}")]
pub struct CaptureParseError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub reason: &'static str,
}

impl Error for CaptureParseError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

const KINDS: [(ErrorKind, &str); 9] = [
    (ErrorKind::Timeout, "timeout"),
    (ErrorKind::Disconnected, "disconnected"),
    (ErrorKind::Io, "io"),
    (ErrorKind::Protocol, "protocol"),
    (ErrorKind::Unsupported, "unsupported"),
    (ErrorKind::InvalidInput, "invalid-input"),
    (ErrorKind::PermissionDenied, "permission-denied"),
    (ErrorKind::Busy, "busy"),
    (ErrorKind::Other, "other"),
];

pub(super) fn kind_token(kind: ErrorKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("other", |(_, t)| t)
}

pub(super) fn hex(out: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
}

fn quoted(out: &mut String, text: Option<&str>) {
    let Some(text) = text else {
        out.push_str("none");
        return;
    };
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn outcome(out: &mut String, result: Result<&[u8], ErrorKind>) {
    match result {
        Ok(bytes) => hex(out, bytes),
        Err(kind) => {
            out.push_str("error ");
            out.push_str(kind_token(kind));
        }
    }
}

/// The text form of a capture (see the module docs).
pub fn write_capture(exchanges: &[Exchange]) -> String {
    let mut out = String::new();
    for e in exchanges {
        match e {
            Exchange::Write(b) => {
                out.push_str("> ");
                hex(&mut out, b);
            }
            Exchange::Read(b) => {
                out.push_str("< ");
                hex(&mut out, b);
            }
            Exchange::ReadTimeout => out.push_str("< timeout"),
            Exchange::HidInfo(info) => {
                let _ = write!(out, "info {:04x} {:04x} ", info.vendor_id, info.product_id);
                quoted(&mut out, info.manufacturer.as_deref());
                out.push(' ');
                quoted(&mut out, info.product.as_deref());
                out.push(' ');
                quoted(&mut out, info.serial_number.as_deref());
            }
            Exchange::HidDescriptor(b) => {
                out.push_str("descriptor ");
                hex(&mut out, b);
            }
            Exchange::GetFeature { report_id, reply } => {
                let _ = write!(out, "get {report_id:02x} = ");
                outcome(&mut out, reply.as_deref().map_err(|k| *k));
            }
            Exchange::SetFeature { data, result } => {
                out.push_str("set ");
                hex(&mut out, data);
                if let Err(kind) = result {
                    out.push_str(" = ");
                    outcome(&mut out, Err(*kind));
                }
            }
            Exchange::Output { data, result } => {
                out.push_str("output ");
                hex(&mut out, data);
                if let Err(kind) = result {
                    out.push_str(" = ");
                    outcome(&mut out, Err(*kind));
                }
            }
            Exchange::Input(reply) => {
                out.push_str("input ");
                outcome(&mut out, reply.as_deref().map_err(|k| *k));
            }
            Exchange::HidString { index, value } => {
                let _ = write!(out, "string {index} = ");
                match value {
                    Ok(text) => quoted(&mut out, text.as_deref()),
                    Err(kind) => outcome(&mut out, Err(*kind)),
                }
            }
            net @ (Exchange::Snmp { .. } | Exchange::Modbus { .. }) => {
                super::net_capture::write_net(&mut out, net);
            }
            usb => super::usb_capture::write_usb(&mut out, usb),
        }
        out.push('\n');
    }
    out
}

pub(super) type Parsed<T> = Result<T, &'static str>;

/// Every whitespace-separated token of `text` as a number of exactly `digits` hex digits.
pub(super) fn parse_hex_tokens<T>(
    text: &str,
    digits: usize,
    from_hex: fn(&str, u32) -> Result<T, core::num::ParseIntError>,
    wrong_width: &'static str,
) -> Parsed<Vec<T>> {
    text.split_ascii_whitespace()
        .map(|h| {
            if h.len() == digits {
                from_hex(h, 16).map_err(|_| "bad hex digit")
            } else {
                Err(wrong_width)
            }
        })
        .collect()
}

pub(super) fn parse_hex(text: &str) -> Parsed<Vec<u8>> {
    parse_hex_tokens(text, 2, u8::from_str_radix, "hex bytes are two digits each")
}

/// `error <kind>` → `Some(kind)`; anything else → `None`.
pub(super) fn parse_error(text: &str) -> Parsed<Option<ErrorKind>> {
    let Some(token) = text.strip_prefix("error") else {
        return Ok(None);
    };
    let token = token.trim();
    KINDS
        .iter()
        .find(|(_, t)| *t == token)
        .map(|(k, _)| Some(*k))
        .ok_or("unknown error kind")
}

pub(super) fn parse_outcome(text: &str) -> Parsed<Result<Vec<u8>, ErrorKind>> {
    match parse_error(text)? {
        Some(kind) => Ok(Err(kind)),
        None => parse_hex(text).map(Ok),
    }
}

/// One quoted string or `none` at the start of `text`; returns it and the rest.
fn parse_quoted(text: &str) -> Parsed<(Option<String>, &str)> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix("none") {
        return Ok((None, rest));
    }
    let mut chars = text
        .strip_prefix('"')
        .ok_or("expected a quoted string")?
        .char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((Some(out), text.get(i + 2..).unwrap_or(""))),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('x') => {
                    let hi = chars.next().and_then(|(_, c)| c.to_digit(16));
                    let lo = chars.next().and_then(|(_, c)| c.to_digit(16));
                    let (Some(hi), Some(lo)) = (hi, lo) else {
                        return Err("\\x takes two hex digits");
                    };
                    out.push(char::from_u32(hi * 16 + lo).ok_or("bad \\x escape")?);
                }
                _ => return Err("unknown escape in a string"),
            },
            c => out.push(c),
        }
    }
    Err("unterminated string")
}

fn parse_u16_hex(token: &str) -> Parsed<u16> {
    u16::from_str_radix(token, 16).map_err(|_| "bad hex id")
}

/// The first whitespace-separated word of `text` and what follows it.
pub(super) fn next_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    text.split_once(char::is_whitespace).unwrap_or((text, ""))
}

/// `<head> = <tail>`.
pub(super) fn split_eq(rest: &str) -> Parsed<(&str, &str)> {
    let (head, tail) = rest.split_once('=').ok_or("expected '='")?;
    Ok((head.trim(), tail.trim()))
}

fn parse_hid(keyword: &str, rest: &str) -> Parsed<Exchange> {
    Ok(match keyword {
        "info" => {
            let (vendor, rest) = next_word(rest);
            let (product, rest) = next_word(rest);
            let vendor_id = parse_u16_hex(vendor)?;
            let product_id = parse_u16_hex(product)?;
            let (manufacturer, rest) = parse_quoted(rest)?;
            let (product, rest) = parse_quoted(rest)?;
            let (serial_number, rest) = parse_quoted(rest)?;
            if !rest.trim().is_empty() {
                return Err("text after the serial number");
            }
            Exchange::HidInfo(HidInfo {
                vendor_id,
                product_id,
                manufacturer,
                product,
                serial_number,
            })
        }
        "descriptor" => Exchange::HidDescriptor(parse_hex(rest)?),
        "get" => {
            let (id, reply) = split_eq(rest)?;
            let report_id = u8::from_str_radix(id, 16).map_err(|_| "bad report id")?;
            Exchange::GetFeature {
                report_id,
                reply: parse_outcome(reply)?,
            }
        }
        "set" => {
            let (data, result) = match rest.split_once('=') {
                None => (rest, Ok(())),
                Some((data, err)) => {
                    let kind = parse_error(err.trim())?.ok_or("expected 'error <kind>'")?;
                    (data, Err(kind))
                }
            };
            Exchange::SetFeature {
                data: parse_hex(data)?,
                result,
            }
        }
        "output" => {
            let (data, result) = match rest.split_once('=') {
                None => (rest, Ok(())),
                Some((data, err)) => {
                    let kind = parse_error(err.trim())?.ok_or("expected 'error <kind>'")?;
                    (data, Err(kind))
                }
            };
            Exchange::Output {
                data: parse_hex(data)?,
                result,
            }
        }
        "input" => Exchange::Input(parse_outcome(rest)?),
        "string" => {
            let (index, value) = split_eq(rest)?;
            let index = index.parse::<u8>().map_err(|_| "bad string index")?;
            let value = match parse_error(value)? {
                Some(kind) => Err(kind),
                None => {
                    let (text, after) = parse_quoted(value)?;
                    if !after.trim().is_empty() {
                        return Err("text after the string");
                    }
                    Ok(text)
                }
            };
            Exchange::HidString { index, value }
        }
        _ => return super::usb_capture::parse_usb(keyword, rest),
    })
}

/// Parse the text form of a capture (see the module docs).
pub fn parse_capture(text: &str) -> Result<Vec<Exchange>, CaptureParseError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason| CaptureParseError {
            line: i + 1,
            reason,
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (dir, rest) = line.split_at_checked(1).unwrap_or(("", line));
        let rest = rest.trim();
        let exchange = match dir {
            "<" if rest == "timeout" => Exchange::ReadTimeout,
            ">" => Exchange::Write(parse_hex(rest).map_err(err)?),
            "<" => Exchange::Read(parse_hex(rest).map_err(err)?),
            _ => {
                let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
                parse_hid(keyword, rest.trim()).map_err(|reason| {
                    if reason == "unknown line type" {
                        err("a line starts with '>', '<', '#' or a keyword")
                    } else {
                        err(reason)
                    }
                })?
            }
        };
        out.push(exchange);
    }
    Ok(out)
}
