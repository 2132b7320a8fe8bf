//! The error body every failed request returns, and its stable codes.
//!
//! Clients decide on `code`, never on `message`: messages may be reworded, codes
//! are part of the API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a request failed, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The bearer token is missing or wrong (401).
    Unauthorized,
    /// A dashboard session may not do this: read-only, or no CSRF token (403).
    Forbidden,
    /// The body is not well-formed JSON (400).
    InvalidJson,
    /// A field or parameter is missing, unknown or out of bounds; `field` names it (400).
    InvalidRequest,
    /// The body is larger than the server accepts (413).
    PayloadTooLarge,
    /// No such job, or no output kept for it (404).
    NotFound,
    /// No such route (404).
    NoRoute,
    /// The route exists but not with this method (405).
    MethodNotAllowed,
    /// An idempotency key was reused with a different spec (409).
    IdempotencyConflict,
    /// The job is not in a state that allows this (409).
    WrongState,
    /// The store cannot be reached; retry later (503).
    Unavailable,
    /// The server is shutting down and takes no new work (503).
    ShuttingDown,
    /// A bug or corruption on the server; details are in its log (500).
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NoRoute => "no_route",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::WrongState => "wrong_state",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, as a stable code.
    pub code: ErrorCode,
    /// What went wrong, for people; names the field and the limit where there is one.
    pub message: String,
    /// The offending field as a dotted path (`limits.memory`, `jobs[2].command`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
