//! Values as NUT stores and formats them.
//!
//! * A value is at most [`MAX_VALUE_LEN`] bytes (NUT keeps values in 256-byte buffers).
//! * Numbers are written in decimal with a dot, never with an exponent (`printf("%.Nf")`, not
//!   `%g`); leading zeros are allowed when read ("042.7").
//! * Integer arguments on the driver socket (ranges, aux) are read like C's `atoi`.
//!
//! ```
//! use nut_core::value::{format_number, parse_c_int, truncate_value};
//!
//! assert_eq!(format_number(229.456, 1), "229.5");
//! assert_eq!(format_number(1e21, 0), "1000000000000000000000");
//! assert_eq!(parse_c_int("  42abc"), 42);
//! assert_eq!(truncate_value(&"x".repeat(300)).len(), 255);
//! ```

use alloc::string::String;

/// Longest value NUT keeps, in bytes.
pub const MAX_VALUE_LEN: usize = 255;

/// `value` cut to at most [`MAX_VALUE_LEN`] bytes, at a character boundary.
pub fn truncate_value(value: &str) -> &str {
    truncate_at_boundary(value, MAX_VALUE_LEN)
}

/// `value` cut to at most `max` bytes, at a character boundary.
pub fn truncate_at_boundary(value: &str, max: usize) -> &str {
    if value.len() <= max {
        return value;
    }
    let mut end = max;
    while end > 0 && !value.is_char_boundary(end) {
        end -= 1;
    }
    value.get(..end).unwrap_or("")
}

/// Formats a number the way NUT drivers do (`%.<decimals>f`): decimal, dot separator, no
/// exponent. Negative zero is written without its sign ("0.0"); NaN and infinities, which
/// have no NUT form, are written as `"0"` with the requested decimals.
pub fn format_number(value: f64, decimals: usize) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let mut out = alloc::format!("{value:.decimals$}");
    if out.starts_with('-') && out.bytes().skip(1).all(|b| b == b'0' || b == b'.') {
        out.remove(0);
    }
    out
}

/// Reads a NUT numeric value: optional sign, digits, optional fraction, surrounding white
/// space allowed; no exponent, no thousands separators. `None` if it is not such a number.
pub fn parse_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    trimmed.parse::<f64>().ok()
}

/// C's `atoi`, made total: skips leading white space, takes an optional sign and the digits
/// that follow, stops at the first other byte, gives 0 when there are no digits, and
/// saturates instead of overflowing.
pub fn parse_c_int(text: &str) -> i64 {
    let rest = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, rest) = match rest.as_bytes().first() {
        Some(b'-') => (true, rest.get(1..).unwrap_or("")),
        Some(b'+') => (false, rest.get(1..).unwrap_or("")),
        _ => (false, rest),
    };
    let mut value: i64 = 0;
    for digit in rest.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(digit - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(d)
        } else {
            value.saturating_mul(10).saturating_add(d)
        };
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = alloc::format!("{}é", "a".repeat(254));
        assert_eq!(truncate_value(&s).len(), 254);
        assert_eq!(truncate_value("short"), "short");
    }

    #[test]
    fn numbers_never_use_exponents() {
        assert_eq!(format_number(0.000001, 2), "0.00");
        assert_eq!(format_number(-0.0001, 1), "0.0");
        assert_eq!(format_number(-2.5, 1), "-2.5");
        assert_eq!(format_number(f64::NAN, 1), "0.0");
        assert_eq!(format_number(230.0, 0), "230");
    }

    #[test]
    fn nut_numbers_parse() {
        assert_eq!(parse_number("042.7"), Some(42.7));
        assert_eq!(parse_number(" -5 "), Some(-5.0));
        assert_eq!(parse_number(".5"), Some(0.5));
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("1,000"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("."), None);
    }

    #[test]
    fn atoi_semantics() {
        assert_eq!(parse_c_int("90"), 90);
        assert_eq!(parse_c_int("  -15x"), -15);
        assert_eq!(parse_c_int("abc"), 0);
        assert_eq!(parse_c_int("+7"), 7);
        assert_eq!(parse_c_int("99999999999999999999999"), i64::MAX);
        assert_eq!(parse_c_int("-99999999999999999999999"), i64::MIN);
    }
}
