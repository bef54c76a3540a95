#![no_main]
//! Fuzzes the Modbus side: the RTU frame codec (`nut_hal::modbus_frame`) on the raw input, and
//! the `apc_modbus` and `generic_modbus` drivers over a fake unit that answers every request
//! from the input — registers and bits of any value, too few or too many of them, exception
//! responses, timeouts, a vanished peer. Each driver runs identify, two polls, every instant
//! command, a `SET` of every writable variable and kill power. Nothing may panic, whatever
//! the bytes; and a frame that decodes must encode back to something that decodes the same.
//!
//! Input: `<selector> <settings byte ×16> (<shape> <payload>)*`, see [`Unit::answer`].
//! Seeds (`corpus/modbus_poll`): hand-made answer streams that let both drivers identify.

#[path = "common/runtime.rs"]
mod common_runtime;
use common_runtime::runtime;

use libfuzzer_sys::fuzz_target;
use nut_drivers::apc_modbus::ApcModbus;
use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::generic_modbus::GenericModbus;
use nut_drivers::generic_modbus::settings::Settings;
use nut_hal::ErrorKind;
use nut_hal::modbus::Modbus;
use nut_hal::modbus_frame::{self, Reply, Request};

/// The fake unit: the answers still to give, decoded from the input as they are needed.
struct Unit {
    data: Vec<u8>,
    pos: usize,
}

impl Unit {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// How the next request ends: `Ok(n)` answers `n` items (the count asked, or a wrong
    /// one), `Err` a fault. An exhausted input times out.
    fn answer(&mut self, asked: u16) -> Result<usize, ErrorKind> {
        let Some(shape) = self.byte() else {
            return Err(ErrorKind::Timeout);
        };
        match shape % 12 {
            0 => Err(ErrorKind::Protocol),
            1 => Err(ErrorKind::Timeout),
            2 => Err(ErrorKind::Disconnected),
            3 => Ok(0),
            4 => Ok(usize::from(asked).saturating_sub(1)),
            5 => Ok(usize::from(asked) + 1),
            _ => Ok(usize::from(asked)),
        }
    }

    fn words(&mut self, asked: u16) -> Result<Vec<u16>, ErrorKind> {
        let n = self.answer(asked)?;
        Ok((0..n)
            .map(|_| u16::from_be_bytes([self.byte().unwrap_or(0), self.byte().unwrap_or(0)]))
            .collect())
    }

    fn bits(&mut self, asked: u16) -> Result<Vec<bool>, ErrorKind> {
        let n = self.answer(asked)?;
        Ok((0..n).map(|_| self.byte().unwrap_or(0) & 1 == 1).collect())
    }

    fn written(&mut self) -> Result<(), ErrorKind> {
        self.answer(1).map(|_| ())
    }
}

impl Modbus for Unit {
    type Error = ErrorKind;

    async fn read_holding_registers(&mut self, _: u16, count: u16) -> Result<Vec<u16>, ErrorKind> {
        self.words(count)
    }

    async fn read_input_registers(&mut self, _: u16, count: u16) -> Result<Vec<u16>, ErrorKind> {
        self.words(count)
    }

    async fn read_coils(&mut self, _: u16, count: u16) -> Result<Vec<bool>, ErrorKind> {
        self.bits(count)
    }

    async fn read_discrete_inputs(&mut self, _: u16, count: u16) -> Result<Vec<bool>, ErrorKind> {
        self.bits(count)
    }

    async fn write_register(&mut self, _: u16, _: u16) -> Result<(), ErrorKind> {
        self.written()
    }

    async fn write_registers(&mut self, _: u16, _: &[u16]) -> Result<(), ErrorKind> {
        self.written()
    }

    async fn write_coil(&mut self, _: u16, _: bool) -> Result<(), ErrorKind> {
        self.written()
    }

    async fn write_coils(&mut self, _: u16, _: &[bool]) -> Result<(), ErrorKind> {
        self.written()
    }
}

/// A `generic_modbus` section from 16 bytes: each of the 8 states mapped (or not) at an
/// address with a register type and NO/NC.
fn generic_settings(bytes: &[u8]) -> Option<Settings> {
    const STATES: [&str; 8] = ["OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "FSD"];
    let mut config = DriverConfig::default();
    config.push("port", Some("127.0.0.1:1502"));
    for (i, state) in STATES.iter().enumerate() {
        let (a, b) = (
            *bytes.get(2 * i).unwrap_or(&0),
            *bytes.get(2 * i + 1).unwrap_or(&0),
        );
        if a & 0x80 != 0 {
            continue;
        }
        config.push(&format!("{state}_addr"), Some(&a.to_string()));
        config.push(&format!("{state}_regtype"), Some(&(b % 5).to_string()));
        config.push(&format!("{state}_noro"), Some(&((b >> 3) & 1).to_string()));
    }
    if bytes.first().is_some_and(|b| b & 0x40 != 0) {
        config.push("FSD_pulse_duration", Some("100"));
    }
    Settings::from_config(&config).ok()
}

async fn exercise<P: DeviceProtocol<Port = Unit>>(driver: &mut P, unit: &mut Unit) {
    if let Ok(identity) = driver.identify(unit).await {
        let _ = driver.update(unit).await;
        let _ = driver.update(unit).await;
        for (name, _) in &identity.writable {
            for value in [
                "1",
                "-1.5",
                "65536",
                "text that is long enough to be refused",
            ] {
                let _ = driver.set_var(unit, name, value).await;
            }
        }
        for command in &identity.commands {
            let _ = driver.instcmd(unit, command, Some("10")).await;
        }
        let _ = driver.kill_power(unit).await;
    }
}

/// The codec on raw bytes: no panic, and what decodes re-encodes to the same meaning.
fn frames(data: &[u8]) {
    let _ = modbus_frame::check_crc(data);
    let _ = modbus_frame::reply_frame_len(data);
    let _ = modbus_frame::request_frame_len(data);
    if let Ok(request) = Request::decode(data) {
        assert_eq!(Request::decode(&request.encode()).as_ref(), Ok(&request));
    }
    if let Some(&function) = data.first()
        && let Ok(reply) = Reply::decode(data)
    {
        assert_eq!(Reply::decode(&reply.encode(function)).as_ref(), Ok(&reply));
    }
}

fuzz_target!(|data: &[u8]| {
    frames(data);
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (settings, answers) = rest.split_at(rest.len().min(16));
    let mut unit = Unit {
        data: answers.to_vec(),
        pos: 0,
    };
    let rt = runtime().lock().expect("runtime");
    rt.block_on(async {
        if selector & 1 == 0 {
            if let Ok(mut driver) = ApcModbus::<Unit>::new() {
                exercise(&mut driver, &mut unit).await;
            }
        } else if let Some(settings) = generic_settings(settings) {
            let mut driver = GenericModbus::<Unit>::new(settings);
            exercise(&mut driver, &mut unit).await;
        }
    });
});
