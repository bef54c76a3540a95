//! Modbus test doubles: [`ReplayingModbus`], a register map answered as a unit would
//! (exception 2 for an address it does not have), and [`FaultInjectingModbus`], which breaks
//! any [`Modbus`] on a schedule (timeouts, exceptions, garbage data, disconnects).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, WrapError};
use crate::modbus::Modbus;

/// An exception response from [`ReplayingModbus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("Modbus exception {code:#04x}")]
pub struct ModbusException {
    /// The exception code (2: illegal data address, 3: illegal data value).
    pub code: u8,
}

impl Error for ModbusException {
    fn kind(&self) -> ErrorKind {
        if self.code == 6 {
            ErrorKind::Busy
        } else {
            ErrorKind::Protocol
        }
    }
}

const ILLEGAL_ADDRESS: ModbusException = ModbusException { code: 2 };
const ILLEGAL_VALUE: ModbusException = ModbusException { code: 3 };

/// A unit's four tables. Reads and writes touching an address that is not in the table
/// answer exception 2; only holding registers and coils can be written.
#[derive(Debug, Clone, Default)]
pub struct ReplayingModbus {
    /// Holding registers (function 0x03, 0x06, 0x10).
    pub holding: BTreeMap<u16, u16>,
    /// Input registers (function 0x04).
    pub input: BTreeMap<u16, u16>,
    /// Coils (function 0x01, 0x05, 0x0F).
    pub coils: BTreeMap<u16, bool>,
    /// Discrete inputs (function 0x02).
    pub discrete: BTreeMap<u16, bool>,
    requests: u64,
}

fn read<V: Copy>(m: &BTreeMap<u16, V>, addr: u16, count: u16) -> Result<Vec<V>, ModbusException> {
    if count == 0 {
        return Err(ILLEGAL_VALUE);
    }
    (0..count)
        .map(|i| {
            addr.checked_add(i)
                .and_then(|a| m.get(&a).copied())
                .ok_or(ILLEGAL_ADDRESS)
        })
        .collect()
}

fn write<V: Copy>(
    m: &mut BTreeMap<u16, V>,
    addr: u16,
    values: &[V],
) -> Result<(), ModbusException> {
    if values.is_empty() {
        return Err(ILLEGAL_VALUE);
    }
    let mut keys = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        let a = u16::try_from(i)
            .ok()
            .and_then(|i| addr.checked_add(i))
            .filter(|a| m.contains_key(a))
            .ok_or(ILLEGAL_ADDRESS)?;
        keys.push(a);
    }
    for (a, v) in keys.into_iter().zip(values) {
        m.insert(a, *v);
    }
    Ok(())
}

impl ReplayingModbus {
    /// An empty unit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holding registers from `start`, one per value.
    pub fn with_holding(mut self, start: u16, values: &[u16]) -> Self {
        for (a, v) in (start..).zip(values) {
            self.holding.insert(a, *v);
        }
        self
    }

    /// Input registers from `start`, one per value.
    pub fn with_input(mut self, start: u16, values: &[u16]) -> Self {
        for (a, v) in (start..).zip(values) {
            self.input.insert(a, *v);
        }
        self
    }

    /// Coils from `start`.
    pub fn with_coils(mut self, start: u16, values: &[bool]) -> Self {
        for (a, v) in (start..).zip(values) {
            self.coils.insert(a, *v);
        }
        self
    }

    /// Discrete inputs from `start`.
    pub fn with_discrete(mut self, start: u16, values: &[bool]) -> Self {
        for (a, v) in (start..).zip(values) {
            self.discrete.insert(a, *v);
        }
        self
    }

    /// How many requests were answered (or refused) so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }
}

impl Modbus for ReplayingModbus {
    type Error = ModbusException;

    async fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusException> {
        self.requests += 1;
        read(&self.holding, addr, count)
    }

    async fn read_input_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusException> {
        self.requests += 1;
        read(&self.input, addr, count)
    }

    async fn read_coils(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, ModbusException> {
        self.requests += 1;
        read(&self.coils, addr, count)
    }

    async fn read_discrete_inputs(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<bool>, ModbusException> {
        self.requests += 1;
        read(&self.discrete, addr, count)
    }

    async fn write_register(&mut self, addr: u16, value: u16) -> Result<(), ModbusException> {
        self.requests += 1;
        write(&mut self.holding, addr, &[value])
    }

    async fn write_registers(&mut self, addr: u16, values: &[u16]) -> Result<(), ModbusException> {
        self.requests += 1;
        write(&mut self.holding, addr, values)
    }

    async fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), ModbusException> {
        self.requests += 1;
        write(&mut self.coils, addr, &[value])
    }

    async fn write_coils(&mut self, addr: u16, values: &[bool]) -> Result<(), ModbusException> {
        self.requests += 1;
        write(&mut self.coils, addr, values)
    }
}

/// A fault to inject into one Modbus request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModbusFault {
    /// The request fails with [`ErrorKind::Timeout`]; the wrapped client is not called.
    Timeout,
    /// The request fails as exception `code` would ([`ErrorKind::Protocol`]).
    Exception(u8),
    /// A read answers with every register set to this value (garbage data); on a write, no
    /// effect.
    Garbage(u16),
    /// A read answers one item short, which a driver must notice.
    Short,
    /// This request and every later one fail with [`ErrorKind::Disconnected`].
    Disconnect,
}

