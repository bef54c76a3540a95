//! Turning a HID value into NUT's text and back: printf-style formats and the conversion
//! functions NUT's lookup tables name (`date_conversion`, `kelvin_celsius_conversion`…).
//!
//! The generic functions of `usbhid-ups.c` are variants of [`Conversion`]; each vendor
//! family's functions are a table of [`Function`]s in its own module ([`mge`], [`eaton`], [`belkin`],
//! [`powercom`], [`openups`], [`cps`], [`tripplite`], [`misc`]). A conversion sees the device
//! through a [`Context`]. A mapping row whose function is not implemented (see
//! [`NOT_IMPLEMENTED`]) is left out at bind time, so an unknown conversion never publishes a
//! wrong value.

pub mod belkin;
pub mod context;
pub mod cps;
pub mod eaton;
pub mod mge;
pub mod misc;
pub mod openups;
pub mod powercom;
pub mod tripplite;

pub use context::{Context, Scratch, State};

/// A vendor conversion: HID value → NUT text (a value, a status token such as `online` /
/// `!online`, or an alarm text); `None` publishes nothing.
pub type TextFn = fn(f64, &mut Context<'_>) -> Option<String>;

/// A vendor reverse conversion: NUT text → HID value; `None` if the text does not fit.
pub type ValueFn = fn(&str, &mut Context<'_>) -> Option<f64>;

/// For a conversion that reads a raw report rather than its field: which report (ID, and the
/// length asked for) to read before the next call, given the state (EVER rotates over reports).
pub type RawFn = fn(&State) -> (u8, usize);

/// One of NUT's vendor conversion functions, by its name in lookups.tsv.
#[derive(Debug)]
pub struct Function {
    /// NUT's name of the HID → NUT function (`fun` column).
    pub name: &'static str,
    /// The HID → NUT conversion.
    pub text: TextFn,
    /// The NUT → HID conversion (`nuf` column), if writable.
    pub value: Option<ValueFn>,
    /// The raw report the conversion reads (handed over as [`Context::raw`]), if any.
    pub raw: Option<RawFn>,
}

impl Function {
    /// A one-way function.
    pub const fn new(name: &'static str, text: TextFn) -> Self {
        Function {
            name,
            text,
            value: None,
            raw: None,
        }
    }

    /// With a reverse conversion.
    pub const fn reverse(self, value: ValueFn) -> Self {
        Function {
            value: Some(value),
            ..self
        }
    }

    /// Reading a raw report.
    pub const fn raw(self, raw: RawFn) -> Self {
        Function {
            raw: Some(raw),
            ..self
        }
    }
}

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Function {}

/// The vendor families' function tables.
const FAMILIES: [&[Function]; 8] = [
    mge::FUNCTIONS,
    eaton::FUNCTIONS,
    belkin::FUNCTIONS,
    powercom::FUNCTIONS,
    openups::FUNCTIONS,
    cps::FUNCTIONS,
    tripplite::FUNCTIONS,
    misc::FUNCTIONS,
];

/// The functions of lookups.tsv we do not implement, and why: their rows are left out at
/// bind time.
pub const NOT_IMPLEMENTED: [(&str, &str); 1] = [(
    "eaton_input_eco_mode_auto_on_off_fun",
    "its effect is a sequence of writes (bypass on/off, ECO on/normal) guarded by range checks, \
     on both its read and write side; too vague to reproduce faithfully",
)];

/// A conversion from a HID value to NUT text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// HID packed date `(year-1980)<<9 | month<<5 | day` → `YYYY/MM/DD`.
    Date,
    /// APC digit-packed date `0xMMDDYY` → `YYYY/MM/DD`.
    ApcDate,
    /// Value as 8 lowercase hex digits.
    Hex,
    /// The value is a USB string-descriptor index: the text is that string.
    StringId,
    /// TrippLite battery chemistry: `unknown` on PIDs 1003 and 2005, else as [`Conversion::StringId`].
    TrippliteChemistry,
    /// Value × 0.1 as `%0.1f`.
    DivideBy10,
    /// Value × 0.01 as `%0.1f`.
    DivideBy100,
    /// Kelvin (273..=373) to °C as `%.1f`; other values are taken as °C already.
    KelvinToCelsius,
    /// A vendor function.
    Vendor(&'static Function),
}

impl Conversion {
    /// The conversion NUT calls `function` (the `fun` column of lookups.tsv).
    pub fn by_name(function: &str) -> Option<Self> {
        Some(match function {
            "date_conversion_fun" => Conversion::Date,
            "apc_date_conversion_fun" => Conversion::ApcDate,
            "hex_conversion_fun" => Conversion::Hex,
            "stringid_conversion_fun" => Conversion::StringId,
            "tripplite_chemistry_fun" => Conversion::TrippliteChemistry,
            "divide_by_10_conversion_fun" => Conversion::DivideBy10,
            "divide_by_100_conversion_fun" => Conversion::DivideBy100,
            "kelvin_celsius_conversion_fun" => Conversion::KelvinToCelsius,
            _ => {
                return FAMILIES
                    .iter()
                    .flat_map(|family| family.iter())
                    .find(|f| f.name == function)
                    .map(Conversion::Vendor);
            }
        })
    }

    /// The text of `value`; `None` when nothing is published (and always for the
    /// string-descriptor conversions, which need the device).
    pub fn text(self, value: f64, context: &mut Context<'_>) -> Option<String> {
        let whole = value as i64;
        Some(match self {
            Conversion::Date => packed_date(whole),
            Conversion::ApcDate => apc_date(whole),
            Conversion::Hex => format!("{:08x}", whole),
            Conversion::StringId => return None,
            Conversion::TrippliteChemistry => return tripplite::chemistry(context),
            Conversion::DivideBy10 => format!("{:.1}", value * 0.1),
            Conversion::DivideBy100 => format!("{:.1}", value * 0.01),
            Conversion::KelvinToCelsius => {
                let celsius = if (273.0..=373.0).contains(&value) {
                    value - 273.15
                } else {
                    value
                };
                format!("{celsius:.1}")
            }
            Conversion::Vendor(function) => return (function.text)(value, context),
        })
    }

    /// The HID value of `text`, for writable rows and commands (`None` if this conversion
    /// cannot be reversed or the text does not fit).
    pub fn value(self, text: &str, context: &mut Context<'_>) -> Option<f64> {
        match self {
            Conversion::Date => {
                let (year, month, day) = ymd(text)?;
                let years = year.checked_sub(1980).filter(|y| *y <= 127)?;
                Some(f64::from((years << 9) | (month << 5) | day))
            }
            Conversion::ApcDate => {
                let (year, month, day) = ymd(text)?;
                if year >= 2070 {
                    return None;
                }
                let digits = format!("{month:02}{day:02}{:02}", year % 100);
                u32::from_str_radix(&digits, 16).ok().map(f64::from)
            }
            Conversion::DivideBy10 => text.trim().parse::<f64>().ok().map(|v| v * 10.0),
            Conversion::DivideBy100 => text.trim().parse::<f64>().ok().map(|v| v * 100.0),
            Conversion::Vendor(function) => {
                function.value.and_then(|reverse| reverse(text, context))
            }
            Conversion::Hex
            | Conversion::StringId
            | Conversion::TrippliteChemistry
            | Conversion::KelvinToCelsius => None,
        }
    }

    /// The raw report (ID, length) to read and hand over as [`Context::raw`] before calling
    /// [`Conversion::text`], for conversions that read one.
    pub fn raw_report(self, state: &State) -> Option<(u8, usize)> {
        match self {
            Conversion::Vendor(function) => function.raw.map(|raw| raw(state)),
            _ => None,
        }
    }

    /// Whether [`Conversion::value`] can ever succeed.
    pub fn reversible(self) -> bool {
        match self {
            Conversion::Date
            | Conversion::ApcDate
            | Conversion::DivideBy10
            | Conversion::DivideBy100 => true,
            Conversion::Vendor(function) => function.value.is_some(),
            _ => false,
        }
    }
}

/// Status functions that test a bit mask: `fun: mask => token;` sets `token` when a bit of
/// `mask` is set, else clears it.
macro_rules! bit_tokens {
    ($($fun:ident: $mask:expr => $name:expr;)*) => {
        $(fn $fun(value: f64, _: &mut Context<'_>) -> Option<String> {
            $crate::hid::convert::token((value as i64) & $mask != 0, $name)
        })*
    };
}
pub(crate) use bit_tokens;

/// Status functions of a flag: `fun => token;` sets `token` when the value is nonzero, else
/// clears it.
macro_rules! nonzero_tokens {
    ($($fun:ident => $name:expr;)*) => {
        $(fn $fun(value: f64, _: &mut Context<'_>) -> Option<String> {
            $crate::hid::convert::token(value != 0.0, $name)
        })*
    };
}
pub(crate) use nonzero_tokens;

/// Functions that scale the value: `fun: |context| scale, digits;` publishes
/// value × scale with `digits` decimals (the scale may depend on the context).
macro_rules! scaled {
    ($($fun:ident: |$context:ident| $scale:expr, $digits:expr;)*) => {
        $(fn $fun(value: f64, $context: &mut Context<'_>) -> Option<String> {
            Some(format!("{:.*}", $digits, value * $scale))
        })*
    };
}
pub(crate) use scaled;

/// `name` when `on`, else `!name`: a status token.
pub(crate) fn token(on: bool, name: &str) -> Option<String> {
    Some(if on {
        name.to_owned()
    } else {
        format!("!{name}")
    })
}

/// `YYYY/MM/DD` with month ≤ 12 and day ≤ 31.
fn ymd(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('/').map(|p| p.parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    (parts.next().is_none() && month <= 12 && day <= 31).then_some((year, month, day))
}

fn packed_date(value: i64) -> String {
    if value == 0 {
        return "not set".to_owned();
    }
    let year = 1980 + ((value >> 9) & 0x7f);
    let month = (value >> 5) & 0x0f;
    let day = value & 0x1f;
    format!("{year:04}/{month:02}/{day:02}")
}

fn apc_date(value: i64) -> String {
    if value == 0 {
        return "not set".to_owned();
    }
    // Each hex nibble is a decimal digit: 0x070304 is 07/03/04.
    let digits = format!("{:06x}", value & 0xff_ffff);
    let number = |range: core::ops::Range<usize>| digits[range].parse::<i64>().unwrap_or(0);
    let (month, day, year) = (number(0..2), number(2..4), number(4..6));
    let century = if year >= 70 { 1900 } else { 2000 };
    format!("{:04}/{month:02}/{day:02}", century + year)
}

/// Formats `value` with a NUT mapping format: `%.Nf` (N = 0..=9), `%d`, or `%s`/anything else
/// as `%g` would.
pub fn printf(format: &str, value: f64) -> String {
    if let Some(digits) = format
        .strip_prefix("%.")
        .and_then(|rest| rest.strip_suffix('f'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n <= 9)
    {
        return format!("{value:.digits$}");
    }
    if format == "%d" {
        return format!("{}", value as i64);
    }
    crate::hid::value::format_g(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn text(conversion: Conversion, value: f64) -> Option<String> {
        conversion.text(value, &mut Scratch::default().context())
    }

    pub(crate) fn value(conversion: Conversion, text: &str) -> Option<f64> {
        conversion.value(text, &mut Scratch::default().context())
    }

    /// `(fun, nuf)` of every conversion row of lookups.tsv compiled in NUT's default build.
    fn named_functions() -> Vec<(&'static str, &'static str)> {
        include_str!("../data/lookups.tsv")
            .lines()
            .skip(1)
            .map(|line| line.split('\t').collect::<Vec<_>>())
            .filter(|c| c.len() >= 9 && !c[5].is_empty() && c[8] != "!(defined HAVE_STRPTIME)")
            .map(|c| (c[5], c[6]))
            .collect()
    }

    #[test]
    fn every_function_is_implemented_or_listed() {
        let mut missing: Vec<&str> = Vec::new();
        for (fun, nuf) in named_functions() {
            match Conversion::by_name(fun) {
                // Every `nuf` is implemented; vendor functions have no reverse NUT lacks.
                Some(conversion @ Conversion::Vendor(_)) => {
                    assert_eq!(conversion.reversible(), !nuf.is_empty(), "{fun}: {nuf:?}")
                }
                Some(conversion) => assert!(nuf.is_empty() || conversion.reversible(), "{fun}"),
                None if !missing.contains(&fun) => missing.push(fun),
                None => {}
            }
        }
        missing.sort_unstable();
        let mut listed: Vec<&str> = NOT_IMPLEMENTED.iter().map(|(name, _)| *name).collect();
        listed.sort_unstable();
        assert_eq!(missing, listed, "the still-unimplemented functions");
    }

    #[test]
    fn rows_left_out_for_want_of_a_conversion() {
        let tables = crate::hid::tables::Tables::get();
        let mut left_out: Vec<(&str, usize)> = Vec::new();
        for subdriver in tables.subdrivers() {
            let count = tables
                .rows(subdriver.name)
                .filter_map(|row| tables.lookup(subdriver, row.lookup?)?.function)
                .filter(|function| Conversion::by_name(function).is_none())
                .count();
            if count > 0 {
                left_out.push((subdriver.name, count));
            }
        }
        assert_eq!(left_out, [("mge", 2)]);
    }

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(
            text(Conversion::Date, 12515.0).as_deref(),
            Some("2004/07/03")
        );
        assert_eq!(value(Conversion::Date, "2004/07/03"), Some(12515.0));
        assert_eq!(text(Conversion::Date, 0.0).as_deref(), Some("not set"));
        assert_eq!(
            text(Conversion::ApcDate, 459524.0).as_deref(),
            Some("2004/07/03")
        );
        assert_eq!(value(Conversion::ApcDate, "2004/07/03"), Some(459524.0));
        assert_eq!(
            text(Conversion::ApcDate, 0x010101 as f64).as_deref(),
            Some("2001/01/01")
        );
        assert_eq!(
            text(Conversion::ApcDate, 0x123199 as f64).as_deref(),
            Some("1999/12/31")
        );
        assert_eq!(value(Conversion::Date, "2004/13/03"), None);
        assert_eq!(value(Conversion::ApcDate, "2071/01/01"), None);
    }

    #[test]
    fn temperatures_and_scales() {
        assert_eq!(
            text(Conversion::KelvinToCelsius, 300.0).as_deref(),
            Some("26.9")
        );
        assert_eq!(
            text(Conversion::KelvinToCelsius, 25.0).as_deref(),
            Some("25.0")
        );
        assert_eq!(
            text(Conversion::DivideBy10, 2301.0).as_deref(),
            Some("230.1")
        );
        assert_eq!(
            text(Conversion::DivideBy100, 5000.0).as_deref(),
            Some("50.0")
        );
        assert_eq!(text(Conversion::Hex, 255.0).as_deref(), Some("000000ff"));
        assert_eq!(text(Conversion::StringId, 3.0), None);
    }

    #[test]
    fn formats() {
        assert_eq!(printf("%.0f", 2580.0), "2580");
        assert_eq!(printf("%.1f", 13.58), "13.6");
        assert_eq!(printf("%.2f", 0.5), "0.50");
        assert_eq!(printf("%s", 12.0), "12");
    }
}

/// Test helpers: a conversion by name, applied in a scratch context.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Conversion, Scratch};

    /// The conversion `name`; panics (failing the test) if it is not implemented.
    pub fn named(name: &str) -> Conversion {
        Conversion::by_name(name).unwrap_or_else(|| panic!("no conversion {name}"))
    }

    /// `name` applied to `value` in `scratch`.
    pub fn text_in(scratch: &mut Scratch, name: &str, value: f64) -> Option<String> {
        named(name).text(value, &mut scratch.context())
    }

    /// `name` applied to `value` on a device with nothing published.
    pub fn text(name: &str, value: f64) -> Option<String> {
        text_in(&mut Scratch::default(), name, value)
    }

    /// The reverse of `name` applied to `text` in `scratch`.
    pub fn value_in(scratch: &mut Scratch, name: &str, text: &str) -> Option<f64> {
        named(name).value(text, &mut scratch.context())
    }
}
