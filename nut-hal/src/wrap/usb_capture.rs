//! The USB lines of the capture format (`control-in`, `control-out`, `interrupt`,
//! `interrupt-out`); see
//! [`capture`](super::capture).

use alloc::string::String;
use core::fmt::Write as _;

use super::capture::{
    Exchange, Parsed, hex, next_word, outcome, parse_error, parse_hex, parse_outcome, split_eq,
};
use crate::error::ErrorKind;
use crate::usb::{ControlRequest, ControlType, Recipient};

const TYPES: [(ControlType, &str); 3] = [
    (ControlType::Standard, "standard"),
    (ControlType::Class, "class"),
    (ControlType::Vendor, "vendor"),
];

const RECIPIENTS: [(Recipient, &str); 4] = [
    (Recipient::Device, "device"),
    (Recipient::Interface, "interface"),
    (Recipient::Endpoint, "endpoint"),
    (Recipient::Other, "other"),
];

fn setup(out: &mut String, r: &ControlRequest) {
    let t = TYPES.iter().find(|(t, _)| *t == r.control_type);
    let to = RECIPIENTS.iter().find(|(t, _)| *t == r.recipient);
    let _ = write!(
        out,
        "{} {} {:02x} {:04x} {:04x}",
        t.map_or("standard", |(_, n)| n),
        to.map_or("device", |(_, n)| n),
        r.request,
        r.value,
        r.index
    );
}

/// Append ` = error <kind>` for a failed write.
fn failure(out: &mut String, result: &Result<(), ErrorKind>) {
    if let Err(kind) = result {
        out.push_str(" = ");
        outcome(out, Err(*kind));
    }
}

/// The data of a write line and its outcome (` = error <kind>` when it failed).
fn parse_write(rest: &str) -> Parsed<(&str, Result<(), ErrorKind>)> {
    Ok(match rest.split_once('=') {
        None => (rest, Ok(())),
        Some((head, err)) => {
            let kind = parse_error(err.trim())?.ok_or("expected 'error <kind>'")?;
            (head, Err(kind))
        }
    })
}

/// Append the text of a USB exchange (others write nothing).
pub(super) fn write_usb(out: &mut String, exchange: &Exchange) {
    match exchange {
        Exchange::ControlIn { request, reply } => {
            out.push_str("control-in ");
            setup(out, request);
            out.push_str(" = ");
            outcome(out, reply.as_deref().map_err(|k| *k));
        }
        Exchange::ControlOut {
            request,
            data,
            result,
        } => {
            out.push_str("control-out ");
            setup(out, request);
            if !data.is_empty() {
                out.push(' ');
                hex(out, data);
            }
            failure(out, result);
        }
        Exchange::InterruptIn { endpoint, reply } => {
            let _ = write!(out, "interrupt {endpoint:02x} = ");
            outcome(out, reply.as_deref().map_err(|k| *k));
        }
        Exchange::InterruptOut {
            endpoint,
            data,
            result,
        } => {
            let _ = write!(out, "interrupt-out {endpoint:02x}");
            if !data.is_empty() {
                out.push(' ');
                hex(out, data);
            }
            failure(out, result);
        }
        _ => {}
    }
}

/// The setup packet at the start of `text`, and the rest.
fn parse_setup(text: &str) -> Parsed<(ControlRequest, &str)> {
    let (t, rest) = next_word(text);
    let (to, rest) = next_word(rest);
    let (request, rest) = next_word(rest);
    let (value, rest) = next_word(rest);
    let (index, rest) = next_word(rest);
    let control_type = TYPES
        .iter()
        .find(|(_, n)| *n == t)
        .map(|(t, _)| *t)
        .ok_or("unknown request type")?;
    let recipient = RECIPIENTS
        .iter()
        .find(|(_, n)| *n == to)
        .map(|(r, _)| *r)
        .ok_or("unknown recipient")?;
    let request = ControlRequest {
        control_type,
        recipient,
        request: u8::from_str_radix(request, 16).map_err(|_| "bad bRequest")?,
        value: u16::from_str_radix(value, 16).map_err(|_| "bad wValue")?,
        index: u16::from_str_radix(index, 16).map_err(|_| "bad wIndex")?,
    };
    Ok((request, rest))
}

/// Parse a USB line after its keyword.
pub(super) fn parse_usb(keyword: &str, rest: &str) -> Parsed<Exchange> {
    Ok(match keyword {
        "control-in" => {
            let (head, reply) = split_eq(rest)?;
            let (request, extra) = parse_setup(head)?;
            if !extra.trim().is_empty() {
                return Err("text after the setup packet");
            }
            Exchange::ControlIn {
                request,
                reply: parse_outcome(reply)?,
            }
        }
        "control-out" => {
            let (head, result) = parse_write(rest)?;
            let (request, data) = parse_setup(head)?;
            Exchange::ControlOut {
                request,
                data: parse_hex(data)?,
                result,
            }
        }
        "interrupt" => {
            let (endpoint, reply) = split_eq(rest)?;
            Exchange::InterruptIn {
                endpoint: u8::from_str_radix(endpoint, 16).map_err(|_| "bad endpoint")?,
                reply: parse_outcome(reply)?,
            }
        }
        "interrupt-out" => {
            let (head, result) = parse_write(rest)?;
            let (endpoint, data) = next_word(head);
            Exchange::InterruptOut {
                endpoint: u8::from_str_radix(endpoint, 16).map_err(|_| "bad endpoint")?,
                data: parse_hex(data)?,
                result,
            }
        }
        _ => return super::net_capture::parse_net(keyword, rest),
    })
}
