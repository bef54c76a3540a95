//! A simulated APC Smart UPS, for tests and demos: feed it the bytes a driver sends, send
//! back what it returns. It answers the command characters of NUT's tables from values
//! seeded from a `.dev` dump, lists its commands in `a` and its settable values in `^Z`,
//! cycles writable variables with `-`, takes new strings for `c`/`x`, emits alert
//! characters when switched on battery and back, and records the shutdown commands. It
//! answers `R` (leave smart mode) with `BYE`, can play a Measure-UPS probe (packed
//! `ambient.N.*` values) and list dual-byte commands in `a` ([`Simulator::set_extended`]).
//!
//! ```
//! use nut_drivers::apcsmart::sim::Simulator;
//!
//! let mut ups = Simulator::from_dev("ups.status: OL\ninput.voltage: 230.0\n").unwrap();
//! assert_eq!(ups.handle(b'Y'), b"SM\r\n");
//! assert_eq!(ups.handle(b'Q'), b"08\r\n");
//! assert_eq!(ups.handle(b'L'), b"230.0\r\n");
//! assert_eq!(ups.set_on_battery(true), b"!");
//! assert_eq!(ups.handle(b'Q'), b"10\r\n");
//! ```

use std::collections::BTreeMap;

use super::parse::leading_integer;
use super::tables::{self, Format, STAT_CAL, STAT_OB, STAT_OL, TRANSFER_REASONS, VARS};

/// Why a `.dev` dump cannot seed the simulator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A line is not `name: value`.
    #[error("line {0}: not `name: value`")]
    BadLine(usize),
}

/// A shutdown command the simulated UPS accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shutdown {
    /// `S`.
    Soft,
    /// `@` with these digits.
    Hibernate(String),
    /// `K` twice.
    DelayedOff,
    /// `Z` twice.
    InstantOff,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Normal,
    /// After `-` on a string variable: the new value, up to 8 bytes or CR.
    Entry(u8, String),
    /// After `@`: the digits so far.
    Hibernate(String),
    /// The first byte of a repeated command was seen.
    Repeat(u8),
}

/// Settable values offered in `^Z` per command character: (locale, values).
const CAPS: &[(u8, char, &[&str])] = &[
    (b'u', 'I', &["253", "264", "271", "280"]),
    (b'u', 'D', &["127", "130", "133", "136"]),
    (b'l', 'I', &["196", "188", "208", "204"]),
    (b'l', 'D', &["106", "103", "100", "097"]),
    (b'e', '4', &["00", "15", "50", "90"]),
    (b's', '4', &["H", "M", "L", "L"]),
    (b'q', '4', &["02", "05", "07", "10"]),
    (b'p', '4', &["020", "180", "300", "600"]),
    (b'r', '4', &["000", "060", "180", "300"]),
    (b'E', '4', &["336", "168", "000"]),
    (b'k', '4', &["0", "T", "L", "N"]),
    (b'o', 'I', &["230", "240", "220", "225"]),
    (b'o', 'D', &["115", "100", "120", "110"]),
];

/// Command characters that are commands, not variables.
const COMMAND_CHARS: &[u8] = b"QYa\x1a@ADKSUWZ^\x0e";

/// The simulated UPS.
#[derive(Debug, Clone)]
pub struct Simulator {
    raw: BTreeMap<u8, String>,
    /// The fourth (extended, dual-byte) section of the `a` reply, if the unit lists one.
    extended: Option<Vec<u8>>,
    caps: Vec<(u8, char, Vec<String>)>,
    status: u8,
    answers_cmdset: bool,
    last_var: Option<u8>,
    mode: Mode,
    shutdown: Option<Shutdown>,
    received: Vec<u8>,
}

fn reply(text: &str) -> Vec<u8> {
    let mut out = text.as_bytes().to_vec();
    out.extend_from_slice(b"\r\n");
    out
}

/// The raw reply that NUT converts into `value` for a variable of format `format`.
fn raw_for(cmd: u8, format: Format, value: &str) -> String {
    match format {
        Format::Leave => value.to_string(),
        Format::Hours => format!("{:03}", leading_integer(value) / 3600),
        Format::Minutes if cmd == b'j' => format!("{:04}:", leading_integer(value) / 60),
        Format::Minutes => format!("{:02}", leading_integer(value) / 60),
        Format::Reason => TRANSFER_REASONS
            .iter()
            .find(|(_, text)| *text == value)
            .map_or_else(|| value.to_string(), |(letter, _)| letter.to_string()),
    }
}

