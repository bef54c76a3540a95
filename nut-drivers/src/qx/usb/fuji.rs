//! Fuji bridge framing (`subdriver=fuji`): each command goes out as one 8-byte packet on
//! interrupt OUT endpoint 0x02; the reply comes back as on cypress (8-byte packets from
//! interrupt IN 0x81 until a CR).
//!
//! The packet, as NUT 2.8.0's `nutdrv_qx` sends it (observed with the real driver on a
//! simulated libusb; its `-DDDD` log shows the same bytes):
//!
//! ```text
//! 80 06 <len+1> 03 <up to 3 command bytes, zero-padded> <tail>
//! Q1 -> 80 06 03 03 51 31 00 2f      I -> 80 06 02 03 49 00 00 27
//! F  -> 80 06 02 03 46 00 00 16      C -> 80 06 02 03 43 00 00 00
//! ```
//!
//! `tail` is 0x2f, 0x27, 0x16 for `Q1`, `I`, `F` and 0 for every other command. A shutdown
//! `SnRmmmm` is cut to `Sn` (the restart delay is not sent: the UPS restarts as soon as power
//! returns); `SnR0000` (stay off, `load.off`) and any command longer than 3 characters are
//! not supported, and the bridge refuses them without a transfer.

/// The interrupt OUT endpoint commands go to.
pub const FUJI_OUT_ENDPOINT: u8 = 0x02;

/// The 8-byte packet carrying `command` (CR included), or `None` when the bridge cannot send
/// it.
///
/// ```
/// use nut_drivers::qx::usb::fuji::fuji_packet;
/// assert_eq!(fuji_packet(b"Q1\r"), Some([0x80, 0x06, 0x03, 0x03, b'Q', b'1', 0, 0x2f]));
/// assert_eq!(fuji_packet(b"S.5R0003\r"), Some([0x80, 0x06, 0x04, 0x03, b'S', b'.', b'5', 0]));
/// assert_eq!(fuji_packet(b"S.5R0000\r"), None);
/// assert_eq!(fuji_packet(b"QMOD\r"), None);
/// ```
pub fn fuji_packet(command: &[u8]) -> Option<[u8; 8]> {
    let text = command.strip_suffix(b"\r")?;
    let text = match (text.first(), text.iter().position(|&b| b == b'R')) {
        (Some(b'S'), Some(r)) => {
            let restart = text.get(r + 1..).unwrap_or_default();
            if restart.iter().all(|&b| b == b'0') {
                return None;
            }
            text.get(..r).unwrap_or(text)
        }
        _ => text,
    };
    if text.is_empty() || text.len() > 3 {
        return None;
    }
    let tail = match text {
        b"Q1" => 0x2f,
        b"I" => 0x27,
        b"F" => 0x16,
        _ => 0x00,
    };
    let mut packet = [0x80, 0x06, 0, 0x03, 0, 0, 0, tail];
    // At most 3 bytes: the length fits.
    packet[2] = u8::try_from(text.len() + 1).unwrap_or(4);
    for (slot, &b) in packet.iter_mut().skip(4).zip(text) {
        *slot = b;
    }
    Some(packet)
}

/// The command a fuji packet carries, CR added (what the UPS behind the bridge hears); for
/// simulators. `None` for a packet that is not a fuji command.
pub fn fuji_decode(packet: &[u8]) -> Option<Vec<u8>> {
    match packet {
        [0x80, 0x06, len, 0x03, rest @ ..] if (2..=4).contains(len) => {
            let mut command = rest.get(..usize::from(*len) - 1)?.to_vec();
            command.push(b'\r');
            Some(command)
        }
        _ => None,
    }
}
