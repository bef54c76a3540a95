//! [`Replaying`]: a [`Serial`] (and a [`HidDevice`](crate::hid::HidDevice)) that plays the
//! device's side of a recorded capture.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::time::Duration;

use super::capture::{CaptureParseError, Exchange, parse_capture};
use super::hid::HidScript;
use crate::error::{ErrorKind, WrapError};
use crate::serial::{LineSettings, ModemLines, Serial};

/// Serves a capture: expects the host's writes in order and answers its reads.
///
/// The serial lines of the capture (`>`, `<`) are played in order as below; its HID lines are
/// served as a [`HidDevice`](crate::hid::HidDevice), keyed by report id rather than in one
/// global order (see its `HidDevice` impl); its USB lines are played in order as a
/// [`UsbControl`](crate::usb::UsbControl) (see its `UsbControl` impl); its SNMP and Modbus
/// lines are played in order as an [`Snmp`](crate::snmp::Snmp) agent and a
/// [`Modbus`](crate::modbus::Modbus) unit (see those impls).
///
/// * A write must match the next recorded write bytes (a write may span or split recorded
///   ones); a mismatch is an [`ErrorKind::Protocol`] error.
/// * A read returns the next recorded read bytes (at most `buf.len()`, the rest stays for the
///   next read); a recorded timeout, or a read while a write is expected, is an
///   [`ErrorKind::Timeout`] error, returned at once.
/// * Past the end of the capture every call is [`ErrorKind::Disconnected`].
/// * Line settings and modem-line output calls succeed; `modem_status` returns the lines set
///   with [`Replaying::set_modem_status`].
#[derive(Debug, Clone)]
pub struct Replaying {
    script: VecDeque<Exchange>,
    lines: ModemLines,
    pub(super) hid: HidScript,
    pub(super) usb: VecDeque<Exchange>,
    pub(super) net: VecDeque<Exchange>,
}

impl Replaying {
    /// Replay `exchanges`.
    pub fn new(exchanges: impl IntoIterator<Item = Exchange>) -> Self {
        let mut script = VecDeque::new();
        let mut hid = HidScript::default();
        let mut usb = VecDeque::new();
        let mut net = VecDeque::new();
        for e in exchanges {
            match e {
                Exchange::Write(_) | Exchange::Read(_) | Exchange::ReadTimeout => {
                    script.push_back(e)
                }
                Exchange::ControlIn { .. }
                | Exchange::ControlOut { .. }
                | Exchange::InterruptIn { .. }
                | Exchange::InterruptOut { .. } => usb.push_back(e),
                Exchange::Snmp { .. } | Exchange::Modbus { .. } => net.push_back(e),
                other => hid.add(other),
            }
        }
        Replaying {
            script,
            lines: ModemLines::empty(),
            hid,
            usb,
            net,
        }
    }

    /// Replay a capture in text form.
    pub fn from_text(text: &str) -> Result<Self, CaptureParseError> {
        parse_capture(text).map(Self::new)
    }

    /// What `modem_status` will report.
    pub fn set_modem_status(&mut self, lines: ModemLines) {
        self.lines = lines;
    }

    /// Whether the whole capture has been played (HID feature reports and strings count as
    /// played when only their last, repeating, answer is left).
    pub fn is_finished(&self) -> bool {
        self.script.is_empty()
            && self.hid.is_finished()
            && self.usb.is_empty()
            && self.net.is_empty()
    }

    /// What is left of the capture: the serial part, the unplayed HID answers, the USB part,
    /// then the SNMP and Modbus part.
    pub fn remaining(&self) -> Vec<Exchange> {
        let mut out: Vec<Exchange> = self.script.iter().cloned().collect();
        self.hid.remaining(&mut out);
        out.extend(self.usb.iter().cloned());
        out.extend(self.net.iter().cloned());
        out
    }

    /// Every HID feature report the host set, in order (`data[0]` is the report id).
    pub fn sent_features(&self) -> &[Vec<u8>] {
        &self.hid.sent
    }

    pub(super) fn ended() -> WrapError<Infallible> {
        WrapError::own(ErrorKind::Disconnected, "end of capture")
    }

    /// The answer of the next SNMP or Modbus line, if `answer` takes that line as the answer
    /// to `asked`; else a mismatch ([`ErrorKind::Protocol`]), and the line stays.
    pub(super) fn next_net_answer<T>(
        &mut self,
        asked: &dyn core::fmt::Debug,
        answer: impl FnOnce(Exchange) -> Result<Result<T, ErrorKind>, Exchange>,
    ) -> Result<T, WrapError<Infallible>> {
        let next = self.net.pop_front().ok_or_else(Self::ended)?;
        match answer(next) {
            Ok(reply) => reply.map_err(Self::recorded),
            Err(other) => {
                let e = WrapError::own(
                    ErrorKind::Protocol,
                    format!("asked {asked:?}, capture expects {other:?}"),
                );
                self.net.push_front(other);
                Err(e)
            }
        }
    }

    /// The recorded error of kind `kind`, returned again.
    pub(super) fn recorded(kind: ErrorKind) -> WrapError<Infallible> {
        WrapError::own(kind, "recorded error")
    }
}

impl Serial for Replaying {
    type Error = WrapError<Infallible>;

    async fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.script.pop_front() {
            None => Err(Self::ended()),
            Some(Exchange::ReadTimeout) => {
                Err(WrapError::own(ErrorKind::Timeout, "recorded timeout"))
            }
            Some(Exchange::Read(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                let rest = bytes.split_off(n);
                if let Some(dst) = buf.get_mut(..n) {
                    dst.copy_from_slice(&bytes);
                }
                if !rest.is_empty() {
                    self.script.push_front(Exchange::Read(rest));
                }
                Ok(n)
            }
            Some(w) => {
                self.script.push_front(w);
                Err(WrapError::own(
                    ErrorKind::Timeout,
                    "read while the capture expects a write",
                ))
            }
        }
    }

    async fn write_all(&mut self, mut data: &[u8]) -> Result<(), Self::Error> {
        while !data.is_empty() {
            match self.script.pop_front() {
                None => return Err(Self::ended()),
                Some(Exchange::Write(mut expected)) => {
                    let n = expected.len().min(data.len());
                    let (now, later) = data.split_at(n);
                    if expected.get(..n) != Some(now) {
                        let e = WrapError::own(
                            ErrorKind::Protocol,
                            format!("wrote {now:02x?}, capture expects {expected:02x?}"),
                        );
                        self.script.push_front(Exchange::Write(expected));
                        return Err(e);
                    }
                    let rest = expected.split_off(n);
                    if !rest.is_empty() {
                        self.script.push_front(Exchange::Write(rest));
                    }
                    data = later;
                }
                Some(other) => {
                    let e = WrapError::own(
                        ErrorKind::Protocol,
                        format!("wrote {data:02x?}, capture expects {other:?}"),
                    );
                    self.script.push_front(other);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    async fn set_line(&mut self, _settings: LineSettings) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn set_dtr(&mut self, _on: bool) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn set_rts(&mut self, _on: bool) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn send_break(&mut self, _duration: Duration) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, Self::Error> {
        Ok(self.lines)
    }
}
