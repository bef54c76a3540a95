//! Modbus RTU frames by hand: the CRC, request and reply PDUs in both directions, and how
//! long a frame is from its first bytes. Used where tokio-modbus' codecs cannot be: APC's
//! Modbus-over-USB-HID pipe ([`crate::modbus_hid`], frames without CRC) and simulated units
//! (which decode requests and encode replies).
//!
//! A frame ("ADU") here is `unit, function, data…` — plus a little-endian CRC-16/MODBUS on a
//! serial line, none inside HID reports.

use alloc::vec::Vec;

/// Function codes this codec knows.
pub mod function {
    /// Read coils.
    pub const READ_COILS: u8 = 0x01;
    /// Read discrete inputs.
    pub const READ_DISCRETE_INPUTS: u8 = 0x02;
    /// Read holding registers.
    pub const READ_HOLDING_REGISTERS: u8 = 0x03;
    /// Read input registers.
    pub const READ_INPUT_REGISTERS: u8 = 0x04;
    /// Write a single coil.
    pub const WRITE_SINGLE_COIL: u8 = 0x05;
    /// Write a single register.
    pub const WRITE_SINGLE_REGISTER: u8 = 0x06;
    /// Write multiple coils.
    pub const WRITE_MULTIPLE_COILS: u8 = 0x0F;
    /// Write multiple registers.
    pub const WRITE_MULTIPLE_REGISTERS: u8 = 0x10;
}

use function::*;

/// CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF); sent low byte first.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for byte in data {
        crc ^= u16::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// `frame` with its CRC appended (for a serial line).
pub fn with_crc(mut frame: Vec<u8>) -> Vec<u8> {
    let crc = crc16(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

/// `frame` without its CRC, if the CRC is right.
pub fn check_crc(frame: &[u8]) -> Option<&[u8]> {
    let split = frame.len().checked_sub(2)?;
    let (body, crc) = frame.split_at(split);
    (crc16(body).to_le_bytes() == crc).then_some(body)
}

/// A Modbus request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// 0x01: address, count.
    ReadCoils(u16, u16),
    /// 0x02: address, count.
    ReadDiscreteInputs(u16, u16),
    /// 0x03: address, count.
    ReadHoldingRegisters(u16, u16),
    /// 0x04: address, count.
    ReadInputRegisters(u16, u16),
    /// 0x05: address, value.
    WriteSingleCoil(u16, bool),
    /// 0x06: address, value.
    WriteSingleRegister(u16, u16),
    /// 0x0F: address, values.
    WriteMultipleCoils(u16, Vec<bool>),
    /// 0x10: address, values.
    WriteMultipleRegisters(u16, Vec<u16>),
}

/// A Modbus reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Bits read (0x01/0x02), padded to whole bytes.
    Bits(Vec<bool>),
    /// Registers read (0x03/0x04).
    Words(Vec<u16>),
    /// Echo of a single write (0x05/0x06): address, raw value.
    WroteOne(u16, u16),
    /// Echo of a multiple write (0x0F/0x10): address, count.
    WroteMany(u16, u16),
    /// An exception response with its code.
    Exception(u8),
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Too few bytes for what the header announces.
    Short,
    /// A function code this codec does not know.
    UnknownFunction(u8),
    /// The byte count or values are inconsistent.
    Malformed,
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::Short => f.write_str("frame too short"),
            FrameError::UnknownFunction(c) => write!(f, "unknown function code {c:#04x}"),
            FrameError::Malformed => f.write_str("malformed frame"),
        }
    }
}

fn be(b: &[u8], at: usize) -> Result<u16, FrameError> {
    match (b.get(at), b.get(at + 1)) {
        (Some(h), Some(l)) => Ok(u16::from_be_bytes([*h, *l])),
        _ => Err(FrameError::Short),
    }
}

fn pack_bits(bits: &[bool]) -> Vec<u8> {
    let mut out = alloc::vec![0u8; bits.len().div_ceil(8)];
    for (i, bit) in bits.iter().enumerate() {
        if let (Some(byte), true) = (out.get_mut(i / 8), *bit) {
            *byte |= 1 << (i % 8);
        }
    }
    out
}

fn unpack_bits(bytes: &[u8], count: usize) -> Vec<bool> {
    (0..count)
        .map(|i| bytes.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0))
        .collect()
}

fn words_bytes(words: &[u16]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_be_bytes()).collect()
}

fn bytes_words(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect()
}

