//! MGE conversions of `mge-hid.c` that depend on the model: dates and times as Unix seconds,
//! battery values published for some families only, Pegasus-only values, the nominal output
//! voltage family, and the model type itself (`data/mge-models.tsv`).
//!
//! NUT prints dates and times in the local time zone; we print them in UTC.

use super::{Context, Function};

const MODELS_TSV: &str = include_str!("../data/mge-models.tsv");

/// `MGE_DEFAULT`: the type NUT assumes until a model is recognised.
const MGE_DEFAULT: u16 = 0x200;
/// `MGE_DEFAULT_OFFLINE` family.
const OFFLINE: u16 = 0x000;
/// `MGE_PEGASUS` family.
const PEGASUS: u16 = 0x100;
/// `MGE_3S`.
const MGE_3S: u16 = 0x110;
/// `MGE_EVOLUTION_650`.
const EVOLUTION_650: u16 = 0x301;
/// Families that publish battery voltages: Evolution, Pulsar M, Eaton 5P, Eaton 9E.
const BATTERY_FAMILIES: [u16; 4] = [0x300, 0x400, 0x500, 0x900];

/// The MGE model type of a device whose product string is `product` and whose
/// `UPS.PowerSummary.iModel` string is `model` (`mge_type_value` of mge-models.tsv).
pub fn model_type(product: &str, model: &str) -> Option<u16> {
    MODELS_TSV.lines().skip(1).find_map(|line| {
        let mut cells = line.split('\t');
        let (i_product, i_model, _, value) =
            (cells.next()?, cells.next()?, cells.next()?, cells.next()?);
        (i_product == product.trim() && i_model == model.trim())
            .then(|| u16::from_str_radix(value.trim().trim_start_matches("0x"), 16).ok())
            .flatten()
    })
}

fn mge_type(context: &Context<'_>) -> u16 {
    context.state.mge_type.unwrap_or(MGE_DEFAULT)
}

/// Pegasus models, or 3S models outside Europe (country code 0).
fn pegasus(context: &Context<'_>) -> bool {
    match mge_type(context) {
        MGE_3S => context.state.country != Some(0),
        kind => kind & 0xff00 == PEGASUS,
    }
}

fn battery_family(context: &Context<'_>) -> bool {
    BATTERY_FAMILIES.contains(&(mge_type(context) & 0xff00))
}

fn battery_voltage_nominal(value: f64, context: &mut Context<'_>) -> Option<String> {
    if !battery_family(context) {
        return None;
    }
    let value = if mge_type(context) == EVOLUTION_650 {
        12.0
    } else {
        value
    };
    Some(format!("{value:.0}"))
}

fn battery_voltage(value: f64, context: &mut Context<'_>) -> Option<String> {
    battery_family(context).then(|| format!("{value:.1}"))
}

fn powerfactor(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.2}", value / 100.0))
}

fn battery_capacity(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.2}", value / 3600.0))
}

fn check_pegasus(value: f64, context: &mut Context<'_>) -> Option<String> {
    pegasus(context).then(|| format!("{value:.0}"))
}

fn yes_no(value: f64, context: &mut Context<'_>) -> Option<String> {
    pegasus(context).then(|| if value == 0.0 { "no" } else { "yes" }.to_owned())
}

fn yes_no_reverse(text: &str, context: &mut Context<'_>) -> Option<f64> {
    pegasus(context).then(|| if text.trim() == "yes" { 1.0 } else { 0.0 })
}

fn family(volts: i64) -> super::context::VoltageFamily {
    use super::context::VoltageFamily::{High, Low, Mid, Unknown};
    match volts {
        100 | 110 | 120 | 127 => Low,
        200 | 208 => Mid,
        220 | 230 | 240 => High,
        _ => Unknown,
    }
}

