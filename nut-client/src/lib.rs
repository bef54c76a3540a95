//! How do I ask a upsd? A NUT client with one protocol core without I/O ([`exchange`]) and two
//! faces over it: [`blocking::Connection`] (std sockets) and, with the `tokio` feature,
//! [`Client`] (async). Requests and responses are the typed messages of
//! [`nut_protocol::net`]; an `ERR` answer is a typed [`ClientError::Server`], and an answer that
//! does not match its request is an error, never a guess.
//!
//! ```no_run
//! # fn main() -> Result<(), nut_client::ClientError> {
//! let mut ups = nut_client::blocking::Connection::connect("127.0.0.1", 3493, Default::default())?;
//! let status = ups.get_var("demo", "ups.status")?;
//! println!("{status}");
//! # Ok(()) }
//! ```
//!
//! Status: the core, the blocking connection and the async client for every read command,
//! authentication, SET, INSTCMD and tracking; TLS, reconnect and the upsmon logic come with
//! issues #4 and #5.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocking;
mod commands;
mod error;
pub mod exchange;
pub mod log_format;
#[cfg(feature = "tokio")]
mod tokio_client;

pub use commands::{Item, VarInfo};
pub use error::ClientError;
pub use exchange::{Answer, Options};
#[cfg(feature = "tokio")]
pub use tokio_client::Client;
