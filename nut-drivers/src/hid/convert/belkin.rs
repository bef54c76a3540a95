//! Belkin and Liebert conversions (`belkin-hid.c`): status words split into status tokens,
//! firmware and UPS type, and Liebert's voltages with their broken unit exponents.

use super::{Context, Function, bit_tokens, nonzero_tokens, token};

fn firmware(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{}", (value as i64) >> 4))
}

fn ups_type(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(
        match (value as i64) & 0x0f {
            1 => "offline",
            2 => "line-interactive",
            3 => "simple online",
            4 => "simple offline",
            5 => "simple line-interactive",
            _ => "online",
        }
        .to_owned(),
    )
}

fn sensitivity(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(
        match value as i64 {
            1 => "reduced",
            2 => "low",
            _ => "normal",
        }
        .to_owned(),
    )
}

/// Whether `value` is within 1 % of `target` (NUT's exception values).
fn near(value: f64, target: f64) -> bool {
    (value - target).abs() < target * 0.01
}

fn config_voltage(value: f64, context: &mut Context<'_>) -> Option<String> {
    if value < 1.0 && near(value, 1e-7) {
        context.state.liebert = Some((1e8, 1e7));
    }
    let (config, _) = context.state.liebert.unwrap_or((1.0, 1.0));
    Some(format!("{:.1}", value * config))
}

fn line_voltage(value: f64, context: &mut Context<'_>) -> Option<String> {
    let (config, line) = context.state.liebert.unwrap_or((1.0, 1.0));
    let line = if value < 1.0 && near(value, 1e-5) {
        1e7
    } else if value < 1.0 && near(value, 1e-3) {
        1e5
    } else {
        line
    };
    context.state.liebert = Some((config, line));
    Some(format!("{:.1}", value * line))
}

bit_tokens! {
    overload: 0x0010 => "overload";
    overheat: 0x0040 => "overheat";
    commfault: 0x0080 => "commfault";
    awaitingpower: 0x2000 => "awaitingpower";
    lowbatt: 0x0004 => "lowbatt";
    depleted: 0x0040 => "depleted";
    replacebatt: 0x0080 => "replacebatt";
}

nonzero_tokens! {
    liebert_online => "online";
    liebert_discharging => "dischrg";
    liebert_charging => "chrg";
    liebert_lowbatt => "lowbatt";
    liebert_replacebatt => "replacebatt";
    liebert_shutdownimm => "shutdownimm";
}

/// Bit 0x0001 set means on battery.
fn online(value: f64, _: &mut Context<'_>) -> Option<String> {
    token((value as i64) & 0x0001 == 0, "online")
}