/// Narrow a length to the byte count field (callers keep counts within Modbus limits).
fn count_u8(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

fn count_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

impl Request {
    /// The function code.
    pub fn function(&self) -> u8 {
        match self {
            Request::ReadCoils(..) => READ_COILS,
            Request::ReadDiscreteInputs(..) => READ_DISCRETE_INPUTS,
            Request::ReadHoldingRegisters(..) => READ_HOLDING_REGISTERS,
            Request::ReadInputRegisters(..) => READ_INPUT_REGISTERS,
            Request::WriteSingleCoil(..) => WRITE_SINGLE_COIL,
            Request::WriteSingleRegister(..) => WRITE_SINGLE_REGISTER,
            Request::WriteMultipleCoils(..) => WRITE_MULTIPLE_COILS,
            Request::WriteMultipleRegisters(..) => WRITE_MULTIPLE_REGISTERS,
        }
    }

    /// The PDU: function code and data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = alloc::vec![self.function()];
        let mut put = |v: u16| out.extend_from_slice(&v.to_be_bytes());
        match self {
            Request::ReadCoils(a, n)
            | Request::ReadDiscreteInputs(a, n)
            | Request::ReadHoldingRegisters(a, n)
            | Request::ReadInputRegisters(a, n)
            | Request::WriteSingleRegister(a, n) => {
                put(*a);
                put(*n);
            }
            Request::WriteSingleCoil(a, v) => {
                put(*a);
                put(if *v { 0xFF00 } else { 0 });
            }
            Request::WriteMultipleCoils(a, vs) => {
                put(*a);
                put(count_u16(vs.len()));
                let bytes = pack_bits(vs);
                out.push(count_u8(bytes.len()));
                out.extend_from_slice(&bytes);
            }
            Request::WriteMultipleRegisters(a, vs) => {
                put(*a);
                put(count_u16(vs.len()));
                out.push(count_u8(vs.len() * 2));
                out.extend_from_slice(&words_bytes(vs));
            }
        }
        out
    }

    /// Decode a request PDU (what a unit receives).
    pub fn decode(pdu: &[u8]) -> Result<Request, FrameError> {
        let function = *pdu.first().ok_or(FrameError::Short)?;
        let a = be(pdu, 1)?;
        let n = be(pdu, 3)?;
        Ok(match function {
            READ_COILS => Request::ReadCoils(a, n),
            READ_DISCRETE_INPUTS => Request::ReadDiscreteInputs(a, n),
            READ_HOLDING_REGISTERS => Request::ReadHoldingRegisters(a, n),
            READ_INPUT_REGISTERS => Request::ReadInputRegisters(a, n),
            WRITE_SINGLE_COIL => Request::WriteSingleCoil(a, n == 0xFF00),
            WRITE_SINGLE_REGISTER => Request::WriteSingleRegister(a, n),
            WRITE_MULTIPLE_COILS | WRITE_MULTIPLE_REGISTERS => {
                let len = usize::from(*pdu.get(5).ok_or(FrameError::Short)?);
                let data = pdu.get(6..6 + len).ok_or(FrameError::Short)?;
                if function == WRITE_MULTIPLE_COILS {
                    if usize::from(n).div_ceil(8) != len {
                        return Err(FrameError::Malformed);
                    }
                    Request::WriteMultipleCoils(a, unpack_bits(data, usize::from(n)))
                } else {
                    if usize::from(n) * 2 != len {
                        return Err(FrameError::Malformed);
                    }
                    Request::WriteMultipleRegisters(a, bytes_words(data))
                }
            }
            other => return Err(FrameError::UnknownFunction(other)),
        })
    }
}

impl Reply {
    /// The reply PDU to a request with function code `function`.
    pub fn encode(&self, function: u8) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Reply::Exception(code) => {
                out.push(function | 0x80);
                out.push(*code);
            }
            Reply::Bits(bits) => {
                let bytes = pack_bits(bits);
                out.push(function);
                out.push(count_u8(bytes.len()));
                out.extend_from_slice(&bytes);
            }
            Reply::Words(words) => {
                out.push(function);
                out.push(count_u8(words.len() * 2));
                out.extend_from_slice(&words_bytes(words));
            }
            Reply::WroteOne(a, v) | Reply::WroteMany(a, v) => {
                out.push(function);
                out.extend_from_slice(&a.to_be_bytes());
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
        out
    }

