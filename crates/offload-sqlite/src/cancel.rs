//! `job_cancel`: the domain's `transition_to_cancelled`, applied to the stored row.
//!
//! A waiting job is cancelled at once. A running job only gets `cancel_requested`:
//! its worker learns of it from its next heartbeat (and the rescuer from
//! `job_get_stuck`) and finishes the attempt as cancelled itself, because only
//! the worker can kill the process.

use offload_core::{CancelOutcome, JobId, Timestamp};
use offload_store::StoreError;
use rusqlite::{Connection, OptionalExtension, params};

use crate::columns::{JOB_COLUMNS, JobRow, StateColumns};
use crate::error::DbResult;

/// Cancels job `id` at `now`.
pub(crate) fn cancel(conn: &Connection, id: JobId, now: Timestamp) -> DbResult<CancelOutcome> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"))?;
    let row = stmt
        .query_row([id.0], |row| Ok(JobRow::read(row)))
        .optional()?
        .ok_or(StoreError::NotFound(id))??;
    let (next, outcome) = row.state.transition_to_cancelled(now);
    if let Some(next) = next {
        let cols = StateColumns::of(&next);
        let mut update = conn.prepare_cached(
            "UPDATE jobs SET state = ?2, run_at = ?3, cancel_requested = ?4, finished_at = ?5 \
             WHERE id = ?1",
        )?;
        update.execute(params![
            id.0,
            cols.name,
            cols.run_at,
            cols.cancel_requested,
            cols.finished_at
        ])?;
    }
    Ok(outcome)
}
