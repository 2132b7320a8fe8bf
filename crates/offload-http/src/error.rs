//! [`ApiError`]: the one way a handler fails, with a stable code and a safe message.
//!
//! Internal errors (a broken store, a bug) are logged here with their detail and
//! answered with a generic message, so nothing about the server's internals leaks
//! to clients. Everything else carries a message meant for the caller, naming the
//! field and the limit where there is one.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use offload_engine::EngineError;
use offload_store::StoreError;

use crate::wire::{ErrorBody, ErrorCode, FieldError};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The bearer token is missing or wrong.
    #[error("missing or wrong bearer token: send `Authorization: Bearer <token>`")]
    Unauthorized,
    /// A dashboard session may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The body is not well-formed JSON.
    #[error("{0}")]
    InvalidJson(String),
    /// A field or parameter is wrong.
    #[error("{0}")]
    Invalid(FieldError),
    /// The body is over the limit.
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// No such job, or nothing kept for it.
    #[error("{0}")]
    NotFound(String),
    /// No such route.
    #[error("no such route")]
    NoRoute,
    /// The route exists but not with this method.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// An idempotency key was reused with a different spec.
    #[error("{0}")]
    IdempotencyConflict(FieldError),
    /// The job is not in a state that allows this.
    #[error("{0}")]
    WrongState(String),
    /// The store cannot be reached; the detail is logged, not returned.
    #[error("the job store is unavailable; retry later")]
    Unavailable(String),
    /// The engine takes no new work.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A bug or corruption; the detail is logged, not returned.
    #[error("internal error; see the server log")]
    Internal(String),
}

impl ApiError {
    /// A bad field or parameter.
    pub fn invalid(field: &str, problem: impl Into<String>) -> ApiError {
        ApiError::Invalid(FieldError {
            field: field.to_owned(),
            problem: problem.into(),
        })
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::InvalidJson(_) => ErrorCode::InvalidJson,
            ApiError::Invalid(_) => ErrorCode::InvalidRequest,
            ApiError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::NoRoute => ErrorCode::NoRoute,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::IdempotencyConflict(_) => ErrorCode::IdempotencyConflict,
            ApiError::WrongState(_) => ErrorCode::WrongState,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::ShuttingDown => ErrorCode::ShuttingDown,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::InvalidJson | ErrorCode::InvalidRequest => StatusCode::BAD_REQUEST,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::NotFound | ErrorCode::NoRoute => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::IdempotencyConflict | ErrorCode::WrongState => StatusCode::CONFLICT,
            ErrorCode::Unavailable | ErrorCode::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let field = match self {
            ApiError::Invalid(e) | ApiError::IdempotencyConflict(e) => Some(e.field.clone()),
            _ => None,
        };
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            field,
        }
    }

    /// Prefixes the field with the job's place in a batch: `jobs[2].limits.memory`.
    pub(crate) fn in_batch(self, index: usize) -> ApiError {
        let prefix = |e: FieldError| FieldError {
            field: format!("jobs[{index}].{}", e.field),
            problem: e.problem,
        };
        match self {
            ApiError::Invalid(e) => ApiError::Invalid(prefix(e)),
            ApiError::IdempotencyConflict(e) => ApiError::IdempotencyConflict(prefix(e)),
            other => other,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "store unavailable"),
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => {}
        }
        (self.status(), Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound(id) => ApiError::NotFound(format!("job {id} not found")),
            StoreError::KeyConflict { key, existing, .. } => {
                ApiError::IdempotencyConflict(FieldError {
                    field: "idempotency_key".to_owned(),
                    problem: format!(
                        "{key:?} is already used by job {existing} with a different spec"
                    ),
                })
            }
            StoreError::Unavailable(detail) => ApiError::Unavailable(detail),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<offload_core::experiment::ExperimentError> for ApiError {
    fn from(err: offload_core::experiment::ExperimentError) -> ApiError {
        ApiError::invalid(&err.field, err.problem)
    }
}

impl From<EngineError> for ApiError {
    /// Maps an engine error; a batch's index is added by the batch handler, which
    /// knows that it is one.
    fn from(err: EngineError) -> ApiError {
        match err {
            EngineError::InvalidSpec { source, .. } => {
                ApiError::invalid(&source.field, source.problem)
            }
            EngineError::Store(store) => store.into(),
            EngineError::ShuttingDown => ApiError::ShuttingDown,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The batch index an engine error names, if any, so the handler can prefix the field.
pub(crate) fn batch_index(err: &EngineError) -> Option<usize> {
    match err {
        EngineError::InvalidSpec { index, .. } => Some(*index),
        EngineError::Store(StoreError::KeyConflict { index, .. }) => Some(*index),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_are_not_sent_to_clients() {
        let secret = "disk /var/lib/offload/jobs.db is corrupt";
        for err in [
            ApiError::from(StoreError::Unavailable(secret.into())),
            ApiError::from(StoreError::Internal(secret.into())),
        ] {
            let body = err.body();
            assert!(!body.message.contains("corrupt"), "{}", body.message);
            assert!(err.status().is_server_error());
        }
    }

    #[test]
    fn engine_errors_map_to_their_codes() {
        let shutting = ApiError::from(EngineError::ShuttingDown);
        assert_eq!(
            (shutting.status(), shutting.code()),
            (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::ShuttingDown)
        );
        let conflict = ApiError::from(StoreError::KeyConflict {
            index: 2,
            key: "k".into(),
            existing: offload_core::JobId(9),
        })
        .in_batch(2);
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        assert_eq!(
            conflict.body().field.as_deref(),
            Some("jobs[2].idempotency_key")
        );
    }
}
