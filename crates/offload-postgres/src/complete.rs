//! `job_complete_many` and `job_heartbeat`: the writes guarded by the lease.
//!
//! A worker's change applies only while the job is running under the attempt
//! number the worker holds. Once the rescuer has finished an attempt, or the job
//! has finished by any other path, the old worker's completion is `Stale` and
//! changes nothing at all: not the state, not the attempt record, not the output.
//!
//! A whole batch of completions is one statement: the completions travel as
//! parallel arrays, `unnest` turns them back into rows, and data-modifying CTEs
//! update the jobs (guarded by `state = 'running' AND attempt = $n`), then the
//! attempts and the output of exactly the jobs that were updated. The cost per
//! batch is one round trip, whatever its size.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::GenericClient;
use offload_core::{JobState, Timestamp, WorkerId};
use offload_store::{Completed, Completion, Heartbeat, HeartbeatResult};

use crate::columns::StateColumns;
use crate::error::{DbError, DbResult};
use crate::sql::{self, big, int};

/// Applies each completion whose attempt still holds the lease.
pub(crate) async fn complete_many<C: GenericClient>(
    client: &C,
    completions: &[Completion],
) -> DbResult<Vec<Completed>> {
    let batch = Batch::of(completions)?;
    if batch.id.is_empty() {
        return Ok(vec![Completed::Stale; completions.len()]);
    }
    let rows = sql::query(client, COMPLETE_SQL, &batch.params()).await?;
    let applied: HashSet<i64> = rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    Ok(batch
        .first
        .iter()
        .map(|&first| match first {
            Some(id) if applied.contains(&id) => Completed::Applied,
            _ => Completed::Stale,
        })
        .collect())
}

/// The one statement that applies a batch; see the module docs.
const COMPLETE_SQL: &str = "\
WITH c AS (
    SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::bigint[], $5::bigint[],
        $6::integer[], $7::bigint[], $8::text[], $9::bigint[], $10::bigint[], $11::boolean[],
        $12::bytea[], $13::bytea[], $14::boolean[], $15::boolean[], $16::text[])
        AS t(id, attempt, state, run_at, finished_at, counted, ended_at, outcome, cpu_ms,
             peak_memory, has_output, stdout, stderr, stdout_truncated, stderr_truncated, tier)
),
done AS (
    UPDATE jobs j SET state = c.state, run_at = c.run_at, worker = NULL,
        lease_expires_at = NULL, cancel_requested = false, finished_at = c.finished_at,
        budget_used = j.budget_used + c.counted,
        output_expires_at = c.finished_at + j.result_ttl_ms
    FROM c WHERE j.id = c.id AND j.state = 'running' AND j.attempt = c.attempt
    RETURNING j.id
),
recorded AS (
    UPDATE attempts a SET finished_at = c.ended_at, outcome = c.outcome, cpu_ms = c.cpu_ms,
        peak_memory = c.peak_memory, tier = c.tier
    FROM c JOIN done ON done.id = c.id
    WHERE a.job_id = c.id AND a.number = c.attempt
),
kept AS (
    INSERT INTO job_output (job_id, stdout, stderr, stdout_truncated, stderr_truncated)
    SELECT c.id, c.stdout, c.stderr, c.stdout_truncated, c.stderr_truncated
    FROM c JOIN done ON done.id = c.id WHERE c.has_output
    ON CONFLICT (job_id) DO UPDATE SET stdout = EXCLUDED.stdout, stderr = EXCLUDED.stderr,
        stdout_truncated = EXCLUDED.stdout_truncated, stderr_truncated = EXCLUDED.stderr_truncated
)
SELECT id FROM done";

