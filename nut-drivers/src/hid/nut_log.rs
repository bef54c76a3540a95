//! Reading what `usbhid-ups -DDD` logs about a device: the report descriptor, every report
//! buffer and every `Path: …, Value: …` line. The Devices Dumps Library keeps such logs; they
//! drive our golden tests and the simulated devices built from real captures.
//!
//! Lines may carry a leading `#` (DDL comment blocks), a timestamp and a `[Dn]` debug tag.

use super::descriptor::ReportKind;

/// One `Report[get|buf|err|int]: (N bytes) => …` buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedReport {
    /// `get`, `buf`, `err`, `int`…
    pub source: String,
    /// The bytes, report-ID byte first.
    pub bytes: Vec<u8>,
}

/// One `Path: …, Type: …, ReportID: …, Offset: …, Size: …, Value: …` line.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedPath {
    /// The path as NUT printed it.
    pub path: String,
    /// Input, Output or Feature.
    pub kind: ReportKind,
    /// The report ID.
    pub report_id: u8,
    /// Bit offset.
    pub offset: u32,
    /// Size in bits.
    pub size: u32,
    /// The value as NUT printed it (`%g`).
    pub value: String,
    /// The last report buffer logged before this line, if any.
    pub report: Option<LoggedReport>,
}

/// What a `usbhid-ups` debug log tells about a device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NutHidLog {
    /// The report descriptor, when the log has it.
    pub descriptor: Vec<u8>,
    /// Every report buffer, in order.
    pub reports: Vec<LoggedReport>,
    /// Every path line, in order.
    pub paths: Vec<LoggedPath>,
    /// The `N HID objects found` count.
    pub objects_found: Option<usize>,
    /// Report IDs of the `LogMax is less than LogMin` repairs, in order.
    pub logmax_repairs: Vec<u8>,
}

/// A log line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct LogError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub what: String,
}

/// The text after the timestamp and debug tag of a log line.
fn message(line: &str) -> &str {
    let line = line.trim_start_matches('#').trim_start();
    let mut rest = line;
    if let Some((first, tail)) = rest.split_once(char::is_whitespace)
        && first.parse::<f64>().is_ok()
    {
        rest = tail.trim_start();
    }
    if rest.starts_with("[D")
        && let Some((_, tail)) = rest.split_once(']')
    {
        rest = tail;
    }
    rest
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    text.split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).ok())
        .collect()
}

/// `(N bytes) => xx xx …` → (N, first bytes).
fn sized_hex(text: &str) -> Option<(usize, Vec<u8>)> {
    let text = text.trim_start().strip_prefix('(')?;
    let (count, rest) = text.split_once(" bytes) =>")?;
    Some((count.parse().ok()?, hex_bytes(rest)?))
}

fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let start = text.find(&format!("{name}: "))? + name.len() + 2;
    let rest = &text[start..];
    Some(rest.split(", ").next().unwrap_or(rest).trim())
}

fn kind(name: &str) -> Option<ReportKind> {
    ReportKind::ALL.into_iter().find(|kind| kind.name() == name)
}

fn path_line(text: &str, report: Option<LoggedReport>) -> Option<LoggedPath> {
    let id = field(text, "ReportID")?;
    Some(LoggedPath {
        path: field(text, "Path")?.to_owned(),
        kind: kind(field(text, "Type")?)?,
        report_id: u8::from_str_radix(id.trim_start_matches("0x"), 16).ok()?,
        offset: field(text, "Offset")?.parse().ok()?,
        size: field(text, "Size")?.parse().ok()?,
        value: field(text, "Value")?.to_owned(),
        report,
    })
}

/// A buffer whose hex continues on the following lines.
struct Pending {
    target: Target,
    len: usize,
    bytes: Vec<u8>,
}

enum Target {
    Descriptor,
    Report(String),
}

