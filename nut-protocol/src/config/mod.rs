//! NUT's configuration files, parsed into typed values.
//!
//! Every file except `nut.conf` is read with the NUT tokenizer ([`crate::tokenizer`]). A parser
//! never stops at the first problem: it returns the typed config together with every
//! [`Diagnostic`] it found. Errors (which a daemon must refuse to start on) and warnings (which
//! NUT logs and ignores, e.g. an unknown directive) name the file, the line and the word.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::tokenizer::{Line, TokenizeError, tokenize_file};

mod args;
pub mod nut_conf;
pub mod ups_conf;
pub mod upsd_conf;
pub mod upsd_users;
pub mod upsmon_conf;
pub mod upssched_conf;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// NUT logs it and goes on (unknown directive, obsolete keyword, dropped bytes).
    Warning,
    /// The file is wrong; a daemon refuses to start (or to reload) on it.
    Error,
}

/// One problem found in a config file: `file:line:word: message`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file name as the caller gave it.
    pub file: String,
    /// 1-based line number (of the logical line's first physical line).
    pub line: usize,
    /// The offending word (may be empty when the whole line is at fault).
    pub word: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.word, level, self.message
        )
    }
}

/// A parsed config file with everything that was noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// The typed config, built from every line that could be understood.
    pub config: T,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// True when at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The config if there were no errors, else all errors (warnings are dropped).
    pub fn into_result(self) -> Result<T, ConfigError> {
        if self.has_errors() {
            Err(ConfigError {
                diagnostics: self
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect(),
            })
        } else {
            Ok(self.config)
        }
    }
}

/// A config file that must not be used: every error found in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", DisplayAll(.diagnostics))]
pub struct ConfigError {
    /// All errors, in file order (never empty).
    pub diagnostics: Vec<Diagnostic>,
}

struct DisplayAll<'a>(&'a [Diagnostic]);

impl fmt::Display for DisplayAll<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one file while a parser walks it.
#[derive(Debug, Clone)]
pub struct DiagnosticSink {
    file: String,
    diagnostics: Vec<Diagnostic>,
}

impl DiagnosticSink {
    /// A sink for the file named `file` (used in every message).
    pub fn new(file: &str) -> Self {
        DiagnosticSink {
            file: String::from(file),
            diagnostics: Vec::new(),
        }
    }

    /// Records an error at `line` on `word`.
    pub fn error(&mut self, line: usize, word: &str, message: impl Into<String>) {
        self.push(Severity::Error, line, word, message.into());
    }

    /// Records a warning at `line` on `word`.
    pub fn warning(&mut self, line: usize, word: &str, message: impl Into<String>) {
        self.push(Severity::Warning, line, word, message.into());
    }

    fn push(&mut self, severity: Severity, line: usize, word: &str, message: String) {
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.clone(),
            line,
            word: String::from(word),
            message,
        });
    }

    /// Finishes: the config with the diagnostics collected.
    pub fn finish<T>(self, config: T) -> Parsed<T> {
        Parsed {
            config,
            diagnostics: self.diagnostics,
        }
    }
}

/// Tokenizes a whole config file and yields its non-empty lines; tokenizer errors and dropped
/// bytes/words go to `sink` (errors as errors, alterations as warnings).
pub fn config_lines(text: &[u8], sink: &mut DiagnosticSink) -> Vec<Line> {
    let mut lines = Vec::new();
    for result in tokenize_file(text) {
        match result {
            Ok(line) => {
                note_alterations(&line, sink);
                if !line.words.is_empty() {
                    lines.push(line);
                }
            }
            Err(error) => report_tokenize_error(&error, sink),
        }
    }
    lines
}

fn note_alterations(line: &Line, sink: &mut DiagnosticSink) {
    let first = line.words.first().map(String::as_str).unwrap_or("");
    if line.dropped_bytes > 0 {
        sink.warning(
            line.line,
            first,
            alloc::format!(
                "{} byte(s) outside printable ASCII were dropped",
                line.dropped_bytes
            ),
        );
    }
    if line.truncated_bytes > 0 {
        sink.warning(
            line.line,
            first,
            alloc::format!(
                "a word longer than the limit was cut ({} byte(s) dropped)",
                line.truncated_bytes
            ),
        );
    }
    if line.dropped_words > 0 {
        sink.warning(
            line.line,
            first,
            alloc::format!("too many words on the line: {} dropped", line.dropped_words),
        );
    }
}

fn report_tokenize_error(error: &TokenizeError, sink: &mut DiagnosticSink) {
    let word = error.words.last().map(String::as_str).unwrap_or("");
    sink.error(error.line, word, alloc::format!("{error}"));
}

/// Parses NUT's boolean words: `true`/`on`/`yes`/`1` and `false`/`off`/`no`/`0`
/// (case-insensitive), or any integer (non-zero is true), as upsd does for `ALLOW_NO_DEVICE`.
pub fn parse_bool(word: &str) -> Option<bool> {
    let lower = word.to_ascii_lowercase();
    match lower.as_str() {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => word.parse::<i64>().ok().map(|n| n != 0),
    }
}