impl Simulator {
    /// A UPS seeded from a `.dev` dump (`name: value` lines; `#` comments). Variables NUT's
    /// table knows become replies; `ambient.N.*` (Measure-UPS, N from 1 to 4) become the
    /// comma-separated fields of the packed replies; `ups.status` sets the status byte;
    /// `ups.firmware.old` answers `V`.
    pub fn from_dev(text: &str) -> Result<Simulator, SimError> {
        let mut packed: BTreeMap<u8, BTreeMap<usize, String>> = BTreeMap::new();
        let mut sim = Simulator {
            extended: None,
            raw: BTreeMap::new(),
            caps: Vec::new(),
            status: STAT_OL,
            answers_cmdset: true,
            last_var: None,
            mode: Mode::Normal,
            shutdown: None,
            received: Vec::new(),
        };
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, value) = line.split_once(':').ok_or(SimError::BadLine(index + 1))?;
            let (name, value) = (name.trim(), value.trim());
            if name == "ups.status" {
                sim.status = status_from_words(value);
            } else if name == "ups.firmware.old" {
                sim.raw.insert(tables::CMD_FW_OLD, value.into());
            } else if name == "ups.firmware" {
                let cmd = if tables::Shape::ThreeAlnumParts.matches(value) {
                    b'b'
                } else {
                    b'V'
                };
                sim.raw.insert(cmd, value.into());
            } else if let Some((def, number)) = packed_field(name) {
                packed
                    .entry(def.cmd)
                    .or_default()
                    .insert(number, value.into());
            } else if let Some(def) = VARS.iter().find(|v| v.name == name) {
                sim.raw.insert(def.cmd, raw_for(def.cmd, def.format, value));
            }
        }
        for (cmd, fields) in packed {
            sim.raw.insert(cmd, pack_fields(&fields));
        }
        let locale = sim
            .raw
            .get(&b'b')
            .and_then(|fw| fw.chars().last())
            .unwrap_or('4');
        for (cmd, loc, values) in CAPS {
            let Some(current) = sim.raw.get(cmd) else {
                continue;
            };
            if *loc != '4' && *loc != locale {
                continue;
            }
            let mut values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            if !values.contains(current) && values.first().is_some_and(|v| v.len() == current.len())
            {
                values[0] = current.clone();
            }
            sim.caps.push((*cmd, *loc, values));
        }
        Ok(sim)
    }

    /// Makes the `a` reply list `extended` as its fourth section (the dual-byte commands of
    /// newer models: prefix and sub-command bytes), or no such section.
    pub fn set_extended(&mut self, extended: Option<&[u8]>) {
        self.extended = extended.map(<[u8]>::to_vec);
    }

    /// Makes the UPS answer `a` with `NA` (an old model), or answer it again.
    pub fn set_answers_cmdset(&mut self, answers: bool) {
        self.answers_cmdset = answers;
    }

    /// Sets the raw reply to command character `cmd` (for `Q`: a forced status reply, in
    /// place of the status byte).
    pub fn set_raw(&mut self, cmd: u8, raw: &str) {
        self.raw.insert(cmd, raw.into());
    }

    /// The raw reply to command character `cmd`, if it has one.
    pub fn raw(&self, cmd: u8) -> Option<&str> {
        self.raw.get(&cmd).map(String::as_str)
    }

    /// The status byte.
    pub fn status(&self) -> u8 {
        self.status
    }

    /// Sets the status byte (no alert is sent).
    pub fn set_status(&mut self, bits: u8) {
        self.status = bits;
    }

    /// The shutdown command accepted, if any.
    pub fn shutdown(&self) -> Option<&Shutdown> {
        self.shutdown.as_ref()
    }

    /// Every byte received so far.
    pub fn received(&self) -> &[u8] {
        &self.received
    }

    /// Switches to battery (or back) and returns the alert character the UPS sends.
    pub fn set_on_battery(&mut self, on_battery: bool) -> Vec<u8> {
        if on_battery {
            self.status = (self.status & !STAT_OL) | STAT_OB;
            vec![b'!']
        } else {
            self.status = (self.status & !STAT_OB) | STAT_OL;
            vec![b'$']
        }
    }

    /// The `a` reply: protocol 3, the alert characters, the command characters.
    fn cmdset(&self) -> Vec<u8> {
        let mut out = b"3.!$%+?=#|.".to_vec();
        out.extend(self.raw.keys().copied().filter(|c| *c != b'V'));
        out.extend_from_slice(COMMAND_CHARS);
        if let Some(extended) = &self.extended {
            out.push(b'.');
            out.extend_from_slice(extended);
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The `^Z` reply.
    fn capabilities(&self) -> Vec<u8> {
        let mut out = String::from("#");
        for (cmd, loc, values) in &self.caps {
            let size = values.first().map_or(0, String::len);
            out.push(char::from(*cmd));
            out.push(*loc);
            out.push_str(&format!("{}{}", values.len(), size));
            for value in values {
                out.push_str(value);
            }
        }
        reply(&out)
    }

    /// Cycles the last variable read to its next settable value.
    fn next_value(&mut self) -> Vec<u8> {
        let Some(cmd) = self.last_var else {
            return reply("NO");
        };
        if cmd == b'c' || cmd == b'x' {
            self.mode = Mode::Entry(cmd, String::new());
            return Vec::new();
        }
        let Some((_, _, values)) = self.caps.iter().find(|(c, _, _)| *c == cmd) else {
            return reply("NO");
        };
        let current = self.raw.get(&cmd).cloned().unwrap_or_default();
        let next = values
            .iter()
            .position(|v| *v == current)
            .and_then(|i| values.get((i + 1) % values.len()))
            .or(values.first())
            .cloned();
        match next {
            Some(next) => {
                self.raw.insert(cmd, next);
                let mut out = reply("OK");
                out.push(b'|');
                out
            }
            None => reply("NO"),
        }
    }

    /// Takes one byte from the driver and returns what the UPS sends back.
    pub fn handle(&mut self, byte: u8) -> Vec<u8> {
        self.received.push(byte);
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Entry(cmd, mut text) => {
                if byte != b'\r' {
                    text.push(char::from(byte));
                }
                if byte == b'\r' || text.len() >= tables::STRING_LEN {
                    self.raw.insert(cmd, text);
                    self.last_var = None;
                    return reply("OK");
                }
                self.mode = Mode::Entry(cmd, text);
                return Vec::new();
            }
            Mode::Hibernate(mut digits) if byte.is_ascii_digit() => {
                digits.push(char::from(byte));
                if digits.len() == 3 {
                    self.shutdown = Some(Shutdown::Hibernate(digits));
                    return reply("OK");
                }
                self.mode = Mode::Hibernate(digits);
                return Vec::new();
            }
            Mode::Repeat(first) if first == byte => return self.repeated(byte),
            _ => {}
        }
        if byte != b'-' {
            self.last_var = None;
        }
        match byte {
            b'\r' | b'\n' | tables::ESC => Vec::new(),
            b'Y' => reply("SM"),
            b'R' => reply("BYE"),
            b'Q' => match self.raw.get(&b'Q') {
                Some(forced) => reply(forced),
                None => reply(&format!("{:02X}", self.status)),
            },
            b'a' if self.answers_cmdset => self.cmdset(),
            0x1a if !self.caps.is_empty() => self.capabilities(),
            b'-' => self.next_value(),
            b'A' | b'U' | b'W' | b'^' => reply("OK"),
            b'D' => {
                self.status ^= STAT_CAL;
                reply("OK")
            }
            b'S' if self.status & STAT_OB != 0 => {
                self.shutdown = Some(Shutdown::Soft);
                reply("OK")
            }
            b'@' => {
                self.mode = Mode::Hibernate(String::new());
                Vec::new()
            }
            b'K' | b'Z' | 0x0e => {
                self.mode = Mode::Repeat(byte);
                Vec::new()
            }
            other => match self.raw.get(&other) {
                Some(value) => {
                    self.last_var = Some(other);
                    reply(value)
                }
                None => reply("NA"),
            },
        }
    }

    fn repeated(&mut self, byte: u8) -> Vec<u8> {
        match byte {
            b'K' => self.shutdown = Some(Shutdown::DelayedOff),
            b'Z' => {
                self.shutdown = Some(Shutdown::InstantOff);
                self.status = 0;
            }
            _ => self.status = (self.status & !STAT_OB) | STAT_OL,
        }
        reply("OK")
    }
}

