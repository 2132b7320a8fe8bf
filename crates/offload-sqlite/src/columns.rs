//! How a [`JobState`] maps onto the columns of `jobs`, and how rows come back.
//!
//! Every state lives in the same row: the `state` name plus the columns that are
//! valid only in that state (`run_at` for scheduled, the lease for running,
//! `finished_at` for terminal states). Writing a state always writes all of those
//! columns, so a column from an earlier state never lingers.

use offload_core::{JobId, JobSpec, JobState, Timestamp};
use offload_store::{ClaimedJob, StateColumns as StoredState};
use rusqlite::Row;

use crate::error::{DbError, DbResult};

/// The columns of `jobs` that [`JobRow::read`] expects, in order.
pub(crate) const JOB_COLUMNS: &str = "id, state, run_at, attempt, worker, lease_expires_at, \
     cancel_requested, finished_at, spec, enqueued_at, budget_used";

/// The state columns of one job, as written by every state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateColumns {
    pub(crate) name: &'static str,
    pub(crate) run_at: Option<i64>,
    pub(crate) worker: Option<String>,
    pub(crate) lease_expires_at: Option<i64>,
    pub(crate) cancel_requested: bool,
    pub(crate) finished_at: Option<i64>,
}

impl StateColumns {
    /// The columns that store `state`.
    pub(crate) fn of(state: &JobState) -> StateColumns {
        let mut cols = StateColumns {
            name: state.name().as_str(),
            run_at: None,
            worker: None,
            lease_expires_at: None,
            cancel_requested: false,
            finished_at: None,
        };
        match state {
            JobState::Scheduled { run_at } => cols.run_at = Some(run_at.0),
            JobState::Queued => {}
            JobState::Running {
                worker,
                lease_expires_at,
                cancel_requested,
                ..
            } => {
                cols.worker = Some(worker.0.clone());
                cols.lease_expires_at = Some(lease_expires_at.0);
                cols.cancel_requested = *cancel_requested;
            }
            JobState::Succeeded { finished_at }
            | JobState::Failed { finished_at }
            | JobState::Cancelled { finished_at } => cols.finished_at = Some(finished_at.0),
        }
        cols
    }
}

/// One row of `jobs`, decoded.
#[derive(Debug, Clone)]
pub(crate) struct JobRow {
    pub(crate) id: JobId,
    pub(crate) state: JobState,
    pub(crate) attempt: u32,
    pub(crate) spec: JobSpec,
    pub(crate) enqueued_at: Timestamp,
    pub(crate) budget_used: u32,
}

impl JobRow {
    /// Decodes a row selected with [`JOB_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> DbResult<JobRow> {
        let attempt: u32 = row.get(3)?;
        let state = decode_state(row, attempt)?;
        let spec: String = row.get(8)?;
        Ok(JobRow {
            id: JobId(row.get(0)?),
            state,
            attempt,
            spec: serde_json::from_str(&spec)?,
            enqueued_at: Timestamp(row.get(9)?),
            budget_used: row.get(10)?,
        })
    }

    /// The row as handed to a worker or to the rescuer.
    pub(crate) fn into_claimed(self) -> ClaimedJob {
        let cancel_requested = matches!(
            self.state,
            JobState::Running {
                cancel_requested: true,
                ..
            }
        );
        ClaimedJob {
            id: self.id,
            spec: self.spec,
            attempt: self.attempt,
            budget_used: self.budget_used,
            enqueued_at: self.enqueued_at,
            cancel_requested,
        }
    }
}

/// Rebuilds the state from its name and the columns valid in it.
fn decode_state(row: &Row<'_>, attempt: u32) -> DbResult<JobState> {
    let name: String = row.get(1)?;
    let columns = StoredState {
        name: &name,
        attempt,
        run_at: row.get(2)?,
        worker: row.get(4)?,
        lease_expires_at: row.get(5)?,
        cancel_requested: row.get(6)?,
        finished_at: row.get(7)?,
    };
    columns.decode().map_err(|c| corrupt(c.column, &c.value))
}

fn corrupt(column: &str, value: &str) -> DbError {
    DbError::Corrupt(format!("jobs.{column} holds {value:?}"))
}

/// Milliseconds as SQLite stores them; durations beyond i64 saturate.
pub(crate) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A count or limit as SQLite takes it.
pub(crate) fn sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A count as the [`offload_store::Store`] trait returns it.
pub(crate) fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
