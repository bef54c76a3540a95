//! Eaton conversions of `mge-hid.c` that depend on other values: Advanced Battery Monitoring
//! (ABM), ECO/ESS and bypass modes checked against their ranges, country code, computed real
//! power and the converter's on-line flag.
//!
//! NUT's side effects that write to the device (forcing `input.eco.switchable` back to normal or
//! `input.bypass.switch.off` to off when a range check fails) are not reproduced: the
//! conversion only publishes nothing.

use super::context::AbmPath;
use super::{Context, Function, token};

fn abm_enabled(value: f64, context: &mut Context<'_>) -> Option<String> {
    context.state.abm_enabled = match value as i64 {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    };
    None
}

fn choose_path(context: &mut Context<'_>, path: AbmPath) -> Option<String> {
    if context.state.abm_enabled == Some(true) && context.state.abm_path.is_none() {
        context.state.abm_path = Some(path);
    }
    None
}

fn abm_path_mode(_: f64, context: &mut Context<'_>) -> Option<String> {
    choose_path(context, AbmPath::Mode)
}

fn abm_path_status(_: f64, context: &mut Context<'_>) -> Option<String> {
    choose_path(context, AbmPath::Status)
}

/// The ABM path, when ABM is enabled.
fn abm(context: &Context<'_>) -> Option<AbmPath> {
    (context.state.abm_enabled == Some(true))
        .then_some(context.state.abm_path)
        .flatten()
}

fn abm_status(value: f64, context: &mut Context<'_>) -> Option<String> {
    let name = match (abm(context)?, value as i64) {
        (_, 1) => "charging",
        (AbmPath::Status, 2) | (AbmPath::Mode, 3) => "floating",
        (AbmPath::Status, 3) | (AbmPath::Mode, 4) => "resting",
        (AbmPath::Status, 4) | (AbmPath::Mode, 2) => "discharging",
        (_, 6) => "off",
        _ => return None,
    };
    Some(name.to_owned())
}

fn abm_chrg_dischrg(value: f64, context: &mut Context<'_>) -> Option<String> {
    let name = match (abm(context)?, value as i64) {
        (AbmPath::Status, 1 | 2) | (AbmPath::Mode, 1 | 3) => "chrg",
        (AbmPath::Status, 4) | (AbmPath::Mode, 2) => "dischrg",
        _ => return None,
    };
    Some(name.to_owned())
}

fn check_dischrg(value: f64, context: &mut Context<'_>) -> Option<String> {
    let enabled = context.state.abm_enabled == Some(true);
    token(!enabled && value as i64 == 1, "dischrg")
}

fn check_chrg(value: f64, context: &mut Context<'_>) -> Option<String> {
    let enabled = context.state.abm_enabled == Some(true);
    let full = context.number("battery.charge").is_some_and(|c| c >= 100.0);
    token(!enabled && value as i64 == 1 && !full, "chrg")
}

fn country(value: f64, context: &mut Context<'_>) -> Option<String> {
    context.state.country = Some(value as i64);
    None
}

fn realpower(_: f64, context: &mut Context<'_>) -> Option<String> {
    let load = context.number("ups.load")?;
    let nominal = context.number("ups.power.nominal")?;
    let factor = context.number("output.powerfactor").unwrap_or(0.8);
    Some(format!("{:.0}", (load * 0.01 * nominal * factor).round()))
}

fn converter_online(value: f64, context: &mut Context<'_>) -> Option<String> {
    if context.status.has("off") {
        return None;
    }
    token(value != 0.0, "online")
}

/// Whether the bypass voltage and frequency lie within the ranges of a mode: the published
/// `low`/`high` voltage limits (else nominal × `default_low`/`default_high`) and the published
/// frequency range in % (else `default_range`), around `output.*.nominal`.
fn bypass_in_range(
    context: &Context<'_>,
    (low, high): (&str, &str),
    (default_low, default_high): (f64, f64),
    (range, default_range): (&str, f64),
) -> bool {
    let check = || {
        let voltage = context.number("input.bypass.voltage")?;
        let frequency = context.number("input.bypass.frequency")?;
        let nominal = context.number("output.voltage.nominal");
        let low = context.number(low).or(nominal.map(|n| n * default_low))?;
        let high = context.number(high).or(nominal.map(|n| n * default_high))?;
        let nominal_frequency = context.number("output.frequency.nominal")?;
        let range = context.number(range).unwrap_or(default_range) / 100.0 * nominal_frequency;
        Some(
            (low..=high).contains(&voltage)
                && (nominal_frequency - range..=nominal_frequency + range).contains(&frequency),
        )
    };
    check().unwrap_or(false)
}

