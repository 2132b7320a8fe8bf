//! The read calls: one job with its attempts, pages of jobs, and stored output.

use offload_core::{Attempt, Job, JobId, Timestamp, WorkerId};
use offload_store::{JobFilter, JobOutput, JobPage};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::columns::{JOB_COLUMNS, JobRow};
use crate::error::DbResult;

/// The most jobs one page returns, whatever the filter asks for.
pub const MAX_PAGE: u32 = 1000;

/// One job with its attempts.
pub(crate) fn get(conn: &Connection, id: JobId) -> DbResult<Option<Job>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"))?;
    let Some(row) = stmt
        .query_row([id.0], |row| Ok(JobRow::read(row)))
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(with_attempts(conn, row?)?))
}

fn with_attempts(conn: &Connection, row: JobRow) -> DbResult<Job> {
    Ok(Job {
        id: row.id,
        attempts: attempts(conn, row.id)?,
        spec: row.spec,
        state: row.state,
        enqueued_at: row.enqueued_at,
    })
}

fn attempts(conn: &Connection, id: JobId) -> DbResult<Vec<Attempt>> {
    let mut stmt = conn.prepare_cached(
        "SELECT number, worker, started_at, finished_at, outcome, cpu_ms, peak_memory, tier \
         FROM attempts WHERE job_id = ?1 ORDER BY number",
    )?;
    let mut rows = stmt.query([id.0])?;
    let mut attempts = Vec::new();
    while let Some(row) = rows.next()? {
        let outcome: Option<String> = row.get(4)?;
        attempts.push(Attempt {
            number: row.get(0)?,
            worker: WorkerId(row.get(1)?),
            started_at: Timestamp(row.get(2)?),
            finished_at: row.get::<_, Option<i64>>(3)?.map(Timestamp),
            outcome: outcome.map(|o| serde_json::from_str(&o)).transpose()?,
            cpu_ms: row.get(5)?,
            peak_memory: row.get(6)?,
            tier: row.get(7)?,
        });
    }
    Ok(attempts)
}

/// A page of jobs matching `filter`, newest first.
pub(crate) fn list(conn: &Connection, filter: &JobFilter) -> DbResult<JobPage> {
    let (sql, args) = list_query(filter);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |row| Ok(JobRow::read(row)))?;
    let mut jobs = Vec::new();
    for row in rows {
        jobs.push(with_attempts(conn, row??)?);
    }
    let limit = filter.limit.min(MAX_PAGE) as usize;
    // One row more than the page was read, to know whether another page follows.
    let next = if jobs.len() > limit {
        jobs.truncate(limit);
        jobs.last().map(|job| job.id)
    } else {
        None
    };
    Ok(JobPage { jobs, next })
}

/// The SQL and arguments of a listing, with only the filters that are set.
fn list_query(filter: &JobFilter) -> (String, Vec<Value>) {
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    if !filter.states.is_empty() {
        let marks = vec!["?"; filter.states.len()].join(", ");
        conditions.push(format!("state IN ({marks})"));
        args.extend(
            filter
                .states
                .iter()
                .map(|s| Value::Text(s.as_str().to_owned())),
        );
    }
    if let Some(queue) = &filter.queue {
        conditions.push("queue = ?".to_owned());
        args.push(Value::Text(queue.as_str().to_owned()));
    }
    if let Some((key, value)) = &filter.label {
        conditions.push(
            "EXISTS (SELECT 1 FROM json_each(jobs.labels) l WHERE l.key = ? AND l.value = ?)"
                .to_owned(),
        );
        args.push(Value::Text(key.clone()));
        args.push(Value::Text(value.clone()));
    }
    if let Some(before) = filter.before {
        conditions.push("id < ?".to_owned());
        args.push(Value::Integer(before.0));
    }
    let filter_sql = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    args.push(Value::Integer(i64::from(filter.limit.min(MAX_PAGE)) + 1));
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs {filter_sql} ORDER BY id DESC LIMIT ?");
    (sql, args)
}

/// The stored output of job `id`.
pub(crate) fn output(conn: &Connection, id: JobId) -> DbResult<Option<JobOutput>> {
    let mut stmt = conn.prepare_cached(
        "SELECT stdout, stderr, stdout_truncated, stderr_truncated FROM job_output WHERE job_id = ?1",
    )?;
    let output = stmt
        .query_row([id.0], |row| {
            Ok(JobOutput {
                stdout: row.get(0)?,
                stderr: row.get(1)?,
                stdout_truncated: row.get(2)?,
                stderr_truncated: row.get(3)?,
            })
        })
        .optional()?;
    Ok(output)
}
