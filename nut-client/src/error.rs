//! The client's error type.

use nut_protocol::net::ErrorCode;

/// Why a request failed.
///
/// ```
/// use nut_client::ClientError;
/// use nut_protocol::net::ErrorCode;
/// let refused = ClientError::Server(ErrorCode::UnknownUps);
/// assert_eq!(refused.to_string(), "Unknown UPS");
/// assert_eq!(ClientError::Timeout.to_string(), "Timeout");
/// assert_eq!(ClientError::Closed.to_string(), "Server disconnected");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered `ERR <code>`.
    #[error("{}", .0.libupsclient_message())]
    Server(ErrorCode),
    /// The connection failed or broke.
    #[error("Connection failure: {0}")]
    Io(#[from] std::io::Error),
    /// The server's answer did not fit the request or the protocol.
    #[error("Protocol error: {0}")]
    Protocol(String),
    /// The server did not answer in time.
    #[error("Timeout")]
    Timeout,
    /// The server closed the connection.
    #[error("Server disconnected")]
    Closed,
    /// TLS could not be set up: bad certificate files, or a handshake that failed (wrong
    /// CA, wrong host name, pin mismatch, server refusing our certificate).
    #[error("TLS failure: {0}")]
    Tls(String),
    /// TLS is required but the server does not offer STARTTLS.
    #[error("TLS required but the server does not offer STARTTLS")]
    TlsRequired,
    /// The connection broke earlier and is not re-established (no automatic reconnection,
    /// or it gave up); call `reconnect`.
    #[error("Not connected")]
    NotConnected,
}

impl ClientError {
    /// The message NUT's clients print after `Error: `, e.g. `Unknown UPS` or
    /// `Connection failure: Connection refused` (the C library's wording, without Rust's
    /// "(os error N)").
    ///
    /// ```
    /// use nut_client::ClientError;
    /// use nut_protocol::net::ErrorCode;
    /// let refused = std::io::Error::from_raw_os_error(111); // ECONNREFUSED on Linux
    /// # if cfg!(target_os = "linux") {
    /// assert_eq!(
    ///     ClientError::Io(refused).nut_message(),
    ///     "Connection failure: Connection refused"
    /// );
    /// # }
    /// assert_eq!(ClientError::Server(ErrorCode::DataStale).nut_message(), "Data stale");
    /// ```
    pub fn nut_message(&self) -> String {
        match self {
            ClientError::Io(io) => {
                let text = io.to_string();
                let text = text
                    .find(" (os error")
                    .map_or(text.as_str(), |cut| &text[..cut])
                    .to_string();
                format!("Connection failure: {text}")
            }
            other => other.to_string(),
        }
    }

    /// What `upsrw -s` and `upscmd` print when upsd refuses the request:
    /// `Unexpected response from upsd: ERR <CODE>`; other errors as `Error: <message>`.
    ///
    /// ```
    /// use nut_client::ClientError;
    /// use nut_protocol::net::ErrorCode;
    /// assert_eq!(
    ///     ClientError::Server(ErrorCode::AccessDenied).refusal_message(),
    ///     "Unexpected response from upsd: ERR ACCESS-DENIED"
    /// );
    /// assert_eq!(ClientError::Timeout.refusal_message(), "Error: Timeout");
    /// ```
    pub fn refusal_message(&self) -> String {
        match self {
            ClientError::Server(code) => format!(
                "Unexpected response from upsd: {}",
                nut_protocol::net::Response::error(code.clone()).to_line()
            ),
            other => format!("Error: {}", other.nut_message()),
        }
    }

    /// The server's error code, if the server answered `ERR`.
    ///
    /// ```
    /// use nut_client::ClientError;
    /// use nut_protocol::net::ErrorCode;
    /// let refused = ClientError::Server(ErrorCode::VarNotSupported);
    /// assert_eq!(refused.code(), Some(&ErrorCode::VarNotSupported));
    /// assert_eq!(ClientError::Closed.code(), None);
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ClientError::Server(code) => Some(code),
            _ => None,
        }
    }
}
