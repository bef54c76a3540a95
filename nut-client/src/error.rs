//! The client's error type.

use nut_protocol::net::ErrorCode;

/// Why a request failed.
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
}

impl ClientError {
    /// The server's error code, if the server answered `ERR`.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ClientError::Server(code) => Some(code),
            _ => None,
        }
    }
}
