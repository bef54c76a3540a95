//! `nut.conf`: which NUT daemons the init scripts start. It is a shell fragment
//! (`KEY=value`, sourced by `sh`), not a parseconf file: no spaces around `=`, values may be
//! single- or double-quoted, `#` starts a comment.
//!
//! ```
//! use nut_protocol::config::nut_conf::{self, Mode};
//!
//! let conf = nut_conf::parse(b"MODE=standalone\nUPSD_OPTIONS='-D'\n", "nut.conf").into_result().unwrap();
//! assert_eq!(conf.mode, Some(Mode::Standalone));
//! assert_eq!(conf.get("UPSD_OPTIONS"), Some("-D"));
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while1};
use nom::character::complete::{char, space0};
use nom::combinator::{all_consuming, map, opt, recognize};
use nom::multi::many0;
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

use super::{DiagnosticSink, Parsed, parse_bool};

/// `MODE`: which daemons run on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing is started.
    None,
    /// Drivers, upsd and upsmon for a local UPS.
    Standalone,
    /// Like standalone, and upsd serves other machines.
    Netserver,
    /// Only upsmon, watching a remote upsd.
    Netclient,
}

impl Mode {
    /// The mode named by `MODE=` (case-sensitive, as the init scripts compare it).
    pub fn from_word(word: &str) -> Option<Mode> {
        match word {
            "none" => Some(Mode::None),
            "standalone" => Some(Mode::Standalone),
            "netserver" => Some(Mode::Netserver),
            "netclient" => Some(Mode::Netclient),
            _ => None,
        }
    }
}

/// One `KEY=value` assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variable name.
    pub key: String,
    /// The value with quotes removed.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// The typed `nut.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NutConf {
    /// `MODE`, if set (NUT treats a missing MODE like `none`).
    pub mode: Option<Mode>,
    /// `ALLOW_NO_DEVICE`.
    pub allow_no_device: Option<bool>,
    /// `ALLOW_NOT_ALL_LISTENERS`.
    pub allow_not_all_listeners: Option<bool>,
    /// `POWEROFF_WAIT`: seconds to wait after the UPS was told to cut power.
    pub poweroff_wait: Option<u32>,
    /// `POWEROFF_QUIET`.
    pub poweroff_quiet: Option<bool>,
    /// `NUT_DEBUG_LEVEL`.
    pub debug_level: Option<u32>,
    /// Every assignment in order (including `UPSD_OPTIONS`, `UPSMON_OPTIONS` and unknown keys).
    pub assignments: Vec<Assignment>,
}

impl NutConf {
    /// The last value assigned to `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.assignments
            .iter()
            .rev()
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }
}

/// Keys NUT documents for nut.conf (others are kept with a warning).
pub const KNOWN_KEYS: &[&str] = &[
    "MODE",
    "ALLOW_NO_DEVICE",
    "ALLOW_NOT_ALL_LISTENERS",
    "UPSD_OPTIONS",
    "UPSMON_OPTIONS",
    "POWEROFF_WAIT",
    "POWEROFF_QUIET",
    "NUT_DEBUG_LEVEL",
    "NUT_DEBUG_PID",
    "NUT_IGNORE_CHECKPROCNAME",
    "NUT_STATEPATH",
    "NUT_CONFPATH",
    "NUT_ALTPIDPATH",
];

