//! The [`Modbus`] trait: a Modbus client (RTU or TCP) talking to one unit.

use alloc::vec::Vec;
use core::future::Future;

use crate::error::Error;

/// A Modbus client bound to one unit (slave) id.
///
/// Addresses are protocol addresses (0-based), not the 4xxxx "register numbers".
pub trait Modbus: Send {
    /// The error type. Modbus exception responses map to
    /// [`ErrorKind::Protocol`](crate::ErrorKind::Protocol).
    type Error: Error + Send;

    /// Function 0x03.
    fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> impl Future<Output = Result<Vec<u16>, Self::Error>> + Send;

    /// Function 0x04.
    fn read_input_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> impl Future<Output = Result<Vec<u16>, Self::Error>> + Send;

    /// Function 0x01.
    fn read_coils(
        &mut self,
        addr: u16,
        count: u16,
    ) -> impl Future<Output = Result<Vec<bool>, Self::Error>> + Send;

    /// Function 0x02.
    fn read_discrete_inputs(
        &mut self,
        addr: u16,
        count: u16,
    ) -> impl Future<Output = Result<Vec<bool>, Self::Error>> + Send;

    /// Function 0x06.
    fn write_register(
        &mut self,
        addr: u16,
        value: u16,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Function 0x10.
    fn write_registers(
        &mut self,
        addr: u16,
        values: &[u16],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Function 0x05.
    fn write_coil(
        &mut self,
        addr: u16,
        value: bool,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Function 0x0F.
    fn write_coils(
        &mut self,
        addr: u16,
        values: &[bool],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
