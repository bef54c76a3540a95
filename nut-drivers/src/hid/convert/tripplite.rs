//! TrippLite conversions (`tripplite-hid.c`): voltages, frequencies and currents scaled per
//! product by NUT's device callbacks (the `device_callback` column of subdrivers.tsv), and the
//! battery chemistry some units cannot report.

use super::{Context, Function, scaled};
use crate::hid::tables::Tables;

/// Scales `(battery voltage, I/O voltage, I/O frequency, I/O current)` of `product_id`.
fn scales(product_id: u16) -> (f64, f64, f64, f64) {
    let callback = Tables::get()
        .subdriver("tripplite")
        .and_then(|s| s.devices.iter().find(|d| d.product_id == Some(product_id)))
        .and_then(|d| d.callback);
    match callback {
        Some("battery_scale_0dot1") => (0.1, 1.0, 1.0, 1.0),
        Some("smart1500lcdt_scale") => (100_000.0, 100_000.0, 0.01, 0.01),
        _ => (1.0, 1.0, 1.0, 1.0),
    }
}

scaled! {
    battvolt: |context| scales(context.product_id).0, 1;
    iovolt: |context| scales(context.product_id).1, 1;
    iofreq: |context| scales(context.product_id).2, 1;
    ioamp: |context| scales(context.product_id).3, 1;
}

/// `unknown` on the products that report no chemistry string; `None` elsewhere (the driver
/// then fetches the string descriptor the value names).
pub(crate) fn chemistry(context: &Context<'_>) -> Option<String> {
    matches!(context.product_id, 0x1003 | 0x2005).then(|| "unknown".to_owned())
}

/// The TrippLite functions (`tripplite_chemistry_fun` is [`super::Conversion::TrippliteChemistry`]).
pub const FUNCTIONS: &[Function] = &[
    Function::new("tripplite_battvolt_fun", battvolt),
    Function::new("tripplite_iovolt_fun", iovolt),
    Function::new("tripplite_iofreq_fun", iofreq),
    Function::new("tripplite_ioamp_fun", ioamp),
];

#[cfg(test)]
mod tests {
    use super::super::testing::{named, text_in};
    use super::super::{Conversion, Scratch};

    #[test]
    fn scales_follow_the_device_table() {
        let mut avr = Scratch::device(0x09ae, 0x1007);
        assert_eq!(
            text_in(&mut avr, "tripplite_battvolt_fun", 136.0).as_deref(),
            Some("13.6")
        );
        assert_eq!(
            text_in(&mut avr, "tripplite_iovolt_fun", 120.0).as_deref(),
            Some("120.0")
        );
        let mut smart = Scratch::device(0x09ae, 0x3012);
        assert_eq!(
            text_in(&mut smart, "tripplite_battvolt_fun", 27.0).as_deref(),
            Some("27.0")
        );
        let mut lcdt = Scratch::device(0x09ae, 0x3016);
        assert_eq!(
            text_in(&mut lcdt, "tripplite_iovolt_fun", 0.0012).as_deref(),
            Some("120.0")
        );
        assert_eq!(
            text_in(&mut lcdt, "tripplite_iofreq_fun", 6000.0).as_deref(),
            Some("60.0")
        );
        assert_eq!(
            text_in(&mut lcdt, "tripplite_ioamp_fun", 150.0).as_deref(),
            Some("1.5")
        );
        let mut unknown = Scratch::device(0x09ae, 0x9999);
        assert_eq!(
            text_in(&mut unknown, "tripplite_iofreq_fun", 50.0).as_deref(),
            Some("50.0")
        );
    }

    #[test]
    fn chemistry() {
        assert_eq!(
            named("tripplite_chemistry_fun"),
            Conversion::TrippliteChemistry
        );
        let mut omni = Scratch::device(0x09ae, 0x2005);
        assert_eq!(
            text_in(&mut omni, "tripplite_chemistry_fun", 4.0).as_deref(),
            Some("unknown")
        );
        let mut smart = Scratch::device(0x09ae, 0x3012);
        assert_eq!(text_in(&mut smart, "tripplite_chemistry_fun", 4.0), None);
    }
}
