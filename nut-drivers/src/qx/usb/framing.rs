//! Pure framing of the Qx USB bridges: which transfers a command takes and how raw transfer
//! data becomes the reply line. No I/O; [`super::QxUsb`] does the transfers.
//!
//! * SET_REPORT bridges (cypress, phoenix, ippon): the command, zero-padded to a multiple of 8
//!   bytes, goes out in 8-byte class SET_REPORT control transfers (`bmRequestType` 0x21,
//!   `bRequest` 0x09, interface 0; `wValue` 0x0200, ippon 0x0002). cypress and phoenix read
//!   the reply from interrupt endpoint 0x81 in 8-byte packets until one holds a CR; ippon
//!   reads one 64-byte packet.
//! * String-descriptor bridges (krauler, fabula, hunnox): each supported command is the index
//!   of a string descriptor (GET_DESCRIPTOR, `wValue` 0x03nn); reading it runs the command
//!   and the string is the reply.

use nut_hal::usb::{ControlRequest, ControlType, Recipient};

/// Interrupt IN endpoint the SET_REPORT bridges answer on.
pub const REPLY_ENDPOINT: u8 = 0x81;

/// Size of one SET_REPORT chunk and one interrupt packet.
pub const CHUNK: usize = 8;

/// What a USB Qx bridge answers a supported command with when the UPS did not take it.
pub const NO_ACK: &str = "UPS No Ack";

/// The class SET_REPORT (output report) request carrying one chunk; `value` is 0x0200 for
/// cypress/phoenix, 0x0002 for ippon.
pub const fn set_report(value: u16) -> ControlRequest {
    ControlRequest {
        control_type: ControlType::Class,
        recipient: Recipient::Interface,
        request: 0x09,
        value,
        index: 0,
    }
}

/// The standard GET_DESCRIPTOR request for string `index` in language `langid` (index 0 with
/// langid 0 is the list of languages).
pub const fn get_string(index: u8, langid: u16) -> ControlRequest {
    ControlRequest {
        control_type: ControlType::Standard,
        recipient: Recipient::Device,
        request: 0x06,
        value: 0x0300 | index as u16,
        index: langid,
    }
}

/// The command split into zero-padded 8-byte SET_REPORT chunks.
///
/// ```
/// use nut_drivers::qx::usb::framing::chunks;
/// assert_eq!(chunks(b"Q1\r"), vec![*b"Q1\r\0\0\0\0\0"]);
/// assert_eq!(chunks(b"S.5R0003\r").len(), 2);
/// ```
pub fn chunks(command: &[u8]) -> Vec<[u8; CHUNK]> {
    command
        .chunks(CHUNK)
        .map(|part| {
            let mut chunk = [0u8; CHUNK];
            for (d, s) in chunk.iter_mut().zip(part) {
                *d = *s;
            }
            chunk
        })
        .collect()
}

/// The command in `N`-byte reports of a count byte (`mark | n`) and up to `N - 1` command
/// bytes, zero-padded: sgs (8 bytes, mark 0) and armac (4 bytes, mark 0xA0).
///
/// ```
/// use nut_drivers::qx::usb::framing::counted_chunks;
/// assert_eq!(counted_chunks::<4>(b"Q1\r", 0xa0), vec![[0xa3, b'Q', b'1', b'\r']]);
/// assert_eq!(counted_chunks::<8>(b"I\r", 0), vec![[2, b'I', b'\r', 0, 0, 0, 0, 0]]);
/// ```
pub fn counted_chunks<const N: usize>(command: &[u8], mark: u8) -> Vec<[u8; N]> {
    command
        .chunks(N.saturating_sub(1).max(1))
        .map(|part| {
            let mut report = [0u8; N];
            let count = mark | u8::try_from(part.len()).unwrap_or(0);
            for (d, s) in report.iter_mut().zip(std::iter::once(&count).chain(part)) {
                *d = *s;
            }
            report
        })
        .collect()
}

/// Collects the interrupt packets of a cypress/phoenix reply until a CR (or `limit` bytes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PacketReply {
    bytes: Vec<u8>,
}

impl PacketReply {
    /// Adds one packet; true when the reply is complete (it holds a CR or is `limit` long).
    pub fn push(&mut self, packet: &[u8], limit: usize) -> bool {
        self.bytes.extend_from_slice(packet);
        self.bytes.contains(&b'\r') || self.bytes.len() >= limit
    }

    /// The reply: up to and including the first CR, NUL padding dropped.
    pub fn line(&self) -> Vec<u8> {
        upto_cr(&self.bytes)
    }
}

/// The bytes up to and including the first CR; without a CR, the bytes before the first NUL.
pub fn upto_cr(bytes: &[u8]) -> Vec<u8> {
    match bytes.iter().position(|&b| b == b'\r') {
        Some(cr) => bytes.get(..=cr).unwrap_or(bytes).to_vec(),
        None => bytes.split(|&b| b == 0).next().unwrap_or(bytes).to_vec(),
    }
}

