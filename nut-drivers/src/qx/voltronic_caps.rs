//! Voltronic capability flags (`QFLAG`), limits (`QLDL`, `QHE`, `QFRE`, `RE0`) and outlets
//! (`QSKn`, `QSKTn`), as NUT 2.8.0's nutdrv_qx publishes them (checked with
//! `tests/tests/qx_differential.rs` on NUT's voltronic test vectors).

use super::voltronic::{checked, field};

/// A parsed `QFLAG` reply `(E<enabled letters>D<disabled letters>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// Letters listed as enabled.
    pub enabled: Vec<u8>,
    /// Letters listed as disabled.
    pub disabled: Vec<u8>,
}

/// NUT variables read from capability letters (published `yes`/`no`).
pub const FLAG_VARIABLES: &[(u8, &str)] = &[
    (b'r', "ups.start.auto"),
    (b's', "battery.protection"),
    (b'g', "battery.energysave"),
    (b'c', "ups.start.battery"),
    (b'j', "outlet.0.switchable"),
];

impl Flags {
    /// Parses `QFLAG`; `None` when the reply is not `(E…D…` (a `(NAK` included).
    pub fn parse(reply: &[u8]) -> Option<Flags> {
        let body = checked(reply, 4)?;
        let body = body.get(1..body.len() - 1)?;
        let rest = body.strip_prefix(b"E")?;
        let split = rest.iter().position(|&b| b == b'D')?;
        let (enabled, disabled) = rest.split_at(split);
        let disabled = disabled.get(1..)?;
        let valid = |s: &[u8]| s.iter().all(u8::is_ascii_lowercase);
        (valid(enabled) && valid(disabled)).then(|| Flags {
            enabled: enabled.to_vec(),
            disabled: disabled.to_vec(),
        })
    }

    /// Whether `letter` is enabled (`Some(true)`), disabled, or not reported.
    pub fn get(&self, letter: u8) -> Option<bool> {
        if self.enabled.contains(&letter) {
            Some(true)
        } else if self.disabled.contains(&letter) {
            Some(false)
        } else {
            None
        }
    }

    /// `ups.start.auto` & co. as `yes`/`no`, for the letters reported.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        FLAG_VARIABLES
            .iter()
            .filter_map(|&(letter, name)| {
                let on = self.get(letter)?;
                Some((name, if on { "yes" } else { "no" }.to_owned()))
            })
            .collect()
    }

    /// `ups.beeper.status` from alarm control (`a`), which overrides the `QGS` beeper bit in
    /// NUT 2.8.0.
    pub fn beeper_status(&self) -> Option<&'static str> {
        self.get(b'a')
            .map(|on| if on { "enabled" } else { "disabled" })
    }

    /// Instant commands the flags offer: `beeper.enable`/`.disable` when alarm control (`a`)
    /// is reported, `bypass.start`/`.stop` when ECO mode (`e`) is — enabled or disabled, as
    /// NUT 2.8.0 lists them (checked against `upscmd -l`).
    pub fn commands(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.get(b'a').is_some() {
            out.extend(["beeper.enable", "beeper.disable"]);
        }
        if self.get(b'e').is_some() {
            out.extend(["bypass.start", "bypass.stop"]);
        }
        out
    }
}

/// `QLDL` `(MMM NNN`: `output.power.minimum.percent`, `.maximum.percent`.
pub fn load_limits(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let r = checked(reply, 9)?;
    Some(vec![
        ("output.power.minimum.percent", field(r, 1, Some(3), 0)?),
        ("output.power.maximum.percent", field(r, 5, Some(7), 0)?),
    ])
}

/// `QFRE` `(HH.H LL.L`: `input.frequency.high`, `.low` (ECO frequency limits).
pub fn eco_frequency(reply: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let r = checked(reply, 11)?;
    Some(vec![
        ("input.frequency.high", field(r, 1, Some(4), 1)?),
        ("input.frequency.low", field(r, 6, Some(9), 1)?),
    ])
}

/// `RE0` `#NN`: `battery.voltage.low`.
pub fn battery_low(reply: &[u8]) -> Option<String> {
    (reply.len() >= 3 && reply.first() == Some(&b'#') && reply.last() == Some(&b'\r'))
        .then_some(())?;
    field(reply, 1, Some(2), 1)
}