fn name(input: &str) -> IResult<&str, &str> {
    recognize((
        take_while1(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))
    .parse(input)
}

/// A value: a run of bare characters and quoted pieces, concatenated as the shell does.
fn value(input: &str) -> IResult<&str, String> {
    map(
        many0(alt((
            delimited(char('\''), take_till(|c| c == '\''), char('\'')),
            delimited(char('"'), take_till(|c| c == '"'), char('"')),
            take_while1(|c: char| !c.is_whitespace() && !matches!(c, '\'' | '"' | '#')),
        ))),
        |parts: Vec<&str>| parts.concat(),
    )
    .parse(input)
}

fn comment(input: &str) -> IResult<&str, &str> {
    preceded(
        space0,
        alt((preceded(char('#'), take_while(|_| true)), tag(""))),
    )
    .parse(input)
}

fn assignment(input: &str) -> IResult<&str, (&str, String)> {
    all_consuming(terminated(
        preceded(
            (
                space0,
                opt((tag("export"), take_while1(|c| c == ' ' || c == '\t'))),
            ),
            (name, preceded(char('='), value)),
        ),
        comment,
    ))
    .parse(input)
}

/// Parses `nut.conf`.
pub fn parse(text: &[u8], file_name: &str) -> Parsed<NutConf> {
    let mut sink = DiagnosticSink::new(file_name);
    let mut conf = NutConf::default();
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let Ok(raw) = core::str::from_utf8(raw) else {
            sink.error(line, "", "not valid UTF-8");
            continue;
        };
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match assignment(raw) {
            Ok((_, (key, value))) => {
                apply(&mut conf, key, &value, line, &mut sink);
                conf.assignments.push(Assignment {
                    key: String::from(key),
                    value,
                    line,
                });
            }
            Err(_) => {
                let word = trimmed.split_whitespace().next().unwrap_or(trimmed);
                sink.error(line, word, "not a KEY=value line (no spaces around '=')");
            }
        }
    }
    sink.finish(conf)
}

fn apply(conf: &mut NutConf, key: &str, value: &str, line: usize, sink: &mut DiagnosticSink) {
    let mut flag = |slot: &mut Option<bool>| match parse_bool(value) {
        Some(b) => *slot = Some(b),
        None => sink.error(line, value, alloc::format!("{key} is a boolean")),
    };
    match key {
        "MODE" => match Mode::from_word(value) {
            Some(mode) => conf.mode = Some(mode),
            None => sink.error(
                line,
                value,
                "MODE is none, standalone, netserver or netclient",
            ),
        },
        "ALLOW_NO_DEVICE" => flag(&mut conf.allow_no_device),
        "ALLOW_NOT_ALL_LISTENERS" => flag(&mut conf.allow_not_all_listeners),
        "POWEROFF_QUIET" => flag(&mut conf.poweroff_quiet),
        "POWEROFF_WAIT" | "NUT_DEBUG_LEVEL" => match value.parse::<u32>() {
            Ok(n) if key == "POWEROFF_WAIT" => conf.poweroff_wait = Some(n),
            Ok(n) => conf.debug_level = Some(n),
            Err(_) => sink.error(line, value, alloc::format!("{key} needs a whole number")),
        },
        _ if KNOWN_KEYS.contains(&key) => {}
        _ => sink.warning(line, key, "not a documented nut.conf setting (kept)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_and_quoting() {
        let text = b"# comment\nMODE=netserver\nALLOW_NO_DEVICE=true\nALLOW_NOT_ALL_LISTENERS=\"yes\"\n\
UPSD_OPTIONS='-D -u nut'\nUPSMON_OPTIONS=\"\"\nPOWEROFF_WAIT=15\nPOWEROFF_QUIET=false\nNUT_DEBUG_LEVEL=2 # inline\nexport NUT_STATEPATH=/run/nut\r\n";
        let parsed = parse(text, "nut.conf");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let c = parsed.config;
        assert_eq!(c.mode, Some(Mode::Netserver));
        assert_eq!(c.allow_no_device, Some(true));
        assert_eq!(c.allow_not_all_listeners, Some(true));
        assert_eq!(c.get("UPSD_OPTIONS"), Some("-D -u nut"));
        assert_eq!(c.get("UPSMON_OPTIONS"), Some(""));
        assert_eq!(c.poweroff_wait, Some(15));
        assert_eq!(c.poweroff_quiet, Some(false));
        assert_eq!(c.debug_level, Some(2));
        assert_eq!(c.get("NUT_STATEPATH"), Some("/run/nut"));
    }

    #[test]
    fn errors_name_line_and_word() {
        let parsed = parse(
            b"MODE = standalone\nMODE=server\nPOWEROFF_WAIT=soon\nFOO=1\nMODE=none\n",
            "nut.conf",
        );
        let errors: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
        assert_eq!(
            errors,
            [(1, "MODE".into()), (2, "server".into()), (3, "soon".into())]
        );
        assert_eq!(parsed.warnings().count(), 1);
        assert_eq!(parsed.config.mode, Some(Mode::None));
    }

    #[test]
    fn debian_sample_parses() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/config/nut.conf.debian");
        let parsed = parse(&std::fs::read(path).expect("fixture"), "nut.conf");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(parsed.config.mode, Some(Mode::None));
    }
}
