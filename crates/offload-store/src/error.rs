//! Store errors, with an [`ErrorKind`] for the decisions callers make.

use offload_core::JobId;

/// An error from a store backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No job has this id.
    #[error("job {0} not found")]
    NotFound(JobId),
    /// An idempotency key was reused with a different spec while it still holds.
    #[error(
        "idempotency key {key:?} (item {index}) is already used by job {existing} with a different spec"
    )]
    KeyConflict {
        /// The position of the offending job in the batch.
        index: usize,
        /// The key.
        key: String,
        /// The job that holds the key.
        existing: JobId,
    },
    /// The database cannot be reached or is overloaded; the call may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The database schema is not the one this binary expects.
    #[error(
        "database schema is at version {found} but this binary needs {expected}: run `offload migrate`"
    )]
    SchemaMismatch {
        /// The version found.
        found: i64,
        /// The version needed.
        expected: i64,
    },
    /// A stored value could not be decoded, or the backend failed in a way that
    /// retrying will not fix.
    #[error("store failure: {0}")]
    Internal(String),
}

/// What a caller should do about a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Report "not found" to the user.
    NotFound,
    /// Report a conflict to the user.
    Conflict,
    /// Retry later, or tell the user the service is unavailable.
    Unavailable,
    /// Operator action is needed (migrations).
    Schema,
    /// A bug or corruption; log it and report an internal error.
    Internal,
}

impl StoreError {
    /// The decision this error forces.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound(_) => ErrorKind::NotFound,
            StoreError::KeyConflict { .. } => ErrorKind::Conflict,
            StoreError::Unavailable(_) => ErrorKind::Unavailable,
            StoreError::SchemaMismatch { .. } => ErrorKind::Schema,
            StoreError::Internal(_) => ErrorKind::Internal,
        }
    }
}