/// `QHE` `(HHH LLL`: ECO transfer limits `input.transfer.high`/`.low`, with their allowed
/// ranges from `output.voltage.nominal` and the `QPI` protocol (NUT's `voltronic_eco_volt`).
pub fn eco_voltage(
    reply: &[u8],
    nominal: Option<f64>,
    protocol: Option<u8>,
) -> Option<Vec<(&'static str, String)>> {
    let r = checked(reply, 9)?;
    let mut vars = vec![
        ("input.transfer.high", field(r, 1, Some(3), 0)?),
        ("input.transfer.low", field(r, 5, Some(7), 0)?),
    ];
    if let Some(nominal) = nominal {
        let high_voltage = nominal >= 200.0;
        let (near, far) = match (protocol, high_voltage) {
            (Some(1 | 9), true) => (7.0, 24.0),
            (Some(1 | 9), false) => (3.0, 12.0),
            (Some(2 | 3 | 10 | 13 | 14 | 99), true) => (11.0, 24.0),
            (Some(2 | 3 | 10 | 13 | 14 | 99), false) => (5.0, 12.0),
            _ => return Some(vars),
        };
        vars.extend([
            ("input.transfer.low.min", format!("{:.0}", nominal - far)),
            ("input.transfer.low.max", format!("{:.0}", nominal - near)),
            ("input.transfer.high.min", format!("{:.0}", nominal + near)),
            ("input.transfer.high.max", format!("{:.0}", nominal + far)),
        ]);
    }
    Some(vars)
}

/// `QSKn` `(1` / `(0`: outlet `n` is switchable and on / off.
pub fn outlet(reply: &[u8]) -> Option<bool> {
    match reply {
        b"(1\r" => Some(true),
        b"(0\r" => Some(false),
        _ => None,
    }
}

/// `QSKTn` `(MMM`: the outlet's shutdown delay, minutes → seconds.
pub fn outlet_delay(reply: &[u8]) -> Option<String> {
    let r = checked(reply, 5)?;
    let minutes: u32 = std::str::from_utf8(r.get(1..4)?).ok()?.parse().ok()?;
    Some((minutes * 60).to_string())
}

/// Outlet instant command names for outlet `n` (1–4).
pub fn outlet_commands(n: u8) -> [String; 2] {
    [
        format!("outlet.{n}.load.off"),
        format!("outlet.{n}.load.on"),
    ]
}

/// The `QFLAG` letter behind a writable capability variable (`ups.start.auto` …).
pub fn flag_letter(name: &str) -> Option<u8> {
    FLAG_VARIABLES
        .iter()
        .find(|(_, n)| *n == name)
        .map(|&(letter, _)| letter)
}

/// The bytes that set writable Voltronic variable `name` to `value`, given the variables
/// published at start (`current`, for ranges); `None` when the name or value is refused.
///
/// * capabilities (`ups.start.auto` …): `yes`/`no` → `PE<X>`/`PD<X>`;
/// * `outlet.<n>.delay.shutdown`: seconds 0–59940 → `PSK<n><minutes, 3 digits>`;
/// * `input.transfer.high`/`.low`: within the published `.min`/`.max` → `HEH`/`HEL<volts>`;
/// * `battery.voltage.low`: 20, 24 (below 1000 VA) or 28 (from 1000 VA) → `W0E<nn>`;
/// * `battery.type` (P31 units): `Li`, `Flooded` or `AGM` → `PBT<index, 2 digits>`.
pub fn set_command(
    name: &str,
    value: &str,
    current: &dyn Fn(&str) -> Option<f64>,
) -> Option<Vec<u8>> {
    let value = value.trim();
    if let Some(letter) = flag_letter(name) {
        let verb = match value {
            "yes" => "PE",
            "no" => "PD",
            _ => return None,
        };
        return Some(format!("{verb}{}\r", char::from(letter.to_ascii_uppercase())).into_bytes());
    }
    if let Some(n) = name
        .strip_prefix("outlet.")
        .and_then(|rest| rest.strip_suffix(".delay.shutdown"))
    {
        let seconds: u32 = value.parse().ok()?;
        if !(0..=59_940).contains(&seconds) || n.len() != 1 {
            return None;
        }
        return Some(format!("PSK{n}{:03}\r", seconds / 60).into_bytes());
    }
    match name {
        "input.transfer.high" | "input.transfer.low" => {
            let volts: f64 = value.parse().ok()?;
            let (min, max) = (
                current(&format!("{name}.min"))?,
                current(&format!("{name}.max"))?,
            );
            if !(min..=max).contains(&volts) {
                return None;
            }
            let verb = if name.ends_with("high") { "HEH" } else { "HEL" };
            Some(format!("{verb}{volts:03.0}\r").into_bytes())
        }
        "battery.voltage.low" => {
            let volts: u32 = value.parse().ok()?;
            let va = current("output.voltage.nominal")? * current("output.current.nominal")?;
            let ok = match volts {
                20 => true,
                24 => va < 1000.0,
                28 => va >= 1000.0,
                _ => false,
            };
            ok.then(|| format!("W0E{volts:02}\r").into_bytes())
        }
        "battery.type" => super::voltronic_phases::set_battery_type(value),
        _ => None,
    }
}
