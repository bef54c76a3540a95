//! A scripted family for tests and demonstrations: a [`DeviceProtocol`] and [`PortOpener`]
//! that answer from a shared [`Script`] instead of hardware, and record what was asked.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use nut_hal::ErrorKind;

use super::{CommandError, DeviceError, DeviceProtocol, Identity, PortOpener, Reading};

/// What the runtime asked of a scripted family, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// The port was opened (successfully or not).
    Open,
    /// `identify`.
    Identify,
    /// `update`.
    Update,
    /// `instcmd` with its parameter.
    InstCmd(String, Option<String>),
    /// `set_var`.
    Set(String, String),
    /// `kill_power`.
    KillPower,
}

#[derive(Debug, Default)]
struct State {
    failed_opens: VecDeque<DeviceError>,
    identity: Identity,
    identify_errors: VecDeque<DeviceError>,
    reading: Reading,
    updates: VecDeque<Result<Reading, DeviceError>>,
    command_results: VecDeque<Result<(), CommandError>>,
    kill_result: Option<DeviceError>,
    calls: Vec<Call>,
}

/// The script both halves share; clone it to keep a handle for the test.
#[derive(Debug, Clone, Default)]
pub struct Script(Arc<Mutex<State>>);

/// A transport error of `kind` for scripts.
pub fn error(kind: ErrorKind) -> DeviceError {
    DeviceError::Transport {
        operation: "scripted".into(),
        kind,
        message: kind.as_str().into(),
    }
}

impl Script {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The family and its opener, sharing this script.
    pub fn family(&self) -> (ScriptedFamily, ScriptedOpener) {
        (ScriptedFamily(self.clone()), ScriptedOpener(self.clone()))
    }

    /// What `identify` answers.
    pub fn set_identity(&self, identity: Identity) {
        self.state().identity = identity;
    }

    /// What `update` answers when nothing is queued.
    pub fn set_reading(&self, reading: Reading) {
        self.state().reading = reading;
    }

    /// The reading `update` answers when nothing is queued.
    pub fn reading(&self) -> Reading {
        self.state().reading.clone()
    }

    /// Queues the outcome of the next `update`.
    pub fn push_update(&self, outcome: Result<Reading, DeviceError>) {
        self.state().updates.push_back(outcome);
    }

    /// The next `count` opens fail with `kind`.
    pub fn fail_opens(&self, count: usize, kind: ErrorKind) {
        let mut state = self.state();
        state.failed_opens.extend((0..count).map(|_| error(kind)));
    }

    /// The next `identify` fails with `error`.
    pub fn fail_identify(&self, error: DeviceError) {
        self.state().identify_errors.push_back(error);
    }

    /// Queues the outcome of the next `instcmd` or `set_var` (default: success, and a
    /// successful `set_var` changes the reading's value).
    pub fn push_command_result(&self, outcome: Result<(), CommandError>) {
        self.state().command_results.push_back(outcome);
    }

    /// Makes `kill_power` fail with `error`.
    pub fn fail_kill_power(&self, error: DeviceError) {
        self.state().kill_result = Some(error);
    }

    /// Everything asked so far.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// How many calls match `call`.
    pub fn count(&self, call: &Call) -> usize {
        self.state().calls.iter().filter(|c| *c == call).count()
    }
}

/// The scripted family (its port is [`ScriptedPort`]).
#[derive(Debug)]
pub struct ScriptedFamily(Script);

/// The scripted opener.
#[derive(Debug)]
pub struct ScriptedOpener(Script);

impl ScriptedOpener {
    /// The script this opener (and its family) answers from.
    pub fn script(&self) -> Script {
        self.0.clone()
    }
}

/// The port a [`ScriptedOpener`] opens: which opening it is (1 for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptedPort(pub usize);

impl PortOpener for ScriptedOpener {
    type Port = ScriptedPort;

