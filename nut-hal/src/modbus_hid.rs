//! [`HidModbus`]: Modbus RTU over APC's USB HID pipe, on any [`HidDevice`] (hidraw through
//! hidapi, or raw USB through [`HidOverUsb`](crate::hid_usb::HidOverUsb)).
//!
//! The framing, as NUT's `apc_modbus` (its libmodbus `rtu_usb` backend) and apcupsd's
//! `ModbusUsbComm` do it, and as the traces in NUT issue #2609 show:
//!
//! * the host sends each request as 64-byte **output** reports: byte 0 the report id of the
//!   `ModbusRTURx` usage (FF86:00FC; 0x90 on an SRT), then up to 63 bytes of the frame
//!   `unit, function, data…` **without the CRC**, zero-padded;
//! * the unit answers with **input** reports whose id is that of the `ModbusRTUTx` usage
//!   (FF86:00FD; 0x89): 63 payload bytes each, again without CRC. A reply longer than 63 bytes
//!   (a 120-register read is 243 bytes) continues in the next 0x89 reports, payloads
//!   concatenated; the frame's length comes from its header (function code, byte count) and
//!   the padding after it is dropped;
//! * input reports with other ids (the unit's ordinary HID status reports) are skipped.
//!
//! NUT issue #2609 shows what goes wrong when a late answer is read as the answer to the next
//! request (a 27-register reply arriving for a 120-register read, "Message length not
//! corresponding to the computed length"; a continuation report read as a new frame,
//! "responding slave 32"). So: input reports pending before a request are drained, a reply
//! that does not belong to the request is a [`ModbusError::Protocol`] error, and after a
//! timeout or such a mismatch the session is closed ([`ModbusError::Disconnected`] until the
//! caller reopens), like [`TokioModbus`](crate::modbus_tokio::TokioModbus).

use std::format;
use std::string::ToString;
use std::time::Duration;
use std::vec::Vec;

use crate::error::{Error, ErrorKind};
use crate::hid::HidDevice;
use crate::modbus_frame::{self, Reply, Request};
use crate::modbus_tokio::ModbusError;
use crate::modbus_transact::Transact;

/// The size of every Modbus report, id byte included.
pub const REPORT_SIZE: usize = 64;
/// Frame bytes one report carries.
pub const PAYLOAD_SIZE: usize = REPORT_SIZE - 1;
/// Report id of `ModbusRTURx` (host → unit) on the units NUT has seen.
pub const DEFAULT_TO_UNIT_REPORT: u8 = 0x90;
/// Report id of `ModbusRTUTx` (unit → host) on the units NUT has seen.
pub const DEFAULT_FROM_UNIT_REPORT: u8 = 0x89;
/// Most stale input reports drained before a request.
const MAX_DRAIN: usize = 32;
/// How long a drain read waits. Never zero: to libusb a zero timeout means "wait for ever".
const DRAIN_WAIT: Duration = Duration::from_millis(1);

/// Report ids of the two Modbus usages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportIds {
    /// `ModbusRTURx` (FF86:00FC): the output report requests go in.
    pub to_unit: u8,
    /// `ModbusRTUTx` (FF86:00FD): the input report replies come in.
    pub from_unit: u8,
}

impl Default for ReportIds {
    /// 0x90 out, 0x89 in (NUT's defaults; found on an SRT in nut#2609).
    fn default() -> Self {
        ReportIds {
            to_unit: DEFAULT_TO_UNIT_REPORT,
            from_unit: DEFAULT_FROM_UNIT_REPORT,
        }
    }
}

/// A Modbus client for one unit on a HID device.
#[derive(Debug)]
pub struct HidModbus<H> {
    device: Option<H>,
    unit: u8,
    ids: ReportIds,
    timeout: Duration,
}

fn hid_error<E: Error>(what: &str, e: &E) -> ModbusError {
    let text = format!("{what}: {e:?}");
    match e.kind() {
        ErrorKind::Disconnected => ModbusError::Disconnected(text),
        _ => ModbusError::Io(text),
    }
}

impl<H: HidDevice> HidModbus<H> {
    /// Talk to unit `unit` on `device` through the report ids `ids`, waiting at most
    /// `timeout` for each reply.
    pub fn new(device: H, unit: u8, ids: ReportIds, timeout: Duration) -> Self {
        HidModbus {
            device: Some(device),
            unit,
            ids,
            timeout,
        }
    }

