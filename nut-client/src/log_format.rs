//! upslog's format strings, without I/O: [`LogFormat::parse`] reads one once, and
//! [`LogFormat::render`] makes one log line from variable values, the time, the UPS, the host
//! name and the pid.
//!
//! The rules are NUT 2.8.0 upslog's, as observed by running it:
//!
//! * `%%` is a `%`; any other text between two `%` is an escape.
//! * The escape's keyword is matched case-insensitively as a prefix: `%VAR x%`, `%var x%` and
//!   `%VARX x%` all read variable `x`. Its argument is everything after the first space
//!   (`%VAR  x%` asks for `" x"`, which no UPS has: `NA`).
//! * `TIME` takes a strftime format with `@` standing for `%`; `ETIME` the epoch seconds;
//!   `HOST` the local host name; `UPSHOST` the UPS as given to `-s`; `PID` upslog's pid.
//! * Unknown escapes, `VAR` without a name, and a `%` never closed print `INVALID` (text after
//!   an unclosed `%` is printed as it is).
//! * `%TIME%` without a space crashes the real upslog (SIGSEGV): here it is
//!   [`FormatError::TimeWithoutFormat`].
//!
//! ```
//! use nut_client::log_format::{LogFormat, Context};
//!
//! let format = LogFormat::parse("%UPSHOST% [%VAR ups.status%] %VAR no.such%").unwrap();
//! let now = chrono::DateTime::from_timestamp(0, 0).unwrap().fixed_offset();
//! let context = Context { now, ups: "dummy@localhost", host: "vm", pid: 42 };
//! let line = format.render(&context, |name| (name == "ups.status").then(|| "OL".to_string()));
//! assert_eq!(line, "dummy@localhost [OL] NA");
//! ```

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};

/// upslog's default format (`-f` not given).
///
/// ```
/// use nut_client::log_format::{Context, DEFAULT_FORMAT, LogFormat};
/// let format = LogFormat::parse(DEFAULT_FORMAT).unwrap();
/// let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T09:05:07+00:00").unwrap();
/// let context = Context { now, ups: "ups@localhost", host: "vm", pid: 1 };
/// let line = format.render(&context, |name| (name == "ups.status").then(|| "OL".into()));
/// assert_eq!(line, "20261124 090507 NA NA NA [OL] NA NA");
/// ```
pub const DEFAULT_FORMAT: &str = "%TIME @Y@m@d @H@M@S% %VAR battery.charge% %VAR input.voltage% \
%VAR ups.load% [%VAR ups.status%] %VAR ups.temperature% %VAR input.frequency%";

/// What upslog prints for a variable the UPS does not have (or cannot be read).
///
/// ```
/// use nut_client::log_format::{Context, LogFormat, NOT_AVAILABLE};
/// let now = chrono::DateTime::from_timestamp(0, 0).unwrap().fixed_offset();
/// let context = Context { now, ups: "ups", host: "vm", pid: 1 };
/// let line = LogFormat::parse("%VAR battery.charge%").unwrap().render(&context, |_| None);
/// assert_eq!(line, NOT_AVAILABLE);
/// ```
pub const NOT_AVAILABLE: &str = "NA";

/// What upslog prints for an escape it does not know.
///
/// ```
/// use nut_client::log_format::{Context, INVALID, LogFormat};
/// let now = chrono::DateTime::from_timestamp(0, 0).unwrap().fixed_offset();
/// let context = Context { now, ups: "ups", host: "vm", pid: 1 };
/// let line = LogFormat::parse("%NOPE% 100%").unwrap().render(&context, |_| None);
/// assert_eq!(line, format!("{INVALID} 100{INVALID}"));
/// ```
pub const INVALID: &str = "INVALID";

/// One piece of a parsed format.
///
/// ```
/// use nut_client::log_format::{LogFormat, Part};
/// let format = LogFormat::parse("%ETIME% 100%% %VAR ups.load% %TIME @H:@M%").unwrap();
/// assert_eq!(format.parts(), [
///     Part::EpochTime,
///     Part::Literal(" 100% ".into()),
///     Part::Var("ups.load".into()),
///     Part::Literal(" ".into()),
///     Part::Time("%H:%M".into()),
/// ]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text copied as it is (`%%` becomes a `%` here).
    Literal(String),
    /// `%VAR name%`: the value of a UPS variable, or `NA`.
    Var(String),
    /// `%TIME format%`: local time through strftime; the format has `%` already (not `@`).
    Time(String),
    /// `%ETIME%`: seconds since the epoch.
    EpochTime,
    /// `%HOST%`: the local host name.
    Host,
    /// `%UPSHOST%`: the UPS as given on the command line.
    UpsHost,
    /// `%PID%`: upslog's process id.
    Pid,
    /// An escape upslog does not know, or a `%` never closed: `INVALID`.
    Invalid,
}

