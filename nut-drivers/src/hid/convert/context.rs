//! What a conversion may consult besides the value: the device's USB ids, the values published
//! so far, the status bits, and a little per-device state that NUT keeps in static variables
//! (the ABM path, the country code, scale factors chosen at run time…).

use std::collections::BTreeMap;

use crate::hid::status::StatusBits;

/// Which Eaton ABM (Advanced Battery Monitoring) item reports the charger state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbmPath {
    /// `battery.charger.type.status` (1 charging, 2 floating, 3 resting, 4 discharging).
    Status,
    /// `battery.charger.mode.status` (1 charging, 2 discharging, 3 floating, 4 resting).
    Mode,
}

/// The nominal-voltage family fixed by the first `output.voltage.nominal` seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoltageFamily {
    /// 100/110/120/127 V.
    Low,
    /// 200/208 V.
    Mid,
    /// 220/230/240 V.
    High,
    /// Anything else: every value is published as is.
    Unknown,
}

/// Per-device state of the conversions, kept across polls (NUT's file-scope variables).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// ABM enabled (`Some(true)`), disabled (`Some(false)`) or unknown.
    pub abm_enabled: Option<bool>,
    /// The ABM item chosen, once ABM is enabled.
    pub abm_path: Option<AbmPath>,
    /// Eaton country code (0 Europe, 1 US, 2 Europe-208, 3 worldwide, 4 Australia).
    pub country: Option<i64>,
    /// MGE model type (`mge-models.tsv`, `mge_type_value`), when known.
    pub mge_type: Option<u16>,
    /// The output nominal-voltage family, once fixed.
    pub voltage_family: Option<VoltageFamily>,
    /// Liebert multipliers `(config voltage, line voltage)`, once a broken exponent is seen.
    pub liebert: Option<(f64, f64)>,
    /// CyberPower input-frequency scale, once chosen.
    pub cps_input_freq: Option<f64>,
    /// CyberPower output-frequency scale, once chosen.
    pub cps_output_freq: Option<f64>,
    /// CyberPower battery-voltage scale, once chosen.
    pub cps_battery: Option<f64>,
    /// Calls of the EVER IP-address conversion so far (it rotates over four reports).
    pub ever_ip_turn: usize,
    /// Calls of the EVER packet-counter conversion so far (it rotates over four reports).
    pub ever_packets_turn: usize,
    /// The last valid PowerCom battery voltage read from report 0xA4.
    pub powercom_voltage: Option<String>,
    /// Reads of report 0xA4 that gave no valid voltage yet.
    pub powercom_tries: u32,
}

/// What a conversion sees of the device besides the value.
#[derive(Debug)]
pub struct Context<'a> {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// The latest value of every variable published so far (start-up and polls).
    pub known: &'a BTreeMap<String, String>,
    /// The device's status bits (a conversion may read them or raise a mode bit).
    pub status: &'a mut StatusBits,
    /// Per-device conversion state.
    pub state: &'a mut State,
    /// The raw report a [`super::Function::raw`] conversion asked for (report ID first), if
    /// it could be read.
    pub raw: Option<&'a [u8]>,
}

impl Context<'_> {
    /// The published variable `name`, as a number.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.known.get(name)?.trim().parse().ok()
    }

    /// The published variable `name`, as text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.known.get(name).map(String::as_str)
    }
}

/// A context with no published values and fresh state, for tests and tools.
#[derive(Debug, Default)]
pub struct Scratch {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// Published values.
    pub known: BTreeMap<String, String>,
    /// Status bits.
    pub status: StatusBits,
    /// Conversion state.
    pub state: State,
    /// The raw report handed to conversions.
    pub raw: Option<Vec<u8>>,
}

impl Scratch {
    /// A scratch context for the device `vendor_id:product_id`.
    pub fn device(vendor_id: u16, product_id: u16) -> Self {
        Scratch {
            vendor_id,
            product_id,
            ..Scratch::default()
        }
    }

    /// Records `name = value` as published.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.known.insert(name.to_owned(), value.to_owned());
        self
    }

    /// The context over this scratch state.
    pub fn context(&mut self) -> Context<'_> {
        Context {
            vendor_id: self.vendor_id,
            product_id: self.product_id,
            known: &self.known,
            status: &mut self.status,
            state: &mut self.state,
            raw: self.raw.as_deref(),
        }
    }
}