    /// Whether the session can still be used (not closed by a timeout, a stray reply or the
    /// device going away).
    pub fn is_open(&self) -> bool {
        self.device.is_some()
    }

    /// The report ids in use.
    pub fn report_ids(&self) -> ReportIds {
        self.ids
    }

    /// The device, while the session is open.
    pub fn device(&mut self) -> Option<&mut H> {
        self.device.as_mut()
    }

    /// One request and its reply; closes the session on timeout, disconnection or a reply
    /// that does not belong to the request.
    async fn call(&mut self, request: Request) -> Result<Reply, ModbusError> {
        let timeout = self.timeout;
        let r = match tokio::time::timeout(timeout, self.exchange(&request)).await {
            Ok(r) => r,
            Err(_) => Err(ModbusError::Timeout(timeout)),
        };
        if matches!(
            r,
            Err(ModbusError::Timeout(_) | ModbusError::Disconnected(_) | ModbusError::Protocol(_))
        ) {
            self.device = None;
        }
        match r? {
            Reply::Exception(code) => Err(ModbusError::Exception { code }),
            reply => Ok(reply),
        }
    }

    async fn exchange(&mut self, request: &Request) -> Result<Reply, ModbusError> {
        let (unit, ids, timeout) = (self.unit, self.ids, self.timeout);
        let Some(device) = self.device.as_mut() else {
            return Err(ModbusError::Disconnected(
                "session closed (after a timeout, a stray reply or by the device); reopen".into(),
            ));
        };
        drain(device).await?;
        let mut frame = std::vec![unit];
        frame.extend_from_slice(&request.encode());
        for chunk in frame.chunks(PAYLOAD_SIZE) {
            let mut report = std::vec![0u8; REPORT_SIZE];
            report[0] = ids.to_unit;
            report[1..=chunk.len()].copy_from_slice(chunk);
            device
                .write_output_report(&report)
                .await
                .map_err(|e| hid_error("writing the request report", &e))?;
        }
        let frame = read_frame(device, ids.from_unit, timeout).await?;
        let Some((&from, pdu)) = frame.split_first() else {
            return Err(ModbusError::Protocol("empty reply".into()));
        };
        if from != unit {
            return Err(ModbusError::Protocol(format!(
                "reply from unit {from}, asked unit {unit}"
            )));
        }
        let function = pdu.first().copied().unwrap_or(0);
        if function & 0x7F != request.function() {
            return Err(ModbusError::Protocol(format!(
                "reply to function {function:#04x}, asked {:#04x}",
                request.function()
            )));
        }
        Reply::decode(pdu).map_err(|e| ModbusError::Protocol(e.to_string()))
    }
}

/// Read and drop Modbus input reports already waiting (late answers to earlier requests).
async fn drain<H: HidDevice>(device: &mut H) -> Result<(), ModbusError> {
    let mut buf = [0u8; REPORT_SIZE];
    for _ in 0..MAX_DRAIN {
        match device.read_input_report(&mut buf, DRAIN_WAIT).await {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::Timeout => return Ok(()),
            Err(e) => return Err(hid_error("draining input reports", &e)),
        }
    }
    Ok(())
}

/// Collect `from_unit` reports until a whole frame (as its header tells) is there.
async fn read_frame<H: HidDevice>(
    device: &mut H,
    from_unit: u8,
    timeout: Duration,
) -> Result<Vec<u8>, ModbusError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut frame: Vec<u8> = Vec::new();
    let mut buf = [0u8; REPORT_SIZE];
    loop {
        let len = modbus_frame::reply_frame_len(&frame)
            .map_err(|e| ModbusError::Protocol(e.to_string()))?;
        if let Some(len) = len.filter(|len| frame.len() >= *len) {
            frame.truncate(len);
            return Ok(frame);
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            // Zero would be "no timeout" to libusb.
            return Err(ModbusError::Timeout(timeout));
        }
        let n = match device.read_input_report(&mut buf, left).await {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Timeout => {
                return Err(ModbusError::Timeout(timeout));
            }
            Err(e) => return Err(hid_error("reading a reply report", &e)),
        };
        match buf.get(..n) {
            Some([id, payload @ ..]) if *id == from_unit => frame.extend_from_slice(payload),
            _ => {}
        }
    }
}

impl<H: HidDevice> Transact for HidModbus<H> {
    async fn transact(&mut self, request: Request) -> Result<Reply, ModbusError> {
        self.call(request).await
    }
}
