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
//! Every command of protocol 1.3, STARTTLS with certificate checks ([`tls`]), keep-alive,
//! reconnection with back-off that logs in again, and pipelining, on both faces.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocking;
mod commands;
mod error;
pub mod exchange;
mod link;
pub mod log_format;
pub mod monitor;
pub mod sched;
pub mod tls;
#[cfg(feature = "tokio")]
mod tokio_client;

pub use commands::Item;
pub use error::ClientError;
pub use exchange::{Answer, Options, Reconnect};
pub use nut_protocol::address::UpsAddress;
pub use nut_protocol::net::{GetQuery, ListQuery, Request, Response};
#[cfg(feature = "tokio")]
pub use tokio_client::Client;
