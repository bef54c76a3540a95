//! How is it written down? The NUT tokenizer and encoder, the network protocol (RFC 9271,
//! protocol 1.3), the driver-socket protocol, the config files and the dummy-ups `.dev`/`.seq`
//! files.
//!
//! The core is `no_std` + `alloc`: parsers take bytes or words and return typed values or typed
//! errors with positions; they own no sockets and no clocks.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod address;
pub mod config;
pub mod devfile;
pub mod net;
pub mod server;
pub mod sock;
pub mod tokenizer;
#[cfg(feature = "tokio")]
pub mod upsd;
