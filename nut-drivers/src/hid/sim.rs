//! A simulated USB HID UPS behind [`HidDevice`]: a report descriptor, a current buffer per
//! report ID, string descriptors and a queue of interrupt reports. Built from a real device's
//! `usbhid-ups -DDD` log ([`SimulatedHid::from_log`]), it plays that device back; tests change
//! reports to play events, and make it vanish and return.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::hid::{HidDevice, HidInfo};

use super::nut_log::NutHidLog;

/// The state a test shares with the simulated device.
#[derive(Debug, Default)]
pub struct SimState {
    /// Identity strings and ids.
    pub info: HidInfo,
    /// The report descriptor.
    pub descriptor: Vec<u8>,
    /// Current buffer of each report ID (report-ID byte first).
    pub reports: HashMap<u8, Vec<u8>>,
    /// String descriptors by index.
    pub strings: HashMap<u8, String>,
    /// Interrupt reports waiting to be read.
    pub interrupts: VecDeque<Vec<u8>>,
    /// Every SET_REPORT received, in order.
    pub written: Vec<Vec<u8>>,
    /// While true, every call fails as a disconnected device does.
    pub gone: bool,
}

/// A simulated HID UPS; clones share one state.
#[derive(Debug, Clone, Default)]
pub struct SimulatedHid {
    state: Arc<Mutex<SimState>>,
}

impl SimulatedHid {
    /// A device with this identity and descriptor and no reports yet.
    pub fn new(info: HidInfo, descriptor: Vec<u8>) -> Self {
        let sim = SimulatedHid::default();
        {
            let mut state = sim.state();
            state.info = info;
            state.descriptor = descriptor;
        }
        sim
    }

    /// The device a log describes: its descriptor, and for each report ID the first buffer the
    /// log shows read with GET_REPORT (`Report[get]`, else `Report[err]`).
    pub fn from_log(info: HidInfo, log: &NutHidLog) -> Self {
        let sim = SimulatedHid::new(info, log.descriptor.clone());
        {
            let mut state = sim.state();
            // A GET_REPORT that came back with an unexpected length is logged as `err`.
            for source in ["get", "err"] {
                for report in log.reports.iter().filter(|r| r.source == source) {
                    if let Some(&id) = report.bytes.first() {
                        state
                            .reports
                            .entry(id)
                            .or_insert_with(|| report.bytes.clone());
                    }
                }
            }
        }
        sim
    }

    /// The shared state, to change reports or inspect writes.
    pub fn state(&self) -> MutexGuard<'_, SimState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn present(&self) -> Result<MutexGuard<'_, SimState>, ErrorKind> {
        let state = self.state();
        if state.gone {
            Err(ErrorKind::Disconnected)
        } else {
            Ok(state)
        }
    }
}

impl HidDevice for SimulatedHid {
    type Error = ErrorKind;

    async fn info(&mut self) -> Result<HidInfo, ErrorKind> {
        Ok(self.present()?.info.clone())
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, ErrorKind> {
        Ok(self.present()?.descriptor.clone())
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let state = self.present()?;
        let id = *buf.first().ok_or(ErrorKind::InvalidInput)?;
        let report = state.reports.get(&id).ok_or(ErrorKind::Protocol)?;
        let len = report.len().min(buf.len());
        buf[..len].copy_from_slice(&report[..len]);
        Ok(len)
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), ErrorKind> {
        let mut state = self.present()?;
        let id = *data.first().ok_or(ErrorKind::InvalidInput)?;
        state.written.push(data.to_vec());
        state.reports.insert(id, data.to_vec());
        Ok(())
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, ErrorKind> {
        let mut state = self.present()?;
        let report = state.interrupts.pop_front().ok_or(ErrorKind::Timeout)?;
        let len = report.len().min(buf.len());
        buf[..len].copy_from_slice(&report[..len]);
        Ok(len)
    }

    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, ErrorKind> {
        Ok(self.present()?.strings.get(&index).cloned())
    }
}