/// A format string upslog cannot use.
///
/// ```
/// use nut_client::log_format::{FormatError, LogFormat};
/// let error = LogFormat::parse("%TIME%").unwrap_err();
/// assert_eq!(error, FormatError::TimeWithoutFormat { escape: "TIME".into() });
/// assert!(error.to_string().starts_with("%TIME escape without a format"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `%TIME…%` without a space before its strftime format (the real upslog crashes).
    #[error("%TIME escape without a format (expected \"%TIME <strftime format>%\"): {escape:?}")]
    TimeWithoutFormat {
        /// The escape's text between its `%`.
        escape: String,
    },
}

/// A parsed upslog format: literal text and escapes, in order.
///
/// ```
/// use nut_client::log_format::{Context, LogFormat};
/// let format = LogFormat::parse("%HOST% %PID% %UPSHOST% %ETIME%").unwrap();
/// let now = chrono::DateTime::from_timestamp(1_000_000_000, 0).unwrap().fixed_offset();
/// let context = Context { now, ups: "ups@nas", host: "vm", pid: 42 };
/// assert_eq!(format.render(&context, |_| None), "vm 42 ups@nas 1000000000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFormat {
    parts: Vec<Part>,
}

/// What a line is made of besides variable values.
///
/// ```
/// use nut_client::log_format::{Context, LogFormat};
/// let now = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05+01:00").unwrap();
/// let context = Context { now, ups: "ups@nas", host: "vm", pid: 7 };
/// let format = LogFormat::parse("%TIME @F @T@z% %UPSHOST%").unwrap();
/// assert_eq!(format.render(&context, |_| None), "2026-01-02 03:04:05+0100 ups@nas");
/// ```
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The local time of the line.
    pub now: DateTime<FixedOffset>,
    /// The UPS as given to `-s` (`%UPSHOST%`).
    pub ups: &'a str,
    /// The local host name (`%HOST%`).
    pub host: &'a str,
    /// upslog's process id (`%PID%`).
    pub pid: u32,
}

impl LogFormat {
    /// Parses `text` into its parts.
    ///
    /// ```
    /// use nut_client::log_format::{LogFormat, Part};
    /// let format = LogFormat::parse("load %var ups.load%").unwrap(); // any case
    /// assert_eq!(format.parts(), [Part::Literal("load ".into()), Part::Var("ups.load".into())]);
    /// assert!(LogFormat::parse("%TIME%").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<LogFormat, FormatError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('%') {
            push_literal(&mut parts, &rest[..open]);
            let after = &rest[open + 1..];
            match after.find('%') {
                Some(close) => {
                    match escape(&after[..close])? {
                        Part::Literal(text) => push_literal(&mut parts, &text),
                        part => parts.push(part),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    parts.push(Part::Invalid);
                    rest = after;
                }
            }
        }
        push_literal(&mut parts, rest);
        Ok(LogFormat { parts })
    }

    /// The parts, in order.
    ///
    /// ```
    /// use nut_client::log_format::{LogFormat, Part};
    /// let format = LogFormat::parse("%PID%%UPSHOST%%VAR%").unwrap();
    /// assert_eq!(format.parts(), [Part::Pid, Part::UpsHost, Part::Invalid]);
    /// ```
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The names of the variables the format reads, in order (repeats included).
    ///
    /// ```
    /// use nut_client::log_format::{DEFAULT_FORMAT, LogFormat};
    /// let format = LogFormat::parse(DEFAULT_FORMAT).unwrap();
    /// let names: Vec<&str> = format.variables().collect();
    /// assert_eq!(names[..2], ["battery.charge", "input.voltage"]);
    /// assert_eq!(names.len(), 6);
    /// ```
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Var(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// One log line (without its newline). `lookup` gives a variable's value, `None` for
    /// `NA`.
    ///
    /// ```
    /// use nut_client::log_format::{Context, LogFormat};
    /// let format = LogFormat::parse("[%VAR ups.status%] %VAR battery.charge%%%").unwrap();
    /// let now = chrono::DateTime::from_timestamp(0, 0).unwrap().fixed_offset();
    /// let context = Context { now, ups: "ups", host: "vm", pid: 1 };
    /// let values = [("ups.status", "OB LB"), ("battery.charge", "9")];
    /// let lookup = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
    /// assert_eq!(format.render(&context, lookup), "[OB LB] 9%");
    /// ```
    pub fn render(
        &self,
        context: &Context<'_>,
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> String {
        let mut line = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => line.push_str(text),
                Part::Var(name) => {
                    line.push_str(&lookup(name).unwrap_or_else(|| NOT_AVAILABLE.to_string()))
                }
                Part::Time(format) => line.push_str(&strftime(format, &context.now)),
                Part::EpochTime => {
                    let _ = write!(line, "{}", context.now.timestamp());
                }
                Part::Host => line.push_str(context.host),
                Part::UpsHost => line.push_str(context.ups),
                Part::Pid => {
                    let _ = write!(line, "{}", context.pid);
                }
                Part::Invalid => line.push_str(INVALID),
            }
        }
        line
    }
}

