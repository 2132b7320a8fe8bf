//! The rescuer: re-queues jobs whose worker stopped renewing its lease.

use std::sync::Arc;

use offload_core::{Finish, Outcome, Timestamp};
use offload_store::{Completed, Completion};

use crate::engine::Inner;
use crate::executor::next_state;

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
/// attempt, retried or failed by the job's policy. Returns how many jobs were rescued.
pub(crate) async fn rescue_once(
    inner: &Inner,
    horizon: Timestamp,
) -> Result<usize, offload_store::StoreError> {
    let now = inner.clock.now();
    let stuck = inner.store.job_get_stuck(horizon, BATCH).await?;
    let completions: Vec<Completion> = stuck
        .iter()
        .map(|job| {
            let finish = Finish::decide(
                &Outcome::WorkerLost,
                job.cancel_requested,
                job.budget_used + 1,
                &job.spec.retry,
                now,
                rand::random::<f64>(),
            );
            tracing::warn!(job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue, "lease expired; rescuing");
            Completion {
                id: job.id,
                attempt: job.attempt,
                next: next_state(&finish, now),
                outcome: Outcome::WorkerLost,
                finished_at: now,
                cpu_ms: None,
                peak_memory: None,
                tier: None,
                output: None,
            }
        })
        .collect();
    let states: Vec<_> = completions
        .iter()
        .zip(&stuck)
        .map(|(c, j)| (c.id, c.next.name(), j.spec.queue.clone()))
        .collect();
    let results = inner.store.job_complete_many(completions).await?;
    let mut rescued = 0;
    for ((id, state, queue), result) in states.into_iter().zip(results) {
        if result == Completed::Applied {
            inner.events.state(id, state);
            crate::completer::record(&inner.metrics, state, "worker_lost", &queue);
            rescued += 1;
        }
    }
    if rescued > 0 {
        inner.wake_scheduler.notify_one();
        inner.wake_producer.notify_one();
    }
    Ok(rescued)
}

/// Rescues every running job at once, whatever its lease says. Only for an engine
/// that owns its store alone (one SQLite data dir): at start, every running job
/// belongs to a process that is gone.
pub(crate) async fn rescue_orphans(inner: Arc<Inner>) {
    loop {
        match rescue_once(&inner, Timestamp(i64::MAX)).await {
            Ok(n) if n == BATCH => continue,
            Ok(0) => return,
            Ok(n) => {
                return tracing::warn!(
                    rescued = n,
                    "re-queued jobs left running by a previous process"
                );
            }
            Err(err) => return tracing::error!(error = %err, "could not rescue jobs left running"),
        }
    }
}
