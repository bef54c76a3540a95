//! The `ERR <CODE>` codes (`server/neterr.h`) and what libupsclient makes of them.

use alloc::string::String;
use core::fmt;

/// One error code of an `ERR <CODE> [extra…]` line.
///
/// Parsing is exact and case-sensitive ([`ErrorCode::parse`]); anything unknown is kept as
/// [`ErrorCode::Other`]. (libupsclient matches codes by *prefix*, so it would read
/// `VAR-NOT-SUPPORTED-X` as `VAR-NOT-SUPPORTED`; we do not.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `ACCESS-DENIED`: bad user/password, missing right, TLS failure.
    AccessDenied,
    /// `UNKNOWN-UPS`: no such UPS in `ups.conf`.
    UnknownUps,
    /// `VAR-NOT-SUPPORTED`: no such variable (also unknown `server.*`).
    VarNotSupported,
    /// `CMD-NOT-SUPPORTED`: instant command not in the driver's list.
    CmdNotSupported,
    /// `INVALID-ARGUMENT`: wrong argument count, unknown subcommand, bad `TRACKING` mode.
    InvalidArgument,
    /// `INSTCMD-FAILED`: the command could not be written to the driver.
    InstcmdFailed,
    /// `SET-FAILED`: the `SET` could not be written to the driver (or STRING aux < 1).
    SetFailed,
    /// `READONLY`: `SET` on a variable without the RW flag.
    Readonly,
    /// `TOO-LONG`: `SET` value longer than the variable's `STRING:<n>`.
    TooLong,
    /// `FEATURE-NOT-SUPPORTED`: e.g. `STARTTLS` on a build without TLS.
    FeatureNotSupported,
    /// `FEATURE-NOT-CONFIGURED`: `STARTTLS` without a certificate; `GET TRACKING <id>` with
    /// tracking off.
    FeatureNotConfigured,
    /// `ALREADY-SSL-MODE`: second `STARTTLS`.
    AlreadySslMode,
    /// `DRIVER-NOT-CONNECTED`: the UPS's driver is not connected to upsd.
    DriverNotConnected,
    /// `DATA-STALE`: the driver stopped updating the UPS's data.
    DataStale,
    /// `ALREADY-LOGGED-IN`: second `LOGIN` on a connection.
    AlreadyLoggedIn,
    /// `INVALID-PASSWORD`: defined, never sent by upsd 2.8.
    InvalidPassword,
    /// `ALREADY-SET-PASSWORD`: second `PASSWORD`.
    AlreadySetPassword,
    /// `INVALID-USERNAME`: defined, never sent by upsd 2.8.
    InvalidUsername,
    /// `ALREADY-SET-USERNAME`: second `USERNAME`.
    AlreadySetUsername,
    /// `USERNAME-REQUIRED`: a command needing a user before `USERNAME`.
    UsernameRequired,
    /// `PASSWORD-REQUIRED`: a command needing a user before `PASSWORD`.
    PasswordRequired,
    /// `UNKNOWN-COMMAND`: unknown verb (also empty lines).
    UnknownCommand,
    /// `INVALID-VALUE`: `SET` value not in the enum list or outside every range.
    InvalidValue,
    /// Legacy `VAR-UNKNOWN` (never sent; clients still map it).
    VarUnknown,
    /// Legacy `UNKNOWN-TYPE` (never sent; clients still map it).
    UnknownType,
    /// Legacy `UNKNOWN-INSTCMD` (never sent; clients still map it).
    UnknownInstcmd,
    /// Legacy `MISSING-ARGUMENT` (never sent; clients still map it).
    MissingArgument,
    /// Legacy `PASSWORD-INCORRECT` (never sent; libupsclient still maps it).
    PasswordIncorrect,
    /// Legacy `UNKNOWN-VAR` (never sent; libupsclient still maps it).
    UnknownVar,
    /// Any other code, kept verbatim (e.g. `UNKNOWN` or `FAILED` outside a `GET TRACKING`
    /// answer). Holding a known code's text here is not canonical: parsing never does that.
    Other(String),
}

