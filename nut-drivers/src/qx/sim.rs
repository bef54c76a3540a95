//! A Megatec/Qx UPS simulator, for tests and demos: a [`SimState`] (measurements, on-line or
//! on-battery, pending shutdown, test, beeper) that answers command bytes with reply bytes the
//! way a unit of one [`Dialect`] does.
//!
//! Default values and reply shapes are the test vectors of NUT's `<dialect>_testing[]` tables
//! (networkupstools/nut commit `6c63f774`, GPL-2.0-or-later; copied in
//! `nut-drivers/tests/fixtures/qx/nut-qx-subdriver-testing-tables.tsv`): Q1
//! `(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000`, F `#230.0 000 024.0 50.0`,
//! I `#NOT_A_LIVE_UPS  TESTING    TESTING   `, Best Power `ID` `FOR,750,120,120,20.0,27.6`,
//! Best Power `RT` `015`, Mecer `QPI` `(PI98`. Unknown commands are echoed back, as real units do.
//!
//! ```
//! use nut_drivers::qx::Dialect;
//! use nut_drivers::qx::sim::Simulator;
//!
//! let mut ups = Simulator::new(Dialect::Megatec);
//! assert_eq!(
//!     ups.respond(b"Q1\r").unwrap(),
//!     b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r"
//! );
//! ups.state.on_battery = true;
//! assert_eq!(ups.respond(b"Q1\r").unwrap()[38], b'1');
//! assert_eq!(ups.respond(b"XYZ\r").unwrap(), b"XYZ\r"); // echo: unknown
//! assert_eq!(ups.respond(b"T\r"), None); // quick test started, no reply
//! assert!(ups.state.testing);
//! ```

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::serial::{LineSettings, ModemLines, Serial};

use super::dialect::Dialect;
use super::megatec::StatusReply;
use super::voltronic_qs;

pub mod masterguard;
pub mod omron;

/// What the simulated UPS measures and does.
#[derive(Debug, Clone, PartialEq)]
pub struct SimState {
    /// Input voltage (V).
    pub input_voltage: f64,
    /// Input fault voltage (V).
    pub input_voltage_fault: f64,
    /// Output voltage (V).
    pub output_voltage: f64,
    /// Load (%).
    pub load: u32,
    /// Input frequency (Hz).
    pub input_frequency: f64,
    /// Battery voltage as the unit reports it (V).
    pub battery_voltage: f64,
    /// Temperature (°C).
    pub temperature: f64,
    /// Utility failed: running on battery (bit 7).
    pub on_battery: bool,
    /// Battery low (bit 6).
    pub battery_low: bool,
    /// Bypass/boost/buck active (bit 5).
    pub regulating: bool,
    /// UPS failed (bit 4).
    pub failed: bool,
    /// Line-interactive type (bit 3).
    pub line_interactive: bool,
    /// A battery test runs (bit 2).
    pub testing: bool,
    /// Beeper on (bit 0).
    pub beeper: bool,
    /// The pending shutdown command body (`S.5R0003`), if any (bit 1 is set while pending).
    pub shutdown: Option<String>,
    /// Whether the output is off (after `load.off`).
    pub load_off: bool,
    /// `F` reply fields: nominal voltage, current, battery voltage, frequency.
    pub rating: (f64, u32, f64, f64),
    /// The identification reply body (after `#`, before CR).
    pub info: String,
    /// Best Power `RT` and Voltronic `QBV`: battery runtime (minutes).
    pub runtime_minutes: u32,
    /// Voltronic `QGS`: output frequency (Hz).
    pub output_frequency: f64,
    /// Voltronic `QGS`: output current (A).
    pub output_current: f64,
    /// Voltronic `QBV`: battery charge (%).
    pub battery_charge: u32,
    /// Voltronic `QFLAG` reply (`(E<enabled letters>D<disabled letters>`, CR included).
    pub voltronic_flags: String,
    /// Voltronic `QWS` reply (64 warning bits, CR included).
    pub voltronic_warnings: String,
    /// Voltronic `QPI` protocol number: 1 (the test vector) by default; 3, 9 and 10 are
    /// three-phase units (they answer `Q3PV`, `Q3PC`, `Q3OV`, `Q3OC`, `Q3LD`, `Q3YV`), 31 a
    /// P31 unit (it answers `QBT` battery type and `QGR` work range).
    pub voltronic_protocol: u8,
    /// Masterguard: slave address, model, packs, uptime, output voltages.
    pub masterguard: masterguard::Unit,
    /// Omron: battery temperature, automatic restart.
    pub omron: omron::Unit,
}

