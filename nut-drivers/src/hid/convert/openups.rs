//! openUPS conversions (`openups-hid.c`): status flags, the per-PID scales of voltages and
//! currents, and the battery thermistor table (`data/openups-thermistor.tsv`).

use super::{Context, Function, nonzero_tokens, scaled, token};

const THERMISTOR_TSV: &str = include_str!("../data/openups-thermistor.tsv");

/// Scales `(vin, vout, charge current, discharge current)` set by NUT's device callback.
fn scales(product_id: u16) -> (f64, f64, f64, f64) {
    match product_id {
        0xd004 => (3.545, 2.571, 0.08274, 1.6113),
        0xd005 => (0.1, 0.1, 0.1, 0.1),
        _ => (1.0, 1.0, 1.0, 1.0),
    }
}

scaled! {
    vin: |context| scales(context.product_id).0, 2;
    vout: |context| scales(context.product_id).1, 2;
    ccharge: |context| scales(context.product_id).2, 3;
    cdischarge: |context| scales(context.product_id).3, 3;
}

/// The thermistor thresholds (raw × 100), one per 5 °C from −40 °C.
fn thermistor() -> Vec<f64> {
    THERMISTOR_TSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').nth(1)?.trim().parse().ok())
        .collect()
}

fn temperature(value: f64, _: &mut Context<'_>) -> Option<String> {
    let table = thermistor();
    let (first, last) = (*table.first()?, *table.last()?);
    // As NUT, truncated to an integer (the epsilon keeps 2.97 × 100 at 297).
    let raw = (value * 100.0 + 1e-9).trunc();
    if raw <= first {
        return Some("-40".to_owned());
    }
    if raw >= last {
        return Some("125".to_owned());
    }
    let index = table.iter().rposition(|threshold| raw >= *threshold)?;
    let (low, high) = (table[index], *table.get(index + 1)?);
    let base = index as f64 * 5.0 - 40.0;
    if raw == low {
        return Some(format!("{base:.0}"));
    }
    Some(format!("{:.2}", base + (raw - low) * 5.0 / (high - low)))
}

nonzero_tokens! {
    charging => "chrg";
    discharging => "dischrg";
    online => "online";
}

fn off(value: f64, _: &mut Context<'_>) -> Option<String> {
    token(value == 0.0, "off")
}

/// The openUPS functions.
pub const FUNCTIONS: &[Function] = &[
    Function::new("openups_charging_fun", charging),
    Function::new("openups_discharging_fun", discharging),
    Function::new("openups_online_fun", online),
    Function::new("openups_off_fun", off),
    Function::new("openups_scale_vin_fun", vin),
    Function::new("openups_scale_vout_fun", vout),
    Function::new("openups_scale_ccharge_fun", ccharge),
    Function::new("openups_scale_cdischarge_fun", cdischarge),
    Function::new("openups_temperature_fun", temperature),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{text, text_in};

    #[test]
    fn flags() {
        assert_eq!(text("openups_charging_fun", 1.0).as_deref(), Some("chrg"));
        assert_eq!(
            text("openups_discharging_fun", 0.0).as_deref(),
            Some("!dischrg")
        );
        assert_eq!(text("openups_online_fun", 1.0).as_deref(), Some("online"));
        assert_eq!(text("openups_off_fun", 1.0).as_deref(), Some("!off"));
        assert_eq!(text("openups_off_fun", 0.0).as_deref(), Some("off"));
    }

    #[test]
    fn scales_per_product() {
        let mut d004 = Scratch::device(0x04d8, 0xd004);
        assert_eq!(
            text_in(&mut d004, "openups_scale_vin_fun", 100.0).as_deref(),
            Some("354.50")
        );
        assert_eq!(
            text_in(&mut d004, "openups_scale_vout_fun", 100.0).as_deref(),
            Some("257.10")
        );
        assert_eq!(
            text_in(&mut d004, "openups_scale_ccharge_fun", 100.0).as_deref(),
            Some("8.274")
        );
        assert_eq!(
            text_in(&mut d004, "openups_scale_cdischarge_fun", 10.0).as_deref(),
            Some("16.113")
        );
        let mut d005 = Scratch::device(0x04d8, 0xd005);
        assert_eq!(
            text_in(&mut d005, "openups_scale_vin_fun", 120.0).as_deref(),
            Some("12.00")
        );
        assert_eq!(
            text_in(&mut d005, "openups_scale_cdischarge_fun", 15.0).as_deref(),
            Some("1.500")
        );
    }

    #[test]
    fn thermistor() {
        assert_eq!(text("openups_temperature_fun", 0.2).as_deref(), Some("-40"));
        assert_eq!(
            text("openups_temperature_fun", 10.0).as_deref(),
            Some("125")
        );
        // Exactly the 0 °C threshold (275), then halfway between 0 °C and 5 °C.
        assert_eq!(text("openups_temperature_fun", 2.75).as_deref(), Some("0"));
        let table = super::thermistor();
        assert_eq!(table.len(), 34);
        let halfway = (table[8] + table[9]) / 2.0 / 100.0; // 2.97
        assert_eq!(
            text("openups_temperature_fun", halfway).as_deref(),
            Some("2.50")
        );
    }
}
