//! Parsers for the Megatec replies: the `Q1` status (also sent as `QS` by Mustek and `D` by
//! old Megatec units), the `F` ratings and the `I` identification.
//!
//! Column positions and NUT formats follow the Megatec item table (`dialects/items.tsv`):
//! column 0 is the leading `(` or `#`, and the minimum reply length counts the final CR.

use std::fmt;

/// Why a reply could not be parsed. Parsers never panic, whatever the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The reply is shorter than the dialect's minimum answer length (which counts the CR).
    #[error("reply is {got} bytes long, at least {min} expected")]
    TooShort {
        /// Minimum length, CR included.
        min: usize,
        /// Actual length.
        got: usize,
    },
    /// The reply does not start with the expected character (`(` or `#`).
    #[error("reply starts with {got:?}, expected {expected:?}")]
    BadLeadingChar {
        /// Expected first character.
        expected: char,
        /// First byte of the reply, if any.
        got: Option<u8>,
    },
    /// A numeric field holds something that is not a plain decimal number.
    #[error("field {field} is not numeric: {text:?}")]
    NotNumeric {
        /// NUT variable the field maps to.
        field: &'static str,
        /// The field's text (lossily decoded).
        text: String,
    },
    /// A status bit is neither `0` nor `1`.
    #[error("status bit at column {column} is {byte:#04x}, expected '0' or '1'")]
    BadStatusBit {
        /// Column of the bit in the reply.
        column: usize,
        /// The byte found there.
        byte: u8,
    },
}

/// Minimum length of a `Q1`-style status reply, CR included.
pub const STATUS_LEN_MIN: usize = 47;
/// Minimum length of an `F` ratings reply, CR included.
pub const RATING_LEN_MIN: usize = 22;

/// Checks the length and the leading character of a reply.
fn check(reply: &[u8], min: usize, lead: u8) -> Result<(), ParseError> {
    if reply.len() < min {
        return Err(ParseError::TooShort {
            min,
            got: reply.len(),
        });
    }
    match reply.first() {
        Some(&b) if b == lead => Ok(()),
        got => Err(ParseError::BadLeadingChar {
            expected: char::from(lead),
            got: got.copied(),
        }),
    }
}

/// The bytes of columns `from..=to` (clamped to the reply, CR and anything after it excluded).
fn columns(reply: &[u8], from: usize, to: Option<usize>) -> &[u8] {
    let end_cr = reply
        .iter()
        .position(|&b| b == b'\r')
        .unwrap_or(reply.len());
    let end = match to {
        Some(to) => end_cr.min(to.saturating_add(1)),
        None => end_cr,
    };
    reply.get(from..end).unwrap_or(&[])
}

/// Parses a plain decimal number (optional sign, digits, at most one dot; surrounding
/// spaces allowed). Rejects `inf`, `nan`, exponents and empty fields.
pub(crate) fn number(field: &'static str, bytes: &[u8]) -> Result<f64, ParseError> {
    let err = || ParseError::NotNumeric {
        field,
        text: String::from_utf8_lossy(bytes).into_owned(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| err())?.trim();
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let valid = !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1;
    if !valid {
        return Err(err());
    }
    text.parse::<f64>().map_err(|_| err())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// The 8 status bits `b7..b0` of a `Q1` reply (columns 38–45).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusBits {
    /// b7 (column 38): utility fail — on battery.
    pub utility_fail: bool,
    /// b6 (column 39): battery low.
    pub battery_low: bool,
    /// b5 (column 40): bypass / boost / buck active.
    pub bypass_boost_buck: bool,
    /// b4 (column 41): UPS failed.
    pub ups_failed: bool,
    /// b3 (column 42): UPS type, `true` = offline / line interactive, `false` = online.
    pub line_interactive: bool,
    /// b2 (column 43): test in progress.
    pub test_in_progress: bool,
    /// b1 (column 44): shutdown active.
    pub shutdown_active: bool,
    /// b0 (column 45): beeper on.
    pub beeper_on: bool,
}

/// A parsed `Q1` status reply `(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0<cr>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusReply {
    /// `input.voltage` (V), columns 1–5.
    pub input_voltage: f64,
    /// `input.voltage.fault` (V), columns 7–11.
    pub input_voltage_fault: f64,
    /// `output.voltage` (V), columns 13–17.
    pub output_voltage: f64,
    /// `ups.load` (%), columns 19–21.
    pub load: f64,
    /// `input.frequency` (Hz), columns 23–26.
    pub input_frequency: f64,
    /// `battery.voltage` (V) as reported (per cell or per pack), columns 28–31.
    pub battery_voltage: f64,
    /// `ups.temperature` (°C), columns 33–36.
    pub temperature: f64,
    /// The status bits, columns 38–45.
    pub bits: StatusBits,
}

