//! The read calls: one job with its attempts, pages of jobs, and stored output.
//!
//! A page reads its jobs in one statement and all of their attempts in a second,
//! rather than one statement per job.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use offload_core::{Attempt, Job, JobId, Timestamp, WorkerId};
use offload_store::{JobFilter, JobOutput, JobPage};
use tokio_postgres::Row;

use crate::columns::{JOB_COLUMNS, JobRow, unsigned};
use crate::error::DbResult;
use crate::sql;

/// The most jobs one page returns, whatever the filter asks for.
pub const MAX_PAGE: u32 = 1000;

/// One job with its attempts.
pub(crate) async fn get<C: GenericClient>(client: &C, id: JobId) -> DbResult<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let Some(row) = sql::query_opt(client, &sql, &[&id.0]).await? else {
        return Ok(None);
    };
    let row = JobRow::read(&row)?;
    let mut attempts = attempts(client, &[id.0]).await?;
    Ok(Some(into_job(row, &mut attempts)))
}

fn into_job(row: JobRow, attempts: &mut HashMap<i64, Vec<Attempt>>) -> Job {
    Job {
        id: row.id,
        attempts: attempts.remove(&row.id.0).unwrap_or_default(),
        spec: row.spec,
        state: row.state,
        enqueued_at: row.enqueued_at,
    }
}

/// The attempts of `ids`, oldest first, by job.
async fn attempts<C: GenericClient>(
    client: &C,
    ids: &[i64],
) -> DbResult<HashMap<i64, Vec<Attempt>>> {
    let rows = sql::query(
        client,
        "SELECT job_id, number, worker, started_at, finished_at, outcome, cpu_ms, peak_memory, \
         tier FROM attempts WHERE job_id = ANY($1) ORDER BY job_id, number",
        &[&ids],
    )
    .await?;
    let mut by_job: HashMap<i64, Vec<Attempt>> = HashMap::new();
    for row in &rows {
        by_job
            .entry(row.try_get(0)?)
            .or_default()
            .push(attempt(row)?);
    }
    Ok(by_job)
}

fn attempt(row: &Row) -> DbResult<Attempt> {
    let outcome: Option<&str> = row.try_get(5)?;
    let count = |v: Option<i64>| v.map(|v| u64::try_from(v).unwrap_or(0));
    Ok(Attempt {
        number: unsigned(row.try_get(1)?, "attempts.number")?,
        worker: WorkerId(row.try_get(2)?),
        started_at: Timestamp(row.try_get(3)?),
        finished_at: row.try_get::<_, Option<i64>>(4)?.map(Timestamp),
        outcome: outcome.map(serde_json::from_str).transpose()?,
        cpu_ms: count(row.try_get(6)?),
        peak_memory: count(row.try_get(7)?),
        tier: row.try_get(8)?,
    })
}

/// A page of jobs matching `filter`, newest first.
///
/// Every filter is always a parameter (NULL when unset), so the statement is one
/// prepared statement whatever the filter.
pub(crate) async fn list<C: GenericClient>(client: &C, filter: &JobFilter) -> DbResult<JobPage> {
    let limit = filter.limit.min(MAX_PAGE);
    let states: Option<Vec<&str>> =
        (!filter.states.is_empty()).then(|| filter.states.iter().map(|s| s.as_str()).collect());
    let queue = filter.queue.as_ref().map(|q| q.as_str());
    let label = filter
        .label
        .as_ref()
        .map(|(k, v)| serde_json::json!({ k: v }).to_string());
    let before = filter.before.map(|id| id.0);
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1::text[] IS NULL OR state = ANY($1)) \
         AND ($2::text IS NULL OR queue = $2) AND ($3::text IS NULL OR labels @> $3::jsonb) \
         AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
    );
    // One row more than the page is read, to know whether another page follows.
    let fetch = i64::from(limit) + 1;
    let rows = sql::query(client, &sql, &[&states, &queue, &label, &before, &fetch]).await?;
    let mut jobs: Vec<JobRow> = rows.iter().map(JobRow::read).collect::<DbResult<_>>()?;
    let next = if jobs.len() > limit as usize {
        jobs.truncate(limit as usize);
        jobs.last().map(|job| job.id)
    } else {
        None
    };
    let ids: Vec<i64> = jobs.iter().map(|j| j.id.0).collect();
    let mut attempts = attempts(client, &ids).await?;
    let jobs = jobs
        .into_iter()
        .map(|row| into_job(row, &mut attempts))
        .collect();
    Ok(JobPage { jobs, next })
}

/// The stored output of job `id`.
pub(crate) async fn output<C: GenericClient>(client: &C, id: JobId) -> DbResult<Option<JobOutput>> {
    let row = sql::query_opt(
        client,
        "SELECT stdout, stderr, stdout_truncated, stderr_truncated FROM job_output WHERE job_id = $1",
        &[&id.0],
    )
    .await?;
    row.map(|row| {
        Ok(JobOutput {
            stdout: row.try_get(0)?,
            stderr: row.try_get(1)?,
            stdout_truncated: row.try_get(2)?,
            stderr_truncated: row.try_get(3)?,
        })
    })
    .transpose()
}
