//! The network protocol (RFC 9271, protocol 1.3): not yet written.
