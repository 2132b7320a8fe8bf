//! `job_claim`: batched `FOR UPDATE SKIP LOCKED` over the runnable rows, with
//! paused queues skipped and concurrency limits held across every node.
//!
//! One claim is one transaction:
//!
//! 1. Read the queue settings (a small table: one row per queue).
//! 2. For each *limited* queue the claim may serve, lock its `queues` row
//!    `FOR UPDATE` (in name order, so two claimers never deadlock) and then count
//!    its running jobs. Under READ COMMITTED each statement takes a new snapshot,
//!    so the count, read after the lock is granted, includes every claim another
//!    node committed while it held that lock: two nodes can never both see room
//!    for the last slot. Unlimited queues take no lock, so they never serialise.
//! 3. Read the head of the runnable rows, `ORDER BY priority DESC, id LIMIT n FOR
//!    UPDATE SKIP LOCKED`: once over every unlimited queue (through the partial
//!    `jobs_claim` index, skipping paused and limited queues by the queue it
//!    covers), and once per limited queue with its room as the limit. Rows another
//!    claimer holds are skipped, not waited for.
//! 4. Merge those heads by priority then id, keep `claim.limit`, and move them to
//!    running with one `UPDATE … WHERE id = ANY(…)` that also inserts their
//!    attempts. Rows read but not kept are unlocked at commit.
//!
//! A setting changed while a claim is in flight applies from the next claim: an
//! unlimited queue's settings are read without a lock.

use deadpool_postgres::{Client, Transaction};
use offload_core::QueueName;
use offload_store::{Claim, ClaimedJob};

use crate::columns::{JOB_COLUMNS, JobRow};
use crate::error::DbResult;
use crate::sql::{self, sql_count};

/// A queue's settings as the claim needs them.
struct Settings {
    name: String,
    paused: bool,
    limited: bool,
}

/// A candidate row: (priority, id).
type Head = (i32, i64);

/// Claims up to `claim.limit` queued jobs for `claim.worker`.
pub(crate) async fn claim(client: &mut Client, claim: &Claim) -> DbResult<Vec<ClaimedJob>> {
    if claim.limit == 0 {
        return Ok(Vec::new());
    }
    let tx = client.transaction().await?;
    let settings = settings(&tx, claim.queues.as_deref()).await?;
    let (limited, rest): (Vec<_>, Vec<_>) = settings.into_iter().partition(|s| s.limited);
    let mut heads = open_heads(&tx, claim, &rest, &limited).await?;
    for (queue, room) in limited_rooms(&tx, &limited).await? {
        heads.extend(queue_head(&tx, &queue, room.min(claim.limit)).await?);
    }
    heads.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    heads.truncate(claim.limit);
    let claimed = take(&tx, &heads, claim).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// The settings of every queue, or of the named ones.
async fn settings(tx: &Transaction<'_>, only: Option<&[QueueName]>) -> DbResult<Vec<Settings>> {
    let names: Option<Vec<&str>> = only.map(|qs| qs.iter().map(QueueName::as_str).collect());
    let rows = sql::query(
        tx,
        "SELECT name, paused, concurrency IS NOT NULL FROM queues \
         WHERE $1::text[] IS NULL OR name = ANY($1)",
        &[&names],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Settings {
                name: row.try_get(0)?,
                paused: row.try_get(1)?,
                limited: row.try_get(2)?,
            })
        })
        .collect()
}