impl NutHidLog {
    /// Reads a log.
    pub fn parse(text: &str) -> Result<Self, LogError> {
        let mut log = NutHidLog::default();
        let mut pending: Option<Pending> = None;
        for (index, line) in text.lines().enumerate() {
            let text = message(line);
            if let Some(mut buffer) = pending.take() {
                match hex_bytes(text).filter(|bytes| !bytes.is_empty()) {
                    Some(more) => {
                        buffer.bytes.extend(more);
                        log.keep_or_store(&mut pending, buffer);
                        continue;
                    }
                    None => log.store(buffer),
                }
            }
            let started = log.line(text).map_err(|what| LogError {
                line: index + 1,
                what: what.to_owned(),
            })?;
            if let Some(buffer) = started {
                log.keep_or_store(&mut pending, buffer);
            }
        }
        if let Some(buffer) = pending {
            log.store(buffer);
        }
        Ok(log)
    }

    /// Keeps a buffer pending while it lacks bytes; stores it once complete.
    fn keep_or_store(&mut self, pending: &mut Option<Pending>, buffer: Pending) {
        if buffer.bytes.len() < buffer.len {
            *pending = Some(buffer);
        } else {
            self.store(buffer);
        }
    }

    /// One line that is not a continuation; returns a buffer it starts.
    fn line(&mut self, text: &str) -> Result<Option<Pending>, &'static str> {
        let trimmed = text.trim_start();
        if let Some(rest) = trimmed.strip_prefix("Report Descriptor:") {
            let (len, bytes) = sized_hex(rest).ok_or("bad descriptor line")?;
            return Ok(Some(Pending {
                target: Target::Descriptor,
                len,
                bytes,
            }));
        }
        if let Some(rest) = trimmed.strip_prefix("Report[") {
            let (source, rest) = rest.split_once("]:").ok_or("bad report line")?;
            let (len, bytes) = sized_hex(rest).ok_or("bad report bytes")?;
            return Ok(Some(Pending {
                target: Target::Report(source.to_owned()),
                len,
                bytes,
            }));
        }
        if trimmed.starts_with("Path:") {
            let path = path_line(text, self.reports.last().cloned()).ok_or("bad Path line")?;
            self.paths.push(path);
        } else if let Some(count) = trimmed.trim_end().strip_suffix(" HID objects found") {
            self.objects_found = count.trim().parse().ok();
        } else if text.contains("LogMax is less than LogMin") {
            let id = text
                .rsplit("ReportID: 0x")
                .next()
                .and_then(|id| u8::from_str_radix(id.trim(), 16).ok())
                .ok_or("bad LogMax line")?;
            self.logmax_repairs.push(id);
        }
        Ok(None)
    }

    fn store(&mut self, mut buffer: Pending) {
        buffer.bytes.truncate(buffer.len);
        match buffer.target {
            Target::Descriptor => self.descriptor = buffer.bytes,
            Target::Report(source) => self.reports.push(LoggedReport {
                source,
                bytes: buffer.bytes,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
#    0.009579\t[D3] Report Descriptor: (6 bytes) => 05 84 09 04
#    0.009586\t[D3]  a1 01
#    0.009816\tHIDParse: LogMax is less than LogMin. Vendor HID report descriptor may be incorrect; interpreting LogMax -1 as 255 in ReportID: 0x0c
#    0.009969\t[D1] 71 HID objects found
#    0.010093\t[D3] Report[get]: (2 bytes) => 01 02
#    0.010104\t[D1] Path: UPS.PowerSummary.iProduct, Type: Feature, ReportID: 0x01, Offset: 0, Size: 8, Value: 2
";

    #[test]
    fn a_log_gives_descriptor_reports_and_paths() {
        let log = NutHidLog::parse(LOG).unwrap();
        assert_eq!(log.descriptor, vec![0x05, 0x84, 0x09, 0x04, 0xa1, 0x01]);
        assert_eq!(log.objects_found, Some(71));
        assert_eq!(log.logmax_repairs, vec![0x0c]);
        assert_eq!(log.paths.len(), 1);
        let path = &log.paths[0];
        assert_eq!(path.path, "UPS.PowerSummary.iProduct");
        assert_eq!(
            (path.kind, path.report_id, path.offset, path.size),
            (ReportKind::Feature, 1, 0, 8)
        );
        assert_eq!(path.value, "2");
        assert_eq!(path.report.as_ref().unwrap().bytes, vec![0x01, 0x02]);
    }

    #[test]
    fn a_bad_path_line_names_its_line() {
        let error = NutHidLog::parse("x\n[D1] Path: UPS, Type: Sideways").unwrap_err();
        assert_eq!(error.line, 2);
    }
}