/// The packed row (`APC_PACK`) and field number of a published name such as
/// `ambient.2.humidity` (fields 1 to [`tables::PACK_MAX`]).
fn packed_field(name: &str) -> Option<(&'static tables::VarDef, usize)> {
    let rest = name.strip_prefix("ambient.")?;
    let (number, tail) = rest.split_once('.')?;
    let number: usize = number.parse().ok()?;
    if !(1..=tables::PACK_MAX).contains(&number) {
        return None;
    }
    let def = VARS
        .iter()
        .find(|v| v.pack && v.name.strip_prefix("ambient.0.") == Some(tail))?;
    Some((def, number))
}

/// The packed reply holding `fields` (by number from 1); a missing field, or one published
/// as `N/A`, is left empty.
fn pack_fields(fields: &BTreeMap<usize, String>) -> String {
    let last = fields.keys().copied().max().unwrap_or(0);
    (1..=last)
        .map(|number| match fields.get(&number).map(String::as_str) {
            Some(tables::PACK_EMPTY) | None => "",
            Some(value) => value,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A status byte from `ups.status` words.
fn status_from_words(words: &str) -> u8 {
    words
        .split_whitespace()
        .filter_map(|w| tables::STATUS_BITS.iter().find(|(_, word)| *word == w))
        .fold(0, |bits, (mask, _)| bits | mask)
}

mod port;

pub use port::SimPort;
