//! Megatec/Qx protocol family (NUT's `nutdrv_qx` / `blazer_*`): reply parsing, command
//! building and dialect detection, all without I/O.
//!
//! Every command and reply is ASCII terminated by CR. Replies to status queries start with
//! `(`, ratings and identification with `#`; columns are 0-based positions in the raw reply
//! (column 0 being the leading character), as in NUT's item tables.

pub mod commands;
pub mod dialect;
pub mod megatec;

pub use commands::CommandError;
pub use dialect::{CommandOutcome, Dialect, detect};
pub use megatec::{InfoLayout, InfoReply, ParseError, RatingReply, StatusBits, StatusReply};
