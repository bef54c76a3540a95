//! SGS bridge framing (`subdriver=sgs`, TS Shara 0483:0035), as NUT 2.8.0 does it (observed
//! with the real driver on a simulated libusb):
//!
//! * The command goes out in 8-byte class SET_REPORT transfers (`wValue` 0x0200, interface 0):
//!   byte 0 is how many command bytes follow (1–7), then the bytes, zero-padded:
//!   `Q1\r` → `03 51 31 0d 00 00 00 00`; `S.5R0003\r` → `07 53 2e 35 52 30 30 30`,
//!   `02 33 0d 00 00 00 00 00`.
//! * The reply is read from interrupt IN 0x81 in 8-byte packets of the same form (count, up
//!   to 7 bytes). A CR does not end it: reading goes on until a read times out or returns
//!   nothing, and what came until then is the reply (a partial reply is kept). A count above
//!   7 is read as 7, and never more than the packet holds.

use super::framing::{CHUNK, counted_chunks};

/// Payload bytes in one SGS packet.
pub const SGS_PAYLOAD: usize = CHUNK - 1;

/// The command split into SGS packets.
///
/// ```
/// use nut_drivers::qx::usb::sgs::sgs_chunks;
/// assert_eq!(sgs_chunks(b"Q1\r"), vec![[3, b'Q', b'1', b'\r', 0, 0, 0, 0]]);
/// assert_eq!(sgs_chunks(b"S.5R0003\r")[1], [2, b'3', b'\r', 0, 0, 0, 0, 0]);
/// ```
pub fn sgs_chunks(command: &[u8]) -> Vec<[u8; CHUNK]> {
    counted_chunks(command, 0)
}

/// The payload of one SGS packet: `count` bytes after the count byte, at most 7 and at most
/// what the packet holds.
///
/// ```
/// use nut_drivers::qx::usb::sgs::sgs_payload;
/// assert_eq!(sgs_payload(&[2, b'A', b'\r', 0, 0, 0, 0, 0]), b"A\r");
/// assert_eq!(sgs_payload(&[9, b'A', b'B']), b"AB");
/// assert_eq!(sgs_payload(&[]), b"");
/// ```
pub fn sgs_payload(packet: &[u8]) -> &[u8] {
    let Some((&count, rest)) = packet.split_first() else {
        return &[];
    };
    let n = usize::from(count).min(SGS_PAYLOAD).min(rest.len());
    rest.get(..n).unwrap_or_default()
}
