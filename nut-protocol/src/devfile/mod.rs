//! dummy-ups device files: `.dev` (a static dump, read once) and `.seq` (a sequence with
//! `TIMER` pauses, replayed in a loop), plus the structured comments of the NUT Devices Dumps
//! Library (`#RW:…`, `#CMD:…`) and the `.nds` form of them (`RW:…`, `CMD:…`).
//!
//! Lines are read with the NUT tokenizer, so quoting, escapes, `#` comments and `=` splitting
//! apply. Behaviour checked against the real dummy-ups 2.8.0:
//!
//! * `<var>: <words…>` sets a variable; the words are re-joined with single spaces, so runs of
//!   spaces collapse and `a=b` becomes `a = b` **[quirk, kept]**; the colon is optional
//!   (`nocolon value` sets `nocolon`);
//! * `driver.*` lines are skipped by dummy-ups (kept here, see [`DevFile::device_values`]);
//! * `name:` with no value makes dummy-ups reuse the previous line's value **[bug]**: we set
//!   an empty value (what upsc printed when the dump was made); a lone `name:value` word is
//!   split at its first colon (with a warning) where dummy-ups also reuses a stale value; a
//!   lone word without a colon is skipped with a warning;
//! * `TIMER <sec>` pauses a sequence; dummy-ups reads a bad number as 0, we report an error;
//! * `ALARM <text>` / bare `ALARM` set and clear alarms, as newer dummy-ups (2.8.1+) does;
//!   2.8.0 stored `ALARM` as a plain variable.
//!
//! ```
//! use nut_protocol::devfile::{DevFile, Entry};
//!
//! let parsed = DevFile::parse(b"ups.status: OL\nTIMER 5\nups.status: OB DISCHRG\n", "x.seq");
//! assert!(parsed.diagnostics.is_empty());
//! let file = parsed.config;
//! assert!(file.is_sequence());
//! assert_eq!(file.steps().count(), 2);
//! assert_eq!(file.entries[2].entry, Entry::Set { name: "ups.status".into(), value: "OB DISCHRG".into() });
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use nut_core::StateChange;

use crate::config::{DiagnosticSink, Parsed};
use crate::tokenizer::tokenize_file;

mod structured;
#[cfg(test)]
mod tests;

pub use structured::{RwKind, RwSpec};

/// What one line of a device file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Set a variable to a value.
    Set {
        /// Variable name (without the trailing colon).
        name: String,
        /// The value: the remaining words joined by single spaces.
        value: String,
    },
    /// Pause the sequence for this many seconds.
    Timer {
        /// Seconds to wait.
        seconds: u64,
    },
    /// Raise an alarm with this text, or clear all alarms (`None`).
    Alarm(Option<String>),
}

/// An [`Entry`] with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevLine {
    /// What the line says.
    pub entry: Entry,
    /// 1-based line number.
    pub line: usize,
}

/// A parsed `.dev`/`.seq`/`.nds` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DevFile {
    /// The file name as given (decides `.seq` vs `.dev`).
    pub file_name: String,
    /// Every entry in file order.
    pub entries: Vec<DevLine>,
    /// Writable-variable descriptions from `#RW:` comments (or `RW:` lines), in file order of
    /// each variable's first mention.
    pub rw: Vec<RwSpec>,
    /// Instant commands from `#CMD:` comments (or `CMD:` lines), in file order, de-duplicated.
    pub commands: Vec<String>,
}

/// Longest pause a `TIMER` may ask for: one day.
pub const MAX_TIMER_SECONDS: u64 = 86_400;

impl DevFile {
    /// Parses a device file. Every problem is reported with file, line and word; nothing
    /// panics and nothing stops the walk.
    pub fn parse(text: &[u8], file_name: &str) -> Parsed<DevFile> {
        let mut sink = DiagnosticSink::new(file_name);
        let mut file = DevFile {
            file_name: String::from(file_name),
            ..DevFile::default()
        };
        structured::scan(text, &mut file, &mut sink);
        for result in tokenize_file(text) {
            let line = match result {
                Ok(line) => line,
                Err(error) => {
                    let word = error.words.first().map(String::as_str).unwrap_or("");
                    sink.error(error.line, word, alloc::format!("{error}"));
                    continue;
                }
            };
            if line.dropped_bytes > 0 {
                let word = line.words.first().map(String::as_str).unwrap_or("");
                sink.warning(
                    line.line,
                    word,
                    "bytes outside printable ASCII were dropped",
                );
            }
            if let Some(entry) = parse_entry(&line.words, line.line, &mut sink) {
                file.entries.push(DevLine {
                    entry,
                    line: line.line,
                });
            }
        }
        sink.finish(file)
    }

