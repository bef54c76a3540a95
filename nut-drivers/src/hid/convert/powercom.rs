//! PowerCom conversions (`powercom-hid.c`): status words split into tokens, voltages ×4, and
//! the delays the units keep byte-swapped or as minutes and seconds.
//!
//! The `powercom_sdcmd_byte_order_fallback` and `powercom_sdcmd_discrete_delay` driver options
//! are not supported: the default byte orders are used.

use super::{Context, Function, bit_tokens, token};

bit_tokens! {
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

/// Reads of report 0xA4 allowed before a first valid voltage.
const VOLTAGE_TRIES: u32 = 5;

/// The ASCII voltage of raw Feature report 0xA4 (bytes 1–7, a number with a dot).
fn ascii_voltage(context: &Context<'_>) -> Option<String> {
    let bytes = context.raw?.get(1..)?;
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let text = core::str::from_utf8(&bytes[..end]).ok()?.trim();
    (text.contains('.') && text.parse::<f64>().is_ok()).then(|| text.to_owned())
}

/// The battery voltage from report 0xA4, ignoring the field's value; the last valid reading
/// (`0.0` until one), reading no more after [`VOLTAGE_TRIES`] failures before a first success.
fn hack_voltage(_: f64, context: &mut Context<'_>) -> Option<String> {
    let trying =
        context.state.powercom_voltage.is_some() || context.state.powercom_tries < VOLTAGE_TRIES;
    if trying {
        match ascii_voltage(context) {
            Some(voltage) => context.state.powercom_voltage = Some(voltage),
            None if context.state.powercom_voltage.is_none() => context.state.powercom_tries += 1,
            None => {}
        }
    }
    Some(
        context
            .state
            .powercom_voltage
            .clone()
            .unwrap_or_else(|| "0.0".to_owned()),
    )
}

fn voltage_report(_: &super::State) -> (u8, usize) {
    (0xa4, 8)
}

/// The PowerCom functions.
pub const FUNCTIONS: &[Function] = &[
    Function::new("powercom_startup_fun", startup).reverse(startup_reverse),
    Function::new("powercom_shutdown_fun", shutdown).reverse(shutdown_reverse),
    Function::new("powercom_voltage_conversion_fun", voltage),
    Function::new("powercom_hack_voltage", hack_voltage).raw(voltage_report),
    Function::new("powercom_upsfail_conversion_fun", upsfail),
    Function::new("powercom_replacebatt_conversion_fun", replacebatt),
    Function::new("powercom_test_conversion_fun", test),
    Function::new("powercom_shutdownimm_conversion_fun", shutdownimm),
    Function::new("powercom_online_conversion_fun", online),
    Function::new("powercom_lowbatt_conversion_fun", lowbatt),
    Function::new("powercom_trim_conversion_fun", trim),
    Function::new("powercom_boost_conversion_fun", boost),
    Function::new("powercom_overload_conversion_fun", overload),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, text_in, value_in};

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
    fn voltage_from_report_a4() {
        let mut scratch = Scratch::default();
        assert_eq!(
            text_in(&mut scratch, "powercom_hack_voltage", 0.0).as_deref(),
            Some("0.0")
        );
        scratch.raw = Some(b"\xa413.62\0\0".to_vec());
        assert_eq!(
            text_in(&mut scratch, "powercom_hack_voltage", 0.0).as_deref(),
            Some("13.62")
        );
        scratch.raw = Some(b"\xa4garbage".to_vec());
        assert_eq!(
            text_in(&mut scratch, "powercom_hack_voltage", 0.0).as_deref(),
            Some("13.62")
        );
        // Five failures before any valid reading: no more reads are taken into account.
        let mut broken = Scratch::default();
        for _ in 0..5 {
            assert_eq!(
                text_in(&mut broken, "powercom_hack_voltage", 0.0).as_deref(),
                Some("0.0")
            );
        }
        broken.raw = Some(b"\xa412.00\0\0".to_vec());
        assert_eq!(
            text_in(&mut broken, "powercom_hack_voltage", 0.0).as_deref(),
            Some("0.0")
        );
        assert_eq!(
            super::super::testing::named("powercom_hack_voltage").raw_report(&broken.state),
            Some((0xa4, 8))
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
