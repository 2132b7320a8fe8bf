//! The crate's internal error, so that `?` works on rusqlite and serde_json
//! results, and its translation into the [`StoreError`] every caller sees.

use offload_store::StoreError;
use rusqlite::ErrorCode;

/// An error inside the store, before it crosses the [`offload_store::Store`] boundary.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON column could not be encoded or decoded.
    #[error("json column: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored value is not one this binary writes.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// An error the caller must see as it is (conflicts, not found, schema).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for StoreError {
    fn from(err: DbError) -> StoreError {
        match err {
            DbError::Store(err) => err,
            DbError::Sqlite(err) if is_busy(&err) => StoreError::Unavailable(err.to_string()),
            other => StoreError::Internal(other.to_string()),
        }
    }
}

/// Whether SQLite gave up waiting for a lock, which a retry may fix.
fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// The crate's result type.
pub(crate) type DbResult<T> = Result<T, DbError>;
