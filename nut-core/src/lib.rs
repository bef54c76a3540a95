//! What is a UPS right now? Names, values, flags, `ups.status` tokens, alarms, the device state
//! tree and state changes as data.
//!
//! This crate does no I/O and knows no wire format. It is `#![no_std]` with `alloc`; the
//! default `std` feature only adds `std::error::Error` conveniences.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod alarm;
pub mod change;
pub mod flags;
pub mod names;
pub mod status;
pub mod tree;
pub mod value;

pub use change::{Range, StateChange};
pub use flags::VarFlags;
pub use status::{Status, StatusFlags};
pub use tree::{StateTree, Variable};
