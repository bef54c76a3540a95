//! The wrappers as [`UsbControl`]s: [`Recording`] logs every transfer, [`Replaying`] plays a
//! capture's USB lines in order, [`FaultInjecting`] breaks transfers on a schedule.

use alloc::format;
use core::convert::Infallible;
use core::time::Duration;

use super::capture::Exchange;
use super::fault::{Fault, FaultInjecting};
use super::recording::Recording;
use super::replaying::Replaying;
use crate::error::{Error, ErrorKind, WrapError};
use crate::usb::{ControlRequest, UsbControl};

type ReplayError = WrapError<Infallible>;

fn copy_packet(buf: &mut [u8], packet: &[u8]) -> usize {
    let n = packet.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), packet.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

impl Replaying {
    fn usb_next(&mut self) -> Result<Exchange, ReplayError> {
        self.usb
            .pop_front()
            .ok_or_else(|| WrapError::own(ErrorKind::Disconnected, "end of capture"))
    }

    fn usb_mismatch(&mut self, kind: ErrorKind, got: &str, expected: Exchange) -> ReplayError {
        let e = WrapError::own(kind, format!("{got}, capture expects {expected:?}"));
        self.usb.push_front(expected);
        e
    }
}

/// Plays the USB lines of a capture in order:
///
/// * `control_out` must match the next recorded `control-out` (setup packet and data), else
///   [`ErrorKind::Protocol`]; its recorded outcome is returned (all bytes sent on success).
/// * `control_in` must match the next recorded `control-in` setup packet, else
///   [`ErrorKind::Protocol`]; the recorded data is returned, cut to the buffer.
/// * `interrupt_in` returns the next recorded `interrupt` packet, cut to the buffer; when the
///   capture expects something else, an [`ErrorKind::Timeout`] at once (nothing came).
/// * `interrupt_out` must match the next recorded `interrupt-out` (endpoint and data), else
///   [`ErrorKind::Protocol`]; its recorded outcome is returned, as for `control_out`.
/// * Past the end of the USB lines every call is [`ErrorKind::Disconnected`].
impl UsbControl for Replaying {
    type Error = ReplayError;

    async fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, ReplayError> {
        match self.usb_next()? {
            Exchange::ControlIn { request: r, reply } if r == request => {
                Ok(copy_packet(buf, &reply.map_err(Replaying::recorded)?))
            }
            other => Err(self.usb_mismatch(
                ErrorKind::Protocol,
                &format!("control in {request:?}"),
                other,
            )),
        }
    }

    async fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, ReplayError> {
        match self.usb_next()? {
            Exchange::ControlOut {
                request: r,
                data: d,
                result,
            } if r == request && d == data => {
                result.map(|()| data.len()).map_err(Replaying::recorded)
            }
            other => Err(self.usb_mismatch(
                ErrorKind::Protocol,
                &format!("control out {request:?} {data:02x?}"),
                other,
            )),
        }
    }

    async fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, ReplayError> {
        match self.usb_next()? {
            Exchange::InterruptIn { reply, .. } => {
                Ok(copy_packet(buf, &reply.map_err(Replaying::recorded)?))
            }
            other => Err(self.usb_mismatch(
                ErrorKind::Timeout,
                &format!("interrupt in {endpoint:#04x}"),
                other,
            )),
        }
    }

    async fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, ReplayError> {
        match self.usb_next()? {
            Exchange::InterruptOut {
                endpoint: e,
                data: d,
                result,
            } if e == endpoint && d == data => result.map(|()| data.len()).map_err(Replaying::recorded),
            other => Err(self.usb_mismatch(
                ErrorKind::Protocol,
                &format!("interrupt out {endpoint:#04x} {data:02x?}"),
                other,
            )),
        }
    }
}

/// Logs every transfer and its outcome (errors by kind).
impl<U: UsbControl> UsbControl for Recording<U> {
    type Error = U::Error;

    async fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, U::Error> {
        let r = self.inner_mut().control_in(request, buf, timeout).await;
        let reply = match &r {
            Ok(n) => Ok(buf.get(..*n).unwrap_or(buf).to_vec()),
            Err(e) => Err(e.kind()),
        };
        self.push(Exchange::ControlIn { request, reply });
        r
    }

    async fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, U::Error> {
        let r = self.inner_mut().control_out(request, data, timeout).await;
        // A short transfer is logged with the bytes that went out.
        let (sent, result) = written(data, &r);
        self.push(Exchange::ControlOut {
            request,
            data: sent.to_vec(),
            result,
        });
        r
    }

    async fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, U::Error> {
        let r = self.inner_mut().interrupt_in(endpoint, buf, timeout).await;
        let reply = match &r {
            Ok(n) => Ok(buf.get(..*n).unwrap_or(buf).to_vec()),
            Err(e) => Err(e.kind()),
        };
        self.push(Exchange::InterruptIn { endpoint, reply });
        r
    }

    async fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, U::Error> {
        let r = self
            .inner_mut()
            .interrupt_out(endpoint, data, timeout)
            .await;
        let (sent, result) = written(data, &r);
        self.push(Exchange::InterruptOut {
            endpoint,
            data: sent.to_vec(),
            result,
        });
        r
    }
}

/// What a write put on the wire (a short transfer: the bytes that went out) and its outcome.
fn written<'a, E: Error>(
    data: &'a [u8],
    r: &Result<usize, E>,
) -> (&'a [u8], Result<(), ErrorKind>) {
    match r {
        Ok(n) => (data.get(..*n).unwrap_or(data), Ok(())),
        Err(e) => (data, Err(e.kind())),
    }
}

/// `control_in` and `interrupt_in` count as reads, in one sequence; `control_out` and
/// `interrupt_out` as writes, in another.
/// Garbage on a read is returned instead of the data, on a write sent instead of it; Short
/// cuts what is read, or sends only the first bytes (the count returned says so).
impl<U: UsbControl> UsbControl for FaultInjecting<U> {
    type Error = WrapError<U::Error>;

    async fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        match self.next_read_fault()? {
            None => self.inner_mut().control_in(request, buf, timeout).await,
            Some(Fault::Garbage(bytes)) => return Ok(copy_packet(buf, &bytes)),
            Some(Fault::Short(max)) => {
                let n = self.inner_mut().control_in(request, buf, timeout).await;
                n.map(|n| n.min(max))
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }

    async fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        match self.next_write_fault()? {
            None => self.inner_mut().control_out(request, data, timeout).await,
            Some(Fault::Garbage(bytes)) => {
                self.inner_mut().control_out(request, &bytes, timeout).await
            }
            Some(Fault::Short(n)) => {
                let part = data.get(..n).unwrap_or(data);
                self.inner_mut().control_out(request, part, timeout).await
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }

    async fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        match self.next_read_fault()? {
            None => self.inner_mut().interrupt_in(endpoint, buf, timeout).await,
            Some(Fault::Garbage(bytes)) => return Ok(copy_packet(buf, &bytes)),
            Some(Fault::Short(max)) => {
                let n = self.inner_mut().interrupt_in(endpoint, buf, timeout).await;
                n.map(|n| n.min(max))
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }

    async fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        match self.next_write_fault()? {
            None => {
                self.inner_mut()
                    .interrupt_out(endpoint, data, timeout)
                    .await
            }
            Some(Fault::Garbage(bytes)) => {
                self.inner_mut()
                    .interrupt_out(endpoint, &bytes, timeout)
                    .await
            }
            Some(Fault::Short(n)) => {
                let part = data.get(..n).unwrap_or(data);
                self.inner_mut()
                    .interrupt_out(endpoint, part, timeout)
                    .await
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }
}
