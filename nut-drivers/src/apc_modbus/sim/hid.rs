//! [`SimHid`]: the simulated unit behind APC's Modbus-over-USB-HID pipe, as a
//! [`HidDevice`]: it takes request frames from output reports 0x90 (no CRC, 63 bytes a
//! report), answers from the [`SimUnit`] register image in input reports 0x89 (63 bytes a
//! report, a long reply spread over several) and puts one of the unit's ordinary HID status
//! reports before every answer, as a real unit's interrupt pipe mixes them.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::hid::{HidDevice, HidInfo};
use nut_hal::modbus_frame;
use nut_hal::modbus_hid::{PAYLOAD_SIZE, REPORT_SIZE, ReportIds};

use super::{SimFault, SimUnit};

/// The id of the ordinary status report put before every answer.
pub const STATUS_REPORT: u8 = 0x0C;

/// APC's USB vendor id.
pub const APC_VENDOR_ID: u16 = 0x051D;
/// The product id of APC's HID UPSes.
pub const APC_PRODUCT_ID: u16 = 0x0003;

/// The simulated unit as a USB HID device.
#[derive(Debug)]
pub struct SimHid {
    sim: SimUnit,
    unit: u8,
    ids: ReportIds,
    request: Vec<u8>,
    inputs: VecDeque<Vec<u8>>,
    unplugged: Arc<AtomicBool>,
    /// Every output report the host wrote.
    pub written: Vec<Vec<u8>>,
}

impl SimUnit {
    /// The unit as Modbus unit `unit` behind a USB HID device with NUT's default report ids;
    /// `unplugged` (shared with the test) makes every call fail as
    /// [`ErrorKind::Disconnected`] while set.
    pub fn hid(&self, unit: u8, unplugged: Arc<AtomicBool>) -> SimHid {
        SimHid {
            sim: self.clone(),
            unit,
            ids: ReportIds::default(),
            request: Vec::new(),
            inputs: VecDeque::new(),
            unplugged,
            written: Vec::new(),
        }
    }
}

impl SimHid {
    /// Puts `report` (id in byte 0) on the interrupt pipe before anything else queued: a late
    /// answer to an earlier request, as in nut#2609.
    pub fn queue_input(&mut self, report: Vec<u8>) {
        self.inputs.push_back(report);
    }

    fn present(&self) -> Result<(), ErrorKind> {
        if self.unplugged.load(Ordering::SeqCst) {
            Err(ErrorKind::Disconnected)
        } else {
            Ok(())
        }
    }

    /// Queue the answer to the request collected so far, once it is whole.
    fn on_request_bytes(&mut self) {
        let len = match modbus_frame::request_frame_len(&self.request) {
            Ok(Some(len)) => len,
            Ok(None) => return,
            Err(_) => {
                self.request.clear();
                return;
            }
        };
        if self.request.len() < len {
            return;
        }
        let frame: Vec<u8> = self.request.drain(..).take(len).collect();
        let Some(mut reply) = self.sim.answer_frame(self.unit, &frame) else {
            return;
        };
        if self.sim.fault() == SimFault::Garbage
            && let Some(first) = reply.first_mut()
        {
            // As in nut#2609: a frame that seems to come from unit 32.
            *first = 0x20;
        }
        let mut status = vec![0u8; 4];
        status[0] = STATUS_REPORT;
        status[1] = 100;
        self.inputs.push_back(status);
        for chunk in reply.chunks(PAYLOAD_SIZE) {
            let mut report = vec![0u8; REPORT_SIZE];
            report[0] = self.ids.from_unit;
            report[1..=chunk.len()].copy_from_slice(chunk);
            self.inputs.push_back(report);
        }
    }
}

impl HidDevice for SimHid {
    type Error = ErrorKind;

    async fn info(&mut self) -> Result<HidInfo, ErrorKind> {
        self.present()?;
        Ok(HidInfo {
            vendor_id: APC_VENDOR_ID,
            product_id: APC_PRODUCT_ID,
            manufacturer: Some("American Power Conversion".into()),
            product: Some("Smart-UPS 1500 FW:UPS 15.5 / ID=18".into()),
            serial_number: Some("AS1234567890".into()),
        })
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, ErrorKind> {
        self.present()?;
        Ok(crate::apc_modbus::usb::descriptor_for(self.ids))
    }

    async fn get_feature_report(&mut self, _buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.present()?;
        Err(ErrorKind::Protocol)
    }

    async fn set_feature_report(&mut self, _data: &[u8]) -> Result<(), ErrorKind> {
        self.present()?;
        Err(ErrorKind::Protocol)
    }

    /// The next queued input report; with none, waits `timeout` (tokio time) and fails as
    /// [`ErrorKind::Timeout`], as hidapi's `read_timeout` does.
    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, ErrorKind> {
        self.present()?;
        let Some(report) = self.inputs.pop_front() else {
            if !timeout.is_zero() {
                tokio::time::sleep(timeout).await;
            }
            return Err(ErrorKind::Timeout);
        };
        let n = report.len().min(buf.len());
        buf[..n].copy_from_slice(&report[..n]);
        Ok(n)
    }

    async fn string_descriptor(&mut self, _index: u8) -> Result<Option<String>, ErrorKind> {
        self.present()?;
        Ok(None)
    }

    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), ErrorKind> {
        self.present()?;
        let (&id, payload) = data.split_first().ok_or(ErrorKind::InvalidInput)?;
        self.written.push(data.to_vec());
        if id == self.ids.to_unit {
            self.request.extend_from_slice(payload);
            self.on_request_bytes();
        }
        Ok(())
    }
}
