//! Armac bridge framing (`subdriver=armac`, Richcomm "UPS USB Mon V2.0", 0925:1234).
//!
//! * Write: the command in chunks of up to 3 bytes, each a 4-byte report `A0+n`, the n bytes,
//!   zero padding: `Q1\r` → `a3 51 31 0d`, `S.5R0003\r` → `a3 53 2e 35`, `a3 52 30 30`,
//!   `a3 30 33 0d` (NUT 2.8.0, observed with the real driver on a simulated libusb). NUT 2.8.0
//!   sends each report with a class SET_REPORT (`wValue` 0x0200, interface 0); NUT 2.8.1 and
//!   later send them to interrupt OUT endpoint 0x02, which some units need (their control
//!   transfers time out: NUT issues #2153, #3243).
//! * Read: interrupt IN reports from 0x81, 6 bytes on most units (7 on some, 64 on the
//!   interrupt-only ones; NUT issues #1978, #2154, #3484). The low 6 bits of the first byte
//!   (mask 0x3F; bit 6 toggles from report to report) say how many reply bytes follow.
//!   A count of 0 before any reply byte means no data yet; after reply bytes it ends the
//!   reply, as does a CR.
//!
//! Assumed, not seen: how many empty reports to wait through (ours: 10); that a refused
//! SET_REPORT (timeout, stall, unsupported) marks a unit that wants interrupt OUT. Not done:
//! the unit of NUT issue #3243 answers on interrupt IN 0x82, but replies are read from 0x81 as
//! NUT reads them; newer NUT's drain of stale reports before a command.

use super::framing::counted_chunks;

/// Command bytes in one armac report.
pub const ARMAC_CHUNK: usize = 3;

/// Size of one armac command report.
pub const ARMAC_REPORT: usize = ARMAC_CHUNK + 1;

/// Read buffer for one reply report (the largest units send 64).
pub const ARMAC_READ_SIZE: usize = 64;

/// The command split into armac reports.
///
/// ```
/// use nut_drivers::qx::usb::armac::armac_chunks;
/// assert_eq!(armac_chunks(b"I\r"), vec![[0xa2, b'I', b'\r', 0]]);
/// assert_eq!(armac_chunks(b"S.5R0003\r").len(), 3);
/// ```
pub fn armac_chunks(command: &[u8]) -> Vec<[u8; ARMAC_REPORT]> {
    counted_chunks(command, 0xa0)
}

/// The reply bytes of one armac report: `first & 0x3F` bytes after the first, at most what
/// the report holds.
///
/// ```
/// use nut_drivers::qx::usb::armac::armac_payload;
/// assert_eq!(armac_payload(&[0xc3, b'(', b'2', b'3', b'0', b'0']), b"(23");
/// assert_eq!(armac_payload(&[0x80, b'0', b'0', b'0', b'0', b'0']), b"");
/// assert_eq!(armac_payload(&[0xbf, b'A']), b"A");
/// ```
pub fn armac_payload(report: &[u8]) -> &[u8] {
    let Some((&first, rest)) = report.split_first() else {
        return &[];
    };
    let n = usize::from(first & 0x3f).min(rest.len());
    rest.get(..n).unwrap_or_default()
}

/// The command bytes of one armac report (`A0+n`, n ≤ 3, then the bytes); for simulators.
/// `None` for a report that is not an armac command chunk.
pub fn armac_decode(report: &[u8]) -> Option<&[u8]> {
    let (&first, rest) = report.split_first()?;
    let n = usize::from(first.checked_sub(0xa0)?);
    if n > ARMAC_CHUNK {
        return None;
    }
    rest.get(..n)
}
