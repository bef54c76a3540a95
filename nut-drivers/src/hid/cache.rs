//! The report cache: one buffer per report ID with the time it was read, so one GET_REPORT
//! serves every field of a report within a poll (NUT-REFERENCE.md §9.6).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nut_hal::hid::HidDevice;

use super::descriptor::ReportDescriptor;
use crate::device::DeviceError;

/// The longest report we ask a device for (a control transfer's wLength).
const LONGEST_REPORT: usize = 4096;

/// Cached report buffers, report-ID byte first.
#[derive(Debug, Default)]
pub struct ReportCache {
    reports: HashMap<u8, (Vec<u8>, Instant)>,
    /// Ask for this many bytes instead of the descriptor's length (`maxreport`).
    pub full_buffer: Option<usize>,
}

/// A report that came back shorter than the descriptor says, for the debug log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortRead {
    /// The report ID.
    pub report_id: u8,
    /// Bytes expected.
    pub expected: usize,
    /// Bytes received.
    pub got: usize,
}

impl ReportCache {
    /// Forgets every report (after a write, or when the device came back).
    pub fn clear(&mut self) {
        self.reports.clear();
    }

    /// Stores a report that arrived on the interrupt pipe.
    pub fn store(&mut self, report: &[u8]) {
        if let Some(&id) = report.first() {
            self.reports.insert(id, (report.to_vec(), Instant::now()));
        }
    }

    /// The report `report_id`, from the cache if younger than `max_age`, else read from the
    /// device as a Feature report. A short read is padded with zeros to the descriptor's length
    /// (as NUT's buffer is) and reported.
    pub async fn get<D: HidDevice>(
        &mut self,
        device: &mut D,
        descriptor: &ReportDescriptor,
        report_id: u8,
        max_age: Duration,
    ) -> Result<(&[u8], Option<ShortRead>), DeviceError> {
        let fresh = self
            .reports
            .get(&report_id)
            .is_some_and(|(_, at)| at.elapsed() < max_age);
        let mut short = None;
        if !fresh {
            let expected = descriptor.report_id_len(report_id).unwrap_or(1);
            let asked = self
                .full_buffer
                .unwrap_or(expected)
                .clamp(expected, LONGEST_REPORT);
            let mut buffer = vec![0u8; asked];
            buffer[0] = report_id;
            let got = device
                .get_feature_report(&mut buffer)
                .await
                .map_err(|e| DeviceError::transport("GET_REPORT", &e))?;
            if got < expected {
                short = Some(ShortRead {
                    report_id,
                    expected,
                    got,
                });
                let end = got.min(buffer.len());
                buffer[end..].fill(0);
            }
            buffer[0] = report_id;
            self.reports.insert(report_id, (buffer, Instant::now()));
        }
        let report = self
            .reports
            .get(&report_id)
            .map(|(bytes, _)| bytes.as_slice())
            .unwrap_or_default();
        Ok((report, short))
    }
}
