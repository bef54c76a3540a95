//! A simulated serial-over-USB bridge chip ([`SimUsb`], a [`UsbControl`]) in front of the Qx
//! [`Simulator`], for tests and demos: it decodes SET_REPORT chunks and string descriptor reads
//! into command lines the way each [`Bridge`] encodes them, answers from the simulator, records
//! every transfer ([`Seen`]) and can fail chosen transfers or hand out raw bytes.
//!
//! String bridges: the chip sends a garbage first character (`x`) and no CR, as the real ones
//! do; fabula/hunnox answer an instant command with "UPS No Ack", krauler with an empty string.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::usb::{ControlRequest, UsbControl};

use super::Bridge;
use super::framing::{self, encode_string};
use crate::qx::sim::Simulator;

fn copy(from: &[u8], to: &mut [u8]) -> usize {
    let n = to.len().min(from.len());
    for (d, s) in to.iter_mut().zip(from) {
        *d = *s;
    }
    n
}

/// One transfer as the device saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A control transfer out, with its data.
    Out(ControlRequest, Vec<u8>),
    /// A control transfer in.
    In(ControlRequest),
    /// An interrupt read on an endpoint, with the buffer size.
    Interrupt(u8, usize),
}

/// A simulated bridge chip of one [`Bridge`] kind in front of a Qx [`Simulator`].
#[derive(Debug)]
pub struct SimUsb {
    ups: Arc<Mutex<Simulator>>,
    bridge: Bridge,
    out: Vec<u8>,
    /// Bytes waiting on the interrupt endpoint.
    pub interrupt: VecDeque<u8>,
    /// Every transfer, in order.
    pub seen: Vec<Seen>,
    /// Transfer number (0-based, counting [`SimUsb::seen`]) → the error it fails with.
    pub faults: Vec<(usize, ErrorKind)>,
    /// Raw packets/descriptors handed out instead of the simulator's replies, one per
    /// transfer in; when they run out, reads time out.
    pub raw: Option<VecDeque<Vec<u8>>>,
}

impl SimUsb {
    /// A `bridge` chip in front of `ups`.
    pub fn new(ups: &Arc<Mutex<Simulator>>, bridge: Bridge) -> Self {
        SimUsb {
            ups: Arc::clone(ups),
            bridge,
            out: Vec::new(),
            interrupt: VecDeque::new(),
            seen: Vec::new(),
            faults: Vec::new(),
            raw: None,
        }
    }

    /// The same chip, failing transfer `at` with `kind`.
    pub fn fail(mut self, at: usize, kind: ErrorKind) -> Self {
        self.faults.push((at, kind));
        self
    }

    fn record(&mut self, seen: Seen) -> Result<(), ErrorKind> {
        let n = self.seen.len();
        self.seen.push(seen);
        match self.faults.iter().find(|(at, _)| *at == n) {
            Some((_, kind)) => Err(*kind),
            None => Ok(()),
        }
    }

    fn ask(&self, command: &[u8]) -> Option<Vec<u8>> {
        self.ups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .respond(command)
    }

    /// The command a string index stands for on this bridge (the chip's firmware).
    fn string_command(&self, index: u8) -> Option<Vec<u8>> {
        let fixed: &[u8] = match (self.bridge, index) {
            (_, 0x03) => b"Q1\r",
            (_, 0x0d) => b"F\r",
            (_, 0x0c) => b"I\r",
            (_, 0x07) => b"Q\r",
            (Bridge::Krauler, 0x04) => b"T\r",
            (Bridge::Krauler, 0x14) => b"TL\r",
            (Bridge::Krauler, 0x0b) | (Bridge::Fabula | Bridge::Hunnox, 0x0a) => b"C\r",
            (Bridge::Fabula | Bridge::Hunnox, i) if i >= 0x10 => {
                let high = i >> 4;
                let delay = if high < 6 {
                    format!(".{}", high + 4)
                } else {
                    format!("{:02}", high - 5)
                };
                let restart = if i & 0x08 != 0 { "0001" } else { "0000" };
                return Some(format!("S{delay}R{restart}\r").into_bytes());
            }
            _ => return None,
        };
        Some(fixed.to_vec())
    }
}

impl UsbControl for SimUsb {
    type Error = ErrorKind;

    async fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        _: Duration,
    ) -> Result<usize, ErrorKind> {
        self.record(Seen::In(request))?;
        if request.request != 0x06 {
            return Err(ErrorKind::Unsupported);
        }
        let index = u8::try_from(request.value & 0xff).unwrap_or(0);
        let desc = if let Some(raw) = self.raw.as_mut() {
            raw.pop_front().unwrap_or_default()
        } else if index == 0 {
            vec![4, 3, 0x09, 0x04]
        } else if index == 1 {
            encode_string(b"MEC")
        } else {
            if request.index != 0x0409 {
                return Err(ErrorKind::Io);
            }
            let Some(command) = self.string_command(index) else {
                return Err(ErrorKind::Io);
            };
            let text = match self.ask(&command) {
                // The chip sends garbage as the first character and no CR.
                Some(mut reply) => {
                    reply.retain(|&b| b != b'\r');
                    if let Some(first) = reply.first_mut() {
                        *first = b'x';
                    }
                    reply
                }
                None if self.bridge == Bridge::Krauler => Vec::new(),
                None => framing::NO_ACK.as_bytes().to_vec(),
            };
            encode_string(&text)
        };
        Ok(copy(&desc, buf))
    }

    async fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        _: Duration,
    ) -> Result<usize, ErrorKind> {
        self.record(Seen::Out(request, data.to_vec()))?;
        if request.request == 0x09 {
            if data.len() != 8 {
                return Err(ErrorKind::InvalidInput);
            }
            self.out.extend(data.iter().filter(|&&b| b != 0));
            while let Some(cr) = self.out.iter().position(|&b| b == b'\r') {
                let line: Vec<u8> = self.out.drain(..=cr).collect();
                if let Some(reply) = self.ask(&line) {
                    self.interrupt.extend(reply);
                }
            }
        }
        Ok(data.len())
    }

    async fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        _: Duration,
    ) -> Result<usize, ErrorKind> {
        self.record(Seen::Interrupt(endpoint, buf.len()))?;
        if let Some(raw) = self.raw.as_mut() {
            let packet = raw.pop_front().ok_or(ErrorKind::Timeout)?;
            return Ok(copy(&packet, buf));
        }
        if self.interrupt.is_empty() {
            return Err(ErrorKind::Timeout);
        }
        let n = buf.len().min(self.interrupt.len());
        for (d, s) in buf.iter_mut().zip(self.interrupt.drain(..n)) {
            *d = s;
        }
        // A 64-byte packet (ippon) is NUL-padded.
        Ok(if buf.len() == 64 { 64 } else { n })
    }
}
