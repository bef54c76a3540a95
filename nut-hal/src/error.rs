//! Portable error kinds shared by every transport, in the style of embedded-hal 1.0.
//!
//! Each transport trait has an associated error type implementing [`Error`]; its
//! [`Error::kind`] maps it onto the small [`ErrorKind`] set, so a driver runtime can treat
//! "device gone" or "no answer" the same way for a serial port, a HID device or an SNMP agent.

use core::fmt;

/// What went wrong, independent of the transport.
///
/// ```
/// use nut_hal::{Error, ErrorKind};
/// let e = std::io::Error::from(std::io::ErrorKind::TimedOut);
/// assert_eq!(Error::kind(&e), ErrorKind::Timeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No answer within the allowed time.
    Timeout,
    /// The device went away (unplugged, hung up, closed).
    Disconnected,
    /// Any other I/O failure of the underlying channel.
    Io,
    /// The peer answered, but not as expected (wrong reply, malformed frame, replay mismatch).
    Protocol,
    /// The operation is not supported by this transport or backend.
    Unsupported,
    /// An argument was out of range or otherwise invalid.
    InvalidInput,
    /// Access was denied (permissions, authentication).
    PermissionDenied,
    /// The device or resource is busy.
    Busy,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// A short lower-case description.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timed out",
            ErrorKind::Disconnected => "disconnected",
            ErrorKind::Io => "I/O error",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::Busy => "busy",
            ErrorKind::Other => "other error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transport error that can say what kind of failure it is.
pub trait Error: fmt::Debug {
    /// The portable kind of this error.
    fn kind(&self) -> ErrorKind;
}

impl Error for ErrorKind {
    fn kind(&self) -> ErrorKind {
        *self
    }
}

impl Error for core::convert::Infallible {
    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}

#[cfg(feature = "std")]
impl Error for std::io::Error {
    fn kind(&self) -> ErrorKind {
        use std::io::ErrorKind as K;
        match std::io::Error::kind(self) {
            K::TimedOut | K::WouldBlock => ErrorKind::Timeout,
            K::BrokenPipe
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::NotConnected
            | K::UnexpectedEof
            | K::NotFound => ErrorKind::Disconnected,
            K::InvalidInput => ErrorKind::InvalidInput,
            K::InvalidData => ErrorKind::Protocol,
            K::Unsupported => ErrorKind::Unsupported,
            K::PermissionDenied => ErrorKind::PermissionDenied,
            K::ResourceBusy => ErrorKind::Busy,
            _ => ErrorKind::Io,
        }
    }
}

/// An error type for wrappers: either the wrapped transport's error or one the wrapper made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrapError<E> {
    /// The wrapped transport failed.
    #[error("{0:?}")]
    Inner(E),
    /// The wrapper itself produced this error (an injected fault, a replay mismatch, …).
    #[error("{kind}: {detail}")]
    Own {
        /// Its kind.
        kind: ErrorKind,
        /// What happened, for logs.
        detail: alloc::string::String,
    },
}

impl<E> WrapError<E> {
    /// An error made by the wrapper.
    pub fn own(kind: ErrorKind, detail: impl Into<alloc::string::String>) -> Self {
        WrapError::Own {
            kind,
            detail: detail.into(),
        }
    }
}

impl<E: Error> Error for WrapError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            WrapError::Inner(e) => e.kind(),
            WrapError::Own { kind, .. } => *kind,
        }
    }
}
