//! [`SimUnit`]: a simulated APC Smart-UPS (holding registers 0..2000 holding NUT's register
//! map), for tests and demos, served as a tokio-modbus TCP server ([`SimUnit::serve`]), as
//! Modbus RTU on the master side of a pseudo-terminal ([`SimUnit::serve_rtu`]) and as APC's
//! Modbus-over-USB-HID pipe ([`SimUnit::hid`], module [`hid`]). Faults: silence, "device
//! busy" exceptions and garbage replies ([`SimFault`]). Feature `modbus-sim`.

use std::future::{self, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use nut_hal::modbus_frame::{Reply, Request};
use tokio::net::TcpListener;
use tokio_modbus::server::Service;
use tokio_modbus::server::tcp::{Server, accept_tcp_connection};
use tokio_modbus::{ExceptionCode, Response};

/// Number of holding registers the unit has.
pub const REGISTERS: usize = 2000;

pub mod hid;
pub(crate) mod rtu;

/// A fault the unit shows on every request until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimFault {
    /// None: answers as it should.
    #[default]
    None,
    /// Answers every request with exception 6, "server device busy".
    Busy,
    /// Answers with garbage: on RTU a reply whose CRC is wrong, on USB a frame from another
    /// unit id. (TCP has no such fault: its framing is checked by TCP itself.)
    Garbage,
}

/// A simulated unit: holding registers, a "stop answering" switch and a fault, shared with
/// every connection it serves.
#[derive(Debug, Clone)]
pub struct SimUnit {
    regs: Arc<Mutex<Vec<u16>>>,
    mute: Arc<AtomicBool>,
    fault: Arc<Mutex<SimFault>>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, ExceptionCode>> + Send>>;

impl Service for SimUnit {
    type Request = tokio_modbus::Request<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = Answer;

