//! `TokioModbus` against a tokio-modbus TCP server in the same test (a register map seeded
//! from NUT's apc_modbus map: research-data/apc-modbus), plus misbehaving peers: one that
//! hangs up, one that never answers, and an RTU unit on an in-memory byte pipe.
#![cfg(feature = "modbus")]

use std::collections::BTreeMap;
use std::future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_hal::modbus::Modbus;
use nut_hal::modbus_tokio::{ModbusError, TokioModbus};
use nut_hal::wrap::{Recording, Replaying};
use nut_hal::{Error, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_modbus::server::Service;
use tokio_modbus::server::tcp::{Server, accept_tcp_connection};
use tokio_modbus::{ExceptionCode, Request, Response};

const T: Duration = Duration::from_secs(5);

/// A unit with four tables; absent addresses answer "illegal data address".
#[derive(Default)]
struct Tables {
    holding: BTreeMap<u16, u16>,
    input: BTreeMap<u16, u16>,
    coils: BTreeMap<u16, bool>,
    discrete: BTreeMap<u16, bool>,
}

#[derive(Clone)]
struct Unit(Arc<Mutex<Tables>>);

fn read<V: Copy>(m: &BTreeMap<u16, V>, a: u16, n: u16) -> Result<Vec<V>, ExceptionCode> {
    (0..n)
        .map(|i| {
            a.checked_add(i)
                .and_then(|k| m.get(&k).copied())
                .ok_or(ExceptionCode::IllegalDataAddress)
        })
        .collect()
}

fn write<V: Copy>(m: &mut BTreeMap<u16, V>, a: u16, vs: &[V]) -> Result<(), ExceptionCode> {
    for (i, v) in vs.iter().enumerate() {
        let k = u16::try_from(i)
            .ok()
            .and_then(|i| a.checked_add(i))
            .filter(|k| m.contains_key(k))
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        m.insert(k, *v);
    }
    Ok(())
}

impl Service for Unit {
    type Request = Request<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = future::Ready<Result<Response, ExceptionCode>>;

    fn call(&self, req: Request<'static>) -> Self::Future {
        let mut t = self.0.lock().unwrap();
        let r = match req {
            Request::ReadHoldingRegisters(a, n) => {
                read(&t.holding, a, n).map(Response::ReadHoldingRegisters)
            }
            Request::ReadInputRegisters(a, n) => {
                read(&t.input, a, n).map(Response::ReadInputRegisters)
            }
            Request::ReadCoils(a, n) => read(&t.coils, a, n).map(Response::ReadCoils),
            Request::ReadDiscreteInputs(a, n) => {
                read(&t.discrete, a, n).map(Response::ReadDiscreteInputs)
            }
            Request::WriteSingleRegister(a, v) => {
                write(&mut t.holding, a, &[v]).map(|()| Response::WriteSingleRegister(a, v))
            }
            Request::WriteMultipleRegisters(a, vs) => write(&mut t.holding, a, &vs)
                .map(|()| Response::WriteMultipleRegisters(a, vs.len() as u16)),
            Request::WriteSingleCoil(a, v) => {
                write(&mut t.coils, a, &[v]).map(|()| Response::WriteSingleCoil(a, v))
            }
            Request::WriteMultipleCoils(a, vs) => write(&mut t.coils, a, &vs)
                .map(|()| Response::WriteMultipleCoils(a, vs.len() as u16)),
            _ => Err(ExceptionCode::IllegalFunction),
        };
        future::ready(r)
    }
}

/// NUT's apc_modbus map, as holding registers: inventory strings (2 chars per register,
/// big-endian), and dynamic values with their scale bits.
fn apc_unit() -> Unit {
    let mut t = Tables::default();
    let mut put_str = |start: u16, regs: u16, s: &str| {
        let mut b = s.as_bytes().to_vec();
        b.resize(usize::from(regs) * 2, 0);
        for i in 0..regs {
            let k = usize::from(i) * 2;
            t.holding
                .insert(start + i, u16::from_be_bytes([b[k], b[k + 1]]));
        }
    };
    put_str(516, 8, "UPS 15.5"); // ups.firmware
    put_str(532, 16, "Smart-UPS 1500"); // ups.model
    put_str(564, 8, "AS1234567890"); // ups.serial
    t.holding.insert(128, 0); // battery.runtime (2 registers, seconds)
    t.holding.insert(129, 3600);
    t.holding.insert(130, 100 << 9); // battery.charge, 9 scale bits: 100 %
    t.holding.insert(131, 27 << 5); // battery.voltage, 5 scale bits: 27 V
    t.holding.insert(136, 25 << 8); // ups.load, 8 scale bits: 25 %
    for a in 1024..1034 {
        t.holding.insert(a, 0); // a writable command block
    }
    for a in 0..4 {
        t.input.insert(a, 1000 + a);
        t.discrete.insert(a, a % 2 == 1);
    }
    for a in 0..16 {
        t.coils.insert(a, false);
    }
    Unit(Arc::new(Mutex::new(t)))
}

async fn serve(unit: Unit) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let server = Server::new(listener);
        let on_connected = |stream, peer| {
            let unit = unit.clone();
            async move { accept_tcp_connection(stream, peer, move |_| Ok(Some(unit.clone()))) }
        };
        let _ = server.serve(&on_connected, |_e| {}).await;
    });
    addr
}

