//! Pure reply handling: framing a reply out of the byte stream, filtering the asynchronous
//! alert characters, the status byte, conversions, and the `a` / `^Z` capability replies.

use super::tables::{self, Format, STATUS_BITS, TRANSFER_REASONS, VarDef};

/// Why a reply could not be understood. Parsers never panic, whatever the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The status reply is not one or two hex digits.
    #[error("status reply {0:?} is not a hex byte")]
    BadStatus(String),
    /// The `a` reply is not `version.alerts.commands[.extended]`.
    #[error("command-set reply {0:?} is malformed")]
    BadCommandSet(String),
    /// The `^Z` reply does not start with `#` or runs past its end.
    #[error("capability reply {0:?} is malformed")]
    BadCapabilities(String),
}

/// An asynchronous alert character the UPS may send at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// `!`: line power lost.
    OnBattery,
    /// `$`: line power restored.
    OnLine,
    /// `%`: low battery.
    LowBattery,
    /// `+`: battery no longer low.
    LowBatteryCleared,
    /// `#`: replace battery.
    ReplaceBattery,
    /// `?`: overload.
    Overload,
    /// `=`: overload cleared.
    OverloadCleared,
}

impl Alert {
    /// The alert a byte stands for.
    pub fn from_byte(byte: u8) -> Option<Alert> {
        Some(match byte {
            b'!' => Alert::OnBattery,
            b'$' => Alert::OnLine,
            b'%' => Alert::LowBattery,
            b'+' => Alert::LowBatteryCleared,
            b'#' => Alert::ReplaceBattery,
            b'?' => Alert::Overload,
            b'=' => Alert::OverloadCleared,
            _ => return None,
        })
    }

    /// The byte the UPS sends.
    pub fn byte(self) -> u8 {
        match self {
            Alert::OnBattery => b'!',
            Alert::OnLine => b'$',
            Alert::LowBattery => b'%',
            Alert::LowBatteryCleared => b'+',
            Alert::ReplaceBattery => b'#',
            Alert::Overload => b'?',
            Alert::OverloadCleared => b'=',
        }
    }

    /// The status byte after this alert (as NUT's alert handler changes its status bits).
    pub fn apply(self, bits: u8) -> u8 {
        use tables::{STAT_LB, STAT_OB, STAT_OL, STAT_OVER, STAT_RB};
        match self {
            Alert::OnBattery => (bits & !STAT_OL) | STAT_OB,
            Alert::OnLine => (bits & !STAT_OB) | STAT_OL,
            Alert::LowBattery => bits | STAT_LB,
            Alert::LowBatteryCleared => bits & !STAT_LB,
            Alert::ReplaceBattery => bits | STAT_RB,
            Alert::Overload => bits | STAT_OVER,
            Alert::OverloadCleared => bits & !STAT_OVER,
        }
    }
}

/// Which characters a reply may not contain, so are dropped (and alerts acted on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Ordinary replies: CR, `|`, `&` and every alert character (`IGN_CHARS`).
    Normal,
    /// The `^Z` reply, which starts with `#`: as `Normal` but `#` is kept (`IGN_CCCHARS`).
    Capabilities,
    /// The `a` reply, which lists the alert characters: only CR, `|`, `&` (`IGN_AACHARS`).
    CommandSet,
}

impl Filter {
    fn ignores(self, byte: u8) -> bool {
        match byte {
            b'\r' | b'|' | b'&' => true,
            b'#' => self == Filter::Normal,
            other => self != Filter::CommandSet && Alert::from_byte(other).is_some(),
        }
    }
}

/// Frames replies out of the byte stream: a reply ends at LF (its CR dropped) or at `*`
/// (the "about to turn off" reply of older models, kept as the reply's last character);
/// ignored characters are dropped anywhere and alert characters collected.
///
/// ```
/// use nut_drivers::apcsmart::parse::{Alert, Filter, LineReader};
///
/// let mut reader = LineReader::default();
/// assert_eq!(reader.push(b"0!8\r", Filter::Normal), None);
/// assert_eq!(reader.push(b"\n", Filter::Normal), Some("08".to_string()));
/// assert_eq!(reader.take_alerts(), vec![Alert::OnBattery]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct LineReader {
    line: String,
    alerts: Vec<Alert>,
    rest: Vec<u8>,
}

/// Longest reply kept (NUT reads into a 512-byte buffer); longer lines are cut.
pub const MAX_REPLY: usize = 512;

