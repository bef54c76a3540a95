//! A simulated serial-over-USB bridge chip ([`SimUsb`], a [`UsbControl`]) in front of the Qx
//! [`Simulator`], for tests and demos: it decodes SET_REPORT chunks and string descriptor reads
//! into command lines the way each [`Bridge`] encodes them, answers from the simulator, records
//! every transfer ([`Seen`]) and can fail chosen transfers or hand out raw bytes.
//!
//! String bridges: the chip sends a garbage first character (`x`) and no CR, as the real ones
//! do (snr keeps the CR); fabula/hunnox/snr answer a command they cannot run with "UPS No
//! Ack", krauler with an empty string.
//!
//! Packet bridges: sgs sends counted 8-byte packets and then nothing (reads time out); armac
//! sends 6-byte reports of up to 5 bytes with the toggling header and, with nothing to say,
//! reports with a count of 0; fuji and cypress send the bytes as they are.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::usb::{ControlRequest, UsbControl};

use super::Bridge;
use super::armac::armac_decode;
use super::framing::{self, encode_string};
use super::fuji::fuji_decode;
use super::sgs::{SGS_PAYLOAD, sgs_payload};
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
    /// An interrupt write to an endpoint, with its data.
    InterruptOut(u8, Vec<u8>),
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
    /// Armac: refuse SET_REPORT with a timeout, as the units that take commands only on
    /// interrupt OUT do.
    pub interrupt_only: bool,
    /// Armac: the header's toggle bit (0x40) of the next report.
    toggle: bool,
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
            interrupt_only: false,
            toggle: false,
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
            (Bridge::Snr, _) => return None,
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

    /// Bytes of a command arrive at the UPS; each complete line is answered into the
    /// interrupt queue.
    fn hear(&mut self, bytes: &[u8]) {
        self.out.extend(bytes.iter().filter(|&&b| b != 0));
        while let Some(cr) = self.out.iter().position(|&b| b == b'\r') {
            let line: Vec<u8> = self.out.drain(..=cr).collect();
            if let Some(reply) = self.ask(&line) {
                self.interrupt.extend(reply);
            }
        }
    }

    /// An armac command report arrives (SET_REPORT or interrupt OUT).
    fn hear_armac(&mut self, report: &[u8]) -> Result<(), ErrorKind> {
        let bytes = armac_decode(report)
            .ok_or(ErrorKind::InvalidInput)?
            .to_vec();
        self.hear(&bytes);
        Ok(())
    }

    /// The next armac report: up to 5 queued bytes (none: a count of 0) after the header.
    fn armac_report(&mut self) -> Vec<u8> {
        let n = self.interrupt.len().min(5);
        let toggle = if self.toggle { 0xc0 } else { 0x80 };
        self.toggle = !self.toggle;
        let mut report = vec![toggle | u8::try_from(n).unwrap_or(0)];
        report.extend(self.interrupt.drain(..n));
        report.resize(6, b'0');
        report
    }

    /// The next sgs packet, `None` when nothing is queued.
    fn sgs_packet(&mut self) -> Option<Vec<u8>> {
        if self.interrupt.is_empty() {
            return None;
        }
        let n = self.interrupt.len().min(SGS_PAYLOAD);
        let mut packet = vec![u8::try_from(n).unwrap_or(0)];
        packet.extend(self.interrupt.drain(..n));
        packet.resize(8, 0);
        Some(packet)
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
                    if self.bridge != Bridge::Snr {
                        reply.retain(|&b| b != b'\r');
                    }
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
            match self.bridge {
                Bridge::Armac if self.interrupt_only => return Err(ErrorKind::Timeout),
                Bridge::Armac => self.hear_armac(data)?,
                Bridge::Sgs if data.len() == 8 => self.hear(sgs_payload(data)),
                _ if data.len() == 8 => self.hear(data),
                _ => return Err(ErrorKind::InvalidInput),
            }
        }
        Ok(data.len())
    }

    async fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        _: Duration,
    ) -> Result<usize, ErrorKind> {
        self.record(Seen::InterruptOut(endpoint, data.to_vec()))?;
        match self.bridge {
            Bridge::Fuji => {
                let command = fuji_decode(data).ok_or(ErrorKind::InvalidInput)?;
                self.hear(&command);
            }
            Bridge::Armac => self.hear_armac(data)?,
            _ => return Err(ErrorKind::Unsupported),
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
        let packet = match self.bridge {
            Bridge::Armac => Some(self.armac_report()),
            Bridge::Sgs => self.sgs_packet(),
            _ => None,
        };
        if let Some(packet) = packet {
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
