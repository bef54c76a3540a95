//! [`IoImage`]: a simulated remote-I/O box as a tokio-modbus TCP server (or Modbus RTU on a
//! byte stream, [`IoImage::serve_rtu`]) — [`SIZE`] coils,
//! discrete inputs, input registers and holding registers — for tests and demos. Feature
//! `modbus-sim`. Reads beyond the image answer exception 2 (illegal data address), function
//! codes it does not serve exception 1; [`IoImage::set_refusing`] makes it answer every request
//! with an exception, [`IoImage::set_silent`] makes it stop answering, [`IoImage::restart`]
//! drops every open connection (as a box that reboots).

use std::future::{self, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use nut_hal::modbus_frame as frame;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_modbus::server::Service;
use tokio_modbus::server::tcp::Server;
use tokio_modbus::{Request, Response};

/// The Modbus exception codes [`IoImage::set_refusing`] answers with.
pub use tokio_modbus::ExceptionCode;

use super::settings::RegType;
use crate::apc_modbus::sim::rtu::serve_rtu_frames;

/// Number of points in each of the four tables.
pub const SIZE: usize = 64;

/// One write a client made: table, address and value (a coil as 0/1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    /// The table written.
    pub table: RegType,
    /// The address written.
    pub addr: u16,
    /// The value written.
    pub value: u16,
}

#[derive(Debug)]
struct Image {
    coils: Vec<bool>,
    inputs: Vec<bool>,
    input_regs: Vec<u16>,
    holding: Vec<u16>,
    writes: Vec<Write>,
}

/// The four tables of a simulated remote-I/O box, shared with every connection it serves.
#[derive(Debug, Clone)]
pub struct IoImage {
    image: Arc<Mutex<Image>>,
    mute: Arc<AtomicBool>,
    refuse: Arc<Mutex<Option<ExceptionCode>>>,
    requests: Arc<AtomicU64>,
    generation: Arc<AtomicU64>,
    connections: Arc<AtomicU64>,
}

/// A served connection that fails (and is closed) at its next read or write once the image
/// has been [restarted](IoImage::restart).
struct Connection {
    stream: TcpStream,
    generation: u64,
    current: Arc<AtomicU64>,
}

