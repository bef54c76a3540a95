//! A string that must not end up in logs (the `PASSWORD` argument).

use alloc::string::String;
use core::fmt;

/// A password as sent with `PASSWORD`. `Debug` never shows it; use [`Secret::expose`] where
/// the plain text is really needed (the user check, the wire).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a plain-text secret.
    pub fn new(plain: impl Into<String>) -> Self {
        Secret(plain.into())
    }

    /// The plain text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(plain: String) -> Self {
        Secret(plain)
    }
}

impl From<&str> for Secret {
    fn from(plain: &str) -> Self {
        Secret(String::from(plain))
    }
}