    /// True for a sequence file (`.seq`), which dummy-ups replays in a loop.
    pub fn is_sequence(&self) -> bool {
        self.file_name.to_ascii_lowercase().ends_with(".seq")
    }

    /// The entries grouped into steps: each step is what is applied before the next `TIMER`
    /// (the `TIMER` entry ends its step and is included as its last entry).
    pub fn steps(&self) -> impl Iterator<Item = &[DevLine]> {
        self.entries
            .split_inclusive(|l| matches!(l.entry, Entry::Timer { .. }))
            .filter(|step| !step.is_empty())
    }

    /// The variables dummy-ups publishes from the file: every `Set` except `driver.*`, in
    /// order (a later line for the same name wins when applied in order).
    pub fn device_values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().filter_map(|l| match &l.entry {
            Entry::Set { name, value } if !is_driver_variable(name) => {
                Some((name.as_str(), value.as_str()))
            }
            _ => None,
        })
    }

    /// State changes that make the `#RW:` descriptions true: flags, string lengths, enums
    /// and ranges. Apply them after the variables exist.
    pub fn rw_changes(&self) -> Vec<StateChange> {
        self.rw.iter().flat_map(RwSpec::changes).collect()
    }

    /// `AddCmd` for every `#CMD:` command.
    pub fn command_changes(&self) -> Vec<StateChange> {
        self.commands
            .iter()
            .map(|name| StateChange::AddCmd { name: name.clone() })
            .collect()
    }
}

/// True for `driver.*` names, which dummy-ups does not take from the file.
pub fn is_driver_variable(name: &str) -> bool {
    name.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("driver."))
}

fn parse_entry(words: &[String], line: usize, sink: &mut DiagnosticSink) -> Option<Entry> {
    let (first, rest) = words.split_first()?;
    if first == "TIMER" {
        return parse_timer(rest, line, sink);
    }
    if first == "ALARM" {
        return Some(Entry::Alarm(if rest.is_empty() {
            None
        } else {
            Some(rest.join(" "))
        }));
    }
    if first.starts_with("RW:") || first.starts_with("CMD:") {
        // `.nds` structured lines, read by the structured scan.
        return None;
    }
    let name = first.strip_suffix(':').unwrap_or(first);
    if rest.is_empty() {
        if let Some((name, value)) = first
            .split_once(':')
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        {
            sink.warning(
                line,
                first,
                "no space after the colon: read as name and value (dummy-ups reuses a stale value)",
            );
            return Some(Entry::Set {
                name: String::from(name),
                value: String::from(value),
            });
        }
        if first.ends_with(':') && !name.is_empty() {
            // An empty value, as upsc prints one; dummy-ups would reuse the previous value.
            return Some(Entry::Set {
                name: String::from(name),
                value: String::new(),
            });
        }
        sink.warning(line, first, "a name without a value: line skipped");
        return None;
    }
    if name.is_empty() {
        sink.warning(line, first, "empty variable name: line skipped");
        return None;
    }
    Some(Entry::Set {
        name: String::from(name),
        value: rest.join(" "),
    })
}

fn parse_timer(args: &[String], line: usize, sink: &mut DiagnosticSink) -> Option<Entry> {
    let Some(word) = args.first() else {
        sink.error(line, "TIMER", "TIMER needs a number of seconds");
        return None;
    };
    match word.parse::<u64>() {
        Ok(seconds) if seconds <= MAX_TIMER_SECONDS => Some(Entry::Timer { seconds }),
        Ok(_) => {
            sink.error(
                line,
                word,
                alloc::format!("TIMER longer than {MAX_TIMER_SECONDS} seconds"),
            );
            None
        }
        Err(_) => {
            sink.error(line, word, "TIMER needs a whole number of seconds");
            None
        }
    }
}
