//! [`HidOverUsb`]: a [`HidDevice`] on raw USB transfers ([`UsbControl`]), as NUT's libusb
//! backend talks to HID UPSes: the report descriptor with GET_DESCRIPTOR, reports with the HID
//! class requests GET_REPORT/SET_REPORT on the interface, input reports from the interrupt IN
//! endpoint, strings with GET_DESCRIPTOR(String). With the `rusb` backend this is the libusb
//! path for systems without hidraw, or devices the kernel's HID driver does not bind.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::hid::{HidDevice, HidInfo};
use crate::usb::{ControlRequest, ControlType, Recipient, UsbControl};

/// How long one control transfer may take (NUT uses 5 s).
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest report descriptor asked for (NUT's limit is 6 KiB; HID allows 64 KiB).
const DESCRIPTOR_BUFFER: usize = 65_535;

/// US English, the language NUT asks strings in.
const LANGUAGE_EN_US: u16 = 0x0409;

const GET_DESCRIPTOR: u8 = 0x06;
const GET_REPORT: u8 = 0x01;
const SET_REPORT: u8 = 0x09;
const DESCRIPTOR_STRING: u16 = 0x03;
const DESCRIPTOR_REPORT: u16 = 0x22;
const REPORT_FEATURE: u16 = 0x03;
const REPORT_OUTPUT: u16 = 0x02;

/// Why a HID operation over USB failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HidUsbError<E> {
    /// The USB transfer failed.
    Usb(E),
    /// The device answered something that is not a HID answer.
    Malformed(&'static str),
}

impl<E: Error> Error for HidUsbError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            HidUsbError::Usb(error) => error.kind(),
            HidUsbError::Malformed(_) => ErrorKind::Protocol,
        }
    }
}

/// A HID device on one interface of a USB device.
#[derive(Debug)]
pub struct HidOverUsb<U> {
    usb: U,
    info: HidInfo,
    interface: u16,
    in_endpoint: u8,
    out_endpoint: Option<u8>,
}

impl<U: UsbControl> HidOverUsb<U> {
    /// The HID interface `interface` of `usb`, reading input reports from `in_endpoint`
    /// (usually 0x81); `info` is what enumeration found (ids and strings).
    pub fn new(usb: U, info: HidInfo, interface: u16, in_endpoint: u8) -> Self {
        HidOverUsb {
            usb,
            info,
            interface,
            in_endpoint,
            out_endpoint: None,
        }
    }

    /// Send output reports on the interrupt OUT endpoint `endpoint` (usually 0x01, what APC's
    /// Modbus-over-USB uses) instead of SET_REPORT(Output) on the control pipe.
    pub fn with_out_endpoint(mut self, endpoint: u8) -> Self {
        self.out_endpoint = Some(endpoint);
        self
    }

    /// The USB device underneath.
    pub fn usb(&mut self) -> &mut U {
        &mut self.usb
    }

    fn request(&self, control_type: ControlType, request: u8, value: u16) -> ControlRequest {
        ControlRequest {
            control_type,
            recipient: Recipient::Interface,
            request,
            value,
            index: self.interface,
        }
    }
}