fn regs_to_string(r: &[u16]) -> String {
    let b: Vec<u8> = r.iter().flat_map(|w| w.to_be_bytes()).collect();
    String::from_utf8_lossy(&b)
        .trim_end_matches('\0')
        .to_string()
}

#[tokio::test]
async fn reads_and_writes_all_four_tables() {
    let addr = serve(apc_unit()).await;
    let mut m = TokioModbus::connect_tcp(addr, 1, T).await.unwrap();

    let model = m.read_holding_registers(532, 16).await.unwrap();
    assert_eq!(regs_to_string(&model), "Smart-UPS 1500");
    let dynamic = m.read_holding_registers(128, 4).await.unwrap();
    assert_eq!(u32::from(dynamic[0]) << 16 | u32::from(dynamic[1]), 3600);
    assert_eq!(dynamic[2] >> 9, 100);
    assert_eq!(dynamic[3] >> 5, 27);

    assert_eq!(
        m.read_input_registers(0, 4).await.unwrap(),
        vec![1000, 1001, 1002, 1003]
    );
    assert_eq!(
        m.read_discrete_inputs(0, 4).await.unwrap(),
        vec![false, true, false, true]
    );

    m.write_register(1024, 0xBEEF).await.unwrap();
    m.write_registers(1025, &[1, 2, 3]).await.unwrap();
    assert_eq!(
        m.read_holding_registers(1024, 4).await.unwrap(),
        vec![0xBEEF, 1, 2, 3]
    );

    m.write_coil(3, true).await.unwrap();
    m.write_coils(8, &[true, false, true]).await.unwrap();
    let coils = m.read_coils(0, 11).await.unwrap();
    assert_eq!(coils.len(), 11);
    assert_eq!(
        coils
            .iter()
            .enumerate()
            .filter(|(_, c)| **c)
            .map(|(i, _)| i)
            .collect::<Vec<_>>(),
        vec![3, 8, 10]
    );
}

#[tokio::test]
async fn exceptions_are_typed_and_the_session_survives_them() {
    let addr = serve(apc_unit()).await;
    let mut m = TokioModbus::connect_tcp(addr, 1, T).await.unwrap();
    let e = m.read_holding_registers(9000, 2).await.unwrap_err();
    assert_eq!(e, ModbusError::Exception { code: 2 });
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(e.exception_code(), Some(2));
    let e = m.write_register(9000, 1).await.unwrap_err();
    assert_eq!(e.exception_code(), Some(2));
    // Still usable after an exception.
    assert_eq!(m.read_input_registers(1, 1).await.unwrap(), vec![1001]);
    // Counts the protocol cannot carry are refused before sending.
    let e = m.read_holding_registers(0, 126).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = m.write_registers(0, &[]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_peer_that_hangs_up_gives_disconnected() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.unwrap(); // the whole request, then hang up
        drop(s);
    });
    let mut m = TokioModbus::connect_tcp(addr, 1, T).await.unwrap();
    let e = m.read_holding_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected, "{e:?}");
    assert!(!m.is_open());
    let e = m.read_holding_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    server.await.unwrap();
}

/// A peer that reads one request and never answers, until `done` is sent.
async fn silent_peer() -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.unwrap();
        let _ = done_rx.await; // keep the socket open, never answer
    });
    (addr, done_tx, server)
}

#[tokio::test]
async fn a_silent_peer_times_out_then_the_session_is_closed() {
    let (addr, done_tx, server) = silent_peer().await;
    let mut m = TokioModbus::connect_tcp(addr, 1, Duration::from_millis(200))
        .await
        .unwrap();
    let e = m.read_holding_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    let e = m.read_holding_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    let _ = done_tx.send(());
    server.await.unwrap();
}