/// Appends literal text, merging it with a literal before it.
fn push_literal(parts: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(Part::Literal(previous)) => previous.push_str(text),
        _ => parts.push(Part::Literal(text.to_string())),
    }
}

/// Whether `text` starts with `keyword`, ignoring ASCII case.
fn starts_with_keyword(text: &str, keyword: &str) -> bool {
    text.get(..keyword.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(keyword))
}

/// What follows the first space of an escape, if it has one.
fn argument(escape: &str) -> Option<&str> {
    escape.split_once(' ').map(|(_, argument)| argument)
}

/// The part for the text between two `%`.
fn escape(text: &str) -> Result<Part, FormatError> {
    if text.is_empty() {
        return Ok(Part::Literal("%".to_string()));
    }
    let part = if starts_with_keyword(text, "VAR") {
        match argument(text) {
            Some(name) if !name.is_empty() => Part::Var(name.to_string()),
            _ => Part::Invalid,
        }
    } else if starts_with_keyword(text, "TIME") {
        let format = argument(text).ok_or_else(|| FormatError::TimeWithoutFormat {
            escape: text.to_string(),
        })?;
        Part::Time(format.replace('@', "%"))
    } else if starts_with_keyword(text, "ETIME") {
        Part::EpochTime
    } else if starts_with_keyword(text, "HOST") {
        Part::Host
    } else if starts_with_keyword(text, "UPSHOST") {
        Part::UpsHost
    } else if starts_with_keyword(text, "PID") {
        Part::Pid
    } else {
        Part::Invalid
    };
    Ok(part)
}

/// The conversions C's strftime (glibc) knows; others are printed as written, as glibc does.
const STRFTIME_CONVERSIONS: &str = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";

/// Conversions whose value is a number (padded with zeros to a `%5Y`-like width).
const NUMERIC_CONVERSIONS: &str = "CdgGHIjmMsuUVwWyY";

/// One `%` conversion of a strftime format: flags, width, conversion character.
struct Conversion<'a> {
    /// The text as written (printed as it is when not understood).
    written: &'a str,
    /// The padding flag (`-`, `_` or `0`), if any.
    padding: Option<char>,
    /// `^` (upper case) or `#` (swap case).
    case: Option<char>,
    /// The minimum width, if given.
    width: Option<usize>,
    /// The conversion character.
    conversion: char,
}

/// Reads the conversion at the start of `text` (which starts with `%`); `None` when the
/// format ends before a conversion character.
fn conversion(text: &str) -> Option<Conversion<'_>> {
    let mut padding = None;
    let mut case = None;
    let mut width = String::new();
    for (index, c) in text.char_indices().skip(1) {
        match c {
            '-' | '_' | '0' if width.is_empty() => padding = Some(c),
            '^' | '#' if width.is_empty() => case = Some(c),
            '0'..='9' => width.push(c),
            'E' | 'O' => {}
            _ => {
                return Some(Conversion {
                    written: &text[..index + c.len_utf8()],
                    padding,
                    case,
                    width: width.parse().ok(),
                    conversion: c,
                });
            }
        }
    }
    None
}

/// C's `strftime(format, localtime(now))` in the C locale.
///
/// ```
/// use nut_client::log_format::strftime;
/// let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T09:05:07+00:00").unwrap();
/// assert_eq!(strftime("%Y-%m-%d %H:%M:%S %Z", &now), "2026-11-24 09:05:07 UTC");
/// assert_eq!(strftime("%a %-d %b, %Q", &now), "Tue 24 Nov, %Q"); // unknown: as written
/// ```
pub fn strftime(format: &str, now: &DateTime<FixedOffset>) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let Some(spec) = conversion(&rest[start..]) else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&render_conversion(&spec, now));
        rest = &rest[start + spec.written.len()..];
    }
    out.push_str(rest);
    out
}

