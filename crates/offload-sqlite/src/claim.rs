//! `job_claim`: the head of each runnable queue, merged by priority then age.
//!
//! Claim walks the `queues` table (small: one row per queue), skips paused queues
//! and computes each queue's room under its concurrency limit from the running
//! jobs of that queue (an index on running jobs keeps that count proportional to
//! the running jobs, not to the history). It then reads at most `room` rows from
//! the head of each queue through the partial `jobs_claim` index, so its cost
//! depends on the limit and the number of queues, not on how many jobs wait. All
//! of this runs in the writer's transaction, so no two claims can take the same
//! job.

use offload_core::{QueueName, StateName};
use offload_store::{Claim, ClaimedJob};
use rusqlite::{Connection, params};

use crate::columns::{JOB_COLUMNS, JobRow, sql_count};
use crate::error::DbResult;

/// One runnable queue and how many more of its jobs may start now.
struct Room {
    queue: String,
    free: usize,
}

/// Claims up to `claim.limit` queued jobs for `claim.worker`.
pub(crate) fn claim(conn: &Connection, claim: &Claim) -> DbResult<Vec<ClaimedJob>> {
    if claim.limit == 0 {
        return Ok(Vec::new());
    }
    let mut heads = Vec::new();
    for room in rooms(conn, claim.queues.as_deref())? {
        heads.extend(queue_head(conn, &room.queue, room.free.min(claim.limit))?);
    }
    // Highest priority first, then the oldest (lowest id), across all queues.
    heads.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    heads.truncate(claim.limit);
    heads
        .into_iter()
        .map(|(_, id)| take(conn, id, claim))
        .collect()
}

/// The unpaused queues that `filter` allows, with their free concurrency.
fn rooms(conn: &Connection, filter: Option<&[QueueName]>) -> DbResult<Vec<Room>> {
    let mut stmt = conn.prepare_cached(
        "SELECT q.name, q.concurrency, CASE WHEN q.concurrency IS NULL THEN 0 ELSE \
         (SELECT count(*) FROM jobs j INDEXED BY jobs_queue_state \
         WHERE j.queue = q.name AND j.state = 'running') END \
         FROM queues q WHERE q.paused = 0",
    )?;
    let mut rows = stmt.query([])?;
    let mut rooms = Vec::new();
    while let Some(row) = rows.next()? {
        let queue: String = row.get(0)?;
        if filter.is_some_and(|allowed| !allowed.iter().any(|q| q.as_str() == queue)) {
            continue;
        }
        let limit: Option<i64> = row.get(1)?;
        let running: i64 = row.get(2)?;
        let free = limit.map_or(usize::MAX, |l| usize::try_from(l - running).unwrap_or(0));
        if free > 0 {
            rooms.push(Room { queue, free });
        }
    }
    Ok(rooms)
}

/// The first `n` queued jobs of `queue`, as (priority, id).
fn queue_head(conn: &Connection, queue: &str, n: usize) -> DbResult<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT priority, id FROM jobs INDEXED BY jobs_claim \
         WHERE state = 'queued' AND queue = ?1 ORDER BY priority DESC, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![queue, sql_count(n)], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves one queued job to running under a new attempt held by the claimer.
fn take(conn: &Connection, id: i64, claim: &Claim) -> DbResult<ClaimedJob> {
    let lease_expires_at = claim.now.plus(claim.lease).0;
    let sql = format!(
        "UPDATE jobs SET state = '{running}', attempt = attempt + 1, worker = ?2, \
         lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?1 RETURNING {JOB_COLUMNS}",
        running = StateName::Running.as_str(),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let worker = claim.worker.0.as_str();
    let row = stmt.query_row(params![id, worker, lease_expires_at], |row| {
        Ok(JobRow::read(row))
    })??;
    let mut attempt = conn.prepare_cached(
        "INSERT INTO attempts (job_id, number, worker, started_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    attempt.execute(params![id, row.attempt, worker, claim.now.0])?;
    Ok(row.into_claimed())
}
