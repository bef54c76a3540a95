//! [`TokioModbus`]: a [`Modbus`] client over the `tokio-modbus` crate (0.17), on Modbus TCP
//! or on Modbus RTU over any byte stream (a serial port, a TCP tunnel, a USB-HID pipe).
//!
//! Error mapping ([`ModbusError::kind`]):
//!
//! * an exception response → [`ModbusError::Exception`] with its code, kind
//!   [`ErrorKind::Protocol`] (`ServerDeviceBusy` → [`ErrorKind::Busy`]);
//! * no answer within the timeout → [`ErrorKind::Timeout`]. The late answer may still
//!   arrive, so the session is dropped: every later call is [`ErrorKind::Disconnected`]
//!   and the caller reconnects;
//! * the peer closed or reset the connection → [`ErrorKind::Disconnected`];
//! * a reply that does not match the request → [`ErrorKind::Protocol`];
//! * a count the protocol cannot carry → [`ErrorKind::InvalidInput`], nothing sent.

use std::fmt;
use std::net::SocketAddr;
use std::string::{String, ToString};
use std::time::Duration;
use std::vec::Vec;

use std::borrow::Cow;
use tokio::io::{AsyncRead, AsyncWrite};

use tokio_modbus::client::{Client, Context};
use tokio_modbus::{Request, Response, Slave};

use crate::error::{Error, ErrorKind};
use crate::modbus::Modbus;

/// Most registers one read may ask for (function 0x03/0x04).
pub const MAX_READ_REGISTERS: u16 = 125;
/// Most registers one write may carry (function 0x10).
pub const MAX_WRITE_REGISTERS: u16 = 123;
/// Most coils/inputs one read may ask for (function 0x01/0x02).
pub const MAX_READ_BITS: u16 = 2000;
/// Most coils one write may carry (function 0x0F).
pub const MAX_WRITE_COILS: u16 = 1968;

/// Why a Modbus request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModbusError {
    /// The unit answered with an exception.
    #[error("Modbus exception {code:#04x} ({})", exception_name(*.code))]
    Exception {
        /// The exception code (1 illegal function, 2 illegal data address, 3 illegal data
        /// value, 4 server device failure, 6 busy, …).
        code: u8,
    },
    /// No answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection is closed (by the peer, or dropped after a timeout).
    #[error("disconnected: {0}")]
    Disconnected(String),
    /// Another I/O failure.
    #[error("I/O error: {0}")]
    Io(String),
    /// The reply did not match the request.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The request cannot be sent as asked.
    #[error("invalid request: {0}")]
    InvalidInput(String),
}

fn exception_name(code: u8) -> &'static str {
    match code {
        1 => "illegal function",
        2 => "illegal data address",
        3 => "illegal data value",
        4 => "server device failure",
        5 => "acknowledge",
        6 => "server device busy",
        8 => "memory parity error",
        0x0a => "gateway path unavailable",
        0x0b => "gateway target device failed to respond",
        _ => "unknown",
    }
}

impl ModbusError {
    /// The exception code, if the unit answered with one.
    pub fn exception_code(&self) -> Option<u8> {
        match self {
            ModbusError::Exception { code } => Some(*code),
            _ => None,
        }
    }
}

impl Error for ModbusError {
    fn kind(&self) -> ErrorKind {
        match self {
            ModbusError::Exception { code: 6 } => ErrorKind::Busy,
            ModbusError::Exception { .. } | ModbusError::Protocol(_) => ErrorKind::Protocol,
            ModbusError::Timeout(_) => ErrorKind::Timeout,
            ModbusError::Disconnected(_) => ErrorKind::Disconnected,
            ModbusError::Io(_) => ErrorKind::Io,
            ModbusError::InvalidInput(_) => ErrorKind::InvalidInput,
        }
    }
}

fn from_io(e: &std::io::Error) -> ModbusError {
    match Error::kind(e) {
        ErrorKind::Disconnected => ModbusError::Disconnected(e.to_string()),
        ErrorKind::Timeout => ModbusError::Io(format!("timed out in the socket: {e}")),
        ErrorKind::Protocol => ModbusError::Protocol(e.to_string()),
        _ => ModbusError::Io(e.to_string()),
    }
}

