//! The rescuer: re-queues jobs whose worker stopped renewing its lease.

use std::sync::Arc;

use offload_core::{Outcome, Timestamp};
use offload_store::{ClaimedJob, Completed, Completion, JobOutput};

use crate::engine::Inner;
use crate::executor::decide_next;
use crate::metrics::outcome_label;

/// How many stuck jobs one pass handles.
const BATCH: usize = 500;

/// Runs the rescuer until shutdown.
pub(crate) async fn run(inner: Arc<Inner>) {
    let mut ticks = tokio::time::interval(inner.config.rescue_every);
    loop {
        tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            _ = ticks.tick() => {
                if !crate::notify::is_leader(&inner) {
                    continue;
                }
                if let Err(err) = rescue_once(&inner, inner.clock.now()).await {
                    tracing::warn!(error = %err, "rescuer pass failed");
                }
            }
        }
    }
}

/// One pass: every lease that expired before `horizon` becomes a `worker_lost`
/// attempt, retried or failed by the job's policy, unless the attempt's exit record
/// shows that its job had already exited on its own; then the attempt ends with that
/// exit code, as if its worker had lived to save it. Returns how many jobs were rescued.
pub(crate) async fn rescue_once(
    inner: &Inner,
    horizon: Timestamp,
) -> Result<usize, offload_store::StoreError> {
    let now = inner.clock.now();
    let stuck = inner.store.job_get_stuck(horizon, BATCH).await?;
    let completions: Vec<Completion> = stuck.iter().map(|job| rescue(inner, job, now)).collect();
    let states: Vec<_> = completions
        .iter()
        .zip(&stuck)
        .map(|(c, j)| {
            (
                c.id,
                c.next.name(),
                outcome_label(&c.outcome),
                j.spec.queue.clone(),
            )
        })
        .collect();
    let attempts = completions.iter().map(|c| (c.id, c.attempt)).collect();
    let results = inner.store.job_complete_many(completions).await?;
    inner.exit_records.remove(attempts).await;
    let mut rescued = 0;
    for ((id, state, outcome, queue), result) in states.into_iter().zip(results) {
        if result == Completed::Applied {
            inner.events.state(id, state);
            crate::completer::record(&inner.metrics, state, outcome, &queue);
            rescued += 1;
        }
    }
    if rescued > 0 {
        inner.wake_scheduler.notify_one();
        inner.wake_producer.notify_one();
    }
    Ok(rescued)
}

/// The completion of one abandoned attempt.
fn rescue(inner: &Inner, job: &ClaimedJob, now: Timestamp) -> Completion {
    let recorded = inner.exit_records.read(job.id, job.attempt);
    let outcome = recorded.map_or(Outcome::WorkerLost, |code| Outcome::Exited { code });
    match recorded {
        Some(code) => {
            tracing::warn!(job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue, code,
            "the job had exited before its worker died; completing it from its exit record")
        }
        None => tracing::warn!(job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue,
            "lease expired; rescuing"),
    }
    Completion {
        id: job.id,
        attempt: job.attempt,
        next: decide_next(job, &outcome, job.cancel_requested, now),
        output: recorded.map(|_| lost_output()),
        outcome,
        finished_at: now,
        cpu_ms: None,
        peak_memory: None,
        tier: None,
    }
}

/// What a job completed from its exit record shows as output: its real output was in
/// the memory of the process that died.
fn lost_output() -> JobOutput {
    JobOutput {
        stderr: LOST_OUTPUT.as_bytes().to_vec(),
        ..JobOutput::default()
    }
}

/// The note a job completed from its exit record carries on stderr.
pub(crate) const LOST_OUTPUT: &str =
    "offload: the job exited before the server stopped, but its output was lost with the server\n";

/// Rescues every running job at once, whatever its lease says. Only for an engine
/// that owns its store alone (one SQLite data dir): at start, every running job
/// belongs to a process that is gone.
pub(crate) async fn rescue_orphans(inner: Arc<Inner>) {
    loop {
        match rescue_once(&inner, Timestamp(i64::MAX)).await {
            Ok(n) if n == BATCH => continue,
            Ok(0) => return inner.exit_records.clear(),
            Ok(n) => {
                inner.exit_records.clear();
                return tracing::warn!(
                    rescued = n,
                    "re-queued jobs left running by a previous process"
                );
            }
            Err(err) => return tracing::error!(error = %err, "could not rescue jobs left running"),
        }
    }
}