impl Default for SimState {
    fn default() -> Self {
        SimState {
            input_voltage: 215.0,
            input_voltage_fault: 195.0,
            output_voltage: 230.0,
            load: 14,
            input_frequency: 49.0,
            battery_voltage: 22.7,
            temperature: 30.0,
            on_battery: false,
            battery_low: false,
            regulating: false,
            failed: false,
            line_interactive: false,
            testing: false,
            beeper: false,
            shutdown: None,
            load_off: false,
            rating: (230.0, 0, 24.0, 50.0),
            info: "NOT_A_LIVE_UPS  TESTING    TESTING   ".into(),
            runtime_minutes: 15,
            output_frequency: 50.0,
            output_current: 0.0,
            battery_charge: 68,
            voltronic_flags: "(EpashcjDbroegfl\r".into(),
            voltronic_warnings: format!("({}\r", "0".repeat(64)),
            voltronic_protocol: 1,
            masterguard: masterguard::Unit::default(),
            omron: omron::Unit::default(),
        }
    }
}

impl SimState {
    /// The `Q1` reply (CR included), 47 bytes for in-range values.
    pub fn q1(&self) -> Vec<u8> {
        let bit = |b: bool| if b { '1' } else { '0' };
        let battery = if self.battery_voltage < 10.0 {
            format!("{:.2}", self.battery_voltage)
        } else {
            format!("{:04.1}", self.battery_voltage)
        };
        format!(
            "({:05.1} {:05.1} {:05.1} {:03} {:04.1} {battery} {:04.1} {}{}{}{}{}{}{}{}\r",
            self.input_voltage,
            self.input_voltage_fault,
            if self.load_off {
                0.0
            } else {
                self.output_voltage
            },
            self.load,
            self.input_frequency,
            self.temperature,
            bit(self.on_battery),
            bit(self.battery_low),
            bit(self.regulating),
            bit(self.failed),
            bit(self.line_interactive),
            bit(self.testing),
            bit(self.shutdown.is_some()),
            bit(self.beeper),
        )
        .into_bytes()
    }

    /// The Voltronic `QGS` reply (CR included), 76 bytes for in-range values.
    pub fn qgs(&self) -> Vec<u8> {
        let bit = |b: bool| if b { '1' } else { '0' };
        let kind = if self.line_interactive { "01" } else { "10" };
        format!(
            "({:05.1} {:04.1} {:05.1} {:04.1} {:05.1} {:03} 369.1 ---.- {:05.1} ---.- {:05.1} \
             {kind}{}{}{}{}0{}{}{}01\r",
            self.input_voltage,
            self.input_frequency,
            if self.load_off {
                0.0
            } else {
                self.output_voltage
            },
            self.output_frequency,
            self.output_current,
            self.load,
            self.battery_voltage,
            self.temperature,
            bit(self.on_battery),
            bit(self.battery_low),
            bit(self.regulating),
            bit(self.failed),
            bit(self.testing),
            bit(self.shutdown.is_some()),
            bit(!self.beeper),
        )
        .into_bytes()
    }

    /// Whether the Voltronic unit is a three-phase one (protocol 3, 9 or 10).
    pub fn three_phase(&self) -> bool {
        matches!(self.voltronic_protocol, 3 | 9 | 10)
    }

    /// The Voltronic `QMOD` reply: `(S` off, `(B` on battery, `(T` testing, `(L` on line.
    pub fn qmod(&self) -> Vec<u8> {
        let mode = if self.load_off {
            'S'
        } else if self.testing {
            'T'
        } else if self.on_battery {
            'B'
        } else {
            'L'
        };
        format!("({mode}\r").into_bytes()
    }