/// Flatten tokio-modbus' `Result<Result<T, ExceptionCode>, Error>`.
fn flatten<T>(r: tokio_modbus::Result<T>) -> Result<T, ModbusError> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(code)) => Err(ModbusError::Exception {
            code: u8::from(code),
        }),
        // After a transport error the framed stream cannot resume, and tokio-modbus 0.17
        // reports a peer's EOF as `io::Error::last_os_error()` (an unrelated errno): so any
        // I/O failure during a call, except undecodable data, is a lost connection.
        Err(tokio_modbus::Error::Transport(e)) => Err(match from_io(&e) {
            p @ ModbusError::Protocol(_) => p,
            _ => ModbusError::Disconnected(e.to_string()),
        }),
        Err(tokio_modbus::Error::Protocol(p)) => Err(ModbusError::Protocol(p.to_string())),
    }
}

/// A Modbus client bound to one unit id, with a per-request timeout.
pub struct TokioModbus {
    ctx: Option<Context>,
    timeout: Duration,
    peer: String,
}

impl fmt::Debug for TokioModbus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioModbus")
            .field("peer", &self.peer)
            .field("open", &self.ctx.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TokioModbus {
    /// Connect to a Modbus TCP server (port 502 on an APC network card) for unit `unit`.
    pub async fn connect_tcp(
        addr: SocketAddr,
        unit: u8,
        timeout: Duration,
    ) -> Result<Self, ModbusError> {
        let ctx = tokio::time::timeout(
            timeout,
            tokio_modbus::client::tcp::connect_slave(addr, Slave(unit)),
        )
        .await
        .map_err(|_| ModbusError::Timeout(timeout))?
        .map_err(|e| from_io(&e))?;
        Ok(TokioModbus {
            ctx: Some(ctx),
            timeout,
            peer: addr.to_string(),
        })
    }

    /// Modbus TCP framing (MBAP header) over an already open byte stream.
    pub fn attach_tcp<T>(transport: T, unit: u8, timeout: Duration) -> Self
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug + 'static,
    {
        TokioModbus {
            ctx: Some(tokio_modbus::client::tcp::attach_slave(
                transport,
                Slave(unit),
            )),
            timeout,
            peer: "attached TCP stream".into(),
        }
    }

    /// Modbus RTU framing (address + CRC) over a byte stream, e.g. an open serial port.
    pub fn attach_rtu<T>(transport: T, unit: u8, timeout: Duration) -> Self
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        TokioModbus {
            ctx: Some(tokio_modbus::client::rtu::attach_slave(
                transport,
                Slave(unit),
            )),
            timeout,
            peer: "attached RTU stream".into(),
        }
    }

    /// Modbus RTU on the serial port at `path` (a tty: `/dev/ttyS0`, a USB-serial adapter, a
    /// pty) with `settings` (APC: 9600 8N1), through [`TtySerial`](crate::tty::TtySerial).
    pub fn open_rtu(
        path: &str,
        settings: crate::serial::LineSettings,
        unit: u8,
        timeout: Duration,
    ) -> Result<Self, ModbusError> {
        let port = crate::tty::TtySerial::open(path, settings).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput => ModbusError::InvalidInput(format!("{path}: {e}")),
            _ => ModbusError::Disconnected(format!("{path}: {e}")),
        })?;
        let mut session = Self::attach_rtu(port, unit, timeout);
        session.peer = path.to_string();
        Ok(session)
    }

    /// Whether the session can still be used (not closed by a timeout or the peer).
    pub fn is_open(&self) -> bool {
        self.ctx.is_some()
    }

    /// Close the session.
    pub async fn disconnect(&mut self) -> Result<(), ModbusError> {
        match self.ctx.take() {
            Some(mut ctx) => ctx.disconnect().await.map_err(|e| from_io(&e)),
            None => Ok(()),
        }
    }

    /// Run one request with the timeout; drop the session on timeout or disconnection.
    async fn run(&mut self, req: Request<'static>) -> Result<Response, ModbusError> {
        let timeout = self.timeout;
        let Some(ctx) = self.ctx.as_mut() else {
            return Err(ModbusError::Disconnected(
                "session closed (after a timeout or by the peer); reconnect".into(),
            ));
        };
        let r = match tokio::time::timeout(timeout, Client::call(ctx, req)).await {
            Ok(r) => flatten(r),
            Err(_) => Err(ModbusError::Timeout(timeout)),
        };
        if matches!(
            r,
            Err(ModbusError::Timeout(_) | ModbusError::Disconnected(_))
        ) {
            self.ctx = None;
        }
        r
    }
}

fn mismatch(r: &Response) -> ModbusError {
    ModbusError::Protocol(format!("reply does not match the request: {r:?}"))
}

