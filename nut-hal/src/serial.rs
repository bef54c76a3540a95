//! The [`Serial`] trait: a byte stream with line settings and RS-232 modem lines.

use core::future::Future;
use core::time::Duration;

use crate::error::Error;

/// Parity bit setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Parity {
    /// No parity bit.
    #[default]
    None,
    /// Odd parity.
    Odd,
    /// Even parity.
    Even,
}

/// Number of stop bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StopBits {
    /// One stop bit.
    #[default]
    One,
    /// Two stop bits.
    Two,
}

/// Baud rate and character framing of a serial line.
///
/// ```
/// use nut_hal::serial::LineSettings;
/// let s = LineSettings::new_8n1(2400);
/// assert_eq!(s.data_bits, 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineSettings {
    /// Bits per second.
    pub baud: u32,
    /// Data bits per character (5 to 8).
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
}

impl LineSettings {
    /// 8 data bits, no parity, one stop bit at `baud` (what most UPSes speak).
    pub const fn new_8n1(baud: u32) -> Self {
        LineSettings {
            baud,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: StopBits::One,
        }
    }
}

impl Default for LineSettings {
    /// 2400 8N1, the Megatec/Qx and APC Smart default.
    fn default() -> Self {
        Self::new_8n1(2400)
    }
}

bitflags::bitflags! {
    /// Modem status lines read from the device side (inputs).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ModemLines: u8 {
        /// Clear To Send.
        const CTS = 1 << 0;
        /// Data Carrier Detect.
        const DCD = 1 << 1;
        /// Ring Indicator.
        const RI = 1 << 2;
        /// Data Set Ready.
        const DSR = 1 << 3;
    }
}

/// A serial port: bytes in and out, line settings, and modem control lines.
///
/// Contact-closure ("dumb") UPSes are read entirely through [`Serial::modem_status`] and driven
/// through [`Serial::set_dtr`]/[`Serial::set_rts`]/[`Serial::send_break`].
///
/// The futures are `Send` so drivers can run on a multi-threaded tokio runtime.
pub trait Serial: Send {
    /// The error type.
    type Error: Error + Send;

    /// Read what is available into `buf`, waiting at most `timeout` for the first byte.
    ///
    /// Returns the number of bytes read (at least 1); an error of kind
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) when nothing came in time. An empty
    /// `buf` returns `Ok(0)` at once.
    fn read(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// Write all of `data`.
    fn write_all(&mut self, data: &[u8]) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Change baud rate and framing.
    fn set_line(
        &mut self,
        settings: LineSettings,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Set or clear Data Terminal Ready.
    fn set_dtr(&mut self, on: bool) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Set or clear Request To Send.
    fn set_rts(&mut self, on: bool) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Hold the line in the break state for about `duration`.
    fn send_break(
        &mut self,
        duration: Duration,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Read the input modem lines (CTS, DCD, RI, DSR).
    fn modem_status(&mut self) -> impl Future<Output = Result<ModemLines, Self::Error>> + Send;
}

impl<T: Serial + ?Sized> Serial for &mut T {
    type Error = T::Error;

    fn read(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::read(self, buf, timeout)
    }

    fn write_all(&mut self, data: &[u8]) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::write_all(self, data)
    }

    fn set_line(
        &mut self,
        settings: LineSettings,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::set_line(self, settings)
    }

    fn set_dtr(&mut self, on: bool) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::set_dtr(self, on)
    }

    fn set_rts(&mut self, on: bool) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::set_rts(self, on)
    }

    fn send_break(
        &mut self,
        duration: Duration,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::send_break(self, duration)
    }

    fn modem_status(&mut self) -> impl Future<Output = Result<ModemLines, Self::Error>> + Send {
        T::modem_status(self)
    }
}

/// One of two serial transports, chosen at run time (e.g. a real port or a USB bridge
/// behind the same driver).
#[derive(Debug)]
pub enum EitherSerial<A, B> {
    /// The first kind.
    Left(A),
    /// The second kind.
    Right(B),
}

/// The error of an [`EitherSerial`]: whichever side failed.
#[derive(Debug)]
pub enum EitherError<A, B> {
    /// The first kind failed.
    Left(A),
    /// The second kind failed.
    Right(B),
}

impl<A: Error, B: Error> Error for EitherError<A, B> {
    fn kind(&self) -> crate::ErrorKind {
        match self {
            EitherError::Left(error) => error.kind(),
            EitherError::Right(error) => error.kind(),
        }
    }
}

/// Runs the same call on whichever side is there, tagging its error.
macro_rules! either {
    ($self:ident, $side:ident => $call:expr) => {
        match $self {
            EitherSerial::Left($side) => $call.await.map_err(EitherError::Left),
            EitherSerial::Right($side) => $call.await.map_err(EitherError::Right),
        }
    };
}

impl<A: Serial, B: Serial> Serial for EitherSerial<A, B> {
    type Error = EitherError<A::Error, B::Error>;

    async fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Self::Error> {
        either!(self, port => port.read(buf, timeout))
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        either!(self, port => port.write_all(data))
    }

    async fn set_line(&mut self, settings: LineSettings) -> Result<(), Self::Error> {
        either!(self, port => port.set_line(settings))
    }

    async fn set_dtr(&mut self, on: bool) -> Result<(), Self::Error> {
        either!(self, port => port.set_dtr(on))
    }

    async fn set_rts(&mut self, on: bool) -> Result<(), Self::Error> {
        either!(self, port => port.set_rts(on))
    }

    async fn send_break(&mut self, duration: Duration) -> Result<(), Self::Error> {
        either!(self, port => port.send_break(duration))
    }

    async fn modem_status(&mut self) -> Result<ModemLines, Self::Error> {
        either!(self, port => port.modem_status())
    }
}
