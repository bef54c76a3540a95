//! [`GenericModbus`]: the [`DeviceProtocol`] reading the mapped points of a remote-I/O box
//! into `ups.status` and writing its FSD output, over any [`Modbus`] unit.

use std::marker::PhantomData;
use std::time::Duration;

use nut_hal::modbus::Modbus;

use super::settings::{Point, RegType, Settings, Signal};
use crate::device::{CommandError, DeviceError, DeviceProtocol, Identity, Reading};

/// How often `-k` retries `load.off` after the first failure (NUT's `FSD_REPEAT_CNT`).
pub const FSD_REPEAT_COUNT: u32 = 3;

/// The retry interval base (NUT's `FSD_REPEAT_INTRV`, ms): retry `n` of
/// [`FSD_REPEAT_COUNT`] waits `1500 / (FSD_REPEAT_COUNT - n + 1)` ms.
pub const FSD_REPEAT_INTERVAL_MS: u64 = 1500;

/// The charger state `battery.charger.status` keeps showing (NUT sets it and never clears it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charger {
    Charging,
    Discharging,
    Resting,
}

impl Charger {
    fn text(self) -> &'static str {
        match self {
            Charger::Charging => "charging",
            Charger::Discharging => "discharging",
            Charger::Resting => "resting",
        }
    }
}

/// NUT's `generic_modbus` over a Modbus port `M`.
#[derive(Debug)]
pub struct GenericModbus<M> {
    settings: Settings,
    charger: Option<Charger>,
    _port: PhantomData<fn() -> M>,
}

/// What the mapped state points read, as NUT's `upsdrv_updateinfo` sees them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Levels {
    /// Per state, in [`Signal::ALL`] order: `Some(on)` for a point that was read (FSD never
    /// is).
    on: [Option<bool>; 7],
    /// Per state: whether it is mapped at all (OB and DISCHRG are mapped but not read when
    /// OL, resp. CHRG, are mapped too).
    mapped: [bool; 7],
}

impl Levels {
    fn get(&self, signal: Signal) -> Option<bool> {
        self.on.get(signal as usize).copied().flatten()
    }

    fn mapped(&self, signal: Signal) -> bool {
        self.mapped.get(signal as usize).copied().unwrap_or(false)
    }
}

/// The status words, alarms and `battery.charger.status` for `levels`, in NUT's order
/// (`charger` is the last charger state, kept when nothing sets a new one).
fn map_levels(levels: &Levels, charger: &mut Option<Charger>) -> Reading {
    let mut r = Reading::default();
    // NUT's status_commit publishes `ups.status` even when no word is set.
    r.commit_status();
    let discharging = |r: &mut Reading, charger: &mut Option<Charger>| {
        r.status("DISCHRG");
        *charger = Some(Charger::Discharging);
    };
    let online = match (levels.get(Signal::Ol), levels.get(Signal::Ob)) {
        (Some(ol), _) => Some(ol),
        (None, Some(ob)) => Some(!ob),
        (None, None) => None,
    };
    match online {
        Some(true) => r.status("OL"),
        Some(false) => {
            r.status("OB");
            if !levels.mapped(Signal::Dischrg) {
                discharging(&mut r, charger);
            }
        }
        None => {}
    }
    match levels.get(Signal::Hb) {
        Some(true) => {
            r.status("HB");
            *charger = Some(Charger::Resting);
        }
        Some(false) if online == Some(true) && !levels.mapped(Signal::Chrg) => {
            r.status("CHRG");
            *charger = Some(Charger::Charging);
        }
        Some(false) if online == Some(false) && !levels.mapped(Signal::Dischrg) => {
            discharging(&mut r, charger);
        }
        _ => {}
    }
    if levels.get(Signal::Lb) == Some(true) {
        r.status("LB");
        r.alarm("Low Battery (Charge)");
    }
    if levels.get(Signal::Rb) == Some(true) {
        r.status("RB");
        r.alarm("Replace Battery");
    }
    match (levels.get(Signal::Chrg), levels.get(Signal::Dischrg)) {
        (Some(true), _) => {
            r.status("CHRG");
            *charger = Some(Charger::Charging);
        }
        (None, Some(true)) => discharging(&mut r, charger),
        _ => {}
    }
    if let Some(c) = charger {
        r.set("battery.charger.status", c.text());
    }
    r
}

