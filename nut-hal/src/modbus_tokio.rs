//! [`TokioModbus`]: a [`Modbus`](crate::modbus::Modbus) client over the `tokio-modbus` crate
//! (0.17), on Modbus TCP or on Modbus RTU over any byte stream (a serial port, a TCP tunnel).
//!
//! Error mapping ([`ModbusError::kind`]):
//!
//! * an exception response → [`ModbusError::Exception`] with its code, kind
//!   [`ErrorKind::Protocol`] (`ServerDeviceBusy` → [`ErrorKind::Busy`]);
//! * no answer within the timeout → [`ErrorKind::Timeout`]. The late answer may still
//!   arrive, so the session is dropped: every later call is [`ErrorKind::Disconnected`]
//!   and the caller reconnects;
//! * the peer closed or reset the connection → [`ErrorKind::Disconnected`];
//! * bytes that never make a frame (an RTU reply whose CRC is wrong) →
//!   [`ErrorKind::Protocol`], and the session is dropped like after a timeout;
//! * a reply that does not match the request → [`ErrorKind::Protocol`];
//! * a count the protocol cannot carry → [`ErrorKind::InvalidInput`], nothing sent.

use std::fmt;
use std::net::SocketAddr;
use std::string::{String, ToString};
use std::time::Duration;

use std::borrow::Cow;
use tokio::io::{AsyncRead, AsyncWrite};

use tokio_modbus::client::{Client, Context};
use tokio_modbus::{Request, Response, Slave};

use crate::error::{Error, ErrorKind};
use crate::modbus_frame::{Reply, Request as Request_};
use crate::modbus_transact::Transact;
pub use crate::modbus_transact::{
    MAX_READ_BITS, MAX_READ_REGISTERS, MAX_WRITE_COILS, MAX_WRITE_REGISTERS,
};

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
    /// Bytes already waiting on the line (a late reply) are discarded first.
    pub fn open_rtu(
        path: &str,
        settings: crate::serial::LineSettings,
        unit: u8,
        timeout: Duration,
    ) -> Result<Self, ModbusError> {
        let failed = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::InvalidInput => ModbusError::InvalidInput(format!("{path}: {e}")),
            _ => ModbusError::Disconnected(format!("{path}: {e}")),
        };
        let port = crate::tty::TtySerial::open(path, settings).map_err(failed)?;
        port.discard_pending().map_err(failed)?;
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
        let (r, broken) = match tokio::time::timeout(timeout, Client::call(ctx, req)).await {
            // A transport failure, undecodable bytes included (an RTU reply whose CRC never
            // holds): the stream may still hold part of a frame, so it cannot go on.
            Ok(r) => {
                let broken = matches!(r, Err(tokio_modbus::Error::Transport(_)));
                (flatten(r), broken)
            }
            Err(_) => (Err(ModbusError::Timeout(timeout)), true),
        };
        if broken || matches!(r, Err(ModbusError::Disconnected(_))) {
            self.ctx = None;
        }
        r
    }
}

/// tokio-modbus' request for ours.
fn to_tokio(request: Request_) -> Request<'static> {
    match request {
        Request_::ReadCoils(a, n) => Request::ReadCoils(a, n),
        Request_::ReadDiscreteInputs(a, n) => Request::ReadDiscreteInputs(a, n),
        Request_::ReadHoldingRegisters(a, n) => Request::ReadHoldingRegisters(a, n),
        Request_::ReadInputRegisters(a, n) => Request::ReadInputRegisters(a, n),
        Request_::WriteSingleCoil(a, v) => Request::WriteSingleCoil(a, v),
        Request_::WriteSingleRegister(a, v) => Request::WriteSingleRegister(a, v),
        Request_::WriteMultipleCoils(a, vs) => Request::WriteMultipleCoils(a, Cow::Owned(vs)),
        Request_::WriteMultipleRegisters(a, vs) => {
            Request::WriteMultipleRegisters(a, Cow::Owned(vs))
        }
    }
}

/// Our reply for tokio-modbus' response.
fn from_tokio(response: Response) -> Result<Reply, ModbusError> {
    Ok(match response {
        Response::ReadCoils(v) | Response::ReadDiscreteInputs(v) => Reply::Bits(v),
        Response::ReadHoldingRegisters(v) | Response::ReadInputRegisters(v) => Reply::Words(v),
        Response::WriteSingleCoil(a, v) => Reply::WroteOne(a, if v { 0xFF00 } else { 0 }),
        Response::WriteSingleRegister(a, v) => Reply::WroteOne(a, v),
        Response::WriteMultipleCoils(a, n) | Response::WriteMultipleRegisters(a, n) => {
            Reply::WroteMany(a, n)
        }
        other => {
            return Err(ModbusError::Protocol(format!(
                "reply does not match the request: {other:?}"
            )));
        }
    })
}

impl Transact for TokioModbus {
    async fn transact(&mut self, request: Request_) -> Result<Reply, ModbusError> {
        from_tokio(self.run(to_tokio(request)).await?)
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
        assert_eq!(
            flatten::<()>(Ok(Err(ExceptionCode::IllegalDataAddress))),
            Err(ModbusError::Exception { code: 2 })
        );
    }
}
