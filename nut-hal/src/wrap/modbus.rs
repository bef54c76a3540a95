//! The wrappers as [`Modbus`] clients: [`Recording`] logs every request with the unit's
//! answer, [`Replaying`] plays a capture's Modbus lines back in order.

use alloc::format;
use alloc::vec::Vec;
use core::convert::Infallible;

use super::capture::Exchange;
use super::net_capture::{ModbusReply, ModbusRequest};
use super::recording::Recording;
use super::replaying::Replaying;
use crate::error::{Error, ErrorKind, WrapError};
use crate::modbus::Modbus;

type ReplayError = WrapError<Infallible>;

impl Replaying {
    /// The recorded answer to `request`, which must be the next SNMP or Modbus line.
    fn modbus_answer(&mut self, request: ModbusRequest) -> Result<ModbusReply, ReplayError> {
        self.next_net_answer(&request, |line| match line {
            Exchange::Modbus {
                request: expected,
                reply,
            } if expected == request => Ok(reply),
            other => Err(other),
        })
    }

    fn modbus_registers(&mut self, request: ModbusRequest) -> Result<Vec<u16>, ReplayError> {
        match self.modbus_answer(request)? {
            ModbusReply::Registers(values) => Ok(values),
            other => Err(mismatched(&other)),
        }
    }

    fn modbus_bits(&mut self, request: ModbusRequest) -> Result<Vec<bool>, ReplayError> {
        match self.modbus_answer(request)? {
            ModbusReply::Bits(values) => Ok(values),
            other => Err(mismatched(&other)),
        }
    }

    fn modbus_written(&mut self, request: ModbusRequest) -> Result<(), ReplayError> {
        match self.modbus_answer(request)? {
            ModbusReply::Written => Ok(()),
            other => Err(mismatched(&other)),
        }
    }
}

fn mismatched(reply: &ModbusReply) -> ReplayError {
    WrapError::own(
        ErrorKind::Protocol,
        format!("the capture answers {reply:?}, which does not fit the request"),
    )
}

/// Plays the Modbus lines of a capture in order: each call must be the next recorded
/// request (same function, address, count or values), else it fails with
/// [`ErrorKind::Protocol`] and the capture stays where it was. The recorded answer is
/// returned, or the recorded error with its kind. Past the end of the capture every call is
/// [`ErrorKind::Disconnected`].
impl Modbus for Replaying {
    type Error = ReplayError;

    async fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ReplayError> {
        self.modbus_registers(ModbusRequest::ReadHolding { addr, count })
    }

    async fn read_input_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ReplayError> {
        self.modbus_registers(ModbusRequest::ReadInput { addr, count })
    }

    async fn read_coils(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, ReplayError> {
        self.modbus_bits(ModbusRequest::ReadCoils { addr, count })
    }

    async fn read_discrete_inputs(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<bool>, ReplayError> {
        self.modbus_bits(ModbusRequest::ReadDiscrete { addr, count })
    }

    async fn write_register(&mut self, addr: u16, value: u16) -> Result<(), ReplayError> {
        self.modbus_written(ModbusRequest::WriteRegister { addr, value })
    }

    async fn write_registers(&mut self, addr: u16, values: &[u16]) -> Result<(), ReplayError> {
        let values = values.to_vec();
        self.modbus_written(ModbusRequest::WriteRegisters { addr, values })
    }

    async fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), ReplayError> {
        self.modbus_written(ModbusRequest::WriteCoil { addr, value })
    }

    async fn write_coils(&mut self, addr: u16, values: &[bool]) -> Result<(), ReplayError> {
        let values = values.to_vec();
        self.modbus_written(ModbusRequest::WriteCoils { addr, values })
    }
}

impl<M> Recording<M> {
    /// Log `request` with the outcome `result`, and pass the outcome on.
    fn log_modbus<T: Clone + Into<ModbusReply>, E: Error>(
        &mut self,
        request: ModbusRequest,
        result: Result<T, E>,
    ) -> Result<T, E> {
        self.push(Exchange::Modbus {
            request,
            reply: result
                .as_ref()
                .map(|v| v.clone().into())
                .map_err(Error::kind),
        });
        result
    }
}

/// Logs every request with its answer (errors by kind: an exception is
/// [`ErrorKind::Protocol`] or [`ErrorKind::Busy`], timeouts included).
impl<M: Modbus> Modbus for Recording<M> {
    type Error = M::Error;

    async fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, M::Error> {
        let r = self.inner_mut().read_holding_registers(addr, count).await;
        self.log_modbus(ModbusRequest::ReadHolding { addr, count }, r)
    }

    async fn read_input_registers(&mut self, addr: u16, count: u16) -> Result<Vec<u16>, M::Error> {
        let r = self.inner_mut().read_input_registers(addr, count).await;
        self.log_modbus(ModbusRequest::ReadInput { addr, count }, r)
    }

    async fn read_coils(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, M::Error> {
        let r = self.inner_mut().read_coils(addr, count).await;
        self.log_modbus(ModbusRequest::ReadCoils { addr, count }, r)
    }

    async fn read_discrete_inputs(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, M::Error> {
        let r = self.inner_mut().read_discrete_inputs(addr, count).await;
        self.log_modbus(ModbusRequest::ReadDiscrete { addr, count }, r)
    }

    async fn write_register(&mut self, addr: u16, value: u16) -> Result<(), M::Error> {
        let r = self.inner_mut().write_register(addr, value).await;
        self.log_modbus(ModbusRequest::WriteRegister { addr, value }, r)
    }

    async fn write_registers(&mut self, addr: u16, values: &[u16]) -> Result<(), M::Error> {
        let r = self.inner_mut().write_registers(addr, values).await;
        let values = values.to_vec();
        self.log_modbus(ModbusRequest::WriteRegisters { addr, values }, r)
    }

    async fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), M::Error> {
        let r = self.inner_mut().write_coil(addr, value).await;
        self.log_modbus(ModbusRequest::WriteCoil { addr, value }, r)
    }

    async fn write_coils(&mut self, addr: u16, values: &[bool]) -> Result<(), M::Error> {
        let r = self.inner_mut().write_coils(addr, values).await;
        let values = values.to_vec();
        self.log_modbus(ModbusRequest::WriteCoils { addr, values }, r)
    }
}
