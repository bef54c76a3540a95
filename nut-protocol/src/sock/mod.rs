//! The driver-socket protocol: not yet written.