fn eco_mode(value: f64, context: &mut Context<'_>) -> Option<String> {
    let (name, eco, ess) = match value as i64 {
        0 => ("normal", false, false),
        1 => {
            let fits = bypass_in_range(
                context,
                ("input.transfer.eco.low", "input.transfer.eco.high"),
                (0.95, 1.05),
                ("input.transfer.frequency.eco.range", 5.0),
            );
            if !fits {
                return None;
            }
            ("ECO", true, false)
        }
        2 => ("ESS", false, true),
        _ => return None,
    };
    context
        .status
        .apply(if eco { "ecomode" } else { "!ecomode" });
    context
        .status
        .apply(if ess { "essmode" } else { "!essmode" });
    Some(name.to_owned())
}

fn eco_mode_reverse(text: &str, _: &mut Context<'_>) -> Option<f64> {
    let text = text.trim();
    match text.strip_prefix("vendor:mge-hid:").unwrap_or(text) {
        "normal" => Some(0.0),
        "ECO" => Some(1.0),
        "ESS" => Some(2.0),
        _ => None,
    }
}

fn bypass_on(value: f64, context: &mut Context<'_>) -> Option<String> {
    match value as i64 {
        0 => Some("disabled".to_owned()),
        1 => bypass_in_range(
            context,
            ("input.transfer.bypass.low", "input.transfer.bypass.high"),
            (0.8, 1.15),
            ("input.transfer.frequency.bypass.range", 10.0),
        )
        .then(|| "on".to_owned()),
        _ => None,
    }
}