/// A string reply as a Qx line: cut after its first CR, or with a CR added (the descriptors
/// carry none).
pub fn as_line(text: &[u8]) -> Vec<u8> {
    let mut line = upto_cr(text);
    if line.last() != Some(&b'\r') {
        line.push(b'\r');
    }
    line
}

/// Why a string descriptor could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    /// Shorter than its header or not a string descriptor (type 3).
    #[error("not a string descriptor")]
    NotString,
    /// Its length byte says more than was received.
    #[error("string descriptor truncated")]
    Truncated,
    /// Its length byte differs from what was received (the `langid_fix` check).
    #[error("string descriptor size mismatch")]
    SizeMismatch,
    /// The language list is empty.
    #[error("no language id")]
    NoLanguage,
}

/// The first language id of string descriptor 0.
pub fn first_langid(desc: &[u8]) -> Result<u16, DescriptorError> {
    check_header(desc)?;
    match (desc.get(2), desc.get(3)) {
        (Some(&lo), Some(&hi)) if desc.first().is_some_and(|&l| l >= 4) => {
            Ok(u16::from_le_bytes([lo, hi]))
        }
        _ => Err(DescriptorError::NoLanguage),
    }
}

fn check_header(desc: &[u8]) -> Result<usize, DescriptorError> {
    match (desc.first(), desc.get(1)) {
        (Some(&len), Some(&3)) if usize::from(len) >= 2 => {
            let len = usize::from(len);
            if len > desc.len() {
                Err(DescriptorError::Truncated)
            } else {
                Ok(len)
            }
        }
        _ => Err(DescriptorError::NotString),
    }
}

/// A string descriptor as ASCII the way libusb's `get_string_descriptor_ascii` does it: a
/// UTF-16 unit outside ASCII becomes `?`, a NUL ends the text.
pub fn decode_ascii(desc: &[u8]) -> Result<Vec<u8>, DescriptorError> {
    let len = check_header(desc)?;
    let units = desc.get(2..len).unwrap_or_default();
    let mut out = Vec::with_capacity(units.len() / 2);
    for unit in units.chunks_exact(2) {
        match (unit.first(), unit.get(1)) {
            (Some(0), Some(0)) => break,
            (Some(&lo), Some(&0)) if lo < 0x80 => out.push(lo),
            _ => out.push(b'?'),
        }
    }
    Ok(out)
}

/// A string descriptor read with a fixed language id (`langid_fix`): the length byte must be
/// exactly what was received; a unit with a non-zero high byte becomes `?`.
pub fn decode_fixed(desc: &[u8], received: usize) -> Result<Vec<u8>, DescriptorError> {
    let desc = desc.get(..received).unwrap_or(desc);
    if desc.get(1) != Some(&3) {
        return Err(DescriptorError::NotString);
    }
    let len = desc.first().map_or(0, |&l| usize::from(l));
    if len != received {
        return Err(DescriptorError::SizeMismatch);
    }
    Ok(desc
        .get(2..len)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|u| match (u.first(), u.get(1)) {
            (Some(&lo), Some(&0)) => lo,
            _ => b'?',
        })
        .collect())
}

/// A command of a string-descriptor bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringCommand {
    /// A query: read string `index`; the reply's first byte is replaced with `lead` (the
    /// bridges send garbage there).
    Query {
        /// String index.
        index: u8,
        /// The leading character of the reply (`(` status, `#` ratings/info).
        lead: u8,
    },
    /// An instant command: read string `index`; whatever it says, the UPS gives no reply.
    Action {
        /// String index.
        index: u8,
    },
    /// Not supported by the bridge: the command is echoed back (which Qx reads as rejected).
    Echo,
}

impl StringCommand {
    /// The string index read, if any.
    pub fn index(self) -> Option<u8> {
        match self {
            StringCommand::Query { index, .. } | StringCommand::Action { index } => Some(index),
            StringCommand::Echo => None,
        }
    }
}

/// Krauler's command → string index map (`TL` 0x14, `C` and `CT` share 0x0b; no shutdowns).
pub fn krauler_command(command: &[u8]) -> StringCommand {
    match command {
        b"Q1\r" => StringCommand::Query {
            index: 0x03,
            lead: b'(',
        },
        b"F\r" => StringCommand::Query {
            index: 0x0d,
            lead: b'#',
        },
        b"I\r" => StringCommand::Query {
            index: 0x0c,
            lead: b'#',
        },
        b"T\r" => StringCommand::Action { index: 0x04 },
        b"TL\r" => StringCommand::Action { index: 0x14 },
        b"Q\r" => StringCommand::Action { index: 0x07 },
        b"C\r" | b"CT\r" => StringCommand::Action { index: 0x0b },
        _ => StringCommand::Echo,
    }
}

