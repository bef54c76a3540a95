//! [`SimUnit::serve_rtu`]: the unit as Modbus RTU on a byte stream (the master side of a
//! pseudo-terminal), framing by hand with `nut_hal::modbus_frame`.

use nut_hal::modbus_frame::{self, check_crc, with_crc};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinHandle;

use super::{SimFault, SimUnit};

/// The longest RTU frame.
const MAX_FRAME: usize = 256;

impl SimUnit {
    /// Serves the unit as Modbus RTU unit `unit` on `stream` in a task of the current runtime
    /// until the stream ends or fails, or the task is aborted (which closes the stream: the
    /// unit "goes away"). Requests with a bad CRC or for other units get no answer; under
    /// [`SimFault::Garbage`] the reply's CRC is broken.
    pub fn serve_rtu<S>(&self, unit: u8, stream: S) -> JoinHandle<()>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let sim = self.clone();
        serve_rtu_frames(stream, move |frame| {
            let mut bytes = with_crc(sim.answer_frame(unit, frame)?);
            if sim.fault() == SimFault::Garbage
                && let Some(last) = bytes.last_mut()
            {
                *last ^= 0xFF;
            }
            Some(bytes)
        })
    }
}

/// Serves Modbus RTU on `stream` in a task of the current runtime until the stream ends or
/// fails, or the task is aborted: each whole request frame with a good CRC (without its CRC)
/// goes to `answer`, and the bytes it returns (CRC included) are written back; `None` sends
/// nothing. Shared by the simulated units.
pub fn serve_rtu_frames<S, A>(mut stream: S, answer: A) -> JoinHandle<()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    A: Fn(&[u8]) -> Option<Vec<u8>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut pending: Vec<u8> = Vec::new();
        let mut buf = [0u8; MAX_FRAME];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(buf.get(..n).unwrap_or_default()),
            }
            while let Some(frame) = take_frame(&mut pending) {
                let Some(bytes) = answer(&frame) else {
                    continue;
                };
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        }
    })
}

/// The next whole request frame (without CRC) at the front of `pending`, if its CRC is
/// right; undecodable or corrupt bytes are dropped.
fn take_frame(pending: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        let len = match modbus_frame::request_frame_len(pending) {
            Ok(Some(len)) => len + 2,
            Ok(None) => return None,
            Err(_) => {
                pending.clear();
                return None;
            }
        };
        if pending.len() < len {
            return None;
        }
        let frame: Vec<u8> = pending.drain(..len).collect();
        if let Some(body) = check_crc(&frame) {
            return Some(body.to_vec());
        }
        // A corrupt frame: what follows cannot be trusted either.
        pending.clear();
    }
}
