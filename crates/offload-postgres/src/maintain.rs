//! The background services' calls: promote due jobs, find stuck ones, clean up.
//!
//! Each works in bounded batches through its own partial index, so a pass costs
//! the same whether the history holds a thousand jobs or ten million. The writes
//! use `SKIP LOCKED`, so two nodes running the same service at once share the
//! work instead of queueing behind each other (leader election, in `leader.rs`,
//! makes that rare but it must stay correct).

use deadpool_postgres::GenericClient;
use offload_core::Timestamp;
use offload_store::ClaimedJob;

use crate::columns::{JOB_COLUMNS, JobRow};
use crate::error::DbResult;
use crate::sql::{self, sql_count};

/// Moves up to `limit` scheduled jobs due at `now` to queued and wakes their producers.
pub(crate) async fn promote_due<C: GenericClient>(
    client: &C,
    schema: &str,
    now: Timestamp,
    limit: usize,
) -> DbResult<u64> {
    let rows = sql::query(
        client,
        "WITH promoted AS (UPDATE jobs SET state = 'queued', run_at = NULL WHERE id IN \
         (SELECT id FROM jobs WHERE state = 'scheduled' AND run_at <= $1 ORDER BY run_at \
         LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING queue), \
         woken AS (SELECT pg_notify($3, queue) FROM (SELECT DISTINCT queue FROM promoted) AS q) \
         SELECT (SELECT count(*) FROM promoted), (SELECT count(*) FROM woken)",
        &[&now.0, &sql_count(limit), &format!("{schema}_jobs")],
    )
    .await?;
    Ok(u64::try_from(rows[0].try_get::<_, i64>(0)?).unwrap_or(0))
}

/// The earliest `run_at` among scheduled jobs.
pub(crate) async fn next_due<C: GenericClient>(client: &C) -> DbResult<Option<Timestamp>> {
    let row = sql::query_one(
        client,
        "SELECT MIN(run_at) FROM jobs WHERE state = 'scheduled'",
        &[],
    )
    .await?;
    Ok(row.try_get::<_, Option<i64>>(0)?.map(Timestamp))
}

/// Running jobs whose lease expired before `now`, oldest lease first.
pub(crate) async fn stuck<C: GenericClient>(
    client: &C,
    now: Timestamp,
    limit: usize,
) -> DbResult<Vec<ClaimedJob>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'running' AND lease_expires_at < $1 \
         ORDER BY lease_expires_at LIMIT $2"
    );
    let rows = sql::query(client, &sql, &[&now.0, &sql_count(limit)]).await?;
    rows.iter()
        .map(|row| Ok(JobRow::read(row)?.into_claimed()))
        .collect()
}

/// Deletes up to `limit` terminal jobs that finished before `before`, with their
/// attempts, output and keys (by cascade).
///
/// Idempotency keys that expired before `before` are dropped in the same pass:
/// `before` is in the past, so they can no longer hold.
pub(crate) async fn delete_finished<C: GenericClient>(
    client: &C,
    before: Timestamp,
    limit: usize,
) -> DbResult<u64> {
    let rows = sql::query(
        client,
        "WITH gone AS (DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at < $1 \
         AND state IN ('succeeded', 'failed', 'cancelled') ORDER BY finished_at LIMIT $2 \
         FOR UPDATE SKIP LOCKED) RETURNING id), \
         keys AS (DELETE FROM idempotency_keys WHERE expires_at < $1) \
         SELECT count(*) FROM gone",
        &[&before.0, &sql_count(limit)],
    )
    .await?;
    Ok(u64::try_from(rows[0].try_get::<_, i64>(0)?).unwrap_or(0))
}

/// Deletes up to `limit` outputs whose result TTL passed by `now`.
pub(crate) async fn expire_output<C: GenericClient>(
    client: &C,
    now: Timestamp,
    limit: usize,
) -> DbResult<u64> {
    let rows = sql::query(
        client,
        "WITH expired AS (UPDATE jobs SET output_expires_at = NULL WHERE id IN (SELECT id FROM jobs \
         WHERE output_expires_at <= $1 ORDER BY output_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING id), \
         gone AS (DELETE FROM job_output WHERE job_id IN (SELECT id FROM expired) RETURNING job_id) \
         SELECT count(*) FROM gone",
        &[&now.0, &sql_count(limit)],
    )
    .await?;
    Ok(u64::try_from(rows[0].try_get::<_, i64>(0)?).unwrap_or(0))
}
