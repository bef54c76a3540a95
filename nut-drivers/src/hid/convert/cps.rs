//! CyberPower conversions (`cps-hid.c`): charge and status formats, and on PID 0501 the
//! run-time choice of frequency and battery-voltage scales.

use super::{Context, Function};

/// The product whose scales are detected at run time.
const AUTO_SCALE_PID: u16 = 0x0501;

/// Frequency limits of `prefix` (`input`/`output`): the published low/high, else nominal
/// ±5 %, else 45–65 Hz.
fn limits(context: &Context<'_>, prefix: &str) -> (f64, f64) {
    let low = context.number(&format!("{prefix}.frequency.low"));
    let high = context.number(&format!("{prefix}.frequency.high"));
    if let (Some(low), Some(high)) = (low, high) {
        return (low, high);
    }
    match context.number(&format!("{prefix}.frequency.nominal")) {
        Some(nominal) => (nominal * 0.95, nominal * 1.05),
        None => (45.0, 65.0),
    }
}

fn frequency(value: f64, context: &mut Context<'_>, output: bool) -> Option<String> {
    let chosen = if output {
        context.state.cps_output_freq
    } else {
        context.state.cps_input_freq
    };
    let scale = match chosen {
        Some(scale) => scale,
        None if context.product_id == AUTO_SCALE_PID => {
            let (low, high) = limits(context, if output { "output" } else { "input" });
            let fits = |v: f64| (low..=high).contains(&v);
            let found = if fits(value) {
                Some(1.0)
            } else if fits(value / 10.0) {
                Some(0.1)
            } else {
                None
            };
            if output {
                context.state.cps_output_freq = found;
            } else {
                context.state.cps_input_freq = found;
            }
            found.unwrap_or(1.0)
        }
        None => 1.0,
    };
    Some(format!("{:.1}", value * scale))
}

fn input_freq(value: f64, context: &mut Context<'_>) -> Option<String> {
    frequency(value, context, false)
}

fn output_freq(value: f64, context: &mut Context<'_>) -> Option<String> {
    frequency(value, context, true)
}

fn battvolt(value: f64, context: &mut Context<'_>) -> Option<String> {
    if context.state.cps_battery.is_none() && context.product_id == AUTO_SCALE_PID {
        let nominal = context.number("battery.voltage.nominal");
        if nominal.is_some_and(|nominal| nominal > 0.0 && value / nominal > 1.4) {
            context.state.cps_battery = Some(2.0 / 3.0);
        }
    }
    Some(format!(
        "{:.1}",
        value * context.state.cps_battery.unwrap_or(1.0)
    ))
}

fn battcharge(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.0}", value.min(100.0)))
}

fn battstatus(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{value:.0}%"))
}

/// The CyberPower functions.
pub const FUNCTIONS: &[Function] = &[
    Function::new("cps_input_freq_fun", input_freq),
    Function::new("cps_output_freq_fun", output_freq),
    Function::new("cps_battvolt_fun", battvolt),
    Function::new("cps_battcharge_fun", battcharge),
    Function::new("cps_battstatus_fun", battstatus),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, text_in};

    #[test]
    fn formats() {
        assert_eq!(text("cps_battcharge_fun", 120.0).as_deref(), Some("100"));
        assert_eq!(text("cps_battcharge_fun", 57.0).as_deref(), Some("57"));
        assert_eq!(text("cps_battstatus_fun", 80.0).as_deref(), Some("80%"));
    }

    #[test]
    fn frequency_scale_is_detected_once_on_0501() {
        let mut other = Scratch::device(0x0764, 0x0601);
        assert_eq!(
            text_in(&mut other, "cps_input_freq_fun", 500.0).as_deref(),
            Some("500.0")
        );
        let mut scratch = Scratch::device(0x0764, 0x0501);
        assert_eq!(
            text_in(&mut scratch, "cps_input_freq_fun", 500.0).as_deref(),
            Some("50.0")
        );
        assert_eq!(
            text_in(&mut scratch, "cps_input_freq_fun", 601.0).as_deref(),
            Some("60.1")
        );
        assert_eq!(
            text_in(&mut scratch, "cps_output_freq_fun", 50.0).as_deref(),
            Some("50.0")
        );
        let mut limited = Scratch::device(0x0764, 0x0501)
            .with("output.frequency.low", "55")
            .with("output.frequency.high", "65");
        assert_eq!(
            text_in(&mut limited, "cps_output_freq_fun", 600.0).as_deref(),
            Some("60.0")
        );
        let mut nominal = Scratch::device(0x0764, 0x0501).with("input.frequency.nominal", "50");
        assert_eq!(
            text_in(&mut nominal, "cps_input_freq_fun", 60.0).as_deref(),
            Some("60.0")
        );
    }

    #[test]
    fn battery_scale_is_detected_on_0501() {
        let mut scratch = Scratch::device(0x0764, 0x0501).with("battery.voltage.nominal", "24");
        assert_eq!(
            text_in(&mut scratch, "cps_battvolt_fun", 24.0).as_deref(),
            Some("24.0")
        );
        assert_eq!(
            text_in(&mut scratch, "cps_battvolt_fun", 39.0).as_deref(),
            Some("26.0")
        );
        assert_eq!(
            text_in(&mut scratch, "cps_battvolt_fun", 36.0).as_deref(),
            Some("24.0")
        );
        let mut other = Scratch::device(0x0764, 0x0601).with("battery.voltage.nominal", "24");
        assert_eq!(
            text_in(&mut other, "cps_battvolt_fun", 39.0).as_deref(),
            Some("39.0")
        );
    }
}
