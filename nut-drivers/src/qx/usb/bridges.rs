//! The exchanges of the fuji, sgs, snr and armac bridges (their framing is in [`super::fuji`],
//! [`super::sgs`], [`super::framing`] and [`super::armac`]).

use nut_hal::ErrorKind;
use nut_hal::error::{Error as _, WrapError};
use nut_hal::usb::UsbControl;

use super::armac::{ARMAC_READ_SIZE, armac_chunks, armac_payload};
use super::framing::{self, CHUNK, REPLY_ENDPOINT};
use super::fuji::{FUJI_OUT_ENDPOINT, fuji_packet};
use super::sgs::{sgs_chunks, sgs_payload};
use super::{QxUsb, QxUsbError, REPLY_LIMIT};

/// How many times snr re-reads a string that came back corrupted or as "UPS No Ack".
pub const SNR_TRIES: usize = 10;

/// Armac: how many reports without data are read before a command counts as unanswered.
pub const ARMAC_EMPTY_REPORTS: usize = 10;

/// SNR: the size of the interrupt read that drops stale data before each command.
const SNR_FLUSH_SIZE: usize = 102;

/// Interrupt OUT endpoint of the armac units that take commands there.
const ARMAC_OUT_ENDPOINT: u8 = 0x02;

/// How armac command reports go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmacWrite {
    /// Class SET_REPORT, `wValue` 0x0200 (NUT 2.8.0). The default: what the units of NUT
    /// 2.8.0's time answer.
    SetReport,
    /// Interrupt OUT endpoint 0x02 (NUT 2.8.1 and later). Used from the first time a device
    /// refuses SET_REPORT (a timeout, stall or unsupported request) on, for the connection.
    InterruptOut,
}

impl<U: UsbControl> QxUsb<U> {
    /// Fuji: one packet to interrupt OUT 0x02, then a cypress-style reply. A command the
    /// bridge cannot carry is echoed (refused) without a transfer.
    pub(super) async fn fuji(
        &mut self,
        command: &[u8],
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        let Some(packet) = fuji_packet(command) else {
            return Ok(Some(command.to_vec()));
        };
        self.interrupt_write(FUJI_OUT_ENDPOINT, &packet).await?;
        self.read_until_cr().await
    }

    /// SGS: counted SET_REPORT chunks out, counted packets in until a read brings nothing.
    pub(super) async fn sgs(
        &mut self,
        command: &[u8],
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        for chunk in sgs_chunks(command) {
            self.set_report_chunk(0x0200, &chunk, self.timeouts.write)
                .await?;
        }
        let mut reply = Vec::new();
        while reply.len() < REPLY_LIMIT {
            let mut packet = [0u8; CHUNK];
            match self
                .usb
                .interrupt_in(REPLY_ENDPOINT, &mut packet, self.timeouts.read)
                .await
            {
                Ok(0) => break,
                Ok(n) => reply.extend_from_slice(sgs_payload(packet.get(..n).unwrap_or(&packet))),
                Err(e) if e.kind() == ErrorKind::Timeout => break,
                Err(e) => return Err(WrapError::Inner(e)),
            }
        }
        let line = framing::upto_cr(&reply);
        Ok((!line.is_empty()).then_some(line))
    }

    /// SNR: one interrupt read drops stale data (whatever it gives, unless the device is
    /// gone), then `Q1`, `F` and `I` are read as strings in the `langid_fix` language (else
    /// the device's first), up to [`SNR_TRIES`] times; other commands are refused.
    pub(super) async fn snr(
        &mut self,
        command: &[u8],
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        let mut stale = [0u8; SNR_FLUSH_SIZE];
        let flushed = self
            .usb
            .interrupt_in(REPLY_ENDPOINT, &mut stale, self.timeouts.read)
            .await;
        if let Err(e) = flushed
            && e.kind() == ErrorKind::Disconnected
        {
            return Err(WrapError::Inner(e));
        }
        let kind = framing::snr_command(command);
        let fixed = self.settings.langid_fix;
        self.string_bridge(command, kind, SNR_TRIES, fixed, framing::snr_line)
            .await
    }

    /// Armac: `A0+n` reports out (see [`ArmacWrite`]), counted reports in until a CR.
    pub(super) async fn armac(
        &mut self,
        command: &[u8],
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        for report in armac_chunks(command) {
            self.armac_send(&report).await?;
        }
        let mut reply = Vec::new();
        let mut empty = 0;
        while reply.len() < REPLY_LIMIT {
            let mut report = [0u8; ARMAC_READ_SIZE];
            let n = match self
                .usb
                .interrupt_in(REPLY_ENDPOINT, &mut report, self.timeouts.read)
                .await
            {
                Ok(n) => n,
                // Nothing, or a reply cut short: no reply.
                Err(e) if e.kind() == ErrorKind::Timeout => return Ok(None),
                Err(e) => return Err(WrapError::Inner(e)),
            };
            let payload = armac_payload(report.get(..n).unwrap_or(&report));
            if payload.is_empty() {
                if !reply.is_empty() {
                    break;
                }
                empty += 1;
                if empty >= ARMAC_EMPTY_REPORTS {
                    return Ok(None);
                }
                continue;
            }
            reply.extend_from_slice(payload);
            if payload.contains(&b'\r') {
                break;
            }
        }
        let line = framing::upto_cr(&reply);
        Ok((!line.is_empty()).then_some(line))
    }

    /// Sends one armac report the current way; the first refused SET_REPORT switches to
    /// interrupt OUT for good and sends the report again that way.
    async fn armac_send(&mut self, report: &[u8]) -> Result<(), QxUsbError<U::Error>> {
        if self.armac_write == ArmacWrite::SetReport {
            match self
                .set_report_chunk(0x0200, report, self.timeouts.write)
                .await
            {
                Err(WrapError::Inner(e))
                    if matches!(
                        e.kind(),
                        ErrorKind::Timeout
                            | ErrorKind::Io
                            | ErrorKind::Protocol
                            | ErrorKind::Unsupported
                    ) =>
                {
                    tracing::debug!(kind = ?e.kind(), "armac: SET_REPORT refused, using interrupt OUT");
                    self.armac_write = ArmacWrite::InterruptOut;
                }
                other => return other,
            }
        }
        self.interrupt_write(ARMAC_OUT_ENDPOINT, report).await
    }

    /// Armac: how reports go out now.
    pub fn armac_write(&self) -> ArmacWrite {
        self.armac_write
    }

    /// One SET_REPORT transfer; sending nothing is an I/O error.
    pub(super) async fn set_report_chunk(
        &mut self,
        value: u16,
        chunk: &[u8],
        timeout: std::time::Duration,
    ) -> Result<(), QxUsbError<U::Error>> {
        let sent = self
            .usb
            .control_out(framing::set_report(value), chunk, timeout)
            .await
            .map_err(WrapError::Inner)?;
        if sent == 0 {
            return Err(WrapError::own(ErrorKind::Io, "SET_REPORT sent nothing"));
        }
        Ok(())
    }

    /// One interrupt OUT transfer; sending nothing is an I/O error.
    async fn interrupt_write(
        &mut self,
        endpoint: u8,
        packet: &[u8],
    ) -> Result<(), QxUsbError<U::Error>> {
        let sent = self
            .usb
            .interrupt_out(endpoint, packet, self.timeouts.write)
            .await
            .map_err(WrapError::Inner)?;
        if sent == 0 {
            return Err(WrapError::own(ErrorKind::Io, "interrupt OUT sent nothing"));
        }
        Ok(())
    }
}
