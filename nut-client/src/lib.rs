//! How do I ask a upsd? An async client with a blocking face over the same core, TLS, typed
//! results, and the monitor (upsmon logic) as a state machine with a runtime.
//!
//! Status: empty; built in the client and upsmon issues.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
