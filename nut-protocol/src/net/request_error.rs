//! Why a request line is rejected, and what upsd silently ignores in accepted ones.

use alloc::string::String;
use core::fmt;

use super::command::Command;
use super::error_code::ErrorCode;
use super::response::Response;
use crate::tokenizer::TokenizeError;

/// What is wrong with the arguments of a known command (all answered `ERR INVALID-ARGUMENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgumentProblem {
    /// A required argument is missing.
    MissingArgument,
    /// The command takes no (or fewer) arguments (`VER extra`, `LOGIN a b`).
    UnexpectedArgument,
    /// `GET`/`LIST`/`SET` without a subcommand.
    MissingSubcommand,
    /// `GET`/`LIST`/`SET` with an unknown subcommand (`GET FOO …`).
    UnknownSubcommand,
    /// `SET TRACKING` with something other than `ON`/`OFF` (case-insensitive).
    InvalidTrackingMode,
}

impl fmt::Display for ArgumentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArgumentProblem::MissingArgument => "missing argument",
            ArgumentProblem::UnexpectedArgument => "unexpected argument",
            ArgumentProblem::MissingSubcommand => "missing subcommand",
            ArgumentProblem::UnknownSubcommand => "unknown subcommand",
            ArgumentProblem::InvalidTrackingMode => "tracking mode is neither ON nor OFF",
        })
    }
}

/// A request line upsd rejects. [`RequestError::error_code`] is what upsd answers, *after* the
/// auth check for commands that [require it](Command::requires_auth) — see
/// [`RequestError::command`] and the [module docs](crate::net).
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RequestError {
    /// The line has no words (blank or comment only). upsd answers `ERR UNKNOWN-COMMAND`.
    #[error("word 0: empty request")]
    Empty,
    /// The first word is not a command. upsd answers `ERR UNKNOWN-COMMAND`.
    #[error("word 0: unknown command {verb:?}")]
    UnknownCommand {
        /// The first word, as sent.
        verb: String,
    },
    /// The command is known but its arguments are not. upsd answers `ERR INVALID-ARGUMENT`.
    #[error("word {word}: {command}: {problem}")]
    InvalidArgument {
        /// The command.
        command: Command,
        /// What is wrong.
        problem: ArgumentProblem,
        /// Index in the line's words (the verb is word 0) of the offending word, or of the
        /// first missing one.
        word: usize,
    },
}

impl RequestError {
    /// The command the line was for, when its verb was known. A server must do the auth check
    /// for it ([`Command::requires_auth`]) before answering [`RequestError::error_code`].
    pub fn command(&self) -> Option<Command> {
        match self {
            RequestError::InvalidArgument { command, .. } => Some(*command),
            RequestError::Empty | RequestError::UnknownCommand { .. } => None,
        }
    }

    /// The code upsd answers: `UNKNOWN-COMMAND` or `INVALID-ARGUMENT`.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            RequestError::Empty | RequestError::UnknownCommand { .. } => ErrorCode::UnknownCommand,
            RequestError::InvalidArgument { .. } => ErrorCode::InvalidArgument,
        }
    }

    /// The `ERR` response upsd sends (once any auth check has passed).
    pub fn to_response(&self) -> Response {
        Response::error(self.error_code())
    }
}

/// Words of an accepted request that upsd reads past without a word **\[quirk\]**. The request
/// means the same with or without them; a server may log them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leniency {
    /// Words from index `first` on (the verb is word 0) are ignored. Happens for every command
    /// that takes a fixed number of arguments but does not check for more: `GET VAR ups var
    /// extra`, `GET TRACKING <id> extra`, `LIST UPS extra`, `LIST VAR ups extra` (a normal,
    /// full list), `SET VAR ups var value extra` (an unquoted value with spaces is cut to its
    /// first word), `SET TRACKING ON extra`, and `STARTTLS anything`.
    ExtraWordsIgnored {
        /// Index of the first ignored word.
        first: usize,
    },
    /// `INSTCMD ups cmd p1 p2 …`: with more than one parameter word upsd drops the parameter
    /// altogether and runs the command without one (it only takes a parameter when there are
    /// exactly three arguments). `first` is the index of `p1`.
    InstCmdParamDropped {
        /// Index of the first dropped word (the would-be parameter).
        first: usize,
    },
}

impl Leniency {
    /// Index (in the line's words) of the first ignored word.
    pub fn first_ignored_word(&self) -> usize {
        match self {
            Leniency::ExtraWordsIgnored { first } | Leniency::InstCmdParamDropped { first } => {
                *first
            }
        }
    }
}

/// Why [`crate::net::Request::parse_line`] failed: the tokenizer refused the line (upsd sends
/// *no* answer then, it only logs), or upsd rejects the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseLineError {
    /// The line does not tokenize (unescaped `#` in quotes). upsd sends nothing.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// The request is rejected with an `ERR`.
    #[error(transparent)]
    Request(#[from] RequestError),
}
