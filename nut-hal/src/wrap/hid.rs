//! The wrappers as [`HidDevice`]s: [`Recording`] logs every HID call into the shared capture
//! format, [`Replaying`] serves a capture's HID lines, [`FaultInjecting`] breaks reports on a
//! schedule.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::time::Duration;

use super::capture::Exchange;
use super::fault::{Fault, FaultInjecting};
use super::recording::Recording;
use super::replaying::Replaying;
use crate::error::{Error, ErrorKind, WrapError};
use crate::hid::{HidDevice, HidInfo};

/// A recorded SET_REPORT(Feature): its data and outcome.
type RecordedSet = (Vec<u8>, Result<(), ErrorKind>);

/// What a [`Replaying`] serves as a HID device, keyed by report id and string index.
#[derive(Debug, Clone, Default)]
pub(crate) struct HidScript {
    info: Option<HidInfo>,
    descriptor: Option<Vec<u8>>,
    features: BTreeMap<u8, VecDeque<Result<Vec<u8>, ErrorKind>>>,
    sets: BTreeMap<u8, VecDeque<RecordedSet>>,
    inputs: VecDeque<Result<Vec<u8>, ErrorKind>>,
    strings: BTreeMap<u8, VecDeque<Result<Option<String>, ErrorKind>>>,
    /// Every feature report the host set.
    pub(crate) sent: Vec<Vec<u8>>,
    /// Recorded outcomes of output reports, in order.
    outputs: VecDeque<Result<(), ErrorKind>>,
}

/// The next answer of a queue whose last answer repeats for ever.
fn sticky<T: Clone>(queue: &mut VecDeque<T>) -> Option<T> {
    if queue.len() > 1 {
        queue.pop_front()
    } else {
        queue.front().cloned()
    }
}

impl HidScript {
    /// Add one HID exchange (others are ignored).
    pub(crate) fn add(&mut self, exchange: Exchange) {
        match exchange {
            Exchange::HidInfo(info) => self.info = Some(info),
            Exchange::HidDescriptor(d) => self.descriptor = Some(d),
            Exchange::GetFeature { report_id, reply } => {
                self.features.entry(report_id).or_default().push_back(reply);
            }
            Exchange::SetFeature { data, result } => {
                let id = data.first().copied().unwrap_or(0);
                self.sets.entry(id).or_default().push_back((data, result));
            }
            Exchange::Input(reply) => self.inputs.push_back(reply),
            Exchange::Output { result, .. } => self.outputs.push_back(result),
            Exchange::HidString { index, value } => {
                self.strings.entry(index).or_default().push_back(value);
            }
            _ => {}
        }
    }

    /// Whether only repeating answers are left.
    pub(crate) fn is_finished(&self) -> bool {
        self.inputs.is_empty()
            && self.outputs.is_empty()
            && self.sets.values().all(VecDeque::is_empty)
            && self.features.values().all(|q| q.len() <= 1)
            && self.strings.values().all(|q| q.len() <= 1)
    }

    /// Append the answers not played yet (repeating last answers excluded).
    pub(crate) fn remaining(&self, out: &mut Vec<Exchange>) {
        for (id, q) in &self.features {
            for reply in q.iter().take(q.len().saturating_sub(1)) {
                out.push(Exchange::GetFeature {
                    report_id: *id,
                    reply: reply.clone(),
                });
            }
        }
        for (data, result) in self.sets.values().flatten() {
            out.push(Exchange::SetFeature {
                data: data.clone(),
                result: *result,
            });
        }
        out.extend(self.inputs.iter().cloned().map(Exchange::Input));
        for (index, q) in &self.strings {
            for value in q.iter().take(q.len().saturating_sub(1)) {
                out.push(Exchange::HidString {
                    index: *index,
                    value: value.clone(),
                });
            }
        }
    }
}

type ReplayError = WrapError<Infallible>;

fn copy_report(buf: &mut [u8], report: &[u8]) -> usize {
    let n = report.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), report.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