fn regtype_name(t: RegType) -> &'static str {
    match t {
        RegType::Coil => "COIL",
        RegType::InputBit => "INPUT_B",
        RegType::InputRegister => "INPUT_R",
        RegType::Holding => "HOLDING",
    }
}

impl<M: Modbus> GenericModbus<M> {
    /// The family for `settings`.
    pub fn new(settings: Settings) -> GenericModbus<M> {
        GenericModbus {
            settings,
            charger: None,
            _port: PhantomData,
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The point's value as NUT's `register_read` masks it: a bit as 0/1, a register's low byte
    /// (`& 0xFF`).
    async fn read(port: &mut M, p: Point) -> Result<u16, DeviceError> {
        let operation = format!(
            "modbus_read: addr:0x{:x}, type:{}",
            p.addr,
            regtype_name(p.regtype)
        );
        let fail = |e: &M::Error| DeviceError::transport(&operation, e);
        let value = match p.regtype {
            RegType::Coil => port
                .read_coils(p.addr, 1)
                .await
                .map_err(|e| fail(&e))?
                .first()
                .map(|b| u16::from(*b)),
            RegType::InputBit => port
                .read_discrete_inputs(p.addr, 1)
                .await
                .map_err(|e| fail(&e))?
                .first()
                .map(|b| u16::from(*b)),
            RegType::InputRegister => port
                .read_input_registers(p.addr, 1)
                .await
                .map_err(|e| fail(&e))?
                .first()
                .map(|w| w & 0xFF),
            RegType::Holding => port
                .read_holding_registers(p.addr, 1)
                .await
                .map_err(|e| fail(&e))?
                .first()
                .map(|w| w & 0xFF),
        };
        value.ok_or_else(|| DeviceError::BadReply {
            operation,
            reply: "no value".into(),
        })
    }

    /// Writes `value` to the FSD point (a coil on for any non-zero value).
    async fn write(port: &mut M, p: Point, value: u16) -> Result<(), DeviceError> {
        let operation = format!(
            "modbus_write_register: addr:0x{:08x}, regtype: {}",
            p.addr,
            regtype_name(p.regtype)
        );
        let result = match p.regtype {
            RegType::Coil => port.write_coil(p.addr, value & 0x0F != 0).await,
            RegType::Holding => port.write_register(p.addr, value & 0xFF).await,
            RegType::InputBit | RegType::InputRegister => {
                return Err(DeviceError::NotSupported(format!(
                    "{operation}: FSD address undefined or invalid register type"
                )));
            }
        };
        result.map_err(|e| DeviceError::transport(&operation, &e))
    }

    /// `load.off`: the FSD output on (`1 ^ FSD_noro`), and after `FSD_pulse_duration` off
    /// again.
    async fn load_off(&mut self, port: &mut M) -> Result<(), DeviceError> {
        let p = self
            .settings
            .point(Signal::Fsd)
            .ok_or_else(|| DeviceError::NotSupported("load.off: FSD address undefined".into()))?;
        Self::write(port, p, p.level(true)).await?;
        if let Some(pulse) = self.settings.fsd_pulse {
            tokio::time::sleep(pulse).await;
            Self::write(port, p, p.level(false)).await?;
        }
        Ok(())
    }
}

impl<M: Modbus + 'static> DeviceProtocol for GenericModbus<M> {
    type Port = M;

    fn name(&self) -> &'static str {
        "generic_modbus"
    }

