//! The network protocol between upsd and its clients (RFC 9271, protocol 1.3) as typed
//! messages.
//!
//! * [`Request`] — every line a client sends, parsed exactly as NUT 2.8.0's upsd accepts it
//!   (including what it silently ignores, see [`Leniency`]) and written back as a wire line.
//! * [`Response`] — every line upsd sends, written byte for byte as upsd writes it and parsed
//!   back, with [`Response::parse_for`] for the replies that need the request as context
//!   (free text after `VER`/`NETVER`/`PROTVER`/`HELP`, and the `ERR …` tracking results after
//!   `GET TRACKING <id>`).
//! * [`ErrorCode`] — the `ERR` codes, with libupsclient's messages.
//! * [`TrackingId`] / [`TrackingStatus`] — protocol 1.3 command tracking.
//!
//! # How a server answers a line (the deferred argument check)
//!
//! upsd looks the verb up first (unknown → `ERR UNKNOWN-COMMAND`), then, for the commands that
//! need a user (`LOGIN`, `PRIMARY`, `MASTER`, `FSD`, `SET`, `INSTCMD`, see
//! [`Command::requires_auth`]), checks that `USERNAME` and `PASSWORD` were given, and only then
//! lets the command look at its arguments (`ERR INVALID-ARGUMENT`). So `LOGIN` without an
//! argument and without a user answers `ERR USERNAME-REQUIRED`, not `ERR INVALID-ARGUMENT`. The
//! API follows those two steps:
//!
//! ```
//! use nut_protocol::net::{Command, ErrorCode, Request, Response};
//!
//! fn answer(words: &[&str], has_username: bool, has_password: bool) -> Response {
//!     // Step 1: the verb.
//!     let (command, args) = match Command::split(words) {
//!         Ok(split) => split,
//!         Err(error) => return Response::error(error.error_code()), // UNKNOWN-COMMAND
//!     };
//!     // The auth check comes between the two steps.
//!     if command.requires_auth() {
//!         if !has_username {
//!             return Response::error(ErrorCode::UsernameRequired);
//!         }
//!         if !has_password {
//!             return Response::error(ErrorCode::PasswordRequired);
//!         }
//!     }
//!     // Step 2: the arguments.
//!     match Request::from_args(command, args) {
//!         Ok((_request, _ignored_words)) => Response::ok(), // ... really handle it
//!         Err(error) => Response::error(error.error_code()), // INVALID-ARGUMENT
//!     }
//! }
//!
//! assert_eq!(answer(&["LOGIN"], false, false).to_line(), "ERR USERNAME-REQUIRED");
//! assert_eq!(answer(&["LOGIN"], true, true).to_line(), "ERR INVALID-ARGUMENT");
//! assert_eq!(answer(&["TRACKING", "ON"], true, true).to_line(), "ERR UNKNOWN-COMMAND");
//! ```
//!
//! [`Request::parse`] does both steps at once for callers that do not care (clients, tests); its
//! error still says which command it was ([`RequestError::command`]), so a server may also use
//! it and do the auth check when the error's command requires it.
//!
//! # Words on the wire
//!
//! Names (UPS, variable, command, client address, user name, tracking id) are written bare, as
//! upsd does, unless they would not read back as one word (empty, or containing a space, `"`,
//! `\`, `#` or `=`): then they are quoted with [`crate::tokenizer::quote`]. Values (variable
//! values, enum values, descriptions, `SET VAR` values, `INSTCMD` parameters, range bounds) are
//! always quoted and encoded. Only printable ASCII survives the tokenizer, so only such text
//! round-trips.

use alloc::string::String;

use crate::tokenizer::quote_into;

mod command;
mod error_code;
mod list;
mod request;
mod request_error;
mod response;
mod response_error;
mod response_parse;
mod secret;
mod tracking;

pub use command::Command;
pub use error_code::ErrorCode;
pub use list::ListQuery;
pub use request::{GetQuery, Request};
pub use request_error::{ArgumentProblem, Leniency, ParseLineError, RequestError};
pub use response::{OkReply, Response, ValueKind, VarType};
pub use response_error::ResponseError;
pub use secret::Secret;
pub use tracking::{TrackingId, TrackingIdError, TrackingStatus};

/// IANA port of the NUT network protocol.
pub const DEFAULT_PORT: u16 = 3493;

/// The protocol version upsd 2.8 answers to `NETVER` and `PROTVER`.
pub const PROTOCOL_VERSION: &str = "1.3";

/// What the real upsd 2.8.0 answers to `VER` (note `http`, not `https`, in 2.8.0; the same
/// text is the value of `server.info`).
pub const UPSD_2_8_0_VERSION_TEXT: &str =
    "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/";

/// What the real upsd 2.8.0 answers to `HELP` (`PROTVER`, `PRIMARY`, `MASTER` and `FSD` are not
/// listed).
pub const UPSD_2_8_0_HELP_TEXT: &str =
    "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS";

/// The description upsd sends for a variable or command it has no description for (`DESC`,
/// `CMDDESC`, and `UPS` items of `LIST UPS`).
pub const DESCRIPTION_UNAVAILABLE: &str = "Description unavailable";

/// The description `GET UPSDESC` sends for a UPS without `desc =` **\[quirk\]**: `LIST UPS` says
/// [`DESCRIPTION_UNAVAILABLE`] for the same UPS.
pub const UPSDESC_UNAVAILABLE: &str = "Unavailable";

/// True when `word` reads back from the tokenizer as itself without quotes.
pub(crate) fn is_bare_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| (0x21..=0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'#' | b'='))
}

/// Appends a name: bare when it reads back as itself, else quoted and encoded.
pub(crate) fn push_name(out: &mut String, word: &str) {
    if is_bare_word(word) {
        out.push_str(word);
    } else {
        quote_into(word, out);
    }
}

/// Appends a space and a name.
pub(crate) fn push_sp_name(out: &mut String, word: &str) {
    out.push(' ');
    push_name(out, word);
}

/// Appends a space and a quoted, encoded value.
pub(crate) fn push_sp_value(out: &mut String, value: &str) {
    out.push(' ');
    quote_into(value, out);
}

#[cfg(test)]
mod tests;