/// The Belkin and Liebert functions.
pub const FUNCTIONS: &[Function] = &[
    Function::new("belkin_firmware_conversion_fun", firmware),
    Function::new("belkin_upstype_conversion_fun", ups_type),
    Function::new("belkin_sensitivity_conversion_fun", sensitivity),
    Function::new("belkin_overload_conversion_fun", overload),
    Function::new("belkin_overheat_conversion_fun", overheat),
    Function::new("belkin_commfault_conversion_fun", commfault),
    Function::new("belkin_awaitingpower_conversion_fun", awaitingpower),
    Function::new("belkin_online_conversion_fun", online),
    Function::new("belkin_lowbatt_conversion_fun", lowbatt),
    Function::new("belkin_depleted_conversion_fun", depleted),
    Function::new("belkin_replacebatt_conversion_fun", replacebatt),
    Function::new("liebert_online_fun", liebert_online),
    Function::new("liebert_discharging_fun", liebert_discharging),
    Function::new("liebert_charging_fun", liebert_charging),
    Function::new("liebert_lowbatt_fun", liebert_lowbatt),
    Function::new("liebert_replacebatt_fun", liebert_replacebatt),
    Function::new("liebert_shutdownimm_fun", liebert_shutdownimm),
    Function::new("liebert_config_voltage_fun", config_voltage),
    Function::new("liebert_line_voltage_fun", line_voltage),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, text_in};

    #[test]
    fn belkin_words() {
        assert_eq!(
            text("belkin_firmware_conversion_fun", 0x52 as f64).as_deref(),
            Some("5")
        );
        assert_eq!(
            text("belkin_upstype_conversion_fun", 0x12 as f64).as_deref(),
            Some("line-interactive")
        );
        assert_eq!(
            text("belkin_upstype_conversion_fun", 0.0).as_deref(),
            Some("online")
        );
        assert_eq!(
            text("belkin_sensitivity_conversion_fun", 1.0).as_deref(),
            Some("reduced")
        );
        assert_eq!(
            text("belkin_sensitivity_conversion_fun", 2.0).as_deref(),
            Some("low")
        );
        assert_eq!(
            text("belkin_sensitivity_conversion_fun", 7.0).as_deref(),
            Some("normal")
        );
        assert_eq!(
            text("belkin_overload_conversion_fun", 0x10 as f64).as_deref(),
            Some("overload")
        );
        assert_eq!(
            text("belkin_overheat_conversion_fun", 0x10 as f64).as_deref(),
            Some("!overheat")
        );
        assert_eq!(
            text("belkin_commfault_conversion_fun", 0x80 as f64).as_deref(),
            Some("commfault")
        );
        assert_eq!(
            text("belkin_awaitingpower_conversion_fun", 0x2000 as f64).as_deref(),
            Some("awaitingpower")
        );
        assert_eq!(
            text("belkin_online_conversion_fun", 1.0).as_deref(),
            Some("!online")
        );
        assert_eq!(
            text("belkin_online_conversion_fun", 0.0).as_deref(),
            Some("online")
        );
        assert_eq!(
            text("belkin_lowbatt_conversion_fun", 4.0).as_deref(),
            Some("lowbatt")
        );
        assert_eq!(
            text("belkin_depleted_conversion_fun", 0x40 as f64).as_deref(),
            Some("depleted")
        );
        assert_eq!(
            text("belkin_replacebatt_conversion_fun", 0x40 as f64).as_deref(),
            Some("!replacebatt")
        );
    }

    #[test]
    fn liebert_flags_and_voltages() {
        assert_eq!(text("liebert_online_fun", 1.0).as_deref(), Some("online"));
        assert_eq!(
            text("liebert_discharging_fun", 0.0).as_deref(),
            Some("!dischrg")
        );
        assert_eq!(text("liebert_charging_fun", 3.0).as_deref(), Some("chrg"));
        assert_eq!(
            text("liebert_lowbatt_fun", 0.0).as_deref(),
            Some("!lowbatt")
        );
        assert_eq!(
            text("liebert_replacebatt_fun", 1.0).as_deref(),
            Some("replacebatt")
        );
        assert_eq!(
            text("liebert_shutdownimm_fun", 1.0).as_deref(),
            Some("shutdownimm")
        );
        let mut scratch = Scratch::default();
        assert_eq!(
            text_in(&mut scratch, "liebert_line_voltage_fun", 230.0).as_deref(),
            Some("230.0")
        );
        assert_eq!(
            text_in(&mut scratch, "liebert_config_voltage_fun", 12.0).as_deref(),
            Some("12.0")
        );
        // A broken exponent switches both multipliers, which then stay.
        assert_eq!(
            text_in(&mut scratch, "liebert_config_voltage_fun", 1e-7).as_deref(),
            Some("10.0")
        );
        assert_eq!(
            text_in(&mut scratch, "liebert_line_voltage_fun", 2.3e-5).as_deref(),
            Some("230.0")
        );
        let mut scratch = Scratch::default();
        assert_eq!(
            text_in(&mut scratch, "liebert_line_voltage_fun", 1e-3).as_deref(),
            Some("100.0")
        );
        assert_eq!(
            text_in(&mut scratch, "liebert_line_voltage_fun", 1.2e-3).as_deref(),
            Some("120.0")
        );
        let mut scratch = Scratch::default();
        assert_eq!(
            text_in(&mut scratch, "liebert_line_voltage_fun", 1e-5).as_deref(),
            Some("100.0")
        );
        assert_eq!(
            text_in(&mut scratch, "liebert_config_voltage_fun", 0.5).as_deref(),
            Some("0.5")
        );
    }
}