    /// The `F` reply (CR included).
    pub fn f(&self) -> Vec<u8> {
        let (v, i, b, hz) = self.rating;
        format!("#{v:05.1} {i:03} {b:05.1} {hz:04.1}\r").into_bytes()
    }
}

/// A simulated UPS of one dialect.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// The dialect it speaks.
    pub dialect: Dialect,
    /// Its state; tests change it between polls.
    pub state: SimState,
    /// Every command line received (CR included), in order.
    pub received: Vec<Vec<u8>>,
    /// The Voltronic Axpert unit's replies (used when `dialect` is `VoltronicAxpert`).
    pub axpert: super::sim_axpert::AxpertSim,
    pending: Vec<u8>,
}

impl Simulator {
    /// A UPS of `dialect` with the testing-table values.
    pub fn new(dialect: Dialect) -> Self {
        let mut state = SimState::default();
        if dialect == Dialect::Innovatae {
            state.rating.1 = 4;
            state.info = "222222222222222222222222222R1.00.48".into();
        }
        super::items::sim_defaults(dialect, &mut state);
        if dialect == Dialect::Omron {
            state = omron::testing_state();
        }
        if dialect == Dialect::Masterguard {
            // Per-cell battery voltage; charge and runtime as the Q3 reply shows them.
            state.battery_voltage = 2.275;
            state.battery_charge = 100;
        }
        Simulator {
            dialect,
            state,
            received: Vec::new(),
            axpert: super::sim_axpert::AxpertSim::default(),
            pending: Vec::new(),
        }
    }

