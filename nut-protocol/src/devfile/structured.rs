//! The Devices Dumps Library's structured comments: `#RW:<var>:STRING[:<len>]`,
//! `#RW:<var>:RANGE:"<min>" "<max>"`, `#RW:<var>:ENUM:"<value>"` and `#CMD:<cmd>`, and the
//! same without `#` in `.nds` files. The tokenizer drops comments, so these are read from the
//! raw lines.

use alloc::string::String;
use alloc::vec::Vec;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_till1, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{map, map_res, opt, recognize};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use nut_core::{Range, StateChange, VarFlags};

use super::DevFile;
use crate::config::DiagnosticSink;

/// What kind of value a writable variable holds, when the file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RwKind {
    /// A string of at most `max_len` bytes (`None` when no length is given).
    String {
        /// Maximum length, the variable's aux value.
        max_len: Option<u32>,
    },
    /// Not stated as a string.
    Unstated,
}

/// One writable variable as the structured comments describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RwSpec {
    /// Variable name.
    pub name: String,
    /// String or not.
    pub kind: RwKind,
    /// Allowed values, in file order.
    pub enums: Vec<String>,
    /// Allowed integer ranges, in file order.
    pub ranges: Vec<Range>,
}

impl RwSpec {
    /// The state changes that give a variable these properties: flags (`RW`, plus `STRING`
    /// for strings and `NUMBER` when ranges are given, as NUT's `dstate_addrange` does), the
    /// string length as aux, then enums and ranges.
    pub fn changes(&self) -> Vec<StateChange> {
        let mut flags = VarFlags::RW;
        if matches!(self.kind, RwKind::String { .. }) {
            flags |= VarFlags::STRING;
        }
        if !self.ranges.is_empty() {
            flags |= VarFlags::NUMBER;
        }
        let name = &self.name;
        let mut out = alloc::vec![StateChange::SetFlags {
            name: name.clone(),
            flags,
        }];
        if let RwKind::String { max_len: Some(len) } = self.kind {
            out.push(StateChange::SetAux {
                name: name.clone(),
                aux: i64::from(len),
            });
        }
        out.extend(self.enums.iter().map(|value| StateChange::AddEnum {
            name: name.clone(),
            value: value.clone(),
        }));
        out.extend(self.ranges.iter().map(|range| StateChange::AddRange {
            name: name.clone(),
            range: *range,
        }));
        out
    }
}

#[derive(Debug, PartialEq)]
enum Structured<'a> {
    String(&'a str, Option<u32>),
    Range(&'a str, Range),
    Enum(&'a str, &'a str),
    Command(&'a str),
}

/// Reads every structured line of `text` into `file`; a malformed one is a warning.
pub(super) fn scan(text: &[u8], file: &mut DevFile, sink: &mut DiagnosticSink) {
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        let Ok(raw) = core::str::from_utf8(raw) else {
            continue;
        };
        let trimmed = raw.trim_start();
        let body = trimmed.strip_prefix('#').unwrap_or(trimmed);
        if !(body.starts_with("RW:") || body.starts_with("CMD:")) {
            continue;
        }
        match structured_line(body) {
            Ok((_, item)) => record(file, item),
            Err(_) => sink.warning(
                index + 1,
                body.split_whitespace().next().unwrap_or(body),
                "malformed RW:/CMD: line ignored",
            ),
        }
    }
}

fn record(file: &mut DevFile, item: Structured<'_>) {
    if let Structured::Command(name) = item {
        if !file.commands.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            file.commands.push(String::from(name));
        }
        return;
    }
    let name = match &item {
        Structured::String(n, _) | Structured::Range(n, _) | Structured::Enum(n, _) => *n,
        Structured::Command(n) => n,
    };
    let index = match file.rw.iter().position(|s| s.name == name) {
        Some(index) => index,
        None => {
            file.rw.push(RwSpec {
                name: String::from(name),
                kind: RwKind::Unstated,
                enums: Vec::new(),
                ranges: Vec::new(),
            });
            file.rw.len() - 1
        }
    };
    let Some(spec) = file.rw.get_mut(index) else {
        return;
    };
    match item {
        Structured::String(_, max_len) => spec.kind = RwKind::String { max_len },
        Structured::Range(_, range) => {
            if !spec.ranges.contains(&range) {
                spec.ranges.push(range);
            }
        }
        Structured::Enum(_, value) => {
            if !spec.enums.iter().any(|e| e == value) {
                spec.enums.push(String::from(value));
            }
        }
        Structured::Command(_) => {}
    }
}

fn structured_line(input: &str) -> IResult<&str, Structured<'_>> {
    alt((command, rw)).parse(input)
}

fn command(input: &str) -> IResult<&str, Structured<'_>> {
    map(preceded(tag("CMD:"), name), Structured::Command).parse(input)
}

fn rw(input: &str) -> IResult<&str, Structured<'_>> {
    let (input, var) = delimited(tag("RW:"), take_till1(|c| c == ':'), char(':')).parse(input)?;
    alt((
        map(
            preceded(tag("STRING"), opt(preceded(char(':'), number::<u32>))),
            move |len| Structured::String(var, len),
        ),
        map(
            preceded(tag("RANGE:"), (quoted_int, preceded(space1, quoted_int))),
            move |(min, max)| Structured::Range(var, Range { min, max }),
        ),
        map(preceded(tag("ENUM:"), quoted), move |value| {
            Structured::Enum(var, value)
        }),
    ))
    .parse(input)
}

fn name(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| !c.is_whitespace() && c != '#').parse(input)
}

fn quoted(input: &str) -> IResult<&str, &str> {
    delimited(char('"'), take_till(|c| c == '"'), char('"')).parse(input)
}

fn quoted_int(input: &str) -> IResult<&str, i64> {
    delimited(
        char('"'),
        delimited(space0, signed_number, space0),
        char('"'),
    )
    .parse(input)
}

fn signed_number(input: &str) -> IResult<&str, i64> {
    map_res(recognize((opt(char('-')), digit1)), str::parse::<i64>).parse(input)
}

fn number<T: core::str::FromStr>(input: &str) -> IResult<&str, T> {
    map_res(digit1, str::parse::<T>).parse(input)
}
