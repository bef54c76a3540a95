//! The apcsmart settings from `ups.conf` / `-x`: cable, shutdown method, wake-up delay.

use std::time::Duration;

use crate::device::{ConfigError, DriverConfig};

use super::tables::{ALT_CABLE_1, CONFIG_KEYS};

/// A shutdown method (the digits of `advorder`, in that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `S`: soft hibernate (only on battery; returns with mains).
    Soft,
    /// `@nnn`: hard hibernate with an extra wake-up delay of nnn × 6 minutes.
    Hibernate,
    /// `K` twice: delayed power-off.
    DelayedOff,
    /// `Z` twice: instant power-off.
    InstantOff,
    /// `U` then `S` (the "force OB" hack of CS models).
    ForceOb,
}

impl Method {
    /// The method for an `advorder` digit.
    pub fn from_digit(digit: char) -> Option<Method> {
        Some(match digit {
            '0' => Method::Soft,
            '1' => Method::Hibernate,
            '2' => Method::DelayedOff,
            '3' => Method::InstantOff,
            '4' => Method::ForceOb,
            _ => return None,
        })
    }
}

/// The driver-specific settings, validated as the real driver validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `cable=940-0095B`: DTR set, RTS cleared.
    pub alt_cable: bool,
    /// `sdtype` (0–5), 0 by default.
    pub sdtype: u8,
    /// `advorder` methods; empty when absent or `no` (then `sdtype` decides).
    pub advorder: Vec<Method>,
    /// `awd`: the hard-hibernate digits (2 or 3 of them), `000` by default.
    pub awd: String,
    /// `cshdelay`: pause between `U` and `S` in the force-OB hack, 3.5 s by default.
    pub cshdelay: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            alt_cable: false,
            sdtype: 0,
            advorder: Vec::new(),
            awd: "000".into(),
            cshdelay: Duration::from_millis(3500),
        }
    }
}

fn invalid(key: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError {
        key: key.into(),
        value: Some(value.into()),
        reason: reason.into(),
    }
}

impl Settings {
    /// Reads and checks the settings; unknown keys and malformed values are errors.
    ///
    /// ```
    /// use nut_drivers::apcsmart::settings::{Method, Settings};
    /// use nut_drivers::device::DriverConfig;
    ///
    /// let mut config = DriverConfig::default();
    /// config.push("advorder", Some("20"));
    /// config.push("awd", Some("12"));
    /// let settings = Settings::from_config(&config).unwrap();
    /// assert_eq!(settings.advorder, vec![Method::DelayedOff, Method::Soft]);
    /// assert_eq!(settings.awd, "12");
    /// config.push("sdtype", Some("7"));
    /// assert!(Settings::from_config(&config).is_err());
    /// ```
    pub fn from_config(config: &DriverConfig) -> Result<Settings, ConfigError> {
        config.check_known(CONFIG_KEYS)?;
        let mut settings = Settings::default();
        if let Some(cable) = config.value("cable") {
            settings.alt_cable = cable.eq_ignore_ascii_case(ALT_CABLE_1);
        }
        if let Some(value) = config.value("sdtype") {
            match value.as_bytes() {
                [d @ b'0'..=b'5'] => settings.sdtype = d - b'0',
                _ => return Err(invalid("sdtype", value, "must be one digit 0-5")),
            }
        }
        if let Some(value) = config.value("advorder")
            && !value.eq_ignore_ascii_case("no")
        {
            let methods: Option<Vec<Method>> = value.chars().map(Method::from_digit).collect();
            match methods {
                Some(m) if (1..=5).contains(&m.len()) => settings.advorder = m,
                _ => return Err(invalid("advorder", value, "must be `no` or 1-5 digits 0-4")),
            }
        }
        if let Some(value) = config.value("awd") {
            if !(1..=3).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("awd", value, "must be 1-3 digits"));
            }
            settings.awd = hibernate_digits(value);
        }
        if let Some(value) = config.value("cshdelay") {
            settings.cshdelay = parse_cshdelay(value)
                .ok_or_else(|| invalid("cshdelay", value, "must be 0 to 9.9 seconds"))?;
        }
        Ok(settings)
    }
}

/// The digits sent after `@`: exactly two stay two (the 2-digit variant), others are padded
/// to three.
pub fn hibernate_digits(digits: &str) -> String {
    if digits.len() == 2 {
        digits.to_string()
    } else {
        format!("{:0>3}", digits)
    }
}

/// `^([0-9]\.?|[0-9]?\.[0-9])$` as a duration.
fn parse_cshdelay(value: &str) -> Option<Duration> {
    let (whole, tenth) = match value.split_once('.') {
        Some((w, t)) => (w, t),
        None => (value, ""),
    };
    let digit = |s: &str| match s.as_bytes() {
        [] => Some(0),
        [d @ b'0'..=b'9'] => Some(u64::from(d - b'0')),
        _ => None,
    };
    if whole.is_empty() && tenth.is_empty() {
        return None;
    }
    Some(Duration::from_millis(
        digit(whole)? * 1000 + digit(tenth)? * 100,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cshdelay_forms() {
        assert_eq!(parse_cshdelay("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_cshdelay("3."), Some(Duration::from_secs(3)));
        assert_eq!(parse_cshdelay(".5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_cshdelay("9.9"), Some(Duration::from_millis(9900)));
        assert_eq!(parse_cshdelay("10"), None);
        assert_eq!(parse_cshdelay("."), None);
    }

    #[test]
    fn unknown_key_and_cable() {
        let mut config = DriverConfig::default();
        config.push("cable", Some("940-0095B"));
        assert!(Settings::from_config(&config).is_ok_and(|s| s.alt_cable));
        config.push("bogus", Some("1"));
        assert!(Settings::from_config(&config).is_err());
    }

    #[test]
    fn awd_padding() {
        assert_eq!(hibernate_digits("1"), "001");
        assert_eq!(hibernate_digits("12"), "12");
        assert_eq!(hibernate_digits("123"), "123");
    }
}
