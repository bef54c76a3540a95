//! `battery.charge` and `battery.runtime` guesses for UPSes that report neither, as NUT's Qx
//! driver makes them: charge from the battery voltage between a low and a high voltage
//! (guessed as 104/120 and 130/120 of the nominal voltage), the number of battery packs from
//! the nominal voltage, and with `runtimecal` a runtime model `runtime = est / load^exp`.

use super::settings::{QxSettings, RuntimeCal};

/// Pack multipliers tried, highest first (NUT's list).
const PACKS: [f64; 17] = [
    120.0, 100.0, 80.0, 60.0, 48.0, 36.0, 30.0, 24.0, 18.0, 12.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.0, 0.5,
];

/// The battery model of one connected UPS.
#[derive(Debug, Clone, PartialEq)]
pub struct BatteryModel {
    /// Multiplier from the reported battery voltage to the pack voltage.
    pub packs: f64,
    /// Voltage of an empty battery, when known or guessed.
    pub low: Option<f64>,
    /// Voltage of a full battery, when known or guessed.
    pub high: Option<f64>,
    /// Whether `low`/`high` were guessed (then the driver publishes them).
    pub guessed: bool,
    runtime: Option<RuntimeModel>,
}

#[derive(Debug, Clone, PartialEq)]
struct RuntimeModel {
    exponent: f64,
    nominal: f64,
    estimate: f64,
    chargetime: f64,
    idleload: f64,
}

/// Guesses the number of packs: the highest multiplier that puts the reported voltage within
/// 0.8–1.2 × nominal.
pub fn guess_packs(nominal: f64, reported: f64) -> Option<f64> {
    for packs in PACKS {
        if packs * reported > 1.2 * nominal {
            continue;
        }
        if packs * reported < 0.8 * nominal {
            return None;
        }
        return Some(packs);
    }
    None
}

fn runtime_model(cal: &RuntimeCal, settings: &QxSettings) -> RuntimeModel {
    let exponent = (cal.runtime_low / cal.runtime_high).ln() / (cal.load_high / cal.load_low).ln();
    let nominal = cal.runtime_high * (cal.load_high / 100.0).powf(exponent);
    RuntimeModel {
        exponent,
        nominal,
        estimate: nominal,
        chargetime: settings.chargetime,
        idleload: settings.idleload / 100.0,
    }
}

impl BatteryModel {
    /// Builds the model once the nominal battery voltage (from `F` or the configuration) and a
    /// first reported battery voltage are known. `guess_packs` guesses the number of packs when
    /// `battery.packs` is not configured (`blazer_ser` does; NUT 2.8.0's `nutdrv_qx` does not).
    pub fn new(
        settings: &QxSettings,
        nominal: Option<f64>,
        reported: Option<f64>,
        guess: bool,
    ) -> Self {
        let nominal = settings.battery_nominal.or(nominal);
        let (mut low, mut high, mut guessed) = (settings.battery_low, settings.battery_high, false);
        if let (Some(nominal), true) = (nominal, low.is_none() || high.is_none()) {
            low = Some(104.0 * nominal / 120.0);
            high = Some(130.0 * nominal / 120.0);
            guessed = true;
        }
        let packs = settings
            .battery_packs
            .or_else(|| guess.then(|| guess_packs(nominal?, reported?)).flatten())
            .unwrap_or(1.0);
        let mut model = BatteryModel {
            packs,
            low,
            high,
            guessed,
            runtime: settings.runtimecal.map(|cal| runtime_model(&cal, settings)),
        };
        if let (Some(runtime), Some(reported)) = (model.runtime.as_mut(), reported) {
            let charge = charge_between(reported * packs, low, high).unwrap_or(100.0);
            runtime.estimate = runtime.nominal * charge / 100.0;
        }
        model
    }

    /// The pack voltage for a reported battery voltage.
    pub fn pack_voltage(&self, reported: f64) -> f64 {
        reported * self.packs
    }

