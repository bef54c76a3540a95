//! [`FaultInjecting`]: a [`Serial`] (or [`HidDevice`](crate::hid::HidDevice)) that breaks the
//! one it wraps on a schedule.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::time::Duration;

use crate::error::{ErrorKind, WrapError};
use crate::serial::{LineSettings, ModemLines, Serial};

/// A fault to inject into one read or write.
///
/// For a [`HidDevice`](crate::hid::HidDevice) a read is a feature or input report read and a
/// write is a feature report set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The call fails with [`ErrorKind::Timeout`] at once; the wrapped port is not touched, so
    /// data it has stays for the next read.
    Timeout,
    /// On a read: these bytes are returned instead of calling the wrapped port (line noise;
    /// for HID, a garbage report, cut to the buffer).
    /// On a serial write: these bytes are written before the data. On a HID write: these bytes
    /// are sent as the report instead of the data.
    Garbage(Vec<u8>),
    /// On a serial read: at most this many bytes are read (at least 1). On a HID read: the
    /// report read is cut to this many bytes (a short report). On a write: only this many
    /// bytes of the data are written (sent, for HID), and a serial write still succeeds (a
    /// lost tail).
    Short(usize),
    /// The call and every later one fail with [`ErrorKind::Disconnected`].
    Disconnect,
}

/// Wraps a [`Serial`] and injects [`Fault`]s into chosen reads and writes.
///
/// Reads and writes are counted separately from 0.
///
/// ```
/// use nut_hal::wrap::{Fault, FaultInjecting, Replaying};
/// let port = FaultInjecting::new(Replaying::new([]))
///     .on_read(0, Fault::Timeout)
///     .on_write(2, Fault::Disconnect);
/// # let _ = port;
/// ```
#[derive(Debug)]
pub struct FaultInjecting<S> {
    inner: S,
    reads: BTreeMap<u64, Fault>,
    writes: BTreeMap<u64, Fault>,
    read_count: u64,
    write_count: u64,
    disconnected: bool,
}

impl<S> FaultInjecting<S> {
    /// Wrap `inner` with an empty schedule.
    pub fn new(inner: S) -> Self {
        FaultInjecting {
            inner,
            reads: BTreeMap::new(),
            writes: BTreeMap::new(),
            read_count: 0,
            write_count: 0,
            disconnected: false,
        }
    }

    /// Inject `fault` into read number `index` (0-based).
    pub fn on_read(mut self, index: u64, fault: Fault) -> Self {
        self.reads.insert(index, fault);
        self
    }

    /// Inject `fault` into write number `index` (0-based).
    pub fn on_write(mut self, index: u64, fault: Fault) -> Self {
        self.writes.insert(index, fault);
        self
    }

    /// Disconnect now: every later call fails with [`ErrorKind::Disconnected`].
    pub fn disconnect(&mut self) {
        self.disconnected = true;
    }

    /// The wrapped port.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped port.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The fault scheduled for the next read (counting it), after the disconnect check.
    pub(super) fn next_read_fault<E>(&mut self) -> Result<Option<Fault>, WrapError<E>> {
        self.check()?;
        let fault = self.reads.remove(&self.read_count);
        self.read_count += 1;
        self.disconnected |= fault == Some(Fault::Disconnect);
        Ok(fault)
    }

    /// The fault scheduled for the next write (counting it), after the disconnect check.
    pub(super) fn next_write_fault<E>(&mut self) -> Result<Option<Fault>, WrapError<E>> {
        self.check()?;
        let fault = self.writes.remove(&self.write_count);
        self.write_count += 1;
        self.disconnected |= fault == Some(Fault::Disconnect);
        Ok(fault)
    }

    /// The error of an injected timeout or disconnect.
    pub(super) fn fault_error<E>(&self) -> WrapError<E> {
        self.check().err().unwrap_or_else(timeout)
    }

    pub(super) fn check<E>(&self) -> Result<(), WrapError<E>> {
        if self.disconnected {
            Err(WrapError::own(
                ErrorKind::Disconnected,
                "injected disconnect",
            ))
        } else {
            Ok(())
        }
    }
}

fn timeout<E>() -> WrapError<E> {
    WrapError::own(ErrorKind::Timeout, "injected timeout")
}

impl<S: Serial> Serial for FaultInjecting<S> {
    type Error = WrapError<S::Error>;

    async fn read(&mut self, buf: &mut [u8], t: Duration) -> Result<usize, Self::Error> {
        self.check()?;
        let fault = self.reads.remove(&self.read_count);
        self.read_count += 1;
        match fault {
            None => self.inner.read(buf, t).await.map_err(WrapError::Inner),
            Some(Fault::Timeout) => Err(timeout()),
            Some(Fault::Disconnect) => {
                self.disconnected = true;
                self.check().map(|()| 0)
            }
            Some(Fault::Garbage(bytes)) => {
                let n = bytes.len().min(buf.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(..n), bytes.get(..n)) {
                    dst.copy_from_slice(src);
                }
                Ok(n)
            }
            Some(Fault::Short(max)) => {
                let n = max.clamp(1, buf.len().max(1)).min(buf.len());
                let part = buf.get_mut(..n).unwrap_or_default();
                self.inner.read(part, t).await.map_err(WrapError::Inner)
            }
        }
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        self.check()?;
        let fault = self.writes.remove(&self.write_count);
        self.write_count += 1;
        match fault {
            None => self.inner.write_all(data).await.map_err(WrapError::Inner),
            Some(Fault::Timeout) => Err(timeout()),
            Some(Fault::Disconnect) => {
                self.disconnected = true;
                self.check()
            }
            Some(Fault::Garbage(bytes)) => {
                self.inner
                    .write_all(&bytes)
                    .await
                    .map_err(WrapError::Inner)?;
                self.inner.write_all(data).await.map_err(WrapError::Inner)
            }
            Some(Fault::Short(n)) => {
                let part = data.get(..n).unwrap_or(data);
                self.inner.write_all(part).await.map_err(WrapError::Inner)
            }
        }
    }

    async fn set_line(&mut self, settings: LineSettings) -> Result<(), Self::Error> {
        self.check()?;
        self.inner
            .set_line(settings)
            .await
            .map_err(WrapError::Inner)
    }

    async fn set_dtr(&mut self, on: bool) -> Result<(), Self::Error> {
        self.check()?;
        self.inner.set_dtr(on).await.map_err(WrapError::Inner)
    }

    async fn set_rts(&mut self, on: bool) -> Result<(), Self::Error> {
        self.check()?;
        self.inner.set_rts(on).await.map_err(WrapError::Inner)
    }

    async fn send_break(&mut self, duration: Duration) -> Result<(), Self::Error> {
        self.check()?;
        self.inner
            .send_break(duration)
            .await
            .map_err(WrapError::Inner)
    }

    async fn modem_status(&mut self) -> Result<ModemLines, Self::Error> {
        self.check()?;
        self.inner.modem_status().await.map_err(WrapError::Inner)
    }
}