fn nominal_output_voltage(value: f64, context: &mut Context<'_>) -> Option<String> {
    use super::context::VoltageFamily::{High, Low, Mid, Unknown};
    let volts = value as i64;
    let fixed = *context.state.voltage_family.get_or_insert(family(volts));
    let online = mge_type(context) & 0xff00 != OFFLINE;
    let fits = match (fixed, family(volts)) {
        (Unknown, _) => true,
        (Low, Low) | (Mid, Mid) | (High, High) => true,
        (Mid, High) | (High, Mid) => online,
        _ => false,
    };
    fits.then(|| format!("{value:.0}"))
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn date(value: f64, _: &mut Context<'_>) -> Option<String> {
    let (year, month, day) = civil_from_days((value as i64).div_euclid(86_400));
    Some(format!("{year:04}/{month:02}/{day:02}"))
}

fn time(value: f64, _: &mut Context<'_>) -> Option<String> {
    let seconds = (value as i64).rem_euclid(86_400);
    Some(format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ))
}

/// Three numbers separated by `separator`.
fn triple(text: &str, separator: char) -> Option<(i64, i64, i64)> {
    let mut parts = text
        .trim()
        .split(separator)
        .map(|p| p.trim().parse::<i64>().ok());
    let triple = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(triple)
}

/// Unix seconds of `YYYY/MM/DD` and `HH:MM:SS`.
fn seconds(date: &str, time: &str) -> Option<f64> {
    let (year, month, day) = triple(date, '/')?;
    let (hour, minute, second) = triple(time, ':')?;
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    valid.then(|| {
        (days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) as f64
    })
}

fn date_reverse(text: &str, context: &mut Context<'_>) -> Option<f64> {
    seconds(text, context.text("ups.time")?)
}

fn time_reverse(text: &str, context: &mut Context<'_>) -> Option<f64> {
    seconds(context.text("ups.date")?, text)
}