/// Fabula's (and hunnox's) command → string index map: `Q1` 0x03, `F` 0x0d, `I` 0x0c, `Q`
/// 0x07, `C` 0x0a, and shutdowns by [`fabula_shutdown_index`]; no tests.
pub fn fabula_command(command: &[u8]) -> StringCommand {
    let query = |index, lead| StringCommand::Query { index, lead };
    match command {
        b"Q1\r" => query(0x03, b'('),
        b"F\r" => query(0x0d, b'#'),
        b"I\r" => query(0x0c, b'#'),
        b"Q\r" => StringCommand::Action { index: 0x07 },
        b"C\r" => StringCommand::Action { index: 0x0a },
        _ => match fabula_shutdown_index(command) {
            Some(index) => StringCommand::Action { index },
            None => StringCommand::Echo,
        },
    }
}

/// The string index of a Megatec shutdown `Sn` / `SnRmmmm` on a Fabula bridge: the delay n
/// (clamped to .5–10 minutes) in the high nibble (.5 → 0x1_, .6 → 0x2_ … .9 → 0x5_, 1 → 0x6_
/// … 10 → 0xF_), low nibble 0x8 to restart when power returns (no `R`, or `R` not 0000) and
/// 0x0 to stay off. The restart delay itself is not sent (the bridge ignores `ondelay`).
///
/// ```
/// use nut_drivers::qx::usb::framing::fabula_shutdown_index;
/// assert_eq!(fabula_shutdown_index(b"S.5R0000\r"), Some(0x10));
/// assert_eq!(fabula_shutdown_index(b"S.5R0003\r"), Some(0x18));
/// assert_eq!(fabula_shutdown_index(b"S02\r"), Some(0x78));
/// assert_eq!(fabula_shutdown_index(b"T\r"), None);
/// ```
pub fn fabula_shutdown_index(command: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(command.strip_suffix(b"\r")?).ok()?;
    let rest = text.strip_prefix('S')?;
    let (delay, restart) = match rest.split_once('R') {
        Some((d, r)) => {
            if r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (d, r.bytes().any(|b| b != b'0'))
        }
        None => (rest, true),
    };
    // The delay in tenths of a minute: ".5" → 5, "02" → 20.
    let tenths = match delay.strip_prefix('.') {
        Some(d) if d.len() == 1 => d.parse::<u32>().ok()?,
        Some(_) => return None,
        None if !delay.is_empty() && delay.bytes().all(|b| b.is_ascii_digit()) => {
            delay.parse::<u32>().ok()?.saturating_mul(10)
        }
        None => return None,
    };
    let tenths = tenths.clamp(5, 100);
    let high = if tenths < 10 {
        tenths - 4
    } else {
        tenths / 10 + 5
    };
    let low = if restart { 0x8 } else { 0x0 };
    u8::try_from((high << 4) | low).ok()
}

/// SNR's command → string index map (NUT 2.8.0): `Q1` 0x03, `F` 0x0d, `I` 0x0c; every other
/// command, instant commands included, is refused (echoed).
pub fn snr_command(command: &[u8]) -> StringCommand {
    match krauler_command(command) {
        query @ StringCommand::Query { .. } => query,
        StringCommand::Action { .. } | StringCommand::Echo => StringCommand::Echo,
    }
}

/// The reply line of an SNR query: `lead` in place of the first byte, cut after its first CR;
/// unlike krauler no CR is added (NUT 2.8.0's snr takes the string as it came, so a string
/// without its CR is a short reply). An empty string is no reply.
pub fn snr_line(text: &[u8], lead: u8) -> Option<Vec<u8>> {
    let mut line = upto_cr(text);
    let first = line.first_mut()?;
    *first = lead;
    Some(line)
}

/// The reply line of a string-descriptor query: `lead` in place of the first byte, cut at a
/// CR or given one. An empty string is no reply.
pub fn query_line(text: &[u8], lead: u8) -> Option<Vec<u8>> {
    let mut line = as_line(text);
    if line.len() <= 1 {
        return None;
    }
    if let Some(first) = line.first_mut() {
        *first = lead;
    }
    Some(line)
}

/// Whether a bridge string is the "UPS No Ack" refusal (case-insensitive).
pub fn is_no_ack(text: &[u8]) -> bool {
    let text = upto_cr(text);
    let text = text.strip_suffix(b"\r").unwrap_or(&text);
    text.eq_ignore_ascii_case(NO_ACK.as_bytes())
}

/// A string descriptor holding `text` (UTF-16LE), as a device sends it; for simulators and
/// tests. Text longer than 126 bytes is cut.
pub fn encode_string(text: &[u8]) -> Vec<u8> {
    let text = text.get(..126).unwrap_or(text);
    let mut desc = vec![0u8, 3];
    for &b in text {
        desc.extend_from_slice(&[b, 0]);
    }
    let len = u8::try_from(desc.len()).unwrap_or(u8::MAX);
    if let Some(first) = desc.first_mut() {
        *first = len;
    }
    desc
}
