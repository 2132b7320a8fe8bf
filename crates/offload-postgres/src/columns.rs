//! How a [`JobState`] maps onto the columns of `jobs`, and how rows come back.
//!
//! Every state lives in the same row: the `state` name plus the columns that are
//! valid only in that state (`run_at` for scheduled, the lease for running,
//! `finished_at` for terminal states). Writing a state always writes all of those
//! columns, so a column from an earlier state never lingers; the table's CHECK
//! constraints refuse a row where one does.

use offload_core::{JobId, JobSpec, JobState, Timestamp};
use offload_store::{ClaimedJob, StateColumns as StoredState};
use tokio_postgres::Row;

use crate::error::{DbError, DbResult};

/// The columns of `jobs` that [`JobRow::read`] expects, in order.
pub(crate) const JOB_COLUMNS: &str = "id, state, run_at, attempt, worker, lease_expires_at, \
     cancel_requested, finished_at, spec, enqueued_at, budget_used";

/// The state columns of one job, as written by every state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateColumns {
    pub(crate) name: &'static str,
    pub(crate) run_at: Option<i64>,
    pub(crate) cancel_requested: bool,
    pub(crate) finished_at: Option<i64>,
}

impl StateColumns {
    /// The columns that store `state`. The lease columns of a running state are
    /// written only by the claim and the heartbeat, which hold them directly.
    pub(crate) fn of(state: &JobState) -> StateColumns {
        let mut cols = StateColumns {
            name: state.name().as_str(),
            run_at: None,
            cancel_requested: false,
            finished_at: None,
        };
        match state {
            JobState::Scheduled { run_at } => cols.run_at = Some(run_at.0),
            JobState::Queued => {}
            JobState::Running {
                cancel_requested, ..
            } => cols.cancel_requested = *cancel_requested,
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
    pub(crate) fn read(row: &Row) -> DbResult<JobRow> {
        let attempt = unsigned(row.try_get(3)?, "attempt")?;
        let state = decode_state(row, attempt)?;
        let spec: &str = row.try_get(8)?;
        Ok(JobRow {
            id: JobId(row.try_get(0)?),
            state,
            attempt,
            spec: serde_json::from_str(spec)?,
            enqueued_at: Timestamp(row.try_get(9)?),
            budget_used: unsigned(row.try_get(10)?, "budget_used")?,
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
fn decode_state(row: &Row, attempt: u32) -> DbResult<JobState> {
    let columns = StoredState {
        name: row.try_get(1)?,
        attempt,
        run_at: row.try_get(2)?,
        worker: row.try_get(4)?,
        lease_expires_at: row.try_get(5)?,
        cancel_requested: row.try_get(6)?,
        finished_at: row.try_get(7)?,
    };
    columns.decode().map_err(|c| corrupt(c.column, &c.value))
}

/// A stored `integer` that must not be negative.
pub(crate) fn unsigned(value: i32, column: &str) -> DbResult<u32> {
    u32::try_from(value).map_err(|_| corrupt(column, &value.to_string()))
}

pub(crate) fn corrupt(column: &str, value: &str) -> DbError {
    DbError::Corrupt(format!("jobs.{column} holds {value:?}"))
}
