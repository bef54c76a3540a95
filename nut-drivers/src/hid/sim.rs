//! A simulated USB HID UPS behind [`HidDevice`]: a report descriptor, a current buffer per
//! report ID, string descriptors and a queue of interrupt reports. Built from a real device's
//! `usbhid-ups -DDD` log ([`SimulatedHid::from_log`]), it plays that device back; tests change
//! reports to play events, and make it vanish and return.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::hid::{HidDevice, HidInfo};

use super::descriptor::{INDEX_NODE, ReportKind, Usage};
use super::nut_log::NutHidLog;
use super::path::{PathError, PathNames};

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
    /// While true, report requests time out (a stalled device).
    pub stalled: bool,
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
        if state.stalled {
            return Err(ErrorKind::Timeout);
        }
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

    /// Kept with the written feature reports.
    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), ErrorKind> {
        let mut state = self.present()?;
        data.first().ok_or(ErrorKind::InvalidInput)?;
        state.written.push(data.to_vec());
        Ok(())
    }
}

/// One field for [`DescriptorBuilder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Input, Output or Feature.
    pub kind: ReportKind,
    /// The report ID.
    pub report_id: u8,
    /// Size in bits.
    pub size: u8,
    /// Logical minimum.
    pub logical_min: i32,
    /// Logical maximum.
    pub logical_max: i32,
    /// HID unit code (0 for none; `0x00F0D121` is volt).
    pub unit: u32,
    /// Unit exponent (-8..=7).
    pub exponent: i8,
}

impl FieldSpec {
    /// A Feature field of `size` bits with the unsigned range it can hold.
    pub fn feature(report_id: u8, size: u8) -> Self {
        FieldSpec {
            kind: ReportKind::Feature,
            report_id,
            size,
            logical_min: 0,
            logical_max: if size >= 31 {
                i32::MAX
            } else {
                (1 << size) - 1
            },
            unit: 0,
            exponent: 0,
        }
    }
}

/// Writes report descriptors for simulated devices: each field inside the collections its path
/// names (a vendor index node `[n]` becomes the collection type `0x80 | n`), with its report ID,
/// size, logical range, unit and exponent; usages are written in their four-byte form.
#[derive(Debug, Clone)]
pub struct DescriptorBuilder {
    names: PathNames,
    bytes: Vec<u8>,
}

impl Default for DescriptorBuilder {
    fn default() -> Self {
        DescriptorBuilder::new(PathNames::generic())
    }
}

impl DescriptorBuilder {
    /// A builder reading paths with `names`.
    pub fn new(names: PathNames) -> Self {
        DescriptorBuilder {
            names,
            bytes: Vec::new(),
        }
    }

    fn item(&mut self, prefix: u8, data: &[u8]) {
        let size_code = match data.len() {
            0 => 0,
            1 => 1,
            2 => 2,
            _ => 3,
        };
        self.bytes.push(prefix | size_code);
        self.bytes.extend_from_slice(data);
    }

    /// Adds the field at `path`.
    pub fn field(mut self, path: &str, spec: FieldSpec) -> Result<Self, PathError> {
        let nodes = self.names.parse(path)?;
        let Some((&usage, collections)) = nodes.split_last() else {
            return Ok(self);
        };
        let mut opened = 0;
        let mut index = 0;
        while index < collections.len() {
            let node: Usage = collections[index];
            let vendor = collections
                .get(index + 1)
                .filter(|next| **next & 0xffff_ff80 == INDEX_NODE)
                .map(|next| 0x80 | (*next & 0x7f) as u8);
            self.item(0x08, &node.to_le_bytes());
            let kind = vendor.unwrap_or(if opened == 0 { 0x01 } else { 0x00 });
            self.item(0xa0, &[kind]);
            opened += 1;
            index += if vendor.is_some() { 2 } else { 1 };
        }
        self.item(0x84, &[spec.report_id]);
        self.item(0x74, &[spec.size]);
        self.item(0x94, &[1]);
        self.item(0x14, &spec.logical_min.to_le_bytes());
        self.item(0x24, &spec.logical_max.to_le_bytes());
        self.item(0x64, &spec.unit.to_le_bytes());
        self.item(0x54, &[(spec.exponent as u8) & 0x0f]);
        self.item(0x08, &usage.to_le_bytes());
        let main = match spec.kind {
            ReportKind::Input => 0x80,
            ReportKind::Output => 0x90,
            ReportKind::Feature => 0xb0,
        };
        self.item(main, &[0x02]);
        for _ in 0..opened {
            self.item(0xc0, &[]);
        }
        Ok(self)
    }

    /// Adds `bits` of padding (a main item without a usage) to report `report_id` of `kind`.
    pub fn padding(mut self, kind: ReportKind, report_id: u8, bits: u8) -> Self {
        self.item(0x84, &[report_id]);
        self.item(0x74, &[bits]);
        self.item(0x94, &[1]);
        let main = match kind {
            ReportKind::Input => 0x80,
            ReportKind::Output => 0x90,
            ReportKind::Feature => 0xb0,
        };
        self.item(main, &[0x01]);
        self
    }

    /// The descriptor.
    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::super::descriptor::ReportDescriptor;
    use super::*;

    #[test]
    fn built_descriptors_parse_back_to_their_paths() {
        let names = PathNames::generic();
        let bytes = DescriptorBuilder::default()
            .field(
                "UPS.PowerSummary.RemainingCapacity",
                FieldSpec::feature(1, 8),
            )
            .unwrap()
            .field(
                "UPS.PowerConverter.Input.[1].Voltage",
                FieldSpec {
                    unit: 0x00f0_d121,
                    exponent: 5,
                    ..FieldSpec::feature(2, 16)
                },
            )
            .unwrap()
            .field(
                "UPS.PowerSummary.PresentStatus.ACPresent",
                FieldSpec::feature(3, 1),
            )
            .unwrap()
            .field(
                "UPS.PowerSummary.PresentStatus.Charging",
                FieldSpec::feature(3, 1),
            )
            .unwrap()
            .build();
        let descriptor = ReportDescriptor::parse(&bytes).unwrap();
        let paths: Vec<String> = descriptor
            .fields()
            .iter()
            .map(|f| names.render(&f.path))
            .collect();
        assert_eq!(
            paths,
            vec![
                "UPS.PowerSummary.RemainingCapacity",
                "UPS.PowerConverter.Input.[1].Voltage",
                "UPS.PowerSummary.PresentStatus.ACPresent",
                "UPS.PowerSummary.PresentStatus.Charging"
            ]
        );
        let voltage = &descriptor.fields()[1];
        assert_eq!(
            (voltage.unit, voltage.unit_exponent, voltage.size),
            (0x00f0_d121, 5, 16)
        );
        let charging = &descriptor.fields()[3];
        assert_eq!(
            (charging.report_id, charging.offset, charging.logical_max),
            (3, 1, 1)
        );
        assert!(
            DescriptorBuilder::default()
                .field("UPS.Nonsense", FieldSpec::feature(1, 8))
                .is_err()
        );
    }
}