/// The message libupsclient (`upscli_strerror`) gives for codes it does not map.
const LIBUPSCLIENT_UNKNOWN_ERROR: &str = "Unknown error";

impl ErrorCode {
    /// Every known code (all but [`ErrorCode::Other`]), current ones first, then the legacy
    /// ones.
    pub const KNOWN: [ErrorCode; 29] = [
        ErrorCode::AccessDenied,
        ErrorCode::UnknownUps,
        ErrorCode::VarNotSupported,
        ErrorCode::CmdNotSupported,
        ErrorCode::InvalidArgument,
        ErrorCode::InstcmdFailed,
        ErrorCode::SetFailed,
        ErrorCode::Readonly,
        ErrorCode::TooLong,
        ErrorCode::FeatureNotSupported,
        ErrorCode::FeatureNotConfigured,
        ErrorCode::AlreadySslMode,
        ErrorCode::DriverNotConnected,
        ErrorCode::DataStale,
        ErrorCode::AlreadyLoggedIn,
        ErrorCode::InvalidPassword,
        ErrorCode::AlreadySetPassword,
        ErrorCode::InvalidUsername,
        ErrorCode::AlreadySetUsername,
        ErrorCode::UsernameRequired,
        ErrorCode::PasswordRequired,
        ErrorCode::UnknownCommand,
        ErrorCode::InvalidValue,
        ErrorCode::VarUnknown,
        ErrorCode::UnknownType,
        ErrorCode::UnknownInstcmd,
        ErrorCode::MissingArgument,
        ErrorCode::PasswordIncorrect,
        ErrorCode::UnknownVar,
    ];