    /// Decode a reply PDU (what a client receives).
    pub fn decode(pdu: &[u8]) -> Result<Reply, FrameError> {
        let function = *pdu.first().ok_or(FrameError::Short)?;
        if function & 0x80 != 0 {
            return Ok(Reply::Exception(*pdu.get(1).ok_or(FrameError::Short)?));
        }
        match function {
            READ_COILS | READ_DISCRETE_INPUTS | READ_HOLDING_REGISTERS | READ_INPUT_REGISTERS => {
                let len = usize::from(*pdu.get(1).ok_or(FrameError::Short)?);
                let data = pdu.get(2..2 + len).ok_or(FrameError::Short)?;
                if function <= READ_DISCRETE_INPUTS {
                    Ok(Reply::Bits(unpack_bits(data, len * 8)))
                } else if len % 2 == 0 {
                    Ok(Reply::Words(bytes_words(data)))
                } else {
                    Err(FrameError::Malformed)
                }
            }
            WRITE_SINGLE_COIL | WRITE_SINGLE_REGISTER => {
                Ok(Reply::WroteOne(be(pdu, 1)?, be(pdu, 3)?))
            }
            WRITE_MULTIPLE_COILS | WRITE_MULTIPLE_REGISTERS => {
                Ok(Reply::WroteMany(be(pdu, 1)?, be(pdu, 3)?))
            }
            other => Err(FrameError::UnknownFunction(other)),
        }
    }
}

/// The length of a reply frame (unit + PDU, no CRC) from its first bytes: `Ok(None)` while
/// too few bytes are there to tell.
pub fn reply_frame_len(head: &[u8]) -> Result<Option<usize>, FrameError> {
    let Some(function) = head.get(1) else {
        return Ok(None);
    };
    if function & 0x80 != 0 {
        return Ok(Some(3));
    }
    match *function {
        READ_COILS | READ_DISCRETE_INPUTS | READ_HOLDING_REGISTERS | READ_INPUT_REGISTERS => {
            Ok(head.get(2).map(|n| 3 + usize::from(*n)))
        }
        WRITE_SINGLE_COIL
        | WRITE_SINGLE_REGISTER
        | WRITE_MULTIPLE_COILS
        | WRITE_MULTIPLE_REGISTERS => Ok(Some(6)),
        other => Err(FrameError::UnknownFunction(other)),
    }
}

/// The length of a request frame (unit + PDU, no CRC) from its first bytes: `Ok(None)` while
/// too few bytes are there to tell.
pub fn request_frame_len(head: &[u8]) -> Result<Option<usize>, FrameError> {
    let Some(function) = head.get(1) else {
        return Ok(None);
    };
    match *function {
        READ_COILS..=WRITE_SINGLE_REGISTER => Ok(Some(6)),
        WRITE_MULTIPLE_COILS | WRITE_MULTIPLE_REGISTERS => {
            Ok(head.get(6).map(|n| 7 + usize::from(*n)))
        }
        other => Err(FrameError::UnknownFunction(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_a_known_frame() {
        // Read holding registers 0..1 of unit 1: 01 03 00 00 00 01 84 0A.
        let frame = with_crc(alloc::vec![1, 3, 0, 0, 0, 1]);
        assert_eq!(frame, [1, 3, 0, 0, 0, 1, 0x84, 0x0A]);
        assert_eq!(check_crc(&frame), Some(&frame[..6]));
        assert_eq!(check_crc(&[1, 3, 0, 0, 0, 1, 0x84, 0x0B]), None);
    }

    #[test]
    fn requests_and_replies_round_trip() {
        for req in [
            Request::ReadHoldingRegisters(516, 120),
            Request::WriteSingleCoil(3, true),
            Request::WriteMultipleRegisters(1026, alloc::vec![280, 160]),
            Request::WriteMultipleCoils(1, alloc::vec![true, false, true]),
        ] {
            let pdu = req.encode();
            let mut frame = alloc::vec![1];
            frame.extend_from_slice(&pdu);
            assert_eq!(request_frame_len(&frame), Ok(Some(frame.len())));
            assert_eq!(Request::decode(&pdu), Ok(req));
        }
        let reply = Reply::Words(alloc::vec![1, 0xFFFF]);
        let pdu = reply.encode(3);
        assert_eq!(pdu, [3, 4, 0, 1, 0xFF, 0xFF]);
        assert_eq!(Reply::decode(&pdu), Ok(reply));
        let mut frame = alloc::vec![1];
        frame.extend_from_slice(&Reply::Exception(2).encode(3));
        assert_eq!(frame, [1, 0x83, 2]);
        assert_eq!(reply_frame_len(&frame), Ok(Some(3)));
        assert_eq!(reply_frame_len(&[1, 3]), Ok(None));
        assert_eq!(reply_frame_len(&[1, 3, 240]), Ok(Some(243)));
        assert_eq!(
            reply_frame_len(&[1, 0x41]),
            Err(FrameError::UnknownFunction(0x41))
        );
    }
}