/// One conversion's text, with its flags and width applied.
fn render_conversion(spec: &Conversion<'_>, now: &DateTime<FixedOffset>) -> String {
    if !STRFTIME_CONVERSIONS.contains(spec.conversion) {
        return spec.written.to_string();
    }
    let mut text = match spec.conversion {
        '%' => "%".to_string(),
        'Z' => zone_name(now),
        'z' => now.format("%z").to_string(),
        c => {
            let padding = spec.padding.map(String::from).unwrap_or_default();
            let chrono_spec = format!("%{padding}{c}");
            let mut text = String::new();
            if write!(text, "{}", now.format(&chrono_spec)).is_err() {
                return spec.written.to_string();
            }
            text
        }
    };
    text = match spec.case {
        Some('^') => text.to_uppercase(),
        Some('#') => swap_case(&text),
        _ => text,
    };
    pad_to_width(text, spec)
}

/// `%#`: glibc upper-cases names and lower-cases `AM`/`PM` and zone names.
fn swap_case(text: &str) -> String {
    if text.chars().any(|c| c.is_ascii_lowercase()) {
        text.to_uppercase()
    } else {
        text.to_lowercase()
    }
}

/// Pads to the conversion's width: zeros for numbers (unless `_`), spaces otherwise.
fn pad_to_width(text: String, spec: &Conversion<'_>) -> String {
    let Some(width) = spec.width else {
        return text;
    };
    let length = text.chars().count();
    if length >= width {
        return text;
    }
    let numeric = NUMERIC_CONVERSIONS.contains(spec.conversion);
    let fill = match spec.padding {
        Some('0') => '0',
        Some('_') => ' ',
        _ if numeric => '0',
        _ => ' ',
    };
    let mut padded: String = std::iter::repeat_n(fill, width - length).collect();
    padded.push_str(&text);
    padded
}