    /// Feeds raw bytes as they arrive on the line; returns the replies to every command line
    /// completed by them (concatenated), or `None` when nothing is to be sent.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for &b in bytes {
            self.pending.push(b);
            if b == b'\r' {
                let line = std::mem::take(&mut self.pending);
                if let Some(reply) = self.respond(&line) {
                    out.extend(reply);
                }
            } else if self.pending.len() > 64 {
                self.pending.clear();
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The reply to one command line (CR included), `None` for no reply.
    pub fn respond(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        self.received.push(line.to_vec());
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(body).unwrap_or("");
        let d = self.dialect;
        let echo = Some(line.to_vec());
        if d == Dialect::Voltronic {
            return Some(self.voltronic(text));
        }
        if d == Dialect::VoltronicQsHex {
            return self.qs_hex(text);
        }
        if d == Dialect::Masterguard {
            return masterguard::respond(&mut self.state, text);
        }
        if d == Dialect::Omron {
            return Some(omron::respond(&mut self.state, text));
        }
        if d == Dialect::VoltronicAxpert {
            return Some(self.axpert.respond(line));
        }
        if d.table_driven() {
            if let Some(reply) = super::items::sim_reply(d, &self.state, text) {
                return Some(reply);
            }
            // innovart: battery tests are acknowledged `ACK` (no CR, as in NUT's testing
            // tables), other commands answer nothing, anything else `NAK`.
            if let Some(nak) = d.rejected_reply() {
                let test = matches!(text, "T" | "TL" | "CT") || is_test(text);
                return match text != "Q" && self.command(text) {
                    true if test => Some(b"ACK".to_vec()),
                    true => None,
                    false => Some(nak.to_vec()),
                };
            }
        } else if line == d.status_command() {
            return Some(self.state.q1());
        }
        match text {
            "F" if d.rating_command().is_some() => Some(self.state.f()),
            "I" | "FW?" if d.info_command().is_some_and(|(c, _)| c == line) => {
                Some(format!("#{}\r", self.state.info).into_bytes())
            }
            "ID" if d == Dialect::BestUps => Some(b"FOR,750,120,120,20.0,27.6\r".to_vec()),
            "RT" if d == Dialect::BestUps => {
                Some(format!("{:03}\r", self.state.runtime_minutes).into_bytes())
            }
            "QPI" if d == Dialect::Mecer => Some(b"(PI98\r".to_vec()),
            "M" if d == Dialect::VoltronicQs => Some(b"V\r".to_vec()),
            // Answered as the test vector; NUT 2.8.0 (voltronic-qs 0.07) never asks it.
            "QI" if d == Dialect::VoltronicQs => {
                Some(b"(100 00979 50.0 000.3 177 290 0 0000010000112000\r".to_vec())
            }
            _ => match self.command(text) {
                true => self.accepted(),
                false => echo,
            },
        }
    }

    /// A Voltronic unit's reply (values of NUT's voltronic test vectors): `(ACK` for a
    /// command it runs, `(NAK` for anything else.
    fn voltronic(&mut self, text: &str) -> Vec<u8> {
        let s = &mut self.state;
        let reply: &[u8] = match text {
            "QGS" => return s.qgs(),
            "QMOD" => return s.qmod(),
            "QBV" => {
                return format!(
                    "({:05.1} 02 01 {:03} {:03}\r",
                    s.battery_voltage, s.battery_charge, s.runtime_minutes
                )
                .into_bytes();
            }
            "QRI" => {
                let (v, i, b, hz) = s.rating;
                return format!("({v:05.1} {i:03} {b:05.1} {hz:04.1}\r").into_bytes();
            }
            "QPI" => return format!("(PI{:02}\r", s.voltronic_protocol).into_bytes(),
            "QMD" if s.three_phase() => b"(#######OLHVT1K0 ###1000 80 3/3 230 230 02 12.0\r",
            "QMD" => b"(#######OLHVT1K0 ###1000 80 2/2 230 230 02 12.0\r",
            // Three-phase values (P03/P09/P10): NUT's voltronic test vectors.
            "Q3PV" if s.three_phase() => b"(123.4 456.4 789.4 012.4 323.4 223.4\r",
            "Q3OV" if s.three_phase() => b"(253.4 163.4 023.4 143.4 103.4 523.4\r",
            "Q3OC" if s.three_phase() => b"(109 069 023\r",
            "Q3LD" if s.three_phase() => b"(005 033 089\r",
            "Q3YV" if s.three_phase() => b"(303.4 245.4 126.4 222.4 293.4 321.4\r",
            "Q3PC" if s.three_phase() => b"(002 023 051\r",
            // P31: battery type and grid work range (test vectors), both writable.
            "QBT" if s.voltronic_protocol == 31 => b"(01\r",
            "QGR" if s.voltronic_protocol == 31 => b"(00\r",
            _ if s.voltronic_protocol == 31
                && (text.starts_with("PBT") || text.starts_with("PGR")) =>
            {
                b"(ACK\r"
            }
            // Reset to default (`reset_to_default`): only in standby, as the real units.
            "PF" if s.load_off => b"(ACK\r",
            "QVFW" => b"(VERFW:00322.02\r",
            "QID" => b"(685653211455\r",
            // Capabilities, warnings, limits and outlets: NUT's voltronic test vectors.
            "QFLAG" => return s.voltronic_flags.clone().into_bytes(),
            "QWS" => return s.voltronic_warnings.clone().into_bytes(),
            "QFS" => b"(14 212.1 50.0 005.6 49.9 006 010.6 343.8 ---.- 026.2 021.8 01101100\r",
            "QLDL" => b"(005 080\r",
            "QHE" => b"(242 218\r",
            "QBYV" => b"(264 170\r",
            "QBYF" => b"(53.0 47.0\r",
            "QSK1" | "QSK3" => b"(1\r",
            "QSK2" => b"(0\r",
            "QSKT1" => b"(008\r",
            "QSKT2" => b"(012\r",
            "QSKT4" => b"(007\r",
            "RE0" => b"#20\r",
            "QPD" => b"(000 240\r",
            "QBDR" => b"(1234\r",
            "QFRE" => b"(50.0 00.0\r",
            "QPAR" => b"(003\r",
            "BZON" => {
                s.beeper = true;
                b"(ACK\r"
            }
            "BZOFF" => {
                s.beeper = false;
                b"(ACK\r"
            }
            "SOFF" => {
                s.load_off = true;
                b"(ACK\r"
            }
            "SON" => {
                s.load_off = false;
                b"(ACK\r"
            }
            "CS" => {
                s.shutdown = None;
                b"(ACK\r"
            }
            "T" | "TL" => {
                s.testing = true;
                b"(ACK\r"
            }
            "CT" => {
                s.testing = false;
                b"(ACK\r"
            }
            _ if text
                .strip_prefix('T')
                .is_some_and(|n| is_shutdown(&format!("S{n}"))) =>
            {
                s.testing = true;
                b"(ACK\r"
            }
            _ if is_shutdown(text) => {
                s.shutdown = Some(text.to_owned());
                b"(ACK\r"
            }
            // Capability enable/disable (`PE<x>`/`PD<x>`) and outlet switching: acknowledged
            // (the flags and outlet states are not modelled as changing).
            _ if (text.starts_with("PE") || text.starts_with("PD")) && text.len() == 3 => b"(ACK\r",
            _ if text.starts_with("SKON") || text.starts_with("SKOFF") => b"(ACK\r",
            // Writable limits and outlet delays: acknowledged, not modelled.
            _ if ["PSK", "HEH", "HEL", "W0E"]
                .iter()
                .any(|p| text.starts_with(p)) =>
            {
                b"(ACK\r"
            }
            _ => b"(NAK\r",
        };
        reply.to_vec()
    }

    /// A `voltronic-qs-hex` unit: `M` answers `P`, `QS` the binary status (output frequency
    /// in place of the input one), commands nothing, anything else `N`.
    fn qs_hex(&mut self, text: &str) -> Option<Vec<u8>> {
        match text {
            "M" => Some(b"P\r".to_vec()),
            "QS" => {
                let mut status = StatusReply::parse(&self.state.q1()).ok()?;
                status.input_frequency = self.state.output_frequency;
                Some(voltronic_qs::hex_reply(&status))
            }
            _ if self.command(text) => None,
            _ => Some(b"N\r".to_vec()),
        }
    }

    /// What the dialect answers to an accepted command.
    fn accepted(&self) -> Option<Vec<u8>> {
        self.dialect.accepted_reply().map(<[u8]>::to_vec)
    }

    /// Runs an instant command; false when the dialect does not know it.
    fn command(&mut self, text: &str) -> bool {
        let s = &mut self.state;
        match text {
            "Q" if self.dialect != Dialect::BestUps => s.beeper = !s.beeper,
            "T" | "TL" => s.testing = true,
            "CT" => s.testing = false,
            "C" => {
                s.shutdown = None;
                s.load_off = false;
            }
            "S00R0000" | "S.2" if !s.load_off => {
                s.load_off = true;
            }
            _ if is_test(text) => s.testing = true,
            _ if is_shutdown(text) => s.shutdown = Some(text.to_owned()),
            _ => return false,
        }
        true
    }
}

/// A [`Serial`] port wired straight to a shared [`Simulator`] (no tty): what is written is fed
/// to it, its replies are what reads return; a read with nothing pending times out at once.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use nut_drivers::qx::Dialect;
/// use nut_drivers::qx::sim::{SimPort, Simulator};
///
/// let ups = Arc::new(Mutex::new(Simulator::new(Dialect::Megatec)));
/// let port = SimPort::new(Arc::clone(&ups));
/// # let _ = port;
/// ```
#[derive(Debug, Clone)]
pub struct SimPort {
    /// The simulated UPS (shared, so a test can change it between polls).
    pub ups: Arc<Mutex<Simulator>>,
    pending: Vec<u8>,
}

impl SimPort {
    /// A port to `ups`.
    pub fn new(ups: Arc<Mutex<Simulator>>) -> Self {
        SimPort {
            ups,
            pending: Vec::new(),
        }
    }
}

impl Serial for SimPort {
    type Error = ErrorKind;

