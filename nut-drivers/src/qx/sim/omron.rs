//! A simulated OMRON unit (`protocol=omron`), answering as NUT's `omron_testing` vectors:
//! `Q1`, `Bl ?`, `RTS`, `TPb`, `Lf ?`, `PSNR`, `FWV`, `BRR`, `UN`; commands `An`/`Af`,
//! `S<n>`/`Sf<n>` and `C` acknowledged `OK` (`S02` with the vector's `OKn`), anything else
//! `NAK`.

use super::SimState;

/// The Omron-specific part of the simulated unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Battery temperature (`TPb`, °C).
    pub battery_temperature: f64,
    /// Automatic restart after a shutdown (`An` on, `Af` off), once set.
    pub auto_restart: Option<bool>,
}

impl Default for Unit {
    fn default() -> Self {
        Unit {
            battery_temperature: 22.5,
            auto_restart: None,
        }
    }
}

/// The testing-table state: Q1 `(102.5 000.0 102.4 000 49.9 54.5 22.7 00101000`, charge 100 %,
/// runtime 699 min, output 49.9 Hz.
pub fn testing_state() -> SimState {
    SimState {
        input_voltage: 102.5,
        input_voltage_fault: 0.0,
        output_voltage: 102.4,
        load: 0,
        input_frequency: 49.9,
        battery_voltage: 54.5,
        temperature: 22.7,
        regulating: true,
        line_interactive: true,
        battery_charge: 100,
        runtime_minutes: 699,
        output_frequency: 49.9,
        ..SimState::default()
    }
}

/// The reply of an Omron unit to one command line (CR cut).
pub fn respond(state: &mut SimState, text: &str) -> Vec<u8> {
    let ok = b"OK\r".to_vec();
    match text {
        "Q1" => state.q1(),
        "Bl ?" => format!("{:03}\r", state.battery_charge).into_bytes(),
        "RTS" => format!("{:04}\r", state.runtime_minutes).into_bytes(),
        "TPb" => format!("{:+05.1}\r", state.omron.battery_temperature).into_bytes(),
        "Lf ?" => format!("{:04.1}\r", state.output_frequency).into_bytes(),
        "PSNR" => b"A0Z25110005109G \r".to_vec(),
        "FWV" => b"M:0.17(S:2.00)\r".to_vec(),
        "BRR" => b"20260730\r".to_vec(),
        "UN" => b"1125W/1125VA/048V/160W/020W\r".to_vec(),
        "An" | "Af" => {
            state.omron.auto_restart = Some(text == "An");
            ok
        }
        "C" => {
            state.shutdown = None;
            state.load_off = false;
            ok
        }
        _ if super::is_shutdown(text)
            || text
                .strip_prefix("Sf")
                .is_some_and(|n| super::is_shutdown(&format!("S{n}"))) =>
        {
            state.shutdown = Some(text.to_owned());
            if text == "S02" { b"OKn\r".to_vec() } else { ok }
        }
        _ => b"NAK\r".to_vec(),
    }
}