    /// Variables the driver publishes at start: guessed `battery.voltage.low`/`.high`.
    pub fn static_variables(&self) -> Vec<(&'static str, String)> {
        match (self.guessed, self.low, self.high) {
            (true, Some(low), Some(high)) => vec![
                ("battery.voltage.low", format!("{low:.2}")),
                ("battery.voltage.high", format!("{high:.2}")),
            ],
            _ => Vec::new(),
        }
    }

    /// `battery.charge` and `battery.runtime` for one poll: `pack_voltage` (V), `load` (%),
    /// whether on battery, and the seconds since the previous poll.
    pub fn update(
        &mut self,
        pack_voltage: f64,
        load: f64,
        on_battery: bool,
        elapsed: f64,
    ) -> Vec<(&'static str, String)> {
        let mut vars = Vec::new();
        let Some(runtime) = self.runtime.as_mut() else {
            if let Some(charge) = charge_between(pack_voltage, self.low, self.high) {
                vars.push(("battery.charge", format!("{charge:.0}")));
            }
            return vars;
        };
        let load = (load / 100.0).max(runtime.idleload);
        let efficiency = load.powf(runtime.exponent);
        if on_battery {
            runtime.estimate = (runtime.estimate - efficiency * elapsed).max(0.0);
        } else {
            runtime.estimate = (runtime.estimate + runtime.nominal * elapsed / runtime.chargetime)
                .min(runtime.nominal);
        }
        let charge = 100.0 * runtime.estimate / runtime.nominal;
        vars.push(("battery.charge", format!("{charge:.0}")));
        if efficiency > 0.0 {
            vars.push((
                "battery.runtime",
                format!("{:.0}", runtime.estimate / efficiency),
            ));
        }
        vars
    }
}

/// Charge (%) of `voltage` between `low` and `high`, clamped to 0–100.
fn charge_between(voltage: f64, low: Option<f64>, high: Option<f64>) -> Option<f64> {
    let (low, high) = (low?, high?);
    if low <= 0.0 || high <= low {
        return None;
    }
    Some((100.0 * (voltage - low) / (high - low)).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs() {
        assert_eq!(guess_packs(24.0, 22.7), Some(1.0));
        assert_eq!(guess_packs(24.0, 2.27), Some(12.0));
        assert_eq!(guess_packs(24.0, 13.7), Some(2.0));
        assert_eq!(guess_packs(240.0, 0.5), None);
    }

    #[test]
    fn charge_from_voltage() {
        let mut model = BatteryModel::new(&QxSettings::default(), Some(24.0), Some(22.7), true);
        assert_eq!(model.low, Some(20.8));
        assert_eq!(
            model.static_variables(),
            [
                ("battery.voltage.low", "20.80".to_owned()),
                ("battery.voltage.high", "26.00".to_owned())
            ]
        );
        assert_eq!(
            model.update(22.7, 14.0, false, 0.0),
            [("battery.charge", "37".to_owned())]
        );
        assert_eq!(
            model.update(30.0, 14.0, false, 0.0),
            [("battery.charge", "100".to_owned())]
        );
        let mut unknown = BatteryModel::new(&QxSettings::default(), None, Some(13.7), true);
        assert!(unknown.update(13.7, 10.0, false, 0.0).is_empty());
    }

    #[test]
    fn runtime_model() {
        let settings = QxSettings {
            runtimecal: Some(RuntimeCal {
                runtime_high: 8640.0,
                load_high: 100.0,
                runtime_low: 17280.0,
                load_low: 50.0,
            }),
            ..QxSettings::default()
        };
        // Full battery (voltage at high).
        let mut model = BatteryModel::new(&settings, Some(24.0), Some(26.0), false);
        let vars = model.update(26.0, 50.0, false, 0.0);
        assert_eq!(vars[0], ("battery.charge", "100".to_owned()));
        assert_eq!(vars[1], ("battery.runtime", "17280".to_owned()));
        // 864 s on battery at 50 % load uses 432 s of the 8640 s nominal: 95 %.
        let vars = model.update(26.0, 50.0, true, 864.0);
        assert_eq!(vars[0], ("battery.charge", "95".to_owned()));
        assert_eq!(vars[1], ("battery.runtime", "16416".to_owned()));
    }
}