/// Serves the HID lines of a capture:
///
/// * `info` and `descriptor`: the last recorded one, as often as asked; none recorded is an
///   [`ErrorKind::Unsupported`] error.
/// * `get_feature_report`: the recorded replies for that report id in order, the last one
///   repeating (a device keeps its state); a report id never recorded is an
///   [`ErrorKind::Protocol`] error (a replay mismatch). A reply longer than the buffer is cut.
/// * `set_feature_report`: checked against the next recorded `set` for that report id
///   (different data is [`ErrorKind::Protocol`]) and its recorded outcome returned; with none
///   recorded the report is accepted. Every set is kept, see [`Replaying::sent_features`].
/// * `read_input_report`: the recorded input reports in order; when they run out, a
///   [`ErrorKind::Timeout`] (a quiet device).
/// * `string_descriptor`: like feature reports, by index.
///
/// Recorded errors come back with their recorded kind. An empty buffer or report is an
/// [`ErrorKind::InvalidInput`] error.
impl HidDevice for Replaying {
    type Error = ReplayError;

    async fn info(&mut self) -> Result<HidInfo, ReplayError> {
        self.hid
            .info
            .clone()
            .ok_or_else(|| WrapError::own(ErrorKind::Unsupported, "no info in the capture"))
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, ReplayError> {
        self.hid
            .descriptor
            .clone()
            .ok_or_else(|| WrapError::own(ErrorKind::Unsupported, "no descriptor in the capture"))
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, ReplayError> {
        let id = *buf
            .first()
            .ok_or_else(|| WrapError::own(ErrorKind::InvalidInput, "empty report buffer"))?;
        let reply = self
            .hid
            .features
            .get_mut(&id)
            .and_then(sticky)
            .ok_or_else(|| {
                WrapError::own(
                    ErrorKind::Protocol,
                    format!("feature report {id:#04x} is not in the capture"),
                )
            })?;
        let report = reply.map_err(Replaying::recorded)?;
        Ok(copy_report(buf, &report))
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), ReplayError> {
        let id = *data
            .first()
            .ok_or_else(|| WrapError::own(ErrorKind::InvalidInput, "empty report"))?;
        self.hid.sent.push(data.to_vec());
        let Some((expected, result)) = self.hid.sets.get_mut(&id).and_then(VecDeque::pop_front)
        else {
            return Ok(());
        };
        if expected != data {
            let e = WrapError::own(
                ErrorKind::Protocol,
                format!("set {data:02x?}, capture expects {expected:02x?}"),
            );
            if let Some(q) = self.hid.sets.get_mut(&id) {
                q.push_front((expected, result));
            }
            return Err(e);
        }
        result.map_err(Replaying::recorded)
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, ReplayError> {
        if buf.is_empty() {
            return Err(WrapError::own(
                ErrorKind::InvalidInput,
                "empty report buffer",
            ));
        }
        match self.hid.inputs.pop_front() {
            None => Err(WrapError::own(ErrorKind::Timeout, "no more input reports")),
            Some(reply) => Ok(copy_report(buf, &reply.map_err(Replaying::recorded)?)),
        }
    }

    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, ReplayError> {
        let value = self
            .hid
            .strings
            .get_mut(&index)
            .and_then(sticky)
            .ok_or_else(|| {
                WrapError::own(
                    ErrorKind::Protocol,
                    format!("string {index} is not in the capture"),
                )
            })?;
        value.map_err(Replaying::recorded)
    }

    /// Kept like a set feature report ([`Replaying::sent_features`]); the next recorded
    /// output outcome is returned (success when none is left).
    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), ReplayError> {
        if data.is_empty() {
            return Err(WrapError::own(ErrorKind::InvalidInput, "empty report"));
        }
        self.hid.sent.push(data.to_vec());
        match self.hid.outputs.pop_front() {
            Some(result) => result.map_err(Replaying::recorded),
            None => Ok(()),
        }
    }
}

/// Logs every call (and its outcome, errors by kind) into the capture; `get_feature_report`
/// with an empty buffer is passed through unlogged.
impl<D: HidDevice> HidDevice for Recording<D> {
    type Error = D::Error;

    async fn info(&mut self) -> Result<HidInfo, D::Error> {
        let info = self.inner_mut().info().await?;
        self.push(Exchange::HidInfo(info.clone()));
        Ok(info)
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, D::Error> {
        let d = self.inner_mut().report_descriptor().await?;
        self.push(Exchange::HidDescriptor(d.clone()));
        Ok(d)
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, D::Error> {
        let id = buf.first().copied();
        let r = self.inner_mut().get_feature_report(buf).await;
        if let Some(report_id) = id {
            let reply = match &r {
                Ok(n) => Ok(buf.get(..*n).unwrap_or(buf).to_vec()),
                Err(e) => Err(e.kind()),
            };
            self.push(Exchange::GetFeature { report_id, reply });
        }
        r
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), D::Error> {
        let r = self.inner_mut().set_feature_report(data).await;
        self.push(Exchange::SetFeature {
            data: data.to_vec(),
            result: r.as_ref().map(|_| ()).map_err(Error::kind),
        });
        r
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, D::Error> {
        let r = self.inner_mut().read_input_report(buf, timeout).await;
        let reply = match &r {
            Ok(n) => Ok(buf.get(..*n).unwrap_or(buf).to_vec()),
            Err(e) => Err(e.kind()),
        };
        self.push(Exchange::Input(reply));
        r
    }

    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, D::Error> {
        let r = self.inner_mut().string_descriptor(index).await;
        self.push(Exchange::HidString {
            index,
            value: r.as_ref().map(Clone::clone).map_err(Error::kind),
        });
        r
    }

    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), D::Error> {
        let r = self.inner_mut().write_output_report(data).await;
        self.push(Exchange::Output {
            data: data.to_vec(),
            result: r.as_ref().map(|_| ()).map_err(Error::kind),
        });
        r
    }
}

/// Report reads (`get_feature_report` and `read_input_report`) count as reads, in one
/// sequence; `set_feature_report` calls count as writes. See [`Fault`] for what each fault
/// does to a report. `info`, `report_descriptor` and `string_descriptor` only fail after a
/// disconnect.
impl<D: HidDevice> HidDevice for FaultInjecting<D> {
    type Error = WrapError<D::Error>;

    async fn info(&mut self) -> Result<HidInfo, Self::Error> {
        self.check()?;
        self.inner_mut().info().await.map_err(WrapError::Inner)
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, Self::Error> {
        self.check()?;
        let d = self.inner_mut().report_descriptor().await;
        d.map_err(WrapError::Inner)
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        match self.next_read_fault()? {
            None => self.inner_mut().get_feature_report(buf).await,
            Some(Fault::Garbage(bytes)) => return Ok(copy_report(buf, &bytes)),
            Some(Fault::Short(max)) => {
                let n = self.inner_mut().get_feature_report(buf).await;
                n.map(|n| n.min(max))
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        match self.next_write_fault()? {
            None => self.inner_mut().set_feature_report(data).await,
            Some(Fault::Garbage(bytes)) => self.inner_mut().set_feature_report(&bytes).await,
            Some(Fault::Short(n)) => {
                let part = data.get(..n).unwrap_or(data);
                self.inner_mut().set_feature_report(part).await
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        match self.next_read_fault()? {
            None => self.inner_mut().read_input_report(buf, timeout).await,
            Some(Fault::Garbage(bytes)) => return Ok(copy_report(buf, &bytes)),
            Some(Fault::Short(max)) => {
                let n = self.inner_mut().read_input_report(buf, timeout).await;
                n.map(|n| n.min(max))
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }

    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, Self::Error> {
        self.check()?;
        let s = self.inner_mut().string_descriptor(index).await;
        s.map_err(WrapError::Inner)
    }

    /// Counts as a write, like `set_feature_report`.
    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        match self.next_write_fault()? {
            None => self.inner_mut().write_output_report(data).await,
            Some(Fault::Garbage(bytes)) => self.inner_mut().write_output_report(&bytes).await,
            Some(Fault::Short(n)) => {
                let part = data.get(..n).unwrap_or(data);
                self.inner_mut().write_output_report(part).await
            }
            Some(Fault::Timeout | Fault::Disconnect) => return Err(self.fault_error()),
        }
        .map_err(WrapError::Inner)
    }
}
