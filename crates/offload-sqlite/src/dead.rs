//! Dead letters: failed jobs can be queued again with a fresh budget, or purged.

use offload_core::JobId;
use offload_store::{DeadSelector, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::columns::count;
use crate::error::DbResult;
use crate::maintain::delete_children;

/// Queues the selected failed jobs again with `budget_used = 0`.
///
/// `One` of an unknown id is [`StoreError::NotFound`]; `One` of a job that is not
/// failed changes nothing and counts 0.
pub(crate) fn retry(conn: &Connection, which: DeadSelector) -> DbResult<u64> {
    let requeue = "UPDATE jobs SET state = 'queued', budget_used = 0, finished_at = NULL, \
                   output_expires_at = NULL WHERE state = 'failed'";
    match which {
        DeadSelector::All => Ok(count(conn.execute(requeue, [])?)),
        DeadSelector::One(id) => {
            ensure_exists(conn, id)?;
            let mut stmt = conn.prepare_cached(&format!("{requeue} AND id = ?1"))?;
            Ok(count(stmt.execute(params![id.0])?))
        }
    }
}

fn ensure_exists(conn: &Connection, id: JobId) -> DbResult<()> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM jobs WHERE id = ?1")?;
    match stmt.query_row([id.0], |_| Ok(())).optional()? {
        Some(()) => Ok(()),
        None => Err(StoreError::NotFound(id).into()),
    }
}

/// Deletes every failed job with its attempts and output.
pub(crate) fn purge(conn: &Connection) -> DbResult<u64> {
    let mut stmt = conn.prepare_cached("DELETE FROM jobs WHERE state = 'failed' RETURNING id")?;
    let ids = stmt
        .query_map([], |row| row.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    delete_children(conn, &ids)?;
    Ok(count(ids.len()))
}
