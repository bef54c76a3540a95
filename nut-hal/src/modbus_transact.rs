//! [`Transact`]: a Modbus link reduced to "one request, its reply", and the [`Modbus`]
//! methods written once on top of it — request limits checked before anything is sent, the
//! reply checked against the request — for [`TokioModbus`](crate::modbus_tokio::TokioModbus)
//! (TCP, RTU on a tty), [`HidModbus`](crate::modbus_hid::HidModbus) (RTU in USB HID reports)
//! and any link a driver puts together from them.

use std::borrow::ToOwned;
use std::format;
use std::vec::Vec;

use core::future::Future;

use crate::modbus::Modbus;
use crate::modbus_frame::{Reply, Request};
use crate::modbus_tokio::ModbusError;

/// Most registers one read may ask for (function 0x03/0x04).
pub const MAX_READ_REGISTERS: u16 = 125;
/// Most registers one write may carry (function 0x10).
pub const MAX_WRITE_REGISTERS: u16 = 123;
/// Most coils/inputs one read may ask for (function 0x01/0x02).
pub const MAX_READ_BITS: u16 = 2000;
/// Most coils one write may carry (function 0x0F).
pub const MAX_WRITE_COILS: u16 = 1968;

/// A Modbus link to one unit that carries one request and brings back its reply.
///
/// An exception response is [`ModbusError::Exception`] (a [`Reply::Exception`] is taken as
/// the same). Every `Transact` is a [`Modbus`].
pub trait Transact: Send {
    /// Send `request`, wait for its reply.
    fn transact(
        &mut self,
        request: Request,
    ) -> impl Future<Output = Result<Reply, ModbusError>> + Send;
}

fn check_count(count: u16, max: u16, what: &str) -> Result<(), ModbusError> {
    if count == 0 || count > max {
        return Err(ModbusError::InvalidInput(format!(
            "{count} {what}: must be 1..={max}"
        )));
    }
    Ok(())
}

fn check_len(len: usize, max: u16, what: &str) -> Result<u16, ModbusError> {
    let n = u16::try_from(len)
        .map_err(|_| ModbusError::InvalidInput(format!("{len} {what}: too many")))?;
    check_count(n, max, what)?;
    Ok(n)
}

fn mismatch(reply: &Reply) -> ModbusError {
    ModbusError::Protocol(format!("reply does not match the request: {reply:?}"))
}

/// Some units send more bits than asked (whole bytes); keep what was asked.
fn take<T>(mut v: Vec<T>, count: u16) -> Result<Vec<T>, ModbusError> {
    let want = usize::from(count);
    if v.len() < want {
        return Err(ModbusError::Protocol(format!(
            "asked for {want} items, got {}",
            v.len()
        )));
    }
    v.truncate(want);
    Ok(v)
}

async fn call<T: Transact + ?Sized>(link: &mut T, request: Request) -> Result<Reply, ModbusError> {
    match link.transact(request).await? {
        Reply::Exception(code) => Err(ModbusError::Exception { code }),
        reply => Ok(reply),
    }
}

async fn words<T: Transact + ?Sized>(
    link: &mut T,
    request: Request,
    count: u16,
) -> Result<Vec<u16>, ModbusError> {
    check_count(count, MAX_READ_REGISTERS, "registers")?;
    match call(link, request).await? {
        Reply::Words(v) => take(v, count),
        r => Err(mismatch(&r)),
    }
}

async fn bits<T: Transact + ?Sized>(
    link: &mut T,
    request: Request,
    count: u16,
) -> Result<Vec<bool>, ModbusError> {
    check_count(count, MAX_READ_BITS, "bits")?;
    match call(link, request).await? {
        Reply::Bits(v) => take(v, count),
        r => Err(mismatch(&r)),
    }
}

async fn wrote_one<T: Transact + ?Sized>(
    link: &mut T,
    request: Request,
    addr: u16,
    raw: u16,
) -> Result<(), ModbusError> {
    match call(link, request).await? {
        Reply::WroteOne(a, v) if a == addr && v == raw => Ok(()),
        r => Err(mismatch(&r)),
    }
}

async fn wrote_many<T: Transact + ?Sized>(
    link: &mut T,
    request: Request,
    addr: u16,
    count: u16,
) -> Result<(), ModbusError> {
    match call(link, request).await? {
        Reply::WroteMany(a, n) if a == addr && n == count => Ok(()),
        r => Err(mismatch(&r)),
    }
}

impl<T: Transact> Modbus for T {
    type Error = ModbusError;

    async fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        words(self, Request::ReadHoldingRegisters(addr, count), count).await
    }

    async fn read_input_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        words(self, Request::ReadInputRegisters(addr, count), count).await
    }

    async fn read_coils(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, ModbusError> {
        bits(self, Request::ReadCoils(addr, count), count).await
    }

    async fn read_discrete_inputs(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<bool>, ModbusError> {
        bits(self, Request::ReadDiscreteInputs(addr, count), count).await
    }

    async fn write_register(&mut self, addr: u16, value: u16) -> Result<(), ModbusError> {
        wrote_one(self, Request::WriteSingleRegister(addr, value), addr, value).await
    }

    async fn write_registers(&mut self, addr: u16, values: &[u16]) -> Result<(), ModbusError> {
        let n = check_len(values.len(), MAX_WRITE_REGISTERS, "registers")?;
        let request = Request::WriteMultipleRegisters(addr, values.to_owned());
        wrote_many(self, request, addr, n).await
    }

    async fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), ModbusError> {
        let raw = if value { 0xFF00 } else { 0 };
        wrote_one(self, Request::WriteSingleCoil(addr, value), addr, raw).await
    }

    async fn write_coils(&mut self, addr: u16, values: &[bool]) -> Result<(), ModbusError> {
        let n = check_len(values.len(), MAX_WRITE_COILS, "coils")?;
        let request = Request::WriteMultipleCoils(addr, values.to_owned());
        wrote_many(self, request, addr, n).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_trimming() {
        assert!(check_count(0, 125, "r").is_err());
        assert!(check_count(126, 125, "r").is_err());
        assert!(check_len(70_000, 123, "r").is_err());
        assert_eq!(check_len(3, 123, "r"), Ok(3));
        assert_eq!(take(std::vec![true; 8], 3).map(|v| v.len()), Ok(3));
        assert!(take(std::vec![1u16], 3).is_err());
    }
}
