//! [`SimPort`]: a [`Serial`] whose far end is a [`Simulator`], in memory.

use std::collections::VecDeque;
use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::serial::{LineSettings, ModemLines, Serial};

use super::Simulator;

/// The simulator as a serial port: writes go to [`Simulator::handle`], reads return what
/// it answered; a read with nothing to return fails at once with a timeout.
///
/// ```
/// use nut_drivers::apcsmart::sim::{SimPort, Simulator};
///
/// let mut port = SimPort::new(Simulator::from_dev("ups.status: OL\n").unwrap());
/// port.inject(b"!");
/// assert_eq!(port.pending(), b"!");
/// ```
#[derive(Debug, Clone)]
pub struct SimPort {
    sim: Simulator,
    out: VecDeque<u8>,
    line: Option<LineSettings>,
    dtr: Option<bool>,
    rts: Option<bool>,
}

impl SimPort {
    /// A port to `sim`.
    pub fn new(sim: Simulator) -> Self {
        SimPort {
            sim,
            out: VecDeque::new(),
            line: None,
            dtr: None,
            rts: None,
        }
    }

    /// The simulator.
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// The simulator, to change it.
    pub fn sim_mut(&mut self) -> &mut Simulator {
        &mut self.sim
    }

    /// Queues bytes the UPS sends unasked (alerts).
    pub fn inject(&mut self, bytes: &[u8]) {
        self.out.extend(bytes);
    }

    /// Switches the simulator on battery (or back) and queues its alert.
    pub fn set_on_battery(&mut self, on_battery: bool) {
        let alert = self.sim.set_on_battery(on_battery);
        self.inject(&alert);
    }

    /// Bytes not read yet.
    pub fn pending(&self) -> Vec<u8> {
        self.out.iter().copied().collect()
    }

    /// The last line settings, DTR and RTS the driver set.
    pub fn lines(&self) -> (Option<LineSettings>, Option<bool>, Option<bool>) {
        (self.line, self.dtr, self.rts)
    }
}

impl Serial for SimPort {
    type Error = ErrorKind;

    async fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, ErrorKind> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.out.is_empty() {
            return Err(ErrorKind::Timeout);
        }
        let mut n = 0;
        for slot in buf.iter_mut() {
            match self.out.pop_front() {
                Some(byte) => {
                    *slot = byte;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), ErrorKind> {
        for &byte in data {
            let answer = self.sim.handle(byte);
            self.out.extend(answer);
        }
        Ok(())
    }

    async fn set_line(&mut self, settings: LineSettings) -> Result<(), ErrorKind> {
        self.line = Some(settings);
        Ok(())
    }

    async fn set_dtr(&mut self, on: bool) -> Result<(), ErrorKind> {
        self.dtr = Some(on);
        Ok(())
    }

    async fn set_rts(&mut self, on: bool) -> Result<(), ErrorKind> {
        self.rts = Some(on);
        Ok(())
    }

    async fn send_break(&mut self, _duration: Duration) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, ErrorKind> {
        Ok(ModemLines::empty())
    }
}