/// The Eaton functions of `mge-hid.c` that depend on other values.
pub const FUNCTIONS: &[Function] = &[
    Function::new("eaton_abm_enabled_fun", abm_enabled),
    Function::new("eaton_abm_path_mode_fun", abm_path_mode),
    Function::new("eaton_abm_path_status_fun", abm_path_status),
    Function::new("eaton_abm_status_fun", abm_status),
    Function::new("eaton_abm_chrg_dischrg_fun", abm_chrg_dischrg),
    Function::new("eaton_abm_check_dischrg_fun", check_dischrg),
    Function::new("eaton_abm_check_chrg_fun", check_chrg),
    Function::new("eaton_check_country_fun", country),
    Function::new("eaton_compute_realpower_fun", realpower),
    Function::new("eaton_converter_online_fun", converter_online),
    Function::new("eaton_input_buzzwordmode_report", eco_mode).reverse(eco_mode_reverse),
    Function::new("eaton_input_bypass_check_range", bypass_on),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, text_in, value_in};

    #[test]
    fn abm_without_abm() {
        let mut scratch = Scratch::default();
        assert_eq!(text_in(&mut scratch, "eaton_abm_enabled_fun", 0.0), None);
        assert_eq!(text_in(&mut scratch, "eaton_abm_status_fun", 1.0), None);
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_chrg_dischrg_fun", 1.0),
            None
        );
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_check_dischrg_fun", 1.0).as_deref(),
            Some("dischrg")
        );
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_check_chrg_fun", 1.0).as_deref(),
            Some("chrg")
        );
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_check_chrg_fun", 0.0).as_deref(),
            Some("!chrg")
        );
        let mut full = Scratch::default().with("battery.charge", "100");
        assert_eq!(
            text_in(&mut full, "eaton_abm_check_chrg_fun", 1.0).as_deref(),
            Some("!chrg")
        );
    }

    #[test]
    fn abm_status_path() {
        let mut scratch = Scratch::default();
        assert_eq!(text_in(&mut scratch, "eaton_abm_enabled_fun", 1.0), None);
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_path_status_fun", 2.0),
            None
        );
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_path_mode_fun", 2.0),
            None,
            "first path wins"
        );
        let status = |s: &mut Scratch, v| text_in(s, "eaton_abm_status_fun", v);
        assert_eq!(status(&mut scratch, 1.0).as_deref(), Some("charging"));
        assert_eq!(status(&mut scratch, 2.0).as_deref(), Some("floating"));
        assert_eq!(status(&mut scratch, 3.0).as_deref(), Some("resting"));
        assert_eq!(status(&mut scratch, 4.0).as_deref(), Some("discharging"));
        assert_eq!(status(&mut scratch, 5.0), None);
        assert_eq!(status(&mut scratch, 6.0).as_deref(), Some("off"));
        let tokens = |s: &mut Scratch, v| text_in(s, "eaton_abm_chrg_dischrg_fun", v);
        assert_eq!(tokens(&mut scratch, 2.0).as_deref(), Some("chrg"));
        assert_eq!(tokens(&mut scratch, 4.0).as_deref(), Some("dischrg"));
        assert_eq!(tokens(&mut scratch, 3.0), None);
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_check_dischrg_fun", 1.0).as_deref(),
            Some("!dischrg")
        );
        assert_eq!(
            text_in(&mut scratch, "eaton_abm_check_chrg_fun", 1.0).as_deref(),
            Some("!chrg")
        );
    }

    #[test]
    fn abm_mode_path() {
        let mut scratch = Scratch::default();
        text_in(&mut scratch, "eaton_abm_enabled_fun", 1.0);
        text_in(&mut scratch, "eaton_abm_path_mode_fun", 1.0);
        let status = |s: &mut Scratch, v| text_in(s, "eaton_abm_status_fun", v);
        assert_eq!(status(&mut scratch, 2.0).as_deref(), Some("discharging"));
        assert_eq!(status(&mut scratch, 3.0).as_deref(), Some("floating"));
        assert_eq!(status(&mut scratch, 4.0).as_deref(), Some("resting"));
        let tokens = |s: &mut Scratch, v| text_in(s, "eaton_abm_chrg_dischrg_fun", v);
        assert_eq!(tokens(&mut scratch, 3.0).as_deref(), Some("chrg"));
        assert_eq!(tokens(&mut scratch, 2.0).as_deref(), Some("dischrg"));
    }

    #[test]
    fn country_realpower_converter() {
        let mut scratch = Scratch::default();
        assert_eq!(text_in(&mut scratch, "eaton_check_country_fun", 1.0), None);
        assert_eq!(scratch.state.country, Some(1));
        assert_eq!(text("eaton_compute_realpower_fun", 0.0), None);
        let mut loaded = Scratch::default()
            .with("ups.load", "50")
            .with("ups.power.nominal", "1000");
        assert_eq!(
            text_in(&mut loaded, "eaton_compute_realpower_fun", 7.0).as_deref(),
            Some("400")
        );
        let mut pf = loaded.with("output.powerfactor", "0.9");
        assert_eq!(
            text_in(&mut pf, "eaton_compute_realpower_fun", 7.0).as_deref(),
            Some("450")
        );
        let mut scratch = Scratch::default();
        assert_eq!(
            text_in(&mut scratch, "eaton_converter_online_fun", 1.0).as_deref(),
            Some("online")
        );
        assert_eq!(
            text_in(&mut scratch, "eaton_converter_online_fun", 0.0).as_deref(),
            Some("!online")
        );
        scratch.status.apply("off");
        assert_eq!(
            text_in(&mut scratch, "eaton_converter_online_fun", 1.0),
            None
        );
    }

    fn bypass(voltage: &str, frequency: &str) -> Scratch {
        Scratch::default()
            .with("output.voltage.nominal", "230")
            .with("output.frequency.nominal", "50")
            .with("input.bypass.voltage", voltage)
            .with("input.bypass.frequency", frequency)
    }

    #[test]
    fn eco_mode_both_ways() {
        let mut good = bypass("235", "50.5");
        assert_eq!(
            text_in(&mut good, "eaton_input_buzzwordmode_report", 1.0).as_deref(),
            Some("ECO")
        );
        assert!(good.status.has("ecomode"));
        assert_eq!(
            text_in(&mut good, "eaton_input_buzzwordmode_report", 2.0).as_deref(),
            Some("ESS")
        );
        assert!(good.status.has("essmode") && !good.status.has("ecomode"));
        assert_eq!(
            text_in(&mut good, "eaton_input_buzzwordmode_report", 0.0).as_deref(),
            Some("normal")
        );
        assert!(!good.status.has("essmode"));
        let mut far = bypass("250", "50");
        assert_eq!(
            text_in(&mut far, "eaton_input_buzzwordmode_report", 1.0),
            None
        );
        let mut narrow = bypass("250", "50").with("input.transfer.eco.high", "260");
        assert_eq!(
            text_in(&mut narrow, "eaton_input_buzzwordmode_report", 1.0).as_deref(),
            Some("ECO")
        );
        let mut off_freq = bypass("230", "53");
        assert_eq!(
            text_in(&mut off_freq, "eaton_input_buzzwordmode_report", 1.0),
            None
        );
        let reverse = |t| {
            value_in(
                &mut Scratch::default(),
                "eaton_input_buzzwordmode_report",
                t,
            )
        };
        assert_eq!(reverse("normal"), Some(0.0));
        assert_eq!(reverse("ECO"), Some(1.0));
        assert_eq!(reverse("vendor:mge-hid:ESS"), Some(2.0));
        assert_eq!(reverse("eco"), None);
    }

    #[test]
    fn bypass_range() {
        assert_eq!(
            text("eaton_input_bypass_check_range", 0.0).as_deref(),
            Some("disabled")
        );
        assert_eq!(text("eaton_input_bypass_check_range", 1.0), None);
        let mut good = bypass("200", "54");
        assert_eq!(
            text_in(&mut good, "eaton_input_bypass_check_range", 1.0).as_deref(),
            Some("on")
        );
        let mut low = bypass("180", "50");
        assert_eq!(
            text_in(&mut low, "eaton_input_bypass_check_range", 1.0),
            None
        );
        let mut wide = bypass("180", "50").with("input.transfer.bypass.low", "170");
        assert_eq!(
            text_in(&mut wide, "eaton_input_bypass_check_range", 1.0).as_deref(),
            Some("on")
        );
    }
}
