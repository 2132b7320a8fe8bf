//! `job_cancel`: the domain's `transition_to_cancelled`, applied to the stored row.
//!
//! A waiting job is cancelled at once. A running job only gets `cancel_requested`:
//! its worker learns of it from its next heartbeat (and the rescuer from
//! `job_get_stuck`) and finishes the attempt as cancelled itself, because only the
//! worker can kill the process. So that the worker need not wait for that
//! heartbeat, a kill request also notifies `<schema>_cancel` with the job id; a
//! node listening there can kill the attempt at once.
//!
//! The row is read `FOR UPDATE`, so a claim or a completion racing with the
//! cancel either happens wholly before it or sees its result.

use deadpool_postgres::Client;
use offload_core::{CancelOutcome, JobId, Timestamp};
use offload_store::StoreError;

use crate::columns::{JOB_COLUMNS, JobRow, StateColumns};
use crate::error::DbResult;
use crate::sql;

/// Cancels job `id` at `now`.
pub(crate) async fn cancel(
    client: &mut Client,
    schema: &str,
    id: JobId,
    now: Timestamp,
) -> DbResult<CancelOutcome> {
    let tx = client.transaction().await?;
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE");
    let row = sql::query_opt(&tx, &sql, &[&id.0])
        .await?
        .ok_or(StoreError::NotFound(id))?;
    let (next, outcome) = JobRow::read(&row)?.state.transition_to_cancelled(now);
    if let Some(next) = next {
        let cols = StateColumns::of(&next);
        sql::execute(
            &tx,
            "UPDATE jobs SET state = $2, run_at = $3, cancel_requested = $4, finished_at = $5 \
             WHERE id = $1",
            &[
                &id.0,
                &cols.name,
                &cols.run_at,
                &cols.cancel_requested,
                &cols.finished_at,
            ],
        )
        .await?;
    }
    if matches!(outcome, CancelOutcome::KillRequested { .. }) {
        let channel = format!("{schema}_cancel");
        sql::query(
            &tx,
            "SELECT pg_notify($1, $2)",
            &[&channel, &id.0.to_string()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}