/// What bit 5 (bypass/boost/buck) means, classified by output/input voltage ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regulation {
    /// Output below 0.95 × input: `TRIM`.
    Trim,
    /// Output within 0.95–1.05 × input: `BYPASS`.
    Bypass,
    /// Output within 1.05–1.5 × input: `BOOST`.
    Boost,
}

impl StatusReply {
    /// Parses a status reply (`Q1`, `QS` or `D` — same layout).
    pub fn parse(reply: &[u8]) -> Result<Self, ParseError> {
        check(reply, STATUS_LEN_MIN, b'(')?;
        let num = |field, from, to| number(field, columns(reply, from, Some(to)));
        let mut flags = [false; 8];
        for (i, flag) in flags.iter_mut().enumerate() {
            let column = 38 + i;
            let byte = reply.get(column).copied().unwrap_or(b'\r');
            *flag = match byte {
                b'0' => false,
                b'1' => true,
                byte => return Err(ParseError::BadStatusBit { column, byte }),
            };
        }
        let [
            utility_fail,
            battery_low,
            bypass_boost_buck,
            ups_failed,
            line_interactive,
            test_in_progress,
            shutdown_active,
            beeper_on,
        ] = flags;
        Ok(Self {
            input_voltage: num("input.voltage", 1, 5)?,
            input_voltage_fault: num("input.voltage.fault", 7, 11)?,
            output_voltage: num("output.voltage", 13, 17)?,
            load: num("ups.load", 19, 21)?,
            input_frequency: num("input.frequency", 23, 26)?,
            battery_voltage: num("battery.voltage", 28, 31)?,
            temperature: num("ups.temperature", 33, 36)?,
            bits: StatusBits {
                utility_fail,
                battery_low,
                bypass_boost_buck,
                ups_failed,
                line_interactive,
                test_in_progress,
                shutdown_active,
                beeper_on,
            },
        })
    }

    /// The meaning of bit 5 when set: by output/input voltage ratio (<0.5 or ≥1.5: none).
    pub fn regulation(&self) -> Option<Regulation> {
        if !self.bits.bypass_boost_buck || self.input_voltage <= 0.0 {
            return None;
        }
        let ratio = self.output_voltage / self.input_voltage;
        if ratio < 0.5 {
            None
        } else if ratio < 0.95 {
            Some(Regulation::Trim)
        } else if ratio < 1.05 {
            Some(Regulation::Bypass)
        } else if ratio < 1.5 {
            Some(Regulation::Boost)
        } else {
            None
        }
    }

    /// `ups.status` words in NUT's order: `OL`/`OB`, `LB`, `TRIM`/`BYPASS`/`BOOST`, `CAL`,
    /// `FSD`.
    pub fn status_words(&self) -> Vec<&'static str> {
        let mut words = vec![if self.bits.utility_fail { "OB" } else { "OL" }];
        if self.bits.battery_low {
            words.push("LB");
        }
        match self.regulation() {
            Some(Regulation::Trim) => words.push("TRIM"),
            Some(Regulation::Bypass) => words.push("BYPASS"),
            Some(Regulation::Boost) => words.push("BOOST"),
            None => {}
        }
        if self.bits.test_in_progress {
            words.push("CAL");
        }
        if self.bits.shutdown_active {
            words.push("FSD");
        }
        words
    }

    /// `ups.alarm`, set when the UPS reports itself failed.
    pub fn alarm(&self) -> Option<&'static str> {
        self.bits.ups_failed.then_some("UPS selftest failed!")
    }

    /// `ups.type`.
    pub fn ups_type(&self) -> &'static str {
        if self.bits.line_interactive {
            "offline / line interactive"
        } else {
            "online"
        }
    }

    /// `ups.beeper.status`.
    pub fn beeper_status(&self) -> &'static str {
        if self.bits.beeper_on {
            "enabled"
        } else {
            "disabled"
        }
    }

    /// NUT variables with NUT's formatting (`%.1f`, load `%.0f`, battery `%.2f`), in item
    /// table order; `battery_packs` multiplies a per-pack battery voltage (1 = as reported).
    pub fn variables(&self, battery_packs: u32) -> Vec<(&'static str, String)> {
        let packs = f64::from(battery_packs.max(1));
        let mut vars = vec![
            ("input.voltage", format!("{:.1}", self.input_voltage)),
            (
                "input.voltage.fault",
                format!("{:.1}", self.input_voltage_fault),
            ),
            ("output.voltage", format!("{:.1}", self.output_voltage)),
            ("ups.load", format!("{:.0}", self.load)),
            ("input.frequency", format!("{:.1}", self.input_frequency)),
            (
                "battery.voltage",
                format!("{:.2}", self.battery_voltage * packs),
            ),
            ("ups.temperature", format!("{:.1}", self.temperature)),
            ("ups.status", self.status_words().join(" ")),
        ];
        if let Some(alarm) = self.alarm() {
            vars.push(("ups.alarm", alarm.to_owned()));
        }
        vars.push(("ups.type", self.ups_type().to_owned()));
        vars.push(("ups.beeper.status", self.beeper_status().to_owned()));
        vars
    }
}

