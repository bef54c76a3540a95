//! The [`UsbControl`] trait: raw USB control and interrupt transfers.
//!
//! Many Qx UPSes are "serial over USB control requests" (Cypress, Phoenixtec, Krauler…) and
//! need this rather than hidraw.

use core::future::Future;
use core::time::Duration;

use crate::error::Error;

/// Direction-independent part of a control request (bmRequestType is built from these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlType {
    /// A standard request.
    Standard,
    /// A class request (HID GET_REPORT/SET_REPORT).
    Class,
    /// A vendor request.
    Vendor,
}

/// Recipient of a control request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// The device.
    Device,
    /// An interface.
    Interface,
    /// An endpoint.
    Endpoint,
    /// Other.
    Other,
}

/// The setup packet of a control transfer, without direction and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlRequest {
    /// Request type.
    pub control_type: ControlType,
    /// Recipient.
    pub recipient: Recipient,
    /// bRequest.
    pub request: u8,
    /// wValue.
    pub value: u16,
    /// wIndex.
    pub index: u16,
}

/// bmRequestType for `request` in direction `input` (device-to-host when true).
pub fn request_type(request: ControlRequest, input: bool) -> u8 {
    let dir = if input { 0x80 } else { 0x00 };
    let kind = match request.control_type {
        ControlType::Standard => 0x00,
        ControlType::Class => 0x20,
        ControlType::Vendor => 0x40,
    };
    let to = match request.recipient {
        Recipient::Device => 0,
        Recipient::Interface => 1,
        Recipient::Endpoint => 2,
        Recipient::Other => 3,
    };
    dir | kind | to
}

/// Raw USB transfers on an opened device.
pub trait UsbControl: Send {
    /// The error type.
    type Error: Error + Send;

    /// A control transfer device-to-host; returns the number of bytes received into `buf`.
    fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// A control transfer host-to-device; returns the number of bytes sent.
    fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// Read one packet from interrupt IN `endpoint` (address with bit 7 set).
    fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// Write one packet to interrupt OUT `endpoint` (address with bit 7 clear); returns the
    /// number of bytes sent.
    fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;
}

impl<T: UsbControl + ?Sized> UsbControl for &mut T {
    type Error = T::Error;

    fn control_in(
        &mut self,
        request: ControlRequest,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::control_in(self, request, buf, timeout)
    }

    fn control_out(
        &mut self,
        request: ControlRequest,
        data: &[u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::control_out(self, request, data, timeout)
    }

    fn interrupt_in(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::interrupt_in(self, endpoint, buf, timeout)
    }

    fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::interrupt_out(self, endpoint, data, timeout)
    }
}
