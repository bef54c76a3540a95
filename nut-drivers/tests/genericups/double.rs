//! A scripted contact-closure port: the test sets the input lines, the double records every
//! output change with the (tokio) time it happened.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_hal::{ErrorKind, LineSettings, ModemLines, Serial};
use tokio::time::Instant;

/// One thing the driver did to the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Dtr(bool),
    Rts(bool),
    Break(Duration),
}

#[derive(Debug, Default)]
struct State {
    inputs: ModemLines,
    dtr: Option<bool>,
    rts: Option<bool>,
    events: Vec<(Instant, Event)>,
    fail_status: Option<ErrorKind>,
    fail_outputs: Option<ErrorKind>,
    status_reads: usize,
}

/// A handle on the scripted port; clones share the same lines.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    state: Arc<Mutex<State>>,
}

#[allow(dead_code)]
impl Lines {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Sets the input lines the UPS shows.
    pub fn set_inputs(&self, inputs: ModemLines) {
        self.state().inputs = inputs;
    }

    /// Makes `modem_status` fail with `kind` (None: work again).
    pub fn fail_status(&self, kind: Option<ErrorKind>) {
        self.state().fail_status = kind;
    }

    /// Makes `set_dtr`/`set_rts`/`send_break` fail with `kind`.
    pub fn fail_outputs(&self, kind: Option<ErrorKind>) {
        self.state().fail_outputs = kind;
    }

    /// DTR and RTS as last set (None: never touched).
    pub fn outputs(&self) -> (Option<bool>, Option<bool>) {
        let state = self.state();
        (state.dtr, state.rts)
    }

    /// Every output change so far.
    pub fn events(&self) -> Vec<(Instant, Event)> {
        self.state().events.clone()
    }

    /// Forgets the recorded events.
    pub fn clear_events(&self) {
        self.state().events.clear();
    }

    /// How many times the driver read the modem lines.
    pub fn status_reads(&self) -> usize {
        self.state().status_reads
    }
}

impl Serial for Lines {
    type Error = ErrorKind;

    async fn read(&mut self, _buf: &mut [u8], _timeout: Duration) -> Result<usize, ErrorKind> {
        panic!("a contact-closure driver never reads bytes");
    }

    async fn write_all(&mut self, _data: &[u8]) -> Result<(), ErrorKind> {
        panic!("a contact-closure driver never writes bytes");
    }

    async fn set_line(&mut self, _settings: LineSettings) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn set_dtr(&mut self, on: bool) -> Result<(), ErrorKind> {
        let mut state = self.state();
        if let Some(kind) = state.fail_outputs {
            return Err(kind);
        }
        state.dtr = Some(on);
        state.events.push((Instant::now(), Event::Dtr(on)));
        Ok(())
    }

    async fn set_rts(&mut self, on: bool) -> Result<(), ErrorKind> {
        let mut state = self.state();
        if let Some(kind) = state.fail_outputs {
            return Err(kind);
        }
        state.rts = Some(on);
        state.events.push((Instant::now(), Event::Rts(on)));
        Ok(())
    }

    async fn send_break(&mut self, duration: Duration) -> Result<(), ErrorKind> {
        {
            let mut state = self.state();
            if let Some(kind) = state.fail_outputs {
                return Err(kind);
            }
            state.events.push((Instant::now(), Event::Break(duration)));
        }
        tokio::time::sleep(duration).await;
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, ErrorKind> {
        let mut state = self.state();
        state.status_reads += 1;
        match state.fail_status {
            Some(kind) => Err(kind),
            None => Ok(state.inputs),
        }
    }
}