impl LineReader {
    /// Feeds bytes; returns the first complete reply. Bytes after it are kept for the next
    /// call (see [`LineReader::next_reply`]).
    pub fn push(&mut self, bytes: &[u8], filter: Filter) -> Option<String> {
        self.rest.extend_from_slice(bytes);
        self.next_reply(filter)
    }

    /// A complete reply from bytes already fed, if there is one.
    pub fn next_reply(&mut self, filter: Filter) -> Option<String> {
        let mut used = 0;
        let mut done = None;
        for &byte in &self.rest {
            used += 1;
            if byte == b'\n' {
                done = Some(std::mem::take(&mut self.line));
                break;
            }
            if byte == b'*' {
                self.line.push('*');
                done = Some(std::mem::take(&mut self.line));
                break;
            }
            if filter.ignores(byte) {
                if let Some(alert) = Alert::from_byte(byte) {
                    self.alerts.push(alert);
                }
                continue;
            }
            if self.line.len() < MAX_REPLY {
                self.line.push(char::from(byte));
            }
        }
        self.rest.drain(..used);
        done
    }

    /// Drops any partial reply and unread bytes, collecting their alerts (NUT's flush).
    pub fn flush(&mut self) {
        for byte in std::mem::take(&mut self.rest) {
            if let Some(alert) = Alert::from_byte(byte) {
                self.alerts.push(alert);
            }
        }
        self.line.clear();
    }

    /// The alerts seen since the last call.
    pub fn take_alerts(&mut self) -> Vec<Alert> {
        std::mem::take(&mut self.alerts)
    }
}

/// True for NUT's "not available" reply.
pub fn is_na(reply: &str) -> bool {
    reply == "NA"
}

/// Parses the `Q` reply: a hex byte.
pub fn parse_status(reply: &str) -> Result<u8, ParseError> {
    let text = reply.trim();
    if text.is_empty() || text.len() > 2 {
        return Err(ParseError::BadStatus(reply.into()));
    }
    u8::from_str_radix(text, 16).map_err(|_| ParseError::BadStatus(reply.into()))
}

/// The `ups.status` words of a status byte, in NUT's order; `OFF` for a zero byte.
pub fn status_words(bits: u8) -> Vec<&'static str> {
    if bits == 0 {
        return vec!["OFF"];
    }
    STATUS_BITS
        .iter()
        .filter(|(mask, _)| bits & mask != 0)
        .map(|(_, word)| *word)
        .collect()
}

/// C's `strtol(text, NULL, 10)`: the leading integer, 0 when there is none.
pub fn leading_integer(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    let mut value: i64 = 0;
    for byte in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(byte - b'0'));
    }
    sign * value
}

/// Converts a raw reply into NUT's value for variable `def`.
pub fn convert(def: &VarDef, raw: &str) -> String {
    match def.format {
        Format::Leave => raw.to_string(),
        Format::Hours => leading_integer(raw).saturating_mul(3600).to_string(),
        Format::Minutes => leading_integer(raw).saturating_mul(60).to_string(),
        Format::Reason => reason_text(raw),
    }
}

/// The published `(name, value)` pairs of a packed (`APC_PACK`) reply, as the real 2.8.0
/// driver publishes them: the reply is split at commas, the first [`tables::PACK_MAX`]
/// fields are kept, field `n` (from 1) is named after `def.name` with its `0` replaced by
/// `n`, and an empty field is published as `N/A`. Other rows give their one value.
///
/// ```
/// use nut_drivers::apcsmart::parse::unpack;
/// use nut_drivers::apcsmart::tables::var_named;
///
/// let def = var_named("ambient.0.temperature.low").unwrap();
/// assert_eq!(
///     unpack(def, "10.00,,12.00"),
///     vec![
///         ("ambient.1.temperature.low".to_string(), "10.00".to_string()),
///         ("ambient.2.temperature.low".to_string(), "N/A".to_string()),
///         ("ambient.3.temperature.low".to_string(), "12.00".to_string()),
///     ]
/// );
/// ```
pub fn unpack(def: &VarDef, raw: &str) -> Vec<(String, String)> {
    if !def.pack {
        return vec![(def.name.to_string(), convert(def, raw))];
    }
    raw.split(tables::PACK_SEPARATOR)
        .take(tables::PACK_MAX)
        .enumerate()
        .map(|(index, field)| {
            let value = if field.is_empty() {
                tables::PACK_EMPTY.to_string()
            } else {
                convert(def, field)
            };
            (packed_name(def.name, index + 1), value)
        })
        .collect()
}

