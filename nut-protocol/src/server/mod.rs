//! upsd's logic without I/O: the server state (every UPS's mirrored tree, the FSD latches,
//! logins, TRACKING results, driver liveness) and the per-connection [`Session`] that turns a
//! request into response lines and actions.
//!
//! The caller owns sockets and clocks: it feeds tokenized request lines to
//! [`Session::handle`], driver-socket messages to [`ServerState::driver_message`], and calls
//! [`ServerState::tick`] with the current time; it sends what comes back. Time is a
//! [`Duration`](core::time::Duration) since any fixed start.
//!
//! Behaviour is upsd 2.8.0's, checked line by line against the recorded transcript of the real
//! upsd (see the tests), except for the differences listed in docs/DIFFERENCES.md.

mod descriptions;
mod session;
mod state;
#[cfg(test)]
mod tests;

pub use descriptions::Descriptions;
pub use session::{Action, Reply, Session};
pub use state::{Reload, ServerSettings, ServerState, UpsEntry};
