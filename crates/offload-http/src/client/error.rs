//! [`ClientError`]: why a call failed, split by what the caller does next.
//!
//! The CLI falls back to running a job locally when the server cannot be reached,
//! but must not do so when the server answered with an error (the job may have been
//! rejected for a reason that holds locally too); [`ErrorKind`] tells the two apart.

use crate::wire::ErrorCode;

/// A failed client call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL cannot be used.
    #[error("invalid server url {url:?}: {problem}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The extra CA certificates could not be used.
    #[error("invalid CA certificate: {problem}")]
    InvalidCaCert {
        /// What is wrong with them.
        problem: String,
    },
    /// No connection could be made: the server is down or the address is wrong.
    #[error("could not connect to {url}: {source}")]
    Connect {
        /// The URL of the request.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The server answered with an error.
    #[error("{status} {code}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's stable code, such as `invalid_request`.
        code: String,
        /// The server's message.
        message: String,
        /// The offending field, when the server named one.
        field: Option<String>,
    },
    /// The connection broke or timed out after it was made.
    #[error("request to {url} failed: {source}")]
    Transport {
        /// The URL of the request.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The server's answer could not be understood.
    #[error("unexpected response from {url}: {problem}")]
    Protocol {
        /// The URL of the request.
        url: String,
        /// What was wrong with it.
        problem: String,
    },
}

/// What a caller should do about a [`ClientError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server could not be reached: the CLI may run the job locally instead.
    Unreachable,
    /// The server refused the request; show its message, do not retry as is.
    Api,
    /// The call failed midway or the answer was garbled; it may be retried.
    Transport,
    /// The client was set up wrongly.
    Config,
}

impl ClientError {
    /// The decision this error forces.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ClientError::InvalidUrl { .. } | ClientError::InvalidCaCert { .. } => ErrorKind::Config,
            ClientError::Connect { .. } => ErrorKind::Unreachable,
            ClientError::Api { .. } => ErrorKind::Api,
            ClientError::Transport { .. } | ClientError::Protocol { .. } => ErrorKind::Transport,
        }
    }

    /// Whether the server answered with this code.
    pub fn is_code(&self, code: ErrorCode) -> bool {
        matches!(self, ClientError::Api { code: got, .. } if got == code.as_str())
    }

    /// Sorts a reqwest error into "could not connect" and "failed midway".
    pub(crate) fn from_reqwest(url: &str, source: reqwest::Error) -> ClientError {
        let url = url.to_owned();
        if source.is_connect() {
            ClientError::Connect { url, source }
        } else {
            ClientError::Transport { url, source }
        }
    }
}