/// Decodes a USB string descriptor (length, type 3, UTF-16LE).
fn decode_string(bytes: &[u8]) -> Result<String, &'static str> {
    let [length, kind, ..] = bytes else {
        return Err("string descriptor shorter than its header");
    };
    if u16::from(*kind) != DESCRIPTOR_STRING {
        return Err("not a string descriptor");
    }
    let end = usize::from(*length).min(bytes.len());
    let units: Vec<u16> = bytes[2..end.max(2)]
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    Ok(char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

impl<U: UsbControl> HidDevice for HidOverUsb<U> {
    type Error = HidUsbError<U::Error>;

    async fn info(&mut self) -> Result<HidInfo, Self::Error> {
        Ok(self.info.clone())
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, Self::Error> {
        let request = self.request(
            ControlType::Standard,
            GET_DESCRIPTOR,
            DESCRIPTOR_REPORT << 8,
        );
        let mut buffer = vec![0u8; DESCRIPTOR_BUFFER];
        let len = self
            .usb
            .control_in(request, &mut buffer, TRANSFER_TIMEOUT)
            .await
            .map_err(HidUsbError::Usb)?;
        buffer.truncate(len.min(DESCRIPTOR_BUFFER));
        Ok(buffer)
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let Some(&id) = buf.first() else {
            return Err(HidUsbError::Malformed("an empty report buffer"));
        };
        let request = self.request(
            ControlType::Class,
            GET_REPORT,
            REPORT_FEATURE << 8 | u16::from(id),
        );
        // Without report IDs the device sends no ID byte: read after it.
        let target = if id == 0 { &mut buf[1..] } else { &mut *buf };
        let len = self
            .usb
            .control_in(request, target, TRANSFER_TIMEOUT)
            .await
            .map_err(HidUsbError::Usb)?;
        Ok(if id == 0 { len + 1 } else { len })
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        let Some(&id) = data.first() else {
            return Err(HidUsbError::Malformed("an empty report"));
        };
        let request = self.request(
            ControlType::Class,
            SET_REPORT,
            REPORT_FEATURE << 8 | u16::from(id),
        );
        let payload = if id == 0 { &data[1..] } else { data };
        self.usb
            .control_out(request, payload, TRANSFER_TIMEOUT)
            .await
            .map_err(HidUsbError::Usb)?;
        Ok(())
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        self.usb
            .interrupt_in(self.in_endpoint, buf, timeout)
            .await
            .map_err(HidUsbError::Usb)
    }

    /// The interrupt OUT endpoint if one was given, else SET_REPORT(Output).
    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        let Some(&id) = data.first() else {
            return Err(HidUsbError::Malformed("an empty report"));
        };
        let payload = if id == 0 { &data[1..] } else { data };
        match self.out_endpoint {
            Some(endpoint) => {
                self.usb
                    .interrupt_out(endpoint, payload, TRANSFER_TIMEOUT)
                    .await
                    .map_err(HidUsbError::Usb)?;
            }
            None => {
                let request = self.request(
                    ControlType::Class,
                    SET_REPORT,
                    REPORT_OUTPUT << 8 | u16::from(id),
                );
                self.usb
                    .control_out(request, payload, TRANSFER_TIMEOUT)
                    .await
                    .map_err(HidUsbError::Usb)?;
            }
        }
        Ok(())
    }

    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, Self::Error> {
        if index == 0 {
            return Ok(None);
        }
        let request = ControlRequest {
            control_type: ControlType::Standard,
            recipient: Recipient::Device,
            request: GET_DESCRIPTOR,
            value: DESCRIPTOR_STRING << 8 | u16::from(index),
            index: LANGUAGE_EN_US,
        };
        let mut buffer = [0u8; 255];
        let len = self
            .usb
            .control_in(request, &mut buffer, TRANSFER_TIMEOUT)
            .await
            .map_err(HidUsbError::Usb)?;
        let text =
            decode_string(&buffer[..len.min(buffer.len())]).map_err(HidUsbError::Malformed)?;
        Ok(Some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::VecDeque;

    /// A USB device that answers scripted control-in replies and records every request.
    #[derive(Default)]
    struct Scripted {
        replies: VecDeque<Vec<u8>>,
        requests: Vec<(ControlRequest, Vec<u8>)>,
        interrupts: VecDeque<Vec<u8>>,
        interrupt_writes: Vec<(u8, Vec<u8>)>,
    }

    impl UsbControl for Scripted {
        type Error = ErrorKind;

        async fn control_in(
            &mut self,
            request: ControlRequest,
            buf: &mut [u8],
            _timeout: Duration,
        ) -> Result<usize, ErrorKind> {
            self.requests.push((request, Vec::new()));
            let reply = self.replies.pop_front().ok_or(ErrorKind::Timeout)?;
            let len = reply.len().min(buf.len());
            buf[..len].copy_from_slice(&reply[..len]);
            Ok(len)
        }

        async fn control_out(
            &mut self,
            request: ControlRequest,
            data: &[u8],
            _timeout: Duration,
        ) -> Result<usize, ErrorKind> {
            self.requests.push((request, data.to_vec()));
            Ok(data.len())
        }

        async fn interrupt_in(
            &mut self,
            _endpoint: u8,
            buf: &mut [u8],
            _timeout: Duration,
        ) -> Result<usize, ErrorKind> {
            let report = self.interrupts.pop_front().ok_or(ErrorKind::Timeout)?;
            let len = report.len().min(buf.len());
            buf[..len].copy_from_slice(&report[..len]);
            Ok(len)
        }

        async fn interrupt_out(
            &mut self,
            endpoint: u8,
            data: &[u8],
            _timeout: Duration,
        ) -> Result<usize, ErrorKind> {
            self.interrupt_writes.push((endpoint, data.to_vec()));
            Ok(data.len())
        }
    }

    /// A minimal executor: the scripted device never returns Pending.
    fn block_on<F: core::future::Future>(future: F) -> F::Output {
        use core::pin::pin;
        use core::task::{Context, Poll, Waker};
        let mut future = pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }

    fn device(script: Scripted) -> HidOverUsb<Scripted> {
        HidOverUsb::new(script, HidInfo::default(), 0, 0x81)
    }

    #[test]
    fn reports_use_the_hid_class_requests_on_the_interface() {
        let mut script = Scripted::default();
        script.replies.push_back(vec![0x0c, 0x64, 0x00]);
        let mut hid = device(script);
        let mut buffer = [0x0c, 0, 0];
        assert_eq!(block_on(hid.get_feature_report(&mut buffer)), Ok(3));
        assert_eq!(buffer, [0x0c, 0x64, 0x00]);
        block_on(hid.set_feature_report(&[0x15, 0x14, 0x00])).unwrap();
        let requests = &hid.usb().requests;
        assert_eq!(
            requests[0].0,
            ControlRequest {
                control_type: ControlType::Class,
                recipient: Recipient::Interface,
                request: 0x01,
                value: 0x030c,
                index: 0
            }
        );
        assert_eq!(requests[1].0.request, 0x09);
        assert_eq!(requests[1].0.value, 0x0315);
        assert_eq!(requests[1].1, vec![0x15, 0x14, 0x00]);
    }

    #[test]
    fn without_report_ids_the_id_byte_is_not_sent() {
        let mut script = Scripted::default();
        script.replies.push_back(vec![0x64]);
        let mut hid = device(script);
        let mut buffer = [0u8, 0];
        assert_eq!(block_on(hid.get_feature_report(&mut buffer)), Ok(2));
        assert_eq!(buffer, [0, 0x64]);
        block_on(hid.set_feature_report(&[0, 0x14])).unwrap();
        assert_eq!(hid.usb().requests[1].1, vec![0x14]);
    }

    #[test]
    fn descriptor_and_strings_use_get_descriptor() {
        let mut script = Scripted::default();
        script.replies.push_back(vec![0x05, 0x84, 0x09, 0x04]);
        script
            .replies
            .push_back(vec![10, 3, b'P', 0, b'b', 0, b'A', 0, b'c', 0]);
        script.replies.push_back(vec![4, 2, 0, 0]);
        let mut hid = device(script);
        assert_eq!(
            block_on(hid.report_descriptor()),
            Ok(vec![0x05, 0x84, 0x09, 0x04])
        );
        assert_eq!(block_on(hid.string_descriptor(4)), Ok(Some("PbAc".into())));
        assert_eq!(
            block_on(hid.string_descriptor(5)),
            Err(HidUsbError::Malformed("not a string descriptor"))
        );
        assert_eq!(block_on(hid.string_descriptor(0)), Ok(None));
        let requests = &hid.usb().requests;
        assert_eq!(requests[0].0.value, 0x2200);
        assert_eq!(requests[0].0.recipient, Recipient::Interface);
        assert_eq!(requests[1].0.value, 0x0304);
        assert_eq!(requests[1].0.index, 0x0409);
    }

    #[test]
    fn input_reports_come_from_the_interrupt_endpoint() {
        let mut script = Scripted::default();
        script.interrupts.push_back(vec![0x13, 0x00]);
        let mut hid = device(script);
        let mut buffer = [0u8; 8];
        assert_eq!(
            block_on(hid.read_input_report(&mut buffer, Duration::from_millis(10))),
            Ok(2)
        );
        assert_eq!(
            block_on(hid.read_input_report(&mut buffer, Duration::from_millis(10)))
                .map_err(|e| e.kind()),
            Err(ErrorKind::Timeout)
        );
        assert_eq!(
            block_on(hid.get_feature_report(&mut [])),
            Err(HidUsbError::Malformed("an empty report buffer"))
        );
    }

    #[test]
    fn output_reports_go_to_the_out_endpoint_or_set_report_output() {
        let mut hid = device(Scripted::default());
        block_on(hid.write_output_report(&[0x90, 0x01, 0x03])).unwrap();
        let request = &hid.usb().requests[0];
        assert_eq!((request.0.request, request.0.value), (0x09, 0x0290));
        assert_eq!(request.1, vec![0x90, 0x01, 0x03]);
        let mut hid = device(Scripted::default()).with_out_endpoint(0x01);
        block_on(hid.write_output_report(&[0x90, 0x01, 0x03])).unwrap();
        assert!(hid.usb().requests.is_empty());
        assert_eq!(hid.usb().interrupt_writes, [(0x01, vec![0x90, 0x01, 0x03])]);
        assert_eq!(
            block_on(hid.write_output_report(&[])),
            Err(HidUsbError::Malformed("an empty report"))
        );
    }
}
