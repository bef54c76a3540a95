//! PowerCom conversions (`powercom-hid.c`): status words split into tokens, voltages ×4, and
//! the delays the units keep byte-swapped or as minutes and seconds.
//!
//! The `powercom_sdcmd_byte_order_fallback` and `powercom_sdcmd_discrete_delay` driver options
//! are not supported: the default byte orders are used.

use super::{Context, Function, token};

fn bit(value: f64, mask: i64, name: &str) -> Option<String> {
    token((value as i64) & mask != 0, name)
}

macro_rules! bits {
    ($($fun:ident: $mask:expr => $name:expr;)*) => {
        $(fn $fun(value: f64, _: &mut Context<'_>) -> Option<String> { bit(value, $mask, $name) })*
    };
}

bits! {
    upsfail: 0x0001 => "fanfail";
    replacebatt: 0x0002 => "replacebatt";
    test: 0x0004 => "cal";
    shutdownimm: 0x0010 => "shutdownimm";
    lowbatt: 0x0002 => "lowbatt";
    overload: 0x0020 => "overload";
}

fn online(value: f64, _: &mut Context<'_>) -> Option<String> {
    token((value as i64) & 0x0001 == 0, "online")
}

fn trim(value: f64, _: &mut Context<'_>) -> Option<String> {
    token((value as i64) & 0x18 == 0x08, "trim")
}

fn boost(value: f64, _: &mut Context<'_>) -> Option<String> {
    token((value as i64) & 0x18 == 0x18, "boost")
}

fn voltage(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.0}", value * 4.0))
}

fn swap16(value: i64) -> i64 {
    ((value & 0xff) << 8) | ((value >> 8) & 0xff)
}

/// Seconds from `text`, else the published `fallback` variable, else `default`.
fn seconds(text: &str, context: &Context<'_>, fallback: &str, default: i64) -> i64 {
    text.trim()
        .parse::<f64>()
        .ok()
        .or_else(|| context.number(fallback))
        .map_or(default, |s| s as i64)
        .max(0)
}

fn startup(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{}", 60 * swap16(value as i64)))
}

fn startup_reverse(text: &str, context: &mut Context<'_>) -> Option<f64> {
    let minutes = seconds(text, context, "ups.delay.start", 120) / 60;
    Some(swap16(minutes & 0xffff) as f64)
}

fn shutdown(value: f64, _: &mut Context<'_>) -> Option<String> {
    let value = value as i64;
    Some(format!("{}", 60 * ((value >> 8) & 0xff) + (value & 0xff)))
}

fn shutdown_reverse(text: &str, context: &mut Context<'_>) -> Option<f64> {
    let delay = match seconds(text, context, "ups.delay.shutdown", 60) {
        0 => 1,
        delay => delay,
    };
    Some(((((delay / 60) & 0xff) << 8 | (delay % 60)) | 0x0040) as f64)
}

const fn f(name: &'static str, text: super::TextFn) -> Function {
    Function {
        name,
        text,
        value: None,
    }
}

/// The PowerCom functions.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "powercom_startup_fun",
        text: startup,
        value: Some(startup_reverse),
    },
    Function {
        name: "powercom_shutdown_fun",
        text: shutdown,
        value: Some(shutdown_reverse),
    },
    f("powercom_voltage_conversion_fun", voltage),
    f("powercom_upsfail_conversion_fun", upsfail),
    f("powercom_replacebatt_conversion_fun", replacebatt),
    f("powercom_test_conversion_fun", test),
    f("powercom_shutdownimm_conversion_fun", shutdownimm),
    f("powercom_online_conversion_fun", online),
    f("powercom_lowbatt_conversion_fun", lowbatt),
    f("powercom_trim_conversion_fun", trim),
    f("powercom_boost_conversion_fun", boost),
    f("powercom_overload_conversion_fun", overload),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, value_in};

    #[test]
    fn status_words() {
        assert_eq!(
            text("powercom_upsfail_conversion_fun", 1.0).as_deref(),
            Some("fanfail")
        );
        assert_eq!(
            text("powercom_replacebatt_conversion_fun", 2.0).as_deref(),
            Some("replacebatt")
        );
        assert_eq!(
            text("powercom_test_conversion_fun", 2.0).as_deref(),
            Some("!cal")
        );
        assert_eq!(
            text("powercom_shutdownimm_conversion_fun", 0x10 as f64).as_deref(),
            Some("shutdownimm")
        );
        assert_eq!(
            text("powercom_online_conversion_fun", 1.0).as_deref(),
            Some("!online")
        );
        assert_eq!(
            text("powercom_online_conversion_fun", 2.0).as_deref(),
            Some("online")
        );
        assert_eq!(
            text("powercom_lowbatt_conversion_fun", 2.0).as_deref(),
            Some("lowbatt")
        );
        assert_eq!(
            text("powercom_trim_conversion_fun", 0x08 as f64).as_deref(),
            Some("trim")
        );
        assert_eq!(
            text("powercom_trim_conversion_fun", 0x18 as f64).as_deref(),
            Some("!trim")
        );
        assert_eq!(
            text("powercom_boost_conversion_fun", 0x18 as f64).as_deref(),
            Some("boost")
        );
        assert_eq!(
            text("powercom_boost_conversion_fun", 0x08 as f64).as_deref(),
            Some("!boost")
        );
        assert_eq!(
            text("powercom_overload_conversion_fun", 0x20 as f64).as_deref(),
            Some("overload")
        );
        assert_eq!(
            text("powercom_voltage_conversion_fun", 57.0).as_deref(),
            Some("228")
        );
    }

    #[test]
    fn delays_both_ways() {
        // 2 minutes byte-swapped is 0x0200.
        assert_eq!(text("powercom_startup_fun", 512.0).as_deref(), Some("120"));
        let mut scratch = Scratch::default();
        assert_eq!(
            value_in(&mut scratch, "powercom_startup_fun", "120"),
            Some(512.0)
        );
        assert_eq!(
            value_in(&mut scratch, "powercom_startup_fun", ""),
            Some(512.0)
        );
        let mut scratch = Scratch::default().with("ups.delay.start", "180");
        assert_eq!(
            value_in(&mut scratch, "powercom_startup_fun", "x"),
            Some(768.0)
        );
        // 1 minute 30 seconds.
        assert_eq!(
            text("powercom_shutdown_fun", 0x011e as f64).as_deref(),
            Some("90")
        );
        let mut scratch = Scratch::default();
        assert_eq!(
            value_in(&mut scratch, "powercom_shutdown_fun", "90"),
            Some(f64::from(0x015e))
        );
        assert_eq!(
            value_in(&mut scratch, "powercom_shutdown_fun", "0"),
            Some(f64::from(0x0041))
        );
        assert_eq!(
            value_in(&mut scratch, "powercom_shutdown_fun", ""),
            Some(f64::from(0x0140))
        );
    }
}