/// A parsed `F` ratings reply `#MMM.M QQQ SS.SS RR.R<cr>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingReply {
    /// Nominal voltage (V), columns 1–5 (`input.voltage.nominal`).
    pub voltage: f64,
    /// Nominal current (A), columns 7–9 (`input.current.nominal`).
    pub current: f64,
    /// Nominal battery voltage (V), columns 11–15 (`battery.voltage.nominal`).
    pub battery_voltage: f64,
    /// Nominal frequency (Hz), columns 17–20 (`input.frequency.nominal`).
    pub frequency: f64,
}

impl RatingReply {
    /// Parses an `F` reply.
    pub fn parse(reply: &[u8]) -> Result<Self, ParseError> {
        check(reply, RATING_LEN_MIN, b'#')?;
        let num = |field, from, to| number(field, columns(reply, from, Some(to)));
        Ok(Self {
            voltage: num("input.voltage.nominal", 1, 5)?,
            current: num("input.current.nominal", 7, 9)?,
            battery_voltage: num("battery.voltage.nominal", 11, 15)?,
            frequency: num("input.frequency.nominal", 17, 20)?,
        })
    }

    /// NUT variables with the Megatec formats (`%.0f`, `%.1f`, `%.1f`, `%.0f`).
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        vec![
            ("input.voltage.nominal", format!("{:.0}", self.voltage)),
            ("input.current.nominal", format!("{:.1}", self.current)),
            (
                "battery.voltage.nominal",
                format!("{:.1}", self.battery_voltage),
            ),
            ("input.frequency.nominal", format!("{:.0}", self.frequency)),
        ]
    }
}

/// Column layout of the identification reply, which differs between dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoLayout {
    /// `#<mfr 15> <model 10> <firmware 10><cr>`, at least 39 bytes: manufacturer 1–15, model
    /// 17–26, firmware 28–37 (megatec/old, mustek, mecer, zinto, hunnox, ablerex, gtec).
    Standard,
    /// The `megatec` dialect's table: at least 38 bytes; manufacturer 1–7, serial 8–15,
    /// model 17–21, battery runtime 22–26, firmware 28 up to the CR.
    Megatec,
    /// INNOVATAE: at least 38 bytes, only the firmware at 28–35.
    Innovatae,
}

impl InfoLayout {
    /// Minimum reply length, CR included.
    pub fn min_len(self) -> usize {
        match self {
            InfoLayout::Standard => 39,
            InfoLayout::Megatec | InfoLayout::Innovatae => 38,
        }
    }
}

/// A parsed identification reply (`I`, or `FW?` for zinto/hunnox); fields trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InfoReply {
    /// `device.mfr` (empty when the layout has none or the field is blank).
    pub manufacturer: String,
    /// `device.model`.
    pub model: String,
    /// `ups.firmware`.
    pub firmware: String,
    /// `ups.serial` (megatec layout only).
    pub serial: Option<String>,
    /// Raw `battery.runtime` field (megatec layout only).
    pub battery_runtime: Option<String>,
}

impl InfoReply {
    /// Parses an identification reply with the given layout.
    pub fn parse(reply: &[u8], layout: InfoLayout) -> Result<Self, ParseError> {
        check(reply, layout.min_len(), b'#')?;
        let col = |from, to| text(columns(reply, from, to));
        Ok(match layout {
            InfoLayout::Standard => Self {
                manufacturer: col(1, Some(15)),
                model: col(17, Some(26)),
                firmware: col(28, Some(37)),
                serial: None,
                battery_runtime: None,
            },
            InfoLayout::Megatec => Self {
                manufacturer: col(1, Some(7)),
                serial: Some(col(8, Some(15))),
                model: col(17, Some(21)),
                battery_runtime: Some(col(22, Some(26))),
                firmware: col(28, None),
            },
            InfoLayout::Innovatae => Self {
                firmware: col(28, Some(35)),
                ..Self::default()
            },
        })
    }