/// `%Z`: the zone's abbreviation. Only the offset is known here: `UTC` for offset zero (what
/// glibc prints with no time zone set), else the offset as `+hhmm`.
fn zone_name(now: &DateTime<FixedOffset>) -> String {
    if now.offset().local_minus_utc() == 0 {
        "UTC".to_string()
    } else {
        now.format("%z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_noon() -> DateTime<FixedOffset> {
        // 2026-11-24 09:05:07 UTC, a Tuesday.
        DateTime::parse_from_rfc3339("2026-11-24T09:05:07+00:00").expect("time")
    }

    fn render(format: &str) -> String {
        let context = Context {
            now: at_noon(),
            ups: "dummy@127.0.0.1:3493",
            host: "vm",
            pid: 4242,
        };
        LogFormat::parse(format)
            .expect("format")
            .render(&context, |name| match name {
                "ups.status" => Some("OL CHRG".to_string()),
                "battery.charge" => Some("100".to_string()),
                _ => None,
            })
    }

    #[test]
    fn default_format_is_the_real_one() {
        assert_eq!(
            render(DEFAULT_FORMAT),
            "20261124 090507 100 NA NA [OL CHRG] NA NA"
        );
    }

    #[test]
    fn percent_percent_is_a_percent() {
        assert_eq!(render("%%"), "%");
        assert_eq!(render("a%%b"), "a%b");
        assert_eq!(render("%%%"), "%INVALID");
    }

    #[test]
    fn unclosed_percent_is_invalid_and_keeps_the_rest() {
        assert_eq!(render("%"), "INVALID");
        assert_eq!(render("a%"), "aINVALID");
        assert_eq!(render("a%b"), "aINVALIDb");
        assert_eq!(render("x%%y%z"), "x%yINVALIDz");
    }

    #[test]
    fn unknown_escapes_are_invalid() {
        assert_eq!(render("%x%"), "INVALID");
        assert_eq!(render("%x% %"), "INVALID INVALID");
        assert_eq!(render("%ups%"), "INVALID");
        assert_eq!(render("%E%"), "INVALID");
        assert_eq!(render("%ETIM%"), "INVALID");
    }

    #[test]
    fn var_reads_the_name_after_the_first_space() {
        assert_eq!(render("%VAR ups.status%"), "OL CHRG");
        assert_eq!(render("%var ups.status%"), "OL CHRG");
        assert_eq!(render("%vAR ups.status%"), "OL CHRG");
        assert_eq!(render("%VARX ups.status%"), "OL CHRG");
        assert_eq!(render("%VAR  ups.status%"), "NA");
        assert_eq!(render("%VAR ups.status %"), "NA");
        assert_eq!(render("%VAR no.such.var%"), "NA");
    }

    #[test]
    fn var_without_a_name_is_invalid() {
        assert_eq!(render("%VAR%"), "INVALID");
        assert_eq!(render("%VAR %"), "INVALID");
        assert_eq!(render("%VARups.status%"), "INVALID");
        assert_eq!(render("%VAR\tups.status%"), "INVALID");
    }

    #[test]
    fn time_uses_strftime_with_at_signs() {
        assert_eq!(render("%TIME @Y-@m-@d @H:@M:@S%"), "2026-11-24 09:05:07");
        assert_eq!(render("%time @Y%"), "2026");
        assert_eq!(render("%TIMEZ @H%"), "09");
        assert_eq!(render("%TIME  @H%"), " 09");
        assert_eq!(render("%TIME %"), "");
        assert_eq!(render("%TIME @Y %"), "2026 ");
    }

    #[test]
    fn time_without_a_space_is_an_error() {
        assert_eq!(
            LogFormat::parse("a%TIME%b"),
            Err(FormatError::TimeWithoutFormat {
                escape: "TIME".to_string()
            })
        );
    }

    #[test]
    fn strftime_matches_glibc_in_the_c_locale() {
        let now = at_noon();
        let cases = [
            ("%A %B %j %p %Z %z", "Tuesday November 328 AM UTC +0000"),
            ("%s", "1795511107"),
            ("%e|%k|%l", "24| 9| 9"),
            ("%D %F %T", "11/24/26 2026-11-24 09:05:07"),
            ("%r %R", "09:05:07 AM 09:05"),
            ("%u %w %U %W %V %G %g %y %C", "2 2 47 47 48 2026 26 26 20"),
            ("%c", "Tue Nov 24 09:05:07 2026"),
            ("%x %X", "11/24/26 09:05:07"),
            ("%P %h %b %a", "am Nov Nov Tue"),
            ("%n%t", "\n\t"),
            ("%%", "%"),
        ];
        for (format, expected) in cases {
            assert_eq!(strftime(format, &now), expected, "{format}");
        }
    }

    #[test]
    fn strftime_flags_widths_and_modifiers() {
        let now = at_noon();
        let cases = [
            ("%-d %-H", "24 9"),
            ("%_H", " 9"),
            ("%5Y", "02026"),
            ("%^a %#a %#p", "TUE TUE am"),
            ("%Od %Ez", "24 +0000"),
        ];
        for (format, expected) in cases {
            assert_eq!(strftime(format, &now), expected, "{format}");
        }
    }

    #[test]
    fn strftime_prints_unknown_conversions_and_a_trailing_percent_as_written() {
        let now = at_noon();
        assert_eq!(strftime("%Q", &now), "%Q");
        assert_eq!(strftime("%", &now), "%");
        assert_eq!(strftime("x%+", &now), "x%+");
        assert_eq!(render("%TIME @%"), "%");
        assert_eq!(render("%TIME @@%"), "%");
    }

    #[test]
    fn epoch_time_host_upshost_and_pid() {
        assert_eq!(render("%ETIME%"), "1795511107");
        assert_eq!(render("%ETIMEX%"), "1795511107");
        assert_eq!(render("%HOST%"), "vm");
        assert_eq!(render("%hostupshost%"), "vm");
        assert_eq!(render("%UPSHOST%"), "dummy@127.0.0.1:3493");
        assert_eq!(render("%upshostx%"), "dummy@127.0.0.1:3493");
        assert_eq!(render("%PID%"), "4242");
        assert_eq!(render("%pid x%"), "4242");
    }

    #[test]
    fn plain_text_and_empty_format() {
        assert_eq!(render("plain"), "plain");
        assert_eq!(render(""), "");
    }

    #[test]
    fn variables_lists_the_names_read() {
        let format = LogFormat::parse("%VAR a% %VAR b% %PID% %VAR a%").expect("format");
        assert_eq!(format.variables().collect::<Vec<_>>(), ["a", "b", "a"]);
    }

    #[test]
    fn parts_merge_adjacent_literals() {
        let format = LogFormat::parse("a%%b%PID%").expect("format");
        assert_eq!(
            format.parts(),
            [Part::Literal("a%b".to_string()), Part::Pid]
        );
    }
}
