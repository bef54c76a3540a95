//! [`Recording`]: a [`Serial`] (or [`HidDevice`](crate::hid::HidDevice)) that logs every read
//! and write of the one it wraps.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::capture::{Exchange, write_capture};
use crate::error::{Error, ErrorKind};
use crate::serial::{LineSettings, ModemLines, Serial};

/// Logs every read and write (with its direction) of the wrapped [`Serial`].
///
/// Line settings and modem-line calls pass through unlogged.
///
/// ```
/// # async fn demo<S: nut_hal::Serial>(port: S) -> Result<(), S::Error> {
/// use nut_hal::{Serial, wrap::Recording};
/// let mut rec = Recording::new(port);
/// rec.write_all(b"Q1\r").await?;
/// let text = rec.capture_text(); // "> 51 31 0d\n"…
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Recording<S> {
    inner: S,
    log: Vec<Exchange>,
}

impl<S> Recording<S> {
    /// Start recording `inner`.
    pub fn new(inner: S) -> Self {
        Recording {
            inner,
            log: Vec::new(),
        }
    }

    /// What was recorded so far.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.log
    }

    /// The capture in its text form (see [`write_capture`]).
    pub fn capture_text(&self) -> String {
        write_capture(&self.log)
    }

    /// Save the capture as text to `path`.
    #[cfg(feature = "std")]
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, self.capture_text())
    }

    /// The wrapped port.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Add an exchange to the log.
    pub(super) fn push(&mut self, exchange: Exchange) {
        self.log.push(exchange);
    }

    /// The wrapped port and the log.
    pub fn into_parts(self) -> (S, Vec<Exchange>) {
        (self.inner, self.log)
    }
}

impl<S: Serial> Serial for Recording<S> {
    type Error = S::Error;

    async fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, S::Error> {
        match self.inner.read(buf, timeout).await {
            Ok(n) => {
                let got = buf.get(..n).unwrap_or(buf);
                self.log.push(Exchange::Read(got.to_vec()));
                Ok(n)
            }
            Err(e) => {
                if e.kind() == ErrorKind::Timeout {
                    self.log.push(Exchange::ReadTimeout);
                }
                Err(e)
            }
        }
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), S::Error> {
        self.log.push(Exchange::Write(data.to_vec()));
        self.inner.write_all(data).await
    }

    async fn set_line(&mut self, settings: LineSettings) -> Result<(), S::Error> {
        self.inner.set_line(settings).await
    }

    async fn set_dtr(&mut self, on: bool) -> Result<(), S::Error> {
        self.inner.set_dtr(on).await
    }

    async fn set_rts(&mut self, on: bool) -> Result<(), S::Error> {
        self.inner.set_rts(on).await
    }

    async fn send_break(&mut self, duration: Duration) -> Result<(), S::Error> {
        self.inner.send_break(duration).await
    }

    async fn modem_status(&mut self) -> Result<ModemLines, S::Error> {
        self.inner.modem_status().await
    }
}
