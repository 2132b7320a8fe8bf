//! The crate's internal error, so that `?` works on driver, pool and JSON
//! results, and its translation into the [`StoreError`] every caller sees.
//!
//! The translation is the one decision here that matters to operators: anything
//! that means "the database is not reachable right now" (a refused or dropped
//! connection, a pool that could not hand out a connection in time, a server
//! shutting down, a deadlock or serialization failure that a retry resolves)
//! becomes [`StoreError::Unavailable`], which the API turns into a 503. Everything
//! else is a bug or corruption and becomes [`StoreError::Internal`].

use deadpool_postgres::PoolError;
use offload_store::StoreError;
use tokio_postgres::error::SqlState;

/// An error inside the store, before it crosses the [`offload_store::Store`] boundary.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// PostgreSQL or the connection to it failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The pool could not hand out a connection.
    #[error("connection pool: {0}")]
    Pool(#[from] PoolError),
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
            DbError::Postgres(ref pg) if is_transient(pg) => StoreError::Unavailable(chain(&err)),
            DbError::Pool(ref pool) if pool_is_transient(pool) => {
                StoreError::Unavailable(chain(&err))
            }
            other => StoreError::Internal(chain(&other)),
        }
    }
}

/// Whether a driver error means the server is unreachable or busy, so a retry may work.
pub(crate) fn is_transient(err: &tokio_postgres::Error) -> bool {
    let Some(code) = err.code() else {
        // No SQLSTATE: the error came from the socket or the protocol, not from a
        // statement the server rejected, so the connection is what failed.
        return err.is_closed() || io_source(err);
    };
    let class = &code.code()[..2];
    // 08: connection exception; 53: insufficient resources; 57P0x: the server is
    // shutting down or starting; 40001/40P01: serialization failure and deadlock,
    // which PostgreSQL itself says to retry.
    matches!(class, "08" | "53")
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
}

/// The error and every cause under it, joined by ": ". The driver's own message
/// is often only the outer layer ("error serializing parameter 0", "db error"),
/// and the useful part is in its source.
fn chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = inner.source();
    }
    message
}

fn io_source(err: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
}

/// Whether a pool error is a timeout, a closed pool or a connection that failed.
fn pool_is_transient(err: &PoolError) -> bool {
    match err {
        PoolError::Backend(pg) => is_transient(pg) || pg.code().is_none(),
        PoolError::Timeout(_) | PoolError::Closed => true,
        _ => false,
    }
}

/// The crate's result type.
pub(crate) type DbResult<T> = Result<T, DbError>;