fn check_count(count: u16, max: u16, what: &str) -> Result<(), ModbusError> {
    if count == 0 || count > max {
        return Err(ModbusError::InvalidInput(format!(
            "{count} {what}: must be 1..={max}"
        )));
    }
    Ok(())
}

fn check_len(len: usize, max: u16, what: &str) -> Result<(), ModbusError> {
    match u16::try_from(len) {
        Ok(n) => check_count(n, max, what),
        Err(_) => Err(ModbusError::InvalidInput(format!("{len} {what}: too many"))),
    }
}

/// Some servers send more bits than asked (whole bytes); keep what was asked.
fn trim<T>(mut v: Vec<T>, count: u16) -> Result<Vec<T>, ModbusError> {
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

impl Modbus for TokioModbus {
    type Error = ModbusError;

    async fn read_holding_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        check_count(count, MAX_READ_REGISTERS, "registers")?;
        match self.run(Request::ReadHoldingRegisters(addr, count)).await? {
            Response::ReadHoldingRegisters(v) => trim(v, count),
            r => Err(mismatch(&r)),
        }
    }

    async fn read_input_registers(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        check_count(count, MAX_READ_REGISTERS, "registers")?;
        match self.run(Request::ReadInputRegisters(addr, count)).await? {
            Response::ReadInputRegisters(v) => trim(v, count),
            r => Err(mismatch(&r)),
        }
    }

    async fn read_coils(&mut self, addr: u16, count: u16) -> Result<Vec<bool>, ModbusError> {
        check_count(count, MAX_READ_BITS, "coils")?;
        match self.run(Request::ReadCoils(addr, count)).await? {
            Response::ReadCoils(v) => trim(v, count),
            r => Err(mismatch(&r)),
        }
    }

    async fn read_discrete_inputs(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Vec<bool>, ModbusError> {
        check_count(count, MAX_READ_BITS, "inputs")?;
        match self.run(Request::ReadDiscreteInputs(addr, count)).await? {
            Response::ReadDiscreteInputs(v) => trim(v, count),
            r => Err(mismatch(&r)),
        }
    }

    async fn write_register(&mut self, addr: u16, value: u16) -> Result<(), ModbusError> {
        match self.run(Request::WriteSingleRegister(addr, value)).await? {
            Response::WriteSingleRegister(a, v) if a == addr && v == value => Ok(()),
            r => Err(mismatch(&r)),
        }
    }

    async fn write_registers(&mut self, addr: u16, values: &[u16]) -> Result<(), ModbusError> {
        check_len(values.len(), MAX_WRITE_REGISTERS, "registers")?;
        let req = Request::WriteMultipleRegisters(addr, Cow::Owned(values.to_vec()));
        match self.run(req).await? {
            Response::WriteMultipleRegisters(a, n)
                if a == addr && usize::from(n) == values.len() =>
            {
                Ok(())
            }
            r => Err(mismatch(&r)),
        }
    }

    async fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), ModbusError> {
        match self.run(Request::WriteSingleCoil(addr, value)).await? {
            Response::WriteSingleCoil(a, v) if a == addr && v == value => Ok(()),
            r => Err(mismatch(&r)),
        }
    }

    async fn write_coils(&mut self, addr: u16, values: &[bool]) -> Result<(), ModbusError> {
        check_len(values.len(), MAX_WRITE_COILS, "coils")?;
        let req = Request::WriteMultipleCoils(addr, Cow::Owned(values.to_vec()));
        match self.run(req).await? {
            Response::WriteMultipleCoils(a, n) if a == addr && usize::from(n) == values.len() => {
                Ok(())
            }
            r => Err(mismatch(&r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_modbus::ExceptionCode;

    #[test]
    fn kinds() {
        assert_eq!(
            ModbusError::Exception { code: 2 }.kind(),
            ErrorKind::Protocol
        );
        assert_eq!(ModbusError::Exception { code: 6 }.kind(), ErrorKind::Busy);
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert_eq!(from_io(&eof).kind(), ErrorKind::Disconnected);
        assert!(check_count(0, 125, "r").is_err());
        assert!(check_count(126, 125, "r").is_err());
        assert!(check_len(70_000, 123, "r").is_err());
        assert!(trim(vec![true; 8], 3).unwrap().len() == 3);
        assert!(trim(vec![1u16], 3).is_err());
        assert_eq!(
            flatten::<()>(Ok(Err(ExceptionCode::IllegalDataAddress))),
            Err(ModbusError::Exception { code: 2 })
        );
    }
}