    async fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, ErrorKind> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pending.is_empty() {
            return Err(ErrorKind::Timeout);
        }
        let n = buf.len().min(self.pending.len());
        for (dst, src) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), ErrorKind> {
        let reply = self
            .ups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .feed(data);
        self.pending.extend(reply.unwrap_or_default());
        Ok(())
    }

    async fn set_line(&mut self, _settings: LineSettings) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn set_dtr(&mut self, _on: bool) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn set_rts(&mut self, _on: bool) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn send_break(&mut self, _duration: Duration) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, ErrorKind> {
        Ok(ModemLines::empty())
    }
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `Tnn`.
fn is_test(text: &str) -> bool {
    text.strip_prefix('T')
        .is_some_and(|n| n.len() == 2 && digits(n))
}

/// `Sn`, `SnRmmmm` with n = `.d` or two digits.
pub(crate) fn is_shutdown(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('S') else {
        return false;
    };
    let (n, r) = match rest.split_once('R') {
        Some((n, r)) => (n, Some(r)),
        None => (rest, None),
    };
    let n_ok = n.len() == 2 && (digits(n) || n.strip_prefix('.').is_some_and(digits));
    n_ok && r.is_none_or(|r| r.len() == 4 && digits(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_replies() {
        let mut old = Simulator::new(Dialect::MegatecOld);
        assert_eq!(old.respond(b"D\r").unwrap().len(), 47);
        assert_eq!(old.respond(b"Q1\r").unwrap(), b"Q1\r");
        let mut mecer = Simulator::new(Dialect::Mecer);
        assert_eq!(mecer.respond(b"QPI\r").unwrap(), b"(PI98\r");
        assert_eq!(mecer.respond(b"T\r").unwrap(), b"(ACK\r");
        let mut q1 = Simulator::new(Dialect::Q1);
        assert_eq!(q1.respond(b"F\r").unwrap(), b"F\r");
        assert_eq!(
            Simulator::new(Dialect::Megatec).state.f(),
            b"#230.0 000 024.0 50.0\r"
        );
    }

    #[test]
    fn voltronic_replies() {
        let mut ups = Simulator::new(Dialect::Voltronic);
        assert_eq!(
            ups.respond(b"QGS\r").unwrap(),
            b"(215.0 49.0 230.0 50.0 000.0 014 369.1 ---.- 022.7 ---.- 030.0 100000000101\r"
        );
        assert_eq!(ups.respond(b"Q1\r").unwrap(), b"(NAK\r");
        assert_eq!(ups.respond(b"T.3\r").unwrap(), b"(ACK\r");
        assert!(ups.state.testing);
        assert_eq!(ups.respond(b"QMOD\r").unwrap(), b"(T\r");
        assert_eq!(ups.respond(b"Q3PV\r").unwrap(), b"(NAK\r");
        assert_eq!(ups.respond(b"PF\r").unwrap(), b"(NAK\r");
        ups.state.voltronic_protocol = 10;
        assert_eq!(ups.respond(b"QPI\r").unwrap(), b"(PI10\r");
        assert_eq!(ups.respond(b"Q3OC\r").unwrap(), b"(109 069 023\r");
        ups.state.voltronic_protocol = 31;
        assert_eq!(ups.respond(b"QBT\r").unwrap(), b"(01\r");
        ups.state.load_off = true;
        assert_eq!(ups.respond(b"PF\r").unwrap(), b"(ACK\r");
    }

    #[test]
    fn commands_change_state() {
        let mut ups = Simulator::new(Dialect::Megatec);
        assert_eq!(ups.feed(b"S.5R00"), None);
        assert_eq!(ups.feed(b"03\r"), None);
        assert_eq!(ups.state.shutdown.as_deref(), Some("S.5R0003"));
        assert_eq!(ups.respond(b"Q1\r").unwrap()[44], b'1');
        ups.respond(b"C\r");
        assert_eq!(ups.state.shutdown, None);
        ups.respond(b"Q\r");
        assert!(ups.state.beeper);
        assert_eq!(ups.respond(b"S1\r").unwrap(), b"S1\r");
        let both = ups.feed(b"Q1\rF\r").unwrap();
        assert_eq!(both.len(), 47 + 22);
    }
}
