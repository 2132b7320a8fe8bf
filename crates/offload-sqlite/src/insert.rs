//! `job_insert_many`: new jobs, with idempotency keys checked in the same transaction.
//!
//! The whole batch runs in one savepoint of the writer's group transaction, so a
//! key conflict on any item leaves none of the batch written. Keys of earlier
//! items in the same batch are visible to later ones, so a batch that repeats a
//! key inserts one job.

use std::collections::BTreeSet;

use offload_core::{JobId, JobState, Timestamp};
use offload_store::{Inserted, NewJob, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::columns::{StateColumns, millis};
use crate::error::DbResult;

/// Inserts `jobs` at `now`, returning one [`Inserted`] per job in order.
pub(crate) fn insert_many(
    conn: &Connection,
    jobs: &[NewJob],
    now: Timestamp,
) -> DbResult<Vec<Inserted>> {
    register_queues(conn, jobs)?;
    let mut inserted = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        inserted.push(insert_one(conn, index, job, now)?);
    }
    Ok(inserted)
}

/// Makes every queue named in the batch known, so claim can find it.
fn register_queues(conn: &Connection, jobs: &[NewJob]) -> DbResult<()> {
    let names: BTreeSet<&str> = jobs.iter().map(|j| j.spec.queue.as_str()).collect();
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO queues (name) VALUES (?1)")?;
    for name in names {
        stmt.execute([name])?;
    }
    Ok(())
}

fn insert_one(conn: &Connection, index: usize, job: &NewJob, now: Timestamp) -> DbResult<Inserted> {
    if let Some(existing) = held_key(conn, index, job, now)? {
        return Ok(Inserted {
            id: existing,
            created: false,
        });
    }
    let id = insert_row(conn, job, now)?;
    if let Some(idem) = &job.spec.idempotency {
        let mut stmt = conn.prepare_cached(
            "INSERT OR REPLACE INTO idempotency_keys (key, job_id, spec_hash, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        let expires_at = now.plus(idem.ttl).0;
        stmt.execute(params![idem.key, id.0, job.spec_hash, expires_at])?;
    }
    Ok(Inserted { id, created: true })
}

/// The job that holds this job's key, if the key is live and names the same spec.
///
/// A live key with a different spec hash is a conflict. A key whose job has been
/// deleted no longer holds.
fn held_key(
    conn: &Connection,
    index: usize,
    job: &NewJob,
    now: Timestamp,
) -> DbResult<Option<JobId>> {
    let Some(idem) = &job.spec.idempotency else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT k.job_id, k.spec_hash FROM idempotency_keys k JOIN jobs j ON j.id = k.job_id \
         WHERE k.key = ?1 AND k.expires_at > ?2",
    )?;
    let held: Option<(i64, String)> = stmt
        .query_row(params![idem.key, now.0], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    match held {
        None => Ok(None),
        Some((id, hash)) if hash == job.spec_hash => Ok(Some(JobId(id))),
        Some((id, _)) => Err(StoreError::KeyConflict {
            index,
            key: idem.key.clone(),
            existing: JobId(id),
        }
        .into()),
    }
}

fn insert_row(conn: &Connection, job: &NewJob, now: Timestamp) -> DbResult<JobId> {
    let spec = &job.spec;
    let state = StateColumns::of(&JobState::initial(spec.run_at, now));
    let mut stmt = conn.prepare_cached(
        "INSERT INTO jobs (state, queue, priority, run_at, enqueued_at, spec, spec_hash, labels, \
         result_ttl_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        state.name,
        spec.queue.as_str(),
        spec.priority,
        state.run_at,
        now.0,
        serde_json::to_string(spec)?,
        job.spec_hash,
        serde_json::to_string(&spec.labels)?,
        spec.result_ttl.map(millis),
    ])?;
    Ok(JobId(conn.last_insert_rowid()))
}