/// A driver's session over every function, with an exception, a refused write and a
/// silence: each outcome as text (values, or the kind of error).
async fn session<M: Modbus>(m: &mut M) -> Vec<String> {
    let out = |r: Result<String, M::Error>| r.unwrap_or_else(|e| format!("error {:?}", e.kind()));
    let words = |r: Result<Vec<u16>, M::Error>| out(r.map(|v| format!("{v:?}")));
    let bits = |r: Result<Vec<bool>, M::Error>| out(r.map(|v| format!("{v:?}")));
    let done = |r: Result<(), M::Error>| out(r.map(|()| "done".to_string()));
    vec![
        words(m.read_holding_registers(532, 16).await),
        words(m.read_input_registers(0, 4).await),
        bits(m.read_coils(0, 4).await),
        bits(m.read_discrete_inputs(0, 4).await),
        done(m.write_register(1024, 0xBEEF).await),
        done(m.write_registers(1025, &[1, 2, 3]).await),
        done(m.write_coil(3, true).await),
        done(m.write_coils(8, &[true, false, true]).await),
        words(m.read_holding_registers(1024, 4).await),
        bits(m.read_coils(0, 11).await),
        words(m.read_holding_registers(9000, 2).await),
        done(m.write_register(9000, 1).await),
    ]
}

#[tokio::test]
async fn a_recorded_session_replays_identically_without_the_unit() {
    let addr = serve(apc_unit()).await;
    let mut rec = Recording::new(TokioModbus::connect_tcp(addr, 1, T).await.unwrap());
    let live = session(&mut rec).await;
    assert_eq!(live[4], "done");
    assert_eq!(live[8], format!("{:?}", [0xBEEF, 1, 2, 3]));
    assert_eq!(live[10], "error Protocol"); // exception 2
    assert_eq!(live[11], "error Protocol");
    // Then the unit falls silent: a timeout, and the session is closed.
    let (silent, done_tx, server) = silent_peer().await;
    *rec.inner_mut() = TokioModbus::connect_tcp(silent, 1, Duration::from_millis(200))
        .await
        .unwrap();
    let e = rec.read_input_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let e = rec.read_input_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    let _ = done_tx.send(());
    server.await.unwrap();
    let capture = rec.capture_text();

    // No unit now: the capture alone answers the same session.
    let mut replay = Replaying::from_text(&capture).unwrap();
    assert_eq!(session(&mut replay).await, live, "{capture}");
    let e = replay.read_input_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let e = replay.read_input_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    assert!(replay.is_finished());
    // Asked something else than was recorded: a typed mismatch.
    let mut replay = Replaying::from_text(&capture).unwrap();
    let e = replay.read_holding_registers(532, 15).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);

    // A truncated capture (cut inside a register value) is a typed parse error.
    let cut = capture.find("= ").unwrap() + 4;
    let e = Replaying::from_text(&capture[..cut]).unwrap_err();
    assert_eq!((e.line, e.kind()), (1, ErrorKind::InvalidInput));
}

use nut_hal::modbus_frame::crc16;

#[tokio::test]
async fn rtu_over_a_byte_pipe() {
    let (client_end, mut unit_end) = tokio::io::duplex(256);
    // A hand-written RTU unit 7: read holding registers → 0x1234, 0x5678; else exception 1.
    let unit = tokio::spawn(async move {
        for _ in 0..2 {
            let mut req = [0u8; 8];
            unit_end.read_exact(&mut req).await.unwrap();
            assert_eq!(crc16(&req[..6]).to_le_bytes(), [req[6], req[7]]);
            assert_eq!(req[0], 7);
            let mut resp = if req[1] == 0x03 {
                vec![7, 0x03, 4, 0x12, 0x34, 0x56, 0x78]
            } else {
                vec![7, req[1] | 0x80, 0x01]
            };
            let crc = crc16(&resp).to_le_bytes();
            resp.extend_from_slice(&crc);
            unit_end.write_all(&resp).await.unwrap();
        }
    });
    let mut m = TokioModbus::attach_rtu(client_end, 7, T);
    assert_eq!(
        m.read_holding_registers(0x10, 2).await.unwrap(),
        vec![0x1234, 0x5678]
    );
    let e = m.read_input_registers(0, 2).await.unwrap_err();
    assert_eq!(e, ModbusError::Exception { code: 1 });
    unit.await.unwrap();
}
