//! `job_complete_many` and `job_heartbeat`: the writes guarded by the lease.
//!
//! A worker's change applies only while the job is running under the attempt
//! number the worker holds. Once the rescuer has finished an attempt, or the job
//! has finished by any other path, the old worker's completion is `Stale` and
//! changes nothing at all: not the state, not the attempt record, not the output.

use offload_core::{JobState, StateName, Timestamp, WorkerId};
use offload_store::{Completed, Completion, Heartbeat, HeartbeatResult, JobOutput};
use rusqlite::{Connection, OptionalExtension, params};

use crate::columns::StateColumns;
use crate::error::{DbError, DbResult};

/// Applies each completion whose attempt still holds the lease.
pub(crate) fn complete_many(
    conn: &Connection,
    completions: &[Completion],
) -> DbResult<Vec<Completed>> {
    completions.iter().map(|c| complete_one(conn, c)).collect()
}

fn complete_one(conn: &Connection, c: &Completion) -> DbResult<Completed> {
    if matches!(c.next, JobState::Running { .. }) {
        return Err(DbError::Corrupt(format!(
            "completion of job {} names running as the next state",
            c.id
        )));
    }
    if !update_job(conn, c)? {
        return Ok(Completed::Stale);
    }
    record_attempt(conn, c)?;
    if let Some(output) = &c.output {
        store_output(conn, c.id.0, output)?;
    }
    Ok(Completed::Applied)
}

/// Moves the job to its next state if the attempt still holds the lease; returns
/// whether it did. One guarded statement, so a stale completion writes nothing.
fn update_job(conn: &Connection, c: &Completion) -> DbResult<bool> {
    let cols = StateColumns::of(&c.next);
    let counted = i64::from(c.outcome.counts_as_attempt());
    // Output expires a TTL after the job finishes; a retried job keeps it until then.
    let mut stmt = conn.prepare_cached(
        "UPDATE jobs SET state = ?3, run_at = ?4, worker = NULL, lease_expires_at = NULL, \
         cancel_requested = 0, finished_at = ?5, budget_used = budget_used + ?6, \
         output_expires_at = ?5 + result_ttl_ms \
         WHERE id = ?1 AND state = 'running' AND attempt = ?2",
    )?;
    let changed = stmt.execute(params![
        c.id.0,
        c.attempt,
        cols.name,
        cols.run_at,
        cols.finished_at,
        counted
    ])?;
    Ok(changed == 1)
}

fn record_attempt(conn: &Connection, c: &Completion) -> DbResult<()> {
    let cpu_ms = c.cpu_ms.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    let peak = c.peak_memory.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    let mut stmt = conn.prepare_cached(
        "UPDATE attempts SET finished_at = ?3, outcome = ?4, cpu_ms = ?5, peak_memory = ?6, \
         tier = ?7 WHERE job_id = ?1 AND number = ?2",
    )?;
    let outcome = serde_json::to_string(&c.outcome)?;
    stmt.execute(params![
        c.id.0,
        c.attempt,
        c.finished_at.0,
        outcome,
        cpu_ms,
        peak,
        c.tier
    ])?;
    Ok(())
}

fn store_output(conn: &Connection, id: i64, output: &JobOutput) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO job_output (job_id, stdout, stderr, stdout_truncated, \
         stderr_truncated) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![
        id,
        output.stdout,
        output.stderr,
        output.stdout_truncated,
        output.stderr_truncated
    ])?;
    Ok(())
}

/// Renews each beat's lease if `worker` still holds that attempt.
pub(crate) fn heartbeat(
    conn: &Connection,
    worker: &WorkerId,
    beats: &[Heartbeat],
    lease_expires_at: Timestamp,
) -> DbResult<Vec<HeartbeatResult>> {
    let sql = format!(
        "UPDATE jobs SET lease_expires_at = ?4 WHERE id = ?1 AND state = '{}' AND attempt = ?2 \
         AND worker = ?3 RETURNING cancel_requested",
        StateName::Running.as_str()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut results = Vec::with_capacity(beats.len());
    for beat in beats {
        let cancel: Option<bool> = stmt
            .query_row(
                params![beat.id.0, beat.attempt, worker.0, lease_expires_at.0],
                |row| row.get(0),
            )
            .optional()?;
        results.push(match cancel {
            None => HeartbeatResult::Lost,
            Some(true) => HeartbeatResult::CancelRequested,
            Some(false) => HeartbeatResult::Renewed,
        });
    }
    Ok(results)
}