/// A batch of completions as parallel arrays, one per column of `COMPLETE_SQL`.
#[derive(Default)]
struct Batch {
    /// Per input completion: its job id if it is the first completion of that job
    /// in the batch. A later one for the same job is stale: the first either
    /// finished the attempt or was itself stale.
    first: Vec<Option<i64>>,
    id: Vec<i64>,
    attempt: Vec<i32>,
    state: Vec<&'static str>,
    run_at: Vec<Option<i64>>,
    finished_at: Vec<Option<i64>>,
    counted: Vec<i32>,
    ended_at: Vec<i64>,
    outcome: Vec<String>,
    cpu_ms: Vec<Option<i64>>,
    peak_memory: Vec<Option<i64>>,
    has_output: Vec<bool>,
    stdout: Vec<Vec<u8>>,
    stderr: Vec<Vec<u8>>,
    stdout_truncated: Vec<bool>,
    stderr_truncated: Vec<bool>,
    tier: Vec<Option<String>>,
}

impl Batch {
    fn of(completions: &[Completion]) -> DbResult<Batch> {
        let mut batch = Batch::default();
        let mut seen = HashSet::new();
        for c in completions {
            if matches!(c.next, JobState::Running { .. }) {
                return Err(DbError::Corrupt(format!(
                    "completion of job {} names running as the next state",
                    c.id
                )));
            }
            let first = seen.insert(c.id.0);
            batch.first.push(first.then_some(c.id.0));
            if first {
                batch.push(c)?;
            }
        }
        Ok(batch)
    }

    fn push(&mut self, c: &Completion) -> DbResult<()> {
        let cols = StateColumns::of(&c.next);
        self.id.push(c.id.0);
        self.attempt.push(int(c.attempt));
        self.state.push(cols.name);
        self.run_at.push(cols.run_at);
        self.finished_at.push(cols.finished_at);
        self.counted.push(i32::from(c.outcome.counts_as_attempt()));
        self.ended_at.push(c.finished_at.0);
        self.outcome.push(serde_json::to_string(&c.outcome)?);
        self.cpu_ms.push(c.cpu_ms.map(big));
        self.peak_memory.push(c.peak_memory.map(big));
        let output = c.output.clone().unwrap_or_default();
        self.has_output.push(c.output.is_some());
        self.stdout.push(output.stdout);
        self.stderr.push(output.stderr);
        self.stdout_truncated.push(output.stdout_truncated);
        self.stderr_truncated.push(output.stderr_truncated);
        self.tier.push(c.tier.clone());
        Ok(())
    }

    fn params(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 16] {
        [
            &self.id,
            &self.attempt,
            &self.state,
            &self.run_at,
            &self.finished_at,
            &self.counted,
            &self.ended_at,
            &self.outcome,
            &self.cpu_ms,
            &self.peak_memory,
            &self.has_output,
            &self.stdout,
            &self.stderr,
            &self.stdout_truncated,
            &self.stderr_truncated,
            &self.tier,
        ]
    }
}

/// Renews each beat's lease if `worker` still holds that attempt, in one statement.
pub(crate) async fn heartbeat<C: GenericClient>(
    client: &C,
    worker: &WorkerId,
    beats: &[Heartbeat],
    lease_expires_at: Timestamp,
) -> DbResult<Vec<HeartbeatResult>> {
    if beats.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = beats.iter().map(|b| b.id.0).collect();
    let attempts: Vec<i32> = beats.iter().map(|b| int(b.attempt)).collect();
    let rows = sql::query(
        client,
        "UPDATE jobs j SET lease_expires_at = $4 \
         FROM unnest($1::bigint[], $2::integer[]) AS b(id, attempt) \
         WHERE j.id = b.id AND j.attempt = b.attempt AND j.state = 'running' AND j.worker = $3 \
         RETURNING j.id, j.attempt, j.cancel_requested",
        &[&ids, &attempts, &worker.0, &lease_expires_at.0],
    )
    .await?;
    let mut held = HashMap::with_capacity(rows.len());
    for row in &rows {
        let key: (i64, i32) = (row.try_get(0)?, row.try_get(1)?);
        held.insert(key, row.try_get::<_, bool>(2)?);
    }
    Ok(beats
        .iter()
        .map(|b| match held.get(&(b.id.0, int(b.attempt))) {
            None => HeartbeatResult::Lost,
            Some(true) => HeartbeatResult::CancelRequested,
            Some(false) => HeartbeatResult::Renewed,
        })
        .collect())
}