/// The head of the unpaused, unlimited queues the claim serves.
async fn open_heads(
    tx: &Transaction<'_>,
    claim: &Claim,
    rest: &[Settings],
    limited: &[Settings],
) -> DbResult<Vec<Head>> {
    let limit = sql_count(claim.limit);
    if claim.queues.is_none() {
        // Every queue except the paused and the limited ones (those are read
        // below, each under its lock).
        let skip: Vec<&str> = rest
            .iter()
            .filter(|s| s.paused)
            .chain(limited)
            .map(|s| s.name.as_str())
            .collect();
        let sql = "SELECT priority, id FROM jobs WHERE state = 'queued' AND queue <> ALL($1) \
                   ORDER BY priority DESC, id LIMIT $2 FOR UPDATE SKIP LOCKED";
        return heads(tx, sql, &skip, limit).await;
    }
    let open: Vec<&str> = rest
        .iter()
        .filter(|s| !s.paused)
        .map(|s| s.name.as_str())
        .collect();
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let sql = "SELECT priority, id FROM jobs WHERE state = 'queued' AND queue = ANY($1) \
               ORDER BY priority DESC, id LIMIT $2 FOR UPDATE SKIP LOCKED";
    heads(tx, sql, &open, limit).await
}

async fn heads(
    tx: &Transaction<'_>,
    sql: &str,
    queues: &[&str],
    limit: i64,
) -> DbResult<Vec<Head>> {
    let rows = sql::query(tx, sql, &[&queues, &limit]).await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// Locks the limited queues' rows and returns the room each has now: (queue, free slots).
async fn limited_rooms(
    tx: &Transaction<'_>,
    limited: &[Settings],
) -> DbResult<Vec<(String, usize)>> {
    if limited.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = limited.iter().map(|s| s.name.as_str()).collect();
    // The lock is taken first, in its own statement, so that the count below runs
    // on a snapshot taken after the lock was granted.
    let locked = sql::query(
        tx,
        "SELECT name, concurrency FROM queues WHERE name = ANY($1) AND NOT paused \
         AND concurrency IS NOT NULL ORDER BY name FOR UPDATE",
        &[&names],
    )
    .await?;
    let running = sql::query(
        tx,
        "SELECT queue, count(*) FROM jobs WHERE state = 'running' AND queue = ANY($1) GROUP BY queue",
        &[&names],
    )
    .await?;
    let mut rooms = Vec::with_capacity(locked.len());
    for row in &locked {
        let name: String = row.try_get(0)?;
        let limit: i64 = row.try_get(1)?;
        let busy = running
            .iter()
            .find(|r| r.get::<_, &str>(0) == name)
            .map_or(Ok(0), |r| r.try_get::<_, i64>(1))?;
        let free = usize::try_from(limit - busy).unwrap_or(0);
        if free > 0 {
            rooms.push((name, free));
        }
    }
    Ok(rooms)
}

/// The first `n` runnable jobs of one queue.
async fn queue_head(tx: &Transaction<'_>, queue: &str, n: usize) -> DbResult<Vec<Head>> {
    let rows = sql::query(
        tx,
        "SELECT priority, id FROM jobs WHERE state = 'queued' AND queue = $1 \
         ORDER BY priority DESC, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        &[&queue, &sql_count(n)],
    )
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// Moves the chosen rows to running under a new attempt held by the claimer, in
/// claim order.
async fn take(tx: &Transaction<'_>, heads: &[Head], claim: &Claim) -> DbResult<Vec<ClaimedJob>> {
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = heads.iter().map(|h| h.1).collect();
    let lease_expires_at = claim.now.plus(claim.lease).0;
    let sql = format!(
        "WITH taken AS (UPDATE jobs SET state = 'running', attempt = attempt + 1, worker = $2, \
         lease_expires_at = $3, cancel_requested = false WHERE id = ANY($1) RETURNING {JOB_COLUMNS}), \
         started AS (INSERT INTO attempts (job_id, number, worker, started_at) \
         SELECT id, attempt, $2, $4 FROM taken) \
         SELECT {JOB_COLUMNS} FROM taken"
    );
    let rows = sql::query(
        tx,
        &sql,
        &[&ids, &claim.worker.0, &lease_expires_at, &claim.now.0],
    )
    .await?;
    let mut claimed: Vec<ClaimedJob> = rows
        .iter()
        .map(|row| Ok(JobRow::read(row)?.into_claimed()))
        .collect::<DbResult<_>>()?;
    let position = |id: i64| ids.iter().position(|&x| x == id);
    claimed.sort_by_key(|job| position(job.id.0));
    Ok(claimed)
}