    fn version(&self) -> &'static str {
        "0.03"
    }

    async fn identify(&mut self, _port: &mut M) -> Result<Identity, DeviceError> {
        let mut info = Reading::default();
        info.set("device.mfr", self.settings.device_mfr.as_str());
        info.set("device.model", self.settings.device_model.as_str());
        let commands = if self.settings.mapped(Signal::Fsd) {
            vec!["load.off".to_owned()]
        } else {
            Vec::new()
        };
        Ok(Identity {
            info,
            commands,
            writable: Vec::new(),
        })
    }

    async fn update(&mut self, port: &mut M) -> Result<Reading, DeviceError> {
        let mut levels = Levels::default();
        for ((slot, mapped), signal) in levels
            .on
            .iter_mut()
            .zip(levels.mapped.iter_mut())
            .zip(Signal::ALL)
        {
            *mapped = self.settings.mapped(signal);
            // NUT reads OB only when OL is not mapped, and DISCHRG only when CHRG is not.
            let shadowed = match signal {
                Signal::Ob => self.settings.mapped(Signal::Ol),
                Signal::Dischrg => self.settings.mapped(Signal::Chrg),
                _ => false,
            };
            if let Some(p) = self.settings.point(signal).filter(|_| !shadowed) {
                *slot = Some(Self::read(port, p).await? == p.level(true));
            }
        }
        Ok(map_levels(&levels, &mut self.charger))
    }

    async fn instcmd(
        &mut self,
        port: &mut M,
        command: &str,
        _param: Option<&str>,
    ) -> Result<(), CommandError> {
        if !command.eq_ignore_ascii_case("load.off") {
            return Err(CommandError::Unknown);
        }
        self.load_off(port).await.map_err(CommandError::Failed)
    }

    async fn set_var(
        &mut self,
        _port: &mut M,
        _name: &str,
        _value: &str,
    ) -> Result<(), CommandError> {
        Err(CommandError::Unknown)
    }

    /// As NUT 2.8.0's `upsdrv_shutdown`: `load.off`, retried [`FSD_REPEAT_COUNT`] times after
    /// waits of 500, 750 and 1500 ms.
    async fn kill_power(&mut self, port: &mut M) -> Result<(), DeviceError> {
        let mut left = FSD_REPEAT_COUNT;
        loop {
            match self.load_off(port).await {
                Ok(()) => return Ok(()),
                Err(e @ DeviceError::NotSupported(_)) => return Err(e),
                Err(e) if left == 0 => return Err(e),
                Err(e) => {
                    let wait = FSD_REPEAT_INTERVAL_MS / u64::from(left);
                    tracing::warn!(%e, wait_ms = wait, retries_left = left - 1, "load.off failed");
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    left -= 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(pairs: &[(Signal, bool)]) -> Levels {
        let mut l = Levels::default();
        for (s, on) in pairs {
            l.on[*s as usize] = Some(*on);
            l.mapped[*s as usize] = true;
        }
        l
    }

    fn status(pairs: &[(Signal, bool)]) -> (String, Vec<String>, Option<String>) {
        let mut charger = None;
        let r = map_levels(&levels(pairs), &mut charger);
        (
            r.status_text(),
            r.alarms.clone(),
            r.get("battery.charger.status").map(String::from),
        )
    }

    #[test]
    fn mains_from_ol_or_ob_with_implied_discharging() {
        use Signal::*;
        assert_eq!(status(&[(Ol, true)]).0, "OL");
        assert_eq!(
            status(&[(Ol, false)]),
            ("OB DISCHRG".into(), vec![], Some("discharging".into()))
        );
        assert_eq!(status(&[(Ob, true)]).0, "OB DISCHRG");
        assert_eq!(status(&[(Ob, false)]).0, "OL");
        // OL wins when both are mapped.
        assert_eq!(status(&[(Ol, true), (Ob, true)]).0, "OL");
        // A mapped DISCHRG replaces the implied one.
        assert_eq!(status(&[(Ol, false), (Dischrg, false)]).0, "OB");
    }

    #[test]
    fn hb_lb_rb_and_charger() {
        use Signal::*;
        assert_eq!(
            status(&[(Ol, true), (Hb, true)]),
            ("OL HB".into(), vec![], Some("resting".into()))
        );
        assert_eq!(
            status(&[(Ol, true), (Hb, false)]),
            ("OL CHRG".into(), vec![], Some("charging".into()))
        );
        assert_eq!(
            status(&[(Ol, false), (Lb, true), (Rb, true)]),
            (
                "OB DISCHRG LB RB".into(),
                vec!["Low Battery (Charge)".into(), "Replace Battery".into()],
                Some("discharging".into())
            )
        );
        assert_eq!(status(&[(Ol, true), (Chrg, true)]).0, "OL CHRG");
    }

    #[test]
    fn charger_status_sticks_as_in_nut() {
        use Signal::*;
        let mut charger = None;
        map_levels(&levels(&[(Ol, false)]), &mut charger);
        let back = map_levels(&levels(&[(Ol, true)]), &mut charger);
        assert_eq!(back.status_text(), "OL");
        assert_eq!(back.get("battery.charger.status"), Some("discharging"));
    }
}
