//! The serial lines of a contact-closure cable: output sets (DTR, RTS), input signals (a mask
//! of CTS/DCD/RNG/DSR and the levels at which the condition is true), the shutdown method,
//! and the words `ups.conf` uses for them (`CP`, `SD`, `OL`, `LB`, `RB`, `BYPASS`).

use nut_hal::ModemLines;

/// The output lines a cable drives (raised = `true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Outputs {
    /// Data Terminal Ready.
    pub dtr: bool,
    /// Request To Send.
    pub rts: bool,
}

impl Outputs {
    /// No line raised.
    pub const NONE: Outputs = Outputs {
        dtr: false,
        rts: false,
    };
    /// DTR only.
    pub const DTR: Outputs = Outputs {
        dtr: true,
        rts: false,
    };
    /// RTS only.
    pub const RTS: Outputs = Outputs {
        dtr: false,
        rts: true,
    };
    /// DTR and RTS.
    pub const BOTH: Outputs = Outputs {
        dtr: true,
        rts: true,
    };
}

/// One input condition (on line, low battery, replace battery, bypass): true when the lines
/// in `mask` are at the levels of `value` — `(lines & mask) == value`, as NUT compares.
///
/// ```
/// use nut_drivers::genericups::Signal;
/// use nut_hal::ModemLines;
///
/// let on_line = Signal::low(ModemLines::CTS); // "OL when CTS is deasserted"
/// assert!(on_line.is_true(ModemLines::DCD));
/// assert!(!on_line.is_true(ModemLines::CTS));
/// assert!(Signal::NONE.is_true(ModemLines::all()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Signal {
    /// The input lines the condition looks at; empty when no line is wired.
    pub mask: ModemLines,
    /// The levels (within `mask`) at which the condition is true.
    pub value: ModemLines,
}

impl Signal {
    /// No line: for the on-line signal this means "always on line"; other signals are then
    /// never reported.
    pub const NONE: Signal = Signal {
        mask: ModemLines::empty(),
        value: ModemLines::empty(),
    };

    /// True while `line` is asserted.
    pub const fn high(line: ModemLines) -> Signal {
        Signal {
            mask: line,
            value: line,
        }
    }

    /// True while `line` is deasserted.
    pub const fn low(line: ModemLines) -> Signal {
        Signal {
            mask: line,
            value: ModemLines::empty(),
        }
    }

    /// True when a line is wired for this signal.
    pub fn is_wired(self) -> bool {
        !self.mask.is_empty()
    }

    /// Whether the condition holds for the input `lines`.
    pub fn is_true(self, lines: ModemLines) -> bool {
        lines & self.mask == self.value
    }
}

/// How the driver tells the UPS to shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// No method known for this cable: the driver refuses (NUT's `-1`).
    Unknown,
    /// Set exactly these output lines (the others, cable power included, drop at once).
    Lines(Outputs),
    /// Send a BREAK on TxD (NUT's `ST`).
    Break,
}

/// Why an override value was refused (the caller adds the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WordError(pub String);

/// The words of a `CP`/`SD`/`OL`/… value: separated by blanks, `,` or `+`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '+')
        .filter(|w| !w.is_empty())
}

fn is_none_word(word: &str) -> bool {
    word.eq_ignore_ascii_case("none") || word.eq_ignore_ascii_case("null")
}

fn input_line(word: &str) -> Option<ModemLines> {
    Some(match word {
        "CTS" => ModemLines::CTS,
        "DCD" | "CD" => ModemLines::DCD,
        "RNG" | "RI" => ModemLines::RI,
        "DSR" => ModemLines::DSR,
        _ => return None,
    })
}

fn is_output_word(word: &str) -> bool {
    matches!(word, "DTR" | "RTS" | "ST")
}

/// Parses an output override (`CP`, `SD`): `DTR`, `RTS`, `ST`, `-DTR` (leave out), `none`.
/// Returns the raised lines and whether `ST` (break) was asked for.
fn parse_outputs(text: &str) -> Result<(Outputs, bool), WordError> {
    let mut out = Outputs::NONE;
    let mut brk = false;
    let mut seen = false;
    for word in words(text) {
        seen = true;
        if is_none_word(word) {
            out = Outputs::NONE;
            brk = false;
            continue;
        }
        let (on, name) = match word.strip_prefix('-') {
            Some(name) => (false, name),
            None => (true, word),
        };
        match name {
            "DTR" => out.dtr = on,
            "RTS" => out.rts = on,
            "ST" => brk = on,
            other if input_line(other).is_some() => {
                return Err(WordError(format!(
                    "can't override output with {other} (not an output)"
                )));
            }
            other => return Err(WordError(format!("unknown line {other:?}"))),
        }
    }
    if !seen {
        return Err(WordError("empty value".into()));
    }
    Ok((out, brk))
}