    /// NUT variables for the non-empty fields.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let mut vars = Vec::new();
        let mut push = |name, value: &str| {
            if !value.is_empty() {
                vars.push((name, value.to_owned()));
            }
        };
        push("device.mfr", &self.manufacturer);
        push("device.model", &self.model);
        push("ups.firmware", &self.firmware);
        if let Some(serial) = &self.serial {
            push("ups.serial", serial);
        }
        vars
    }
}

impl fmt::Display for Regulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Regulation::Trim => "TRIM",
            Regulation::Bypass => "BYPASS",
            Regulation::Boost => "BOOST",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q1: &[u8] = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r";

    #[test]
    fn q1_reference_reply() {
        let s = StatusReply::parse(Q1).unwrap();
        assert_eq!(s.input_voltage, 215.0);
        assert_eq!(s.input_voltage_fault, 195.0);
        assert_eq!(s.output_voltage, 230.0);
        assert_eq!(s.load, 14.0);
        assert_eq!(s.input_frequency, 49.0);
        assert_eq!(s.battery_voltage, 22.7);
        assert_eq!(s.temperature, 30.0);
        assert_eq!(s.bits, StatusBits::default());
        assert_eq!(s.status_words(), ["OL"]);
        assert_eq!(s.ups_type(), "online");
        assert_eq!(s.beeper_status(), "disabled");
    }

    #[test]
    fn q1_bits() {
        let s = StatusReply::parse(b"(215.0 195.0 230.0 014 49.0 22.7 30.0 11111111\r").unwrap();
        // 230 / 215 = 1.07 -> BOOST
        assert_eq!(s.status_words(), ["OB", "LB", "BOOST", "CAL", "FSD"]);
        assert_eq!(s.alarm(), Some("UPS selftest failed!"));
        assert_eq!(s.ups_type(), "offline / line interactive");
        assert_eq!(s.beeper_status(), "enabled");
        let trim = StatusReply::parse(b"(240.0 195.0 220.0 014 49.0 22.7 30.0 00100000\r").unwrap();
        assert_eq!(trim.regulation(), Some(Regulation::Trim));
        let bypass =
            StatusReply::parse(b"(230.0 195.0 230.0 014 49.0 22.7 30.0 00100000\r").unwrap();
        assert_eq!(bypass.status_words(), ["OL", "BYPASS"]);
    }

    #[test]
    fn q1_errors() {
        assert!(matches!(
            StatusReply::parse(b"(215.0 195.0\r"),
            Err(ParseError::TooShort { min: 47, got: 13 })
        ));
        assert!(matches!(
            StatusReply::parse(b"Q215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r"),
            Err(ParseError::BadLeadingChar { expected: '(', .. })
        ));
        assert!(matches!(
            StatusReply::parse(b"(21x.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r"),
            Err(ParseError::NotNumeric {
                field: "input.voltage",
                ..
            })
        ));
        assert!(matches!(
            StatusReply::parse(b"(215.0 195.0 230.0 014 49.0 22.7 30.0 0000000x\r"),
            Err(ParseError::BadStatusBit { column: 45, .. })
        ));
        assert!(number("x", b"inf").is_err());
        assert!(number("x", b" - ").is_err());
        assert!(number("x", b"1.2.3").is_err());
        assert_eq!(number("x", b" 024.0"), Ok(24.0));
    }

    #[test]
    fn rating_and_info() {
        let f = RatingReply::parse(b"#230.0 000 024.0 50.0\r").unwrap();
        assert_eq!(
            f.variables(),
            [
                ("input.voltage.nominal", "230".to_owned()),
                ("input.current.nominal", "0.0".to_owned()),
                ("battery.voltage.nominal", "24.0".to_owned()),
                ("input.frequency.nominal", "50".to_owned()),
            ]
        );
        let reply = b"#NOT_A_LIVE_UPS  TESTING    TESTING   \r";
        let i = InfoReply::parse(reply, InfoLayout::Standard).unwrap();
        assert_eq!(i.manufacturer, "NOT_A_LIVE_UPS");
        assert_eq!(i.model, "TESTING");
        assert_eq!(i.firmware, "TESTING");
        let m = InfoReply::parse(reply, InfoLayout::Megatec).unwrap();
        assert_eq!(m.manufacturer, "NOT_A_L");
        assert_eq!(m.serial.as_deref(), Some("IVE_UPS"));
        assert_eq!(m.firmware, "TESTING");
        assert!(matches!(
            InfoReply::parse(b"(NOT\r", InfoLayout::Standard),
            Err(ParseError::TooShort { .. })
        ));
    }
}
