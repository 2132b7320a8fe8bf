//! The read pool: a few read-only connections used on tokio's blocking threads.
//!
//! In WAL mode readers never wait for the writer, so reads (job pages, outputs,
//! the rescuer's scan) do not queue behind the writer thread's group commits. Each
//! read runs in one deferred transaction, so a multi-statement read sees one
//! snapshot. Connections are opened lazily, up to the configured number.

use std::path::PathBuf;
use std::sync::Arc;

use offload_store::StoreError;
use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::error::DbResult;

/// A bounded pool of read-only connections to one database file.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
    busy_timeout: std::time::Duration,
}

impl Readers {
    /// A pool of at most `size` connections to `path`.
    pub(crate) fn new(path: PathBuf, size: usize, busy_timeout: std::time::Duration) -> Readers {
        Readers {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
            permits: Arc::new(Semaphore::new(size.max(1))),
            busy_timeout,
        }
    }

    /// Runs `op` on a read-only connection inside one read transaction.
    pub(crate) async fn read<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("the read pool is closed".into()))?;
        let idle = Arc::clone(&self.idle);
        let popped = idle.lock().pop();
        let conn = match popped {
            Some(conn) => conn,
            None => self.open().map_err(StoreError::from)?,
        };
        let task = tokio::task::spawn_blocking(move || {
            let result = in_read_transaction(&conn, op);
            // A connection left inside a transaction by a failure is dropped, not reused.
            if conn.is_autocommit() {
                idle.lock().push(conn);
            }
            drop(permit);
            result
        });
        let result = task
            .await
            .map_err(|err| StoreError::Internal(format!("read task failed: {err}")))?;
        result.map_err(StoreError::from)
    }

    fn open(&self) -> DbResult<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(self.busy_timeout)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}

fn in_read_transaction<T>(
    conn: &Connection,
    op: impl FnOnce(&Connection) -> DbResult<T>,
) -> DbResult<T> {
    conn.execute_batch("BEGIN")?;
    let result = op(conn);
    // A read transaction has nothing to keep; ending it releases the WAL snapshot
    // so checkpoints can proceed.
    conn.execute_batch("ROLLBACK")?;
    result
}