/// Parses a `CP` (cable power) value.
pub(crate) fn parse_cable_power(text: &str) -> Result<Outputs, WordError> {
    match parse_outputs(text)? {
        (_, true) => Err(WordError(
            "ST (a break) cannot power a cable; use DTR and/or RTS".into(),
        )),
        (out, false) => Ok(out),
    }
}

/// Parses an `SD` (shutdown) value.
pub(crate) fn parse_shutdown(text: &str) -> Result<Shutdown, WordError> {
    match parse_outputs(text)? {
        (Outputs::NONE, true) => Ok(Shutdown::Break),
        (_, true) => Err(WordError(
            "ST (a break) cannot be combined with DTR or RTS".into(),
        )),
        (out, false) => Ok(Shutdown::Lines(out)),
    }
}

/// Parses an input override (`OL`, `LB`, `RB`, `BYPASS`): `CTS`, `DCD`, `RNG`, `DSR`, a leading
/// `-` for "true when deasserted", several words for "all of them", `none` for no line.
pub(crate) fn parse_signal(text: &str) -> Result<Signal, WordError> {
    let mut signal = Signal::NONE;
    let mut seen = false;
    for word in words(text) {
        seen = true;
        if is_none_word(word) {
            signal = Signal::NONE;
            continue;
        }
        let (high, name) = match word.strip_prefix('-') {
            Some(name) => (false, name),
            None => (true, word),
        };
        let Some(line) = input_line(name) else {
            return Err(WordError(if is_output_word(name) {
                format!("can't override input with {name} (not an input)")
            } else {
                format!("unknown line {name:?}")
            }));
        };
        signal.mask |= line;
        signal.value.set(line, high);
    }
    if !seen {
        return Err(WordError("empty value".into()));
    }
    Ok(signal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_words() {
        assert_eq!(parse_cable_power("DTR"), Ok(Outputs::DTR));
        assert_eq!(parse_cable_power("DTR RTS"), Ok(Outputs::BOTH));
        assert_eq!(parse_cable_power("RTS+DTR"), Ok(Outputs::BOTH));
        assert_eq!(parse_cable_power("DTR,RTS,-DTR"), Ok(Outputs::RTS));
        assert_eq!(parse_cable_power("none"), Ok(Outputs::NONE));
        assert_eq!(parse_cable_power("NULL"), Ok(Outputs::NONE));
        assert!(parse_cable_power("ST").is_err());
        assert!(
            parse_cable_power("CTS")
                .unwrap_err()
                .0
                .contains("not an output")
        );
        assert!(parse_cable_power("foo").is_err());
        assert!(parse_cable_power("  ").is_err());
        assert_eq!(parse_shutdown("ST"), Ok(Shutdown::Break));
        assert_eq!(parse_shutdown("none"), Ok(Shutdown::Lines(Outputs::NONE)));
        assert!(parse_shutdown("ST DTR").is_err());
        assert!(
            parse_shutdown("-CTS")
                .unwrap_err()
                .0
                .contains("not an output")
        );
    }

    #[test]
    fn input_words() {
        assert_eq!(parse_signal("CTS"), Ok(Signal::high(ModemLines::CTS)));
        assert_eq!(parse_signal("-DCD"), Ok(Signal::low(ModemLines::DCD)));
        assert_eq!(parse_signal("RNG"), Ok(Signal::high(ModemLines::RI)));
        assert_eq!(parse_signal("none"), Ok(Signal::NONE));
        let both = parse_signal("CTS -DSR").unwrap();
        assert!(both.is_true(ModemLines::CTS));
        assert!(!both.is_true(ModemLines::CTS | ModemLines::DSR));
        assert!(!both.is_true(ModemLines::empty()));
        assert!(parse_signal("DTR").unwrap_err().0.contains("not an input"));
        assert!(parse_signal("-ST").unwrap_err().0.contains("not an input"));
        assert!(parse_signal("XYZ").is_err());
        assert!(parse_signal("").is_err());
    }
}
