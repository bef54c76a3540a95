//! The `gtec` dialect (NUT's `nutdrv_qx_gtec.c`, after 2.8.0): values from `Q4`, whose status
//! is a string of letters, ratings from `F`, identification from `I` (standard layout).

use super::items::{Conv, Query, TableDialect, item};
use super::sim::SimState;

/// The `Q4` query; `ups.status` is the raw letters (see [`Q4Status::decode`]).
pub const Q4: Query = Query {
    command: b"Q4\r",
    min_len: 64,
    lead: Some(b'('),
    items: &[
        item("input.voltage", 1, 5, Conv::F1),
        item("input.voltage.fault", 19, 23, Conv::F1),
        item("output.voltage", 25, 29, Conv::F1),
        item("ups.load", 35, 37, Conv::F0),
        item("input.frequency", 39, 42, Conv::F1),
        item("battery.voltage", 52, 56, Conv::F1),
        item("ups.temperature", 58, 61, Conv::F1),
        item("ups.status", 63, 0, Conv::Text),
    ],
};

/// `I`: manufacturer, model and firmware (standard Megatec layout).
pub const IDENT: Query = Query {
    command: b"I\r",
    min_len: 39,
    lead: Some(b'#'),
    items: &[
        item("device.mfr", 1, 15, Conv::Text),
        item("device.model", 17, 26, Conv::Text),
        item("ups.firmware", 28, 37, Conv::Text),
    ],
};

/// `gtec`.
pub const TABLE: TableDialect = TableDialect {
    status: &[Q4],
    q1_bits: false,
    ratings: true,
    ident: &[IDENT],
    static_names: &[],
    claim: &[IDENT],
};

/// NUT's `gtec_testing` reply to `Q4`.
pub const Q4_REPLY: &[u8] = b"(236.7 243.2 212.1 220.1 230.4 002 001 50.0 371 372 041.3 22.9 IM\r";

/// A simulated gtec unit's `Q4` reply: the state's values (the unreported columns as in the
/// test vector) and status letters — the test letter (`E` testing, else `I` passed), `B`, `D`,
/// `F`, then the mode: `A` on battery, `C` regulating, `M` normal, none with the output off.
pub fn sim_q4(state: &SimState) -> Vec<u8> {
    let mut letters = String::from(if state.testing { "E" } else { "I" });
    for (on, letter) in [
        (state.battery_low, 'B'),
        (state.failed, 'D'),
        (state.shutdown.is_some(), 'F'),
    ] {
        if on {
            letters.push(letter);
        }
    }
    if !state.load_off {
        letters.push(if state.on_battery {
            'A'
        } else if state.regulating {
            'C'
        } else {
            'M'
        });
    }
    let output = if state.load_off {
        0.0
    } else {
        state.output_voltage
    };
    format!(
        "({:05.1} 243.2 212.1 {:05.1} {output:05.1} 002 {:03} {:04.1} 371 372 {:05.1} {:04.1} {letters}\r",
        state.input_voltage,
        state.input_voltage_fault,
        state.load,
        state.input_frequency,
        state.battery_voltage,
        state.temperature,
    )
    .into_bytes()
}

/// What the `Q4` status letters say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Q4Status {
    /// `ups.status` words: `OL`/`OB` first, then `OFF`/`BYPASS` and the flag words.
    pub words: Vec<&'static str>,
    /// `ups.alarm` texts.
    pub alarms: Vec<&'static str>,
    /// `battery.test.status`, when a letter gives it (the last one wins).
    pub test: Option<&'static str>,
}

impl Q4Status {
    /// Decodes the letters: the line state starts on line with the output `OFF`; `A` (utility
    /// fail) makes it on battery, `C` `BYPASS`, `M` (normal mode) plain on line — the last of
    /// them wins. `B` `LB`, `F` `FSD`, `J` `RB`, `N` `OVER`; `D`, `G`, `H`, `P` alarms; `E`,
    /// `I`–`L` the battery test status. Unknown letters are ignored.
    pub fn decode(letters: &str) -> Q4Status {
        let mut status = Q4Status::default();
        let mut mode = "OFF";
        let mut flags = Vec::new();
        for letter in letters.chars() {
            match letter {
                'A' => mode = "OB",
                'B' => flags.push("LB"),
                'C' => mode = "BYPASS",
                'D' => status.alarms.push("UPS failed"),
                'E' => status.test = Some("Test in progress"),
                'F' => flags.push("FSD"),
                'G' => status.alarms.push("Site fault"),
                'H' => status.alarms.push("EPROM fail"),
                'I' => status.test = Some("Test passed - Result: OK"),
                'J' => {
                    status.test = Some("Test passed - Result: Failed");
                    flags.push("RB");
                }
                'K' => status.test = Some("Battery disconnected"),
                'L' => status.test = Some("Test status unknown"),
                'M' => mode = "OL",
                'N' => flags.push("OVER"),
                'P' => status.alarms.push("Battery disconnected"),
                _ => tracing::debug!("gtec: ignoring unknown status letter {letter:?}"),
            }
        }
        match mode {
            "OB" => status.words.push("OB"),
            "OL" => status.words.push("OL"),
            other => status.words.extend(["OL", other]),
        }
        status.words.extend(flags);
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        let im = Q4Status::decode("IM");
        assert_eq!(im.words, ["OL"]);
        assert_eq!(im.test, Some("Test passed - Result: OK"));
        let a = Q4Status::decode("ABJNDZ");
        assert_eq!(a.words, ["OB", "LB", "RB", "OVER"]);
        assert_eq!(a.alarms, ["UPS failed"]);
        assert_eq!(a.test, Some("Test passed - Result: Failed"));
        assert_eq!(Q4Status::decode("").words, ["OL", "OFF"]);
        assert_eq!(Q4Status::decode("MC").words, ["OL", "BYPASS"]);
    }
}