/// Whether a packed reply has more fields than are published.
pub fn overfull_pack(raw: &str) -> bool {
    raw.split(tables::PACK_SEPARATOR).count() > tables::PACK_MAX
}

/// `name` with its `.0.` component replaced by `.number.` (`ambient.0.humidity` →
/// `ambient.2.humidity`).
pub fn packed_name(name: &str, number: usize) -> String {
    match name.split_once(".0.") {
        Some((head, tail)) => format!("{head}.{number}.{tail}"),
        None => name.to_string(),
    }
}

/// The `input.transfer.reason` text of a `G` reply (unknown replies pass through).
pub fn reason_text(raw: &str) -> String {
    raw.chars()
        .next()
        .and_then(|letter| TRANSFER_REASONS.iter().find(|(l, _)| *l == letter))
        .map_or_else(|| raw.to_string(), |(_, text)| (*text).to_string())
}

/// The `a` reply: `version.alerts.commands[.extended]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSet {
    /// The protocol version digit.
    pub version: u8,
    /// The alert characters the UPS may send.
    pub alerts: Vec<u8>,
    /// The command characters it answers.
    pub commands: Vec<u8>,
    /// The extended (dual-byte) part, if any, unparsed: NUT 2.8.0 queries nothing from it.
    pub extended: Option<String>,
}

/// Parses the `a` reply (`^[0-9]\.[^.]*\.[^.]+(\.[^.]+)?$`).
pub fn parse_command_set(reply: &str) -> Result<CommandSet, ParseError> {
    let bad = || ParseError::BadCommandSet(reply.chars().take(80).collect());
    let parts: Vec<&str> = reply.split('.').collect();
    let (version, alerts, commands, extended) = match parts.as_slice() {
        [v, a, c] => (*v, *a, *c, None),
        [v, a, c, e] if !e.is_empty() => (*v, *a, *c, Some((*e).to_string())),
        _ => return Err(bad()),
    };
    let version = match version.as_bytes() {
        [d] if d.is_ascii_digit() => d - b'0',
        _ => return Err(bad()),
    };
    if commands.is_empty() {
        return Err(bad());
    }
    Ok(CommandSet {
        version,
        alerts: latin1(alerts),
        commands: latin1(commands),
        extended,
    })
}

/// The bytes of a reply string whose chars each stand for one byte.
pub fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(c).unwrap_or(b'?'))
        .collect()
}

/// One record of the `^Z` reply: a command character's settable values for a locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityEntry {
    /// The command character.
    pub cmd: u8,
    /// The locale it applies to (`4` = all).
    pub locale: char,
    /// The raw values.
    pub values: Vec<String>,
}

/// Parses the `^Z` reply: `#` (or `##` for Matrix-UPS, where every record also starts
/// with `##`), then records of command char, locale, count digit, size digit and the values.
pub fn parse_capabilities(reply: &str) -> Result<Vec<CapabilityEntry>, ParseError> {
    let bad = || ParseError::BadCapabilities(reply.chars().take(80).collect());
    let chars: Vec<char> = reply.chars().collect();
    let (matrix, mut pos) = match chars.as_slice() {
        ['#', '#', ..] => (true, 2),
        ['#', ..] => (false, 1),
        _ => return Err(bad()),
    };
    let mut entries = Vec::new();
    while pos < chars.len() {
        if matrix && !entries.is_empty() {
            pos += 2;
        }
        let head = chars.get(pos..pos + 4).ok_or_else(bad)?;
        let (cmd, locale) = (head[0], head[1]);
        let count = head[2].to_digit(10).ok_or_else(bad)? as usize;
        let size = head[3].to_digit(10).ok_or_else(bad)? as usize;
        pos += 4;
        let mut values = Vec::with_capacity(count);
        for _ in 0..count {
            let value = chars.get(pos..pos + size).ok_or_else(bad)?;
            values.push(value.iter().collect());
            pos += size;
        }
        entries.push(CapabilityEntry {
            cmd: u8::try_from(cmd).map_err(|_| bad())?,
            locale,
            values,
        });
    }
    Ok(entries)
}

/// The UPS's locale letter: the last character of its new-style firmware id (`b`).
pub fn locale_of(firmware: &str) -> Option<char> {
    firmware.chars().last()
}

#[cfg(test)]
mod tests;