    async fn open(&mut self) -> Result<ScriptedPort, DeviceError> {
        let mut state = self.0.state();
        state.calls.push(Call::Open);
        match state.failed_opens.pop_front() {
            Some(error) => Err(error),
            None => Ok(ScriptedPort(
                state.calls.iter().filter(|c| **c == Call::Open).count(),
            )),
        }
    }
}

impl DeviceProtocol for ScriptedFamily {
    type Port = ScriptedPort;

    fn name(&self) -> &'static str {
        "scripted-ups"
    }

    fn version(&self) -> &'static str {
        "0.01"
    }

    async fn identify(&mut self, _port: &mut ScriptedPort) -> Result<Identity, DeviceError> {
        let mut state = self.0.state();
        state.calls.push(Call::Identify);
        match state.identify_errors.pop_front() {
            Some(error) => Err(error),
            None => Ok(state.identity.clone()),
        }
    }

    async fn update(&mut self, _port: &mut ScriptedPort) -> Result<Reading, DeviceError> {
        let mut state = self.0.state();
        state.calls.push(Call::Update);
        match state.updates.pop_front() {
            Some(outcome) => outcome,
            None => Ok(state.reading.clone()),
        }
    }

    async fn instcmd(
        &mut self,
        _port: &mut ScriptedPort,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        let mut state = self.0.state();
        state
            .calls
            .push(Call::InstCmd(command.into(), param.map(Into::into)));
        state.command_results.pop_front().unwrap_or(Ok(()))
    }

    async fn set_var(
        &mut self,
        _port: &mut ScriptedPort,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        let mut state = self.0.state();
        state.calls.push(Call::Set(name.into(), value.into()));
        let outcome = state.command_results.pop_front().unwrap_or(Ok(()));
        if outcome.is_ok() {
            state.reading.set(name, value);
        }
        outcome
    }

    async fn kill_power(&mut self, _port: &mut ScriptedPort) -> Result<(), DeviceError> {
        let mut state = self.0.state();
        state.calls.push(Call::KillPower);
        match state.kill_result.clone() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// The keys a scripted driver program accepts: `charge` (`battery.charge`, default 100),
/// `status` (`ups.status` words, default `OL`), `failkill` (flag: killpower fails).
const SCRIPTED_KEYS: &[&str] = &["charge", "status", "failkill"];

impl super::Family for ScriptedFamily {
    type Opener = ScriptedOpener;
    const DRIVER_NAME: &'static str = "scripted-ups";
    const DESCRIPTION: &'static str = "Scripted test driver";
    const VERSION: &'static str = "0.01";

    fn config_keys() -> &'static [&'static str] {
        SCRIPTED_KEYS
    }

    /// A device that answers `port` as its serial number, `charge` and `status` from the
    /// settings, and supports `beeper.toggle`, a writable `ups.id` and `-k`.
    fn from_config(
        config: &super::DriverConfig,
    ) -> Result<(Self, ScriptedOpener), super::ConfigError> {
        let port = config.value("port").ok_or_else(|| super::ConfigError {
            key: "port".into(),
            value: None,
            reason: "no port configured".into(),
        })?;
        let charge: u8 = config.number("charge", 100)?;
        let script = Script::default();
        let mut info = Reading::default();
        info.set("ups.mfr", "Scripted");
        info.set("ups.serial", port);
        script.set_identity(Identity {
            info,
            commands: vec!["beeper.toggle".into()],
            writable: vec![("ups.id".into(), super::Writable::String(16))],
        });
        let mut reading = Reading::default();
        reading.set("battery.charge", charge.to_string());
        reading.set("ups.id", "scripted");
        for word in config.value("status").unwrap_or("OL").split_whitespace() {
            reading.status(word);
        }
        script.set_reading(reading);
        if config.flag("failkill") {
            script.fail_kill_power(error(ErrorKind::Timeout));
        }
        Ok(script.family())
    }
}