    fn call(&self, req: tokio_modbus::Request<'static>) -> Answer {
        if self.mute.load(Ordering::SeqCst) {
            return Box::pin(future::pending());
        }
        Box::pin(future::ready(self.respond(req)))
    }
}

impl SimUnit {
    /// The answer to one request (silence aside).
    fn respond(&self, req: tokio_modbus::Request<'_>) -> Result<Response, ExceptionCode> {
        if self.fault() == SimFault::Busy {
            return Err(ExceptionCode::ServerDeviceBusy);
        }
        let mut regs = self.lock();
        let range = |a: u16, n: usize| {
            let a = usize::from(a);
            (a + n <= REGISTERS)
                .then_some(a..a + n)
                .ok_or(ExceptionCode::IllegalDataAddress)
        };
        match req {
            tokio_modbus::Request::ReadHoldingRegisters(a, n) => range(a, usize::from(n))
                .and_then(|r| regs.get(r).ok_or(ExceptionCode::IllegalDataAddress))
                .map(|w| Response::ReadHoldingRegisters(w.to_vec())),
            tokio_modbus::Request::WriteSingleRegister(a, v) => range(a, 1)
                .and_then(|r| regs.get_mut(r).ok_or(ExceptionCode::IllegalDataAddress))
                .map(|w| {
                    w.fill(v);
                    Response::WriteSingleRegister(a, v)
                }),
            tokio_modbus::Request::WriteMultipleRegisters(a, vs) => range(a, vs.len())
                .and_then(|r| regs.get_mut(r).ok_or(ExceptionCode::IllegalDataAddress))
                .map(|w| {
                    w.copy_from_slice(&vs);
                    Response::WriteMultipleRegisters(a, vs.len() as u16)
                }),
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }
}

fn put_str(regs: &mut [u16], start: usize, count: usize, s: &str) {
    let mut b = s.as_bytes().to_vec();
    b.resize(count * 2, 0);
    for (word, pair) in regs.iter_mut().skip(start).take(count).zip(b.chunks(2)) {
        *word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
    }
}

impl SimUnit {
    /// An SMT1500 on line: model, firmware, serial, nominal 1500 VA / 1000 W, two outlet groups, made
    /// 2024-01-01, battery 2024-08-22, `ups.id` "rack-7", 100 % charge, 27 V, -5.5 °C, 25 %
    /// load, 50 % apparent power, 230 V 50 Hz out, input voltage "not available", efficiency
    /// "load too low", battery test passed (by protocol), transfer high/low 280/160, shutdown delay 90 s.
    pub fn smt1500() -> SimUnit {
        let mut r = vec![0u16; REGISTERS];
        put_str(&mut r, 516, 8, "UPS 15.5");
        put_str(&mut r, 532, 16, "Smart-UPS 1500");
        put_str(&mut r, 564, 8, "AS1234567890");
        put_str(&mut r, 596, 8, "rack-7");
        for (reg, value) in [
            (588, 1500), // ups.power.nominal
            (589, 1000),
            (590, 0b011), // SOGRelayConfigSetting_BF: MOG and SOG0               // ups.realpower.nominal
            (591, 8766),  // ups.mfr.date 2024-01-01
            (595, 9000),  // battery.date 2024-08-22
            (1, 1 << 1),  // OL
            (2, 8),       // input.transfer.reason AcceptableInput
            (23, (1 << 2) | (1 << 6)), // ups.test.result Passed, Source: Protocol
            (129, 3600),  // battery.runtime (low word)
            (130, 100 << 9), // battery.charge
            (131, 27 << 5), // battery.voltage
            (135, (-704i16) as u16), // battery.temperature -5.5
            (136, 25 << 8), // ups.load
            (138, 50 << 8), // apparent power %
            (142, 230 << 6), // output.voltage
            (144, 50 << 7), // output.frequency
            (151, 0xFFFF), // input.voltage n/a
            (154, (-2i16) as u16), // ups.efficiency LoadTooLow
            (155, 0xFFFF), // ups.timer.shutdown -1
            (1026, 280),  // input.transfer.high
            (1027, 160),  // input.transfer.low
            (1029, 90),   // ups.delay.shutdown
        ] {
            r[reg] = value;
        }
        SimUnit {
            regs: Arc::new(Mutex::new(r)),
            mute: Arc::new(AtomicBool::new(false)),
            fault: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u16>> {
        self.regs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets holding register `reg` (ignored beyond [`REGISTERS`]).
    pub fn set(&self, reg: usize, value: u16) {
        if let Some(word) = self.lock().get_mut(reg) {
            *word = value;
        }
    }

    /// Holding registers `from..to` (empty if out of range).
    pub fn get(&self, from: usize, to: usize) -> Vec<u16> {
        self.lock()
            .get(from..to)
            .map(<[u16]>::to_vec)
            .unwrap_or_default()
    }

    /// Makes the unit stop answering (requests hang) or answer again.
    pub fn set_silent(&self, silent: bool) {
        self.mute.store(silent, Ordering::SeqCst);
    }

    /// Whether the unit is silent.
    pub fn is_silent(&self) -> bool {
        self.mute.load(Ordering::SeqCst)
    }

    /// Sets the fault shown from the next request on.
    pub fn set_fault(&self, fault: SimFault) {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner()) = fault;
    }

    /// The fault shown now.
    pub fn fault(&self) -> SimFault {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The reply frame (`unit, function, data…`, no CRC) to a request frame addressed to
    /// unit `unit`; `None` when the unit is silent, the frame is for another unit or cannot
    /// be decoded (a real unit stays quiet then).
    pub fn answer_frame(&self, unit: u8, frame: &[u8]) -> Option<Vec<u8>> {
        let (&to, pdu) = frame.split_first()?;
        if to != unit || self.is_silent() {
            return None;
        }
        let request = Request::decode(pdu).ok()?;
        let function = request.function();
        let reply = match self.reply_to(request) {
            Ok(reply) => reply,
            Err(code) => Reply::Exception(u8::from(code)),
        };
        let mut out = vec![unit];
        out.extend_from_slice(&reply.encode(function));
        Some(out)
    }

    fn reply_to(&self, request: Request) -> Result<Reply, ExceptionCode> {
        use std::borrow::Cow;
        let req = match request {
            Request::ReadHoldingRegisters(a, n) => {
                tokio_modbus::Request::ReadHoldingRegisters(a, n)
            }
            Request::WriteSingleRegister(a, v) => tokio_modbus::Request::WriteSingleRegister(a, v),
            Request::WriteMultipleRegisters(a, vs) => {
                tokio_modbus::Request::WriteMultipleRegisters(a, Cow::Owned(vs))
            }
            _ => return Err(ExceptionCode::IllegalFunction),
        };
        match self.respond(req)? {
            Response::ReadHoldingRegisters(w) => Ok(Reply::Words(w)),
            Response::WriteSingleRegister(a, v) => Ok(Reply::WroteOne(a, v)),
            Response::WriteMultipleRegisters(a, n) => Ok(Reply::WroteMany(a, n)),
            _ => Err(ExceptionCode::ServerDeviceFailure),
        }
    }

    /// Serves the unit on a fresh 127.0.0.1 port (a task of the current tokio runtime).
    pub async fn serve(&self) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let unit = self.clone();
        tokio::spawn(async move {
            let server = Server::new(listener);
            let on_connected = |stream, peer| {
                let unit = unit.clone();
                async move { accept_tcp_connection(stream, peer, move |_| Ok(Some(unit.clone()))) }
            };
            let _ = server.serve(&on_connected, |_e| {}).await;
        });
        Ok(addr)
    }
}