/// Wraps a [`Modbus`] and injects [`ModbusFault`]s into chosen requests (counted from 0).
#[derive(Debug)]
pub struct FaultInjectingModbus<M> {
    inner: M,
    faults: BTreeMap<u64, ModbusFault>,
    count: u64,
    disconnected: bool,
}

impl<M> FaultInjectingModbus<M> {
    /// Wrap `inner` with an empty schedule.
    pub fn new(inner: M) -> Self {
        FaultInjectingModbus {
            inner,
            faults: BTreeMap::new(),
            count: 0,
            disconnected: false,
        }
    }

    /// Inject `fault` into request number `index`.
    pub fn on_request(mut self, index: u64, fault: ModbusFault) -> Self {
        self.faults.insert(index, fault);
        self
    }

    /// The wrapped client.
    pub fn inner_mut(&mut self) -> &mut M {
        &mut self.inner
    }

    fn begin<E>(&mut self) -> Result<Option<ModbusFault>, WrapError<E>> {
        let n = self.count;
        self.count += 1;
        if self.disconnected {
            return Err(WrapError::own(ErrorKind::Disconnected, "disconnected"));
        }
        match self.faults.remove(&n) {
            Some(ModbusFault::Timeout) => Err(WrapError::own(
                ErrorKind::Timeout,
                format!("injected timeout on request {n}"),
            )),
            Some(ModbusFault::Exception(code)) => Err(WrapError::own(
                if code == 6 {
                    ErrorKind::Busy
                } else {
                    ErrorKind::Protocol
                },
                format!("injected exception {code:#04x} on request {n}"),
            )),
            Some(ModbusFault::Disconnect) => {
                self.disconnected = true;
                Err(WrapError::own(
                    ErrorKind::Disconnected,
                    format!("injected disconnect on request {n}"),
                ))
            }
            other => Ok(other),
        }
    }
}

fn spoil_words(mut v: Vec<u16>, f: Option<ModbusFault>) -> Vec<u16> {
    match f {
        Some(ModbusFault::Garbage(g)) => v.iter_mut().for_each(|w| *w = g),
        Some(ModbusFault::Short) => {
            v.pop();
        }
        _ => {}
    }
    v
}

fn spoil_bits(mut v: Vec<bool>, f: Option<ModbusFault>) -> Vec<bool> {
    match f {
        Some(ModbusFault::Garbage(g)) => v.iter_mut().for_each(|b| *b = g != 0),
        Some(ModbusFault::Short) => {
            v.pop();
        }
        _ => {}
    }
    v
}

impl<M: Modbus> Modbus for FaultInjectingModbus<M> {
    type Error = WrapError<M::Error>;

    async fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, Self::Error> {
        let f = self.begin()?;
        let v = self.inner.read_holding_registers(addr, count).await;
        Ok(spoil_words(v.map_err(WrapError::Inner)?, f))
    }

    async fn read_input_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, Self::Error> {
        let f = self.begin()?;
        let v = self.inner.read_input_registers(addr, count).await;
        Ok(spoil_words(v.map_err(WrapError::Inner)?, f))
    }

    async fn read_coils(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, Self::Error> {
        let f = self.begin()?;
        let v = self.inner.read_coils(addr, count).await;
        Ok(spoil_bits(v.map_err(WrapError::Inner)?, f))
    }

    async fn read_discrete_inputs(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<bool>, Self::Error> {
        let f = self.begin()?;
        let v = self.inner.read_discrete_inputs(addr, count).await;
        Ok(spoil_bits(v.map_err(WrapError::Inner)?, f))
    }

    async fn write_register(&mut self, addr: u16, value: u16) -> Result<(), Self::Error> {
        self.begin()?;
        self.inner
            .write_register(addr, value)
            .await
            .map_err(WrapError::Inner)
    }

    async fn write_registers(&mut self, addr: u16, values: &[u16]) -> Result<(), Self::Error> {
        self.begin()?;
        self.inner
            .write_registers(addr, values)
            .await
            .map_err(WrapError::Inner)
    }

    async fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), Self::Error> {
        self.begin()?;
        self.inner
            .write_coil(addr, value)
            .await
            .map_err(WrapError::Inner)
    }

    async fn write_coils(&mut self, addr: u16, values: &[bool]) -> Result<(), Self::Error> {
        self.begin()?;
        self.inner
            .write_coils(addr, values)
            .await
            .map_err(WrapError::Inner)
    }
}
