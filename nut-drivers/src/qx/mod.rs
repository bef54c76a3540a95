//! Megatec/Qx protocol family (NUT's `nutdrv_qx` / `blazer_*`): reply parsing, command
//! building and dialect detection without I/O, the [`QxDriver`] over a serial port, and a
//! UPS simulator ([`sim`]) for tests and demos.
//!
//! Every command and reply is ASCII terminated by CR. Replies to status queries start with
//! `(`, ratings and identification with `#`; columns are 0-based positions in the raw reply
//! (column 0 being the leading character), as in NUT's item tables.

pub mod ablerex;
pub mod battery;
pub mod bestups;
pub mod commands;
pub mod dialect;
pub mod driver;
pub mod io;
pub mod megatec;
pub mod settings;
pub mod sim;
pub mod voltronic;

pub use commands::CommandError;
pub use dialect::{CommandOutcome, Dialect, detect};
pub use driver::QxDriver;
pub use megatec::{InfoLayout, InfoReply, ParseError, RatingReply, StatusBits, StatusReply};
pub use settings::{QX_KEYS, QxSettings};
