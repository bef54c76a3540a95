//! Turning a HID value into NUT's text and back: printf-style formats and the conversion
//! functions NUT's lookup tables name (`date_conversion`, `kelvin_celsius_conversion`…).
//!
//! Conversion functions are implemented here by NUT's name; a mapping row whose function is
//! not implemented yet is left out at bind time (and listed by the driver's debug log), so an
//! unknown conversion never publishes a wrong value.

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
    /// Value × 0.1 as `%0.1f`.
    DivideBy10,
    /// Value × 0.01 as `%0.1f`.
    DivideBy100,
    /// Kelvin (273..=373) to °C as `%.1f`; other values are taken as °C already.
    KelvinToCelsius,
}

impl Conversion {
    /// The conversion NUT calls `function` (the `fun` column of lookups.tsv).
    pub fn by_name(function: &str) -> Option<Self> {
        Some(match function {
            "date_conversion_fun" => Conversion::Date,
            "apc_date_conversion_fun" => Conversion::ApcDate,
            "hex_conversion_fun" => Conversion::Hex,
            "stringid_conversion_fun" => Conversion::StringId,
            "divide_by_10_conversion_fun" => Conversion::DivideBy10,
            "divide_by_100_conversion_fun" => Conversion::DivideBy100,
            "kelvin_celsius_conversion_fun" => Conversion::KelvinToCelsius,
            _ => return None,
        })
    }

    /// The text of `value`; `None` for [`Conversion::StringId`], which needs the device.
    pub fn text(self, value: f64) -> Option<String> {
        let whole = value as i64;
        Some(match self {
            Conversion::Date => packed_date(whole),
            Conversion::ApcDate => apc_date(whole),
            Conversion::Hex => format!("{:08x}", whole),
            Conversion::StringId => return None,
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
        })
    }

    /// The HID value of `text`, for writable rows (`None` if this conversion cannot be
    /// reversed or the text does not fit).
    pub fn value(self, text: &str) -> Option<f64> {
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
            Conversion::Hex | Conversion::StringId | Conversion::KelvinToCelsius => None,
        }
    }
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
    super::value::format_g(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(
            Conversion::Date.text(12515.0).as_deref(),
            Some("2004/07/03")
        );
        assert_eq!(Conversion::Date.value("2004/07/03"), Some(12515.0));
        assert_eq!(Conversion::Date.text(0.0).as_deref(), Some("not set"));
        assert_eq!(
            Conversion::ApcDate.text(459524.0).as_deref(),
            Some("2004/07/03")
        );
        assert_eq!(Conversion::ApcDate.value("2004/07/03"), Some(459524.0));
        assert_eq!(
            Conversion::ApcDate.text(0x010101 as f64).as_deref(),
            Some("2001/01/01")
        );
        assert_eq!(
            Conversion::ApcDate.text(0x123199 as f64).as_deref(),
            Some("1999/12/31")
        );
        assert_eq!(Conversion::Date.value("2004/13/03"), None);
        assert_eq!(Conversion::ApcDate.value("2071/01/01"), None);
    }

    #[test]
    fn temperatures_and_scales() {
        assert_eq!(
            Conversion::KelvinToCelsius.text(300.0).as_deref(),
            Some("26.9")
        );
        assert_eq!(
            Conversion::KelvinToCelsius.text(25.0).as_deref(),
            Some("25.0")
        );
        assert_eq!(
            Conversion::DivideBy10.text(2301.0).as_deref(),
            Some("230.1")
        );
        assert_eq!(
            Conversion::DivideBy100.text(5000.0).as_deref(),
            Some("50.0")
        );
        assert_eq!(Conversion::Hex.text(255.0).as_deref(), Some("000000ff"));
        assert_eq!(Conversion::StringId.text(3.0), None);
    }

    #[test]
    fn formats() {
        assert_eq!(printf("%.0f", 2580.0), "2580");
        assert_eq!(printf("%.1f", 13.58), "13.6");
        assert_eq!(printf("%.2f", 0.5), "0.50");
        assert_eq!(printf("%s", 12.0), "12");
    }
}