/// The MGE model-dependent functions.
pub const FUNCTIONS: &[Function] = &[
    Function::new("mge_date_conversion_fun", date).reverse(date_reverse),
    Function::new("mge_time_conversion_fun", time).reverse(time_reverse),
    Function::new("mge_battery_voltage_nominal_fun", battery_voltage_nominal),
    Function::new("mge_battery_voltage_fun", battery_voltage),
    Function::new("mge_powerfactor_conversion_fun", powerfactor),
    Function::new("mge_battery_capacity_fun", battery_capacity),
    Function::new("eaton_check_pegasus_fun", check_pegasus),
    Function::new("pegasus_yes_no_info_fun", yes_no).reverse(yes_no_reverse),
    Function::new("nominal_output_voltage_fun", nominal_output_voltage),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, text_in, value_in};
    use super::model_type;

    fn of_type(kind: u16) -> Scratch {
        let mut scratch = Scratch::default();
        scratch.state.mge_type = Some(kind);
        scratch
    }

    #[test]
    fn models() {
        assert_eq!(model_type("Evolution", "650"), Some(0x301));
        assert_eq!(model_type("ELLIPSE", "300"), Some(0x000));
        assert_eq!(model_type("Protection Station", "500"), Some(0x100));
        assert_eq!(model_type("Evolution", "999"), None);
    }

    #[test]
    fn dates_and_times_both_ways() {
        // 2004-07-03 12:34:56 UTC.
        let when = 1_088_858_096.0;
        assert_eq!(
            text("mge_date_conversion_fun", when).as_deref(),
            Some("2004/07/03")
        );
        assert_eq!(
            text("mge_time_conversion_fun", when).as_deref(),
            Some("12:34:56")
        );
        assert_eq!(
            text("mge_date_conversion_fun", 0.0).as_deref(),
            Some("1970/01/01")
        );
        let mut scratch = Scratch::default().with("ups.time", "12:34:56");
        assert_eq!(
            value_in(&mut scratch, "mge_date_conversion_fun", "2004/07/03"),
            Some(when)
        );
        assert_eq!(
            value_in(&mut scratch, "mge_date_conversion_fun", "2004/13/03"),
            None
        );
        let mut scratch = Scratch::default().with("ups.date", "2004/07/03");
        assert_eq!(
            value_in(&mut scratch, "mge_time_conversion_fun", "12:34:56"),
            Some(when)
        );
        assert_eq!(
            value_in(
                &mut Scratch::default(),
                "mge_time_conversion_fun",
                "12:34:56"
            ),
            None
        );
    }

    #[test]
    fn model_dependent_battery_values() {
        assert_eq!(text("mge_battery_voltage_fun", 13.6), None, "MGE_DEFAULT");
        assert_eq!(
            text_in(&mut of_type(0x402), "mge_battery_voltage_fun", 13.6).as_deref(),
            Some("13.6")
        );
        assert_eq!(
            text_in(&mut of_type(0x901), "mge_battery_voltage_nominal_fun", 48.0).as_deref(),
            Some("48")
        );
        assert_eq!(
            text_in(&mut of_type(0x301), "mge_battery_voltage_nominal_fun", 24.0).as_deref(),
            Some("12")
        );
        assert_eq!(
            text_in(&mut of_type(0x100), "mge_battery_voltage_nominal_fun", 24.0),
            None
        );
        assert_eq!(
            text("mge_powerfactor_conversion_fun", 80.0).as_deref(),
            Some("0.80")
        );
        assert_eq!(
            text("mge_battery_capacity_fun", 25_200.0).as_deref(),
            Some("7.00")
        );
    }

    #[test]
    fn pegasus_only_values() {
        let mut pegasus = of_type(0x100);
        assert_eq!(
            text_in(&mut pegasus, "eaton_check_pegasus_fun", 80.4).as_deref(),
            Some("80")
        );
        assert_eq!(
            text_in(&mut pegasus, "pegasus_yes_no_info_fun", 0.0).as_deref(),
            Some("no")
        );
        assert_eq!(
            text_in(&mut pegasus, "pegasus_yes_no_info_fun", 2.0).as_deref(),
            Some("yes")
        );
        assert_eq!(
            value_in(&mut pegasus, "pegasus_yes_no_info_fun", "yes"),
            Some(1.0)
        );
        assert_eq!(
            value_in(&mut pegasus, "pegasus_yes_no_info_fun", "maybe"),
            Some(0.0)
        );
        assert_eq!(text("eaton_check_pegasus_fun", 80.0), None);
        assert_eq!(
            value_in(&mut Scratch::default(), "pegasus_yes_no_info_fun", "yes"),
            None
        );
        let mut us_3s = of_type(0x110);
        us_3s.state.country = Some(1);
        assert_eq!(
            text_in(&mut us_3s, "eaton_check_pegasus_fun", 5.0).as_deref(),
            Some("5")
        );
        us_3s.state.country = Some(0);
        assert_eq!(text_in(&mut us_3s, "eaton_check_pegasus_fun", 5.0), None);
    }

    #[test]
    fn nominal_voltage_family() {
        let mut high = Scratch::default();
        let nominal = |s: &mut Scratch, v| text_in(s, "nominal_output_voltage_fun", v);
        assert_eq!(nominal(&mut high, 230.0).as_deref(), Some("230"));
        assert_eq!(
            nominal(&mut high, 208.0).as_deref(),
            Some("208"),
            "on-line model"
        );
        assert_eq!(nominal(&mut high, 120.0), None);
        let mut offline = of_type(0x000);
        assert_eq!(nominal(&mut offline, 230.0).as_deref(), Some("230"));
        assert_eq!(nominal(&mut offline, 208.0), None);
        let mut low = Scratch::default();
        assert_eq!(nominal(&mut low, 120.0).as_deref(), Some("120"));
        assert_eq!(nominal(&mut low, 127.0).as_deref(), Some("127"));
        assert_eq!(nominal(&mut low, 230.0), None);
        let mut odd = Scratch::default();
        assert_eq!(nominal(&mut odd, 115.0).as_deref(), Some("115"));
        assert_eq!(nominal(&mut odd, 230.0).as_deref(), Some("230"));
    }
}