impl Connection {
    fn check(&self) -> io::Result<()> {
        if self.current.load(Ordering::SeqCst) == self.generation {
            Ok(())
        } else {
            Err(io::ErrorKind::ConnectionReset.into())
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

impl Default for IoImage {
    fn default() -> Self {
        IoImage::new()
    }
}

type Reply = Pin<Box<dyn Future<Output = Result<Response, ExceptionCode>> + Send>>;

fn span(addr: u16, count: usize) -> Result<std::ops::Range<usize>, ExceptionCode> {
    let from = usize::from(addr);
    (count > 0 && from + count <= SIZE)
        .then_some(from..from + count)
        .ok_or(ExceptionCode::IllegalDataAddress)
}

impl Service for IoImage {
    type Request = Request<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = Reply;

    fn call(&self, req: Request<'static>) -> Reply {
        if self.mute.load(Ordering::SeqCst) {
            return Box::pin(future::pending());
        }
        Box::pin(future::ready(self.respond(req)))
    }
}

impl IoImage {
    /// The answer to one request (counted), as the TCP and RTU servers give it.
    fn respond(&self, req: Request<'_>) -> Result<Response, ExceptionCode> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let refused = *self.refuse.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(code) = refused {
            return Err(code);
        }
        let mut image = self.lock();
        match req {
            Request::ReadCoils(a, n) => {
                span(a, usize::from(n)).map(|r| Response::ReadCoils(image.coils[r].to_vec()))
            }
            Request::ReadDiscreteInputs(a, n) => span(a, usize::from(n))
                .map(|r| Response::ReadDiscreteInputs(image.inputs[r].to_vec())),
            Request::ReadInputRegisters(a, n) => span(a, usize::from(n))
                .map(|r| Response::ReadInputRegisters(image.input_regs[r].to_vec())),
            Request::ReadHoldingRegisters(a, n) => span(a, usize::from(n))
                .map(|r| Response::ReadHoldingRegisters(image.holding[r].to_vec())),
            Request::WriteSingleCoil(a, v) => span(a, 1).map(|r| {
                image.coils[r].fill(v);
                image.writes.push(Write {
                    table: RegType::Coil,
                    addr: a,
                    value: u16::from(v),
                });
                Response::WriteSingleCoil(a, v)
            }),
            Request::WriteSingleRegister(a, v) => span(a, 1).map(|r| {
                image.holding[r].fill(v);
                image.writes.push(Write {
                    table: RegType::Holding,
                    addr: a,
                    value: v,
                });
                Response::WriteSingleRegister(a, v)
            }),
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }
}

impl IoImage {
    /// An image with every point 0 (off).
    pub fn new() -> IoImage {
        IoImage {
            image: Arc::new(Mutex::new(Image {
                coils: vec![false; SIZE],
                inputs: vec![false; SIZE],
                input_regs: vec![0; SIZE],
                holding: vec![0; SIZE],
                writes: Vec::new(),
            })),
            mute: Arc::new(AtomicBool::new(false)),
            refuse: Arc::new(Mutex::new(None)),
            requests: Arc::new(AtomicU64::new(0)),
            generation: Arc::new(AtomicU64::new(0)),
            connections: Arc::new(AtomicU64::new(0)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Image> {
        self.image.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets point `addr` of `table` (a bit is on for any non-zero value; ignored beyond
    /// [`SIZE`]).
    pub fn set(&self, table: RegType, addr: usize, value: u16) {
        let mut image = self.lock();
        let image = &mut *image;
        let (bits, words) = match table {
            RegType::Coil => (Some(&mut image.coils), None),
            RegType::InputBit => (Some(&mut image.inputs), None),
            RegType::InputRegister => (None, Some(&mut image.input_regs)),
            RegType::Holding => (None, Some(&mut image.holding)),
        };
        if let Some(bit) = bits.and_then(|b| b.get_mut(addr)) {
            *bit = value != 0;
        }
        if let Some(word) = words.and_then(|w| w.get_mut(addr)) {
            *word = value;
        }
    }

    /// Point `addr` of `table` (a bit as 0/1; `None` beyond [`SIZE`]).
    pub fn get(&self, table: RegType, addr: usize) -> Option<u16> {
        let image = self.lock();
        match table {
            RegType::Coil => image.coils.get(addr).map(|b| u16::from(*b)),
            RegType::InputBit => image.inputs.get(addr).map(|b| u16::from(*b)),
            RegType::InputRegister => image.input_regs.get(addr).copied(),
            RegType::Holding => image.holding.get(addr).copied(),
        }
    }

    /// Every write clients made, oldest first.
    pub fn writes(&self) -> Vec<Write> {
        self.lock().writes.clone()
    }

    /// How many requests the image has answered (exceptions included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Makes the box answer every request with exception `code` (`None`: answer normally).
    pub fn set_refusing(&self, code: Option<ExceptionCode>) {
        *self.refuse.lock().unwrap_or_else(|p| p.into_inner()) = code;
    }

    /// How many connections clients have opened.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Drops every open connection (each fails at its next request, unanswered), as a box
    /// that reboots; new connections are served as before.
    pub fn restart(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Makes the box stop answering (requests hang) or answer again.
    pub fn set_silent(&self, silent: bool) {
        self.mute.store(silent, Ordering::SeqCst);
    }

    /// Serves the image as Modbus RTU unit `unit` on `stream` (the master side of a
    /// pseudo-terminal) in a task of the current runtime; requests for other units, or while
    /// the box is silent, get no answer.
    pub fn serve_rtu<S>(&self, unit: u8, stream: S) -> JoinHandle<()>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let image = self.clone();
        serve_rtu_frames(stream, move |frame| {
            let (&to, pdu) = frame.split_first()?;
            if to != unit || image.mute.load(Ordering::SeqCst) {
                return None;
            }
            let request = frame::Request::decode(pdu).ok()?;
            let function = request.function();
            let request = match request {
                frame::Request::ReadCoils(a, n) => Request::ReadCoils(a, n),
                frame::Request::ReadDiscreteInputs(a, n) => Request::ReadDiscreteInputs(a, n),
                frame::Request::ReadInputRegisters(a, n) => Request::ReadInputRegisters(a, n),
                frame::Request::ReadHoldingRegisters(a, n) => Request::ReadHoldingRegisters(a, n),
                frame::Request::WriteSingleCoil(a, v) => Request::WriteSingleCoil(a, v),
                frame::Request::WriteSingleRegister(a, v) => Request::WriteSingleRegister(a, v),
                _ => Request::ReportServerId,
            };
            let reply = match image.respond(request) {
                Ok(Response::ReadCoils(bits) | Response::ReadDiscreteInputs(bits)) => {
                    frame::Reply::Bits(bits)
                }
                Ok(Response::ReadInputRegisters(w) | Response::ReadHoldingRegisters(w)) => {
                    frame::Reply::Words(w)
                }
                Ok(Response::WriteSingleCoil(a, v)) => {
                    frame::Reply::WroteOne(a, if v { 0xFF00 } else { 0 })
                }
                Ok(Response::WriteSingleRegister(a, v)) => frame::Reply::WroteOne(a, v),
                Ok(_) => frame::Reply::Exception(u8::from(ExceptionCode::IllegalFunction)),
                Err(code) => frame::Reply::Exception(u8::from(code)),
            };
            let mut out = vec![unit];
            out.extend_from_slice(&reply.encode(function));
            Some(frame::with_crc(out))
        })
    }

    /// Serves the image on a fresh 127.0.0.1 port (a task of the current tokio runtime),
    /// answering any unit id.
    pub async fn serve(&self) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let image = self.clone();
        tokio::spawn(async move {
            let server = Server::new(listener);
            let on_connected = |stream: TcpStream, _peer| {
                let image = image.clone();
                async move {
                    image.connections.fetch_add(1, Ordering::SeqCst);
                    let connection = Connection {
                        stream,
                        generation: image.generation.load(Ordering::SeqCst),
                        current: Arc::clone(&image.generation),
                    };
                    io::Result::Ok(Some((image, connection)))
                }
            };
            let _ = server.serve(&on_connected, |_e| {}).await;
        });
        Ok(addr)
    }
}