    /// The code as written after `ERR `.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::AccessDenied => "ACCESS-DENIED",
            ErrorCode::UnknownUps => "UNKNOWN-UPS",
            ErrorCode::VarNotSupported => "VAR-NOT-SUPPORTED",
            ErrorCode::CmdNotSupported => "CMD-NOT-SUPPORTED",
            ErrorCode::InvalidArgument => "INVALID-ARGUMENT",
            ErrorCode::InstcmdFailed => "INSTCMD-FAILED",
            ErrorCode::SetFailed => "SET-FAILED",
            ErrorCode::Readonly => "READONLY",
            ErrorCode::TooLong => "TOO-LONG",
            ErrorCode::FeatureNotSupported => "FEATURE-NOT-SUPPORTED",
            ErrorCode::FeatureNotConfigured => "FEATURE-NOT-CONFIGURED",
            ErrorCode::AlreadySslMode => "ALREADY-SSL-MODE",
            ErrorCode::DriverNotConnected => "DRIVER-NOT-CONNECTED",
            ErrorCode::DataStale => "DATA-STALE",
            ErrorCode::AlreadyLoggedIn => "ALREADY-LOGGED-IN",
            ErrorCode::InvalidPassword => "INVALID-PASSWORD",
            ErrorCode::AlreadySetPassword => "ALREADY-SET-PASSWORD",
            ErrorCode::InvalidUsername => "INVALID-USERNAME",
            ErrorCode::AlreadySetUsername => "ALREADY-SET-USERNAME",
            ErrorCode::UsernameRequired => "USERNAME-REQUIRED",
            ErrorCode::PasswordRequired => "PASSWORD-REQUIRED",
            ErrorCode::UnknownCommand => "UNKNOWN-COMMAND",
            ErrorCode::InvalidValue => "INVALID-VALUE",
            ErrorCode::VarUnknown => "VAR-UNKNOWN",
            ErrorCode::UnknownType => "UNKNOWN-TYPE",
            ErrorCode::UnknownInstcmd => "UNKNOWN-INSTCMD",
            ErrorCode::MissingArgument => "MISSING-ARGUMENT",
            ErrorCode::PasswordIncorrect => "PASSWORD-INCORRECT",
            ErrorCode::UnknownVar => "UNKNOWN-VAR",
            ErrorCode::Other(code) => code,
        }
    }

    /// Reads a code: exact, case-sensitive match of a known code, else [`ErrorCode::Other`].
    pub fn parse(code: &str) -> ErrorCode {
        ErrorCode::KNOWN
            .into_iter()
            .find(|known| known.as_str() == code)
            .unwrap_or_else(|| ErrorCode::Other(String::from(code)))
    }

    /// True for the legacy codes upsd no longer sends but clients must still understand.
    pub fn is_legacy(&self) -> bool {
        matches!(
            self,
            ErrorCode::VarUnknown
                | ErrorCode::UnknownType
                | ErrorCode::UnknownInstcmd
                | ErrorCode::MissingArgument
                | ErrorCode::PasswordIncorrect
                | ErrorCode::UnknownVar
        )
    }

    /// The text libupsclient 2.8.0 prints for this code (`upscli_strerror`, as in
    /// `upsc`'s `Error: Unknown UPS`), or `None` for the codes libupsclient does not map
    /// (it prints "Unknown error" for those: `INVALID-ARGUMENT`, `FEATURE-NOT-SUPPORTED`,
    /// `FEATURE-NOT-CONFIGURED`, `ALREADY-SSL-MODE`, and every other code).
    pub fn libupsclient_text(&self) -> Option<&'static str> {
        Some(match self {
            ErrorCode::VarNotSupported => "Variable not supported by UPS",
            ErrorCode::UnknownUps => "Unknown UPS",
            ErrorCode::AccessDenied => "Access denied",
            ErrorCode::PasswordRequired => "Password required",
            ErrorCode::PasswordIncorrect => "Password incorrect",
            ErrorCode::MissingArgument => "Missing argument",
            ErrorCode::DataStale => "Data stale",
            ErrorCode::VarUnknown => "Variable unknown",
            ErrorCode::AlreadyLoggedIn => "Already logged in",
            ErrorCode::AlreadySetPassword => "Already set password",
            ErrorCode::UnknownType => "Unknown variable type",
            ErrorCode::UnknownVar => "Unknown variable",
            ErrorCode::Readonly => "Read-only variable",
            ErrorCode::TooLong => "New value is too long",
            ErrorCode::InvalidValue => "Invalid value for variable",
            ErrorCode::SetFailed => "Set command failed",
            ErrorCode::UnknownInstcmd => "Unknown instant command",
            ErrorCode::InstcmdFailed => "Instant command failed",
            ErrorCode::CmdNotSupported => "Instant command not supported",
            ErrorCode::InvalidUsername => "Invalid username",
            ErrorCode::AlreadySetUsername => "Already set username",
            ErrorCode::UnknownCommand => "Unknown command",
            ErrorCode::InvalidPassword => "Invalid password",
            ErrorCode::UsernameRequired => "Username required",
            ErrorCode::DriverNotConnected => "Driver not connected",
            ErrorCode::InvalidArgument
            | ErrorCode::FeatureNotSupported
            | ErrorCode::FeatureNotConfigured
            | ErrorCode::AlreadySslMode
            | ErrorCode::Other(_) => return None,
        })
    }

    /// Exactly what libupsclient 2.8.0 prints for this code: [`ErrorCode::libupsclient_text`]
    /// or "Unknown error".
    pub fn libupsclient_message(&self) -> &'static str {
        self.libupsclient_text()
            .unwrap_or(LIBUPSCLIENT_UNKNOWN_ERROR)
    }

    /// A human message for every code: libupsclient's where it has one, else a plain one of
    /// ours in the same style ("Invalid argument" is libupsclient's own text for its
    /// `UPSCLI_ERR_INVALIDARG`). Unknown codes give "Unknown error".
    pub fn message(&self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "Invalid argument",
            ErrorCode::FeatureNotSupported => "Feature not supported",
            ErrorCode::FeatureNotConfigured => "Feature not configured",
            ErrorCode::AlreadySslMode => "Already in SSL mode",
            other => other.libupsclient_message(),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::parse(code)
    }
}
