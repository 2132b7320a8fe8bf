//! The background services' calls: promote due jobs, find stuck ones, clean up.
//!
//! Each works in bounded batches through its own partial index, so a pass costs
//! the same whether the history holds a thousand jobs or ten million.

use offload_core::Timestamp;
use offload_store::ClaimedJob;
use rusqlite::{Connection, params};

use crate::columns::{JOB_COLUMNS, JobRow, count, sql_count};
use crate::error::DbResult;

/// Moves up to `limit` scheduled jobs due at `now` to queued.
pub(crate) fn promote_due(conn: &Connection, now: Timestamp, limit: usize) -> DbResult<u64> {
    let mut stmt = conn.prepare_cached(
        "UPDATE jobs SET state = 'queued', run_at = NULL WHERE id IN (SELECT id FROM jobs \
         WHERE state = 'scheduled' AND run_at <= ?1 ORDER BY run_at LIMIT ?2)",
    )?;
    Ok(count(stmt.execute(params![now.0, sql_count(limit)])?))
}

/// The earliest `run_at` among scheduled jobs.
pub(crate) fn next_due(conn: &Connection) -> DbResult<Option<Timestamp>> {
    let mut stmt = conn.prepare_cached("SELECT MIN(run_at) FROM jobs WHERE state = 'scheduled'")?;
    let next: Option<i64> = stmt.query_row([], |row| row.get(0))?;
    Ok(next.map(Timestamp))
}

/// Running jobs whose lease expired before `now`, oldest lease first.
pub(crate) fn stuck(conn: &Connection, now: Timestamp, limit: usize) -> DbResult<Vec<ClaimedJob>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'running' AND lease_expires_at < ?1 \
         ORDER BY lease_expires_at LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![now.0, sql_count(limit)], |row| {
        Ok(JobRow::read(row))
    })?;
    rows.map(|row| Ok(row??.into_claimed())).collect()
}

/// Deletes up to `limit` terminal jobs that finished before `before`.
///
/// Idempotency keys that expired before `before` are dropped in the same pass:
/// `before` is in the past, so they can no longer hold.
pub(crate) fn delete_finished(conn: &Connection, before: Timestamp, limit: usize) -> DbResult<u64> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at < ?1 \
         AND state IN ('succeeded', 'failed', 'cancelled') LIMIT ?2) RETURNING id",
    )?;
    let ids = stmt
        .query_map(params![before.0, sql_count(limit)], |row| {
            row.get::<_, i64>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    delete_children(conn, &ids)?;
    let mut keys = conn.prepare_cached("DELETE FROM idempotency_keys WHERE expires_at < ?1")?;
    keys.execute([before.0])?;
    Ok(count(ids.len()))
}

/// Deletes the attempts and output of deleted jobs. Their idempotency keys stop
/// holding by themselves: a key holds only while its job exists.
pub(crate) fn delete_children(conn: &Connection, ids: &[i64]) -> DbResult<()> {
    let mut attempts = conn.prepare_cached("DELETE FROM attempts WHERE job_id = ?1")?;
    let mut output = conn.prepare_cached("DELETE FROM job_output WHERE job_id = ?1")?;
    for id in ids {
        attempts.execute([id])?;
        output.execute([id])?;
    }
    Ok(())
}

/// Deletes up to `limit` outputs whose result TTL passed by `now`.
pub(crate) fn expire_output(conn: &Connection, now: Timestamp, limit: usize) -> DbResult<u64> {
    let mut stmt = conn.prepare_cached(
        "UPDATE jobs SET output_expires_at = NULL WHERE id IN (SELECT id FROM jobs \
         WHERE output_expires_at <= ?1 LIMIT ?2) RETURNING id",
    )?;
    let ids = stmt
        .query_map(params![now.0, sql_count(limit)], |row| row.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut output = conn.prepare_cached("DELETE FROM job_output WHERE job_id = ?1")?;
    let mut deleted = 0;
    for id in ids {
        deleted += output.execute([id])?;
    }
    Ok(count(deleted))
}
