//! Submitting jobs: validate, resolve deduplication, insert, wake the producer.

use std::sync::atomic::Ordering;

use offload_core::spec::DEFAULT_IDEMPOTENCY_TTL;
use offload_core::{Idempotency, JobSpec, StateName, dedupe, validate};
use offload_store::{Inserted, NewJob};

use crate::engine::{Engine, Inner};
use crate::error::EngineError;
use crate::metrics::Metrics;

/// One job to submit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Submission {
    /// The spec. An explicit `idempotency` key wins over `dedupe`.
    pub spec: JobSpec,
    /// Deduplicate by the SHA-256 of the canonical spec.
    pub dedupe: bool,
}

impl Engine {
    /// Validates and inserts a batch atomically: either every job is accepted or none is.
    pub async fn submit(&self, batch: Vec<Submission>) -> Result<Vec<Inserted>, EngineError> {
        if !self.inner.accepting.load(Ordering::SeqCst) {
            return Err(EngineError::ShuttingDown);
        }
        insert(&self.inner, batch).await
    }
}

/// Validates and inserts a batch, then wakes the producer and scheduler. Shadow
/// jobs come in here directly: a control that finishes during a shutdown still
/// gets its shadow, which waits in the store for the next start.
pub(crate) async fn insert(
    inner: &Inner,
    batch: Vec<Submission>,
) -> Result<Vec<Inserted>, EngineError> {
    let jobs = batch
        .into_iter()
        .enumerate()
        .map(|(i, s)| prepare(i, s))
        .collect::<Result<Vec<_>, _>>()?;
    let now = inner.clock.now();
    let queues: Vec<_> = jobs.iter().map(|j| Metrics::queue(&j.spec.queue)).collect();
    let began = std::time::Instant::now();
    let inserted = inner.store.job_insert_many(jobs, now).await?;
    inner.metrics.store_call("insert", began.elapsed());
    for (job, queue) in inserted.iter().zip(&queues).filter(|(i, _)| i.created) {
        inner.events.state(job.id, StateName::Queued);
        inner.metrics.submitted.get_or_create(queue).inc();
    }
    inner.wake_producer.notify_one();
    inner.wake_scheduler.notify_one();
    Ok(inserted)
}

fn prepare(index: usize, submission: Submission) -> Result<NewJob, EngineError> {
    let mut spec = submission.spec;
    validate(&spec).map_err(|source| EngineError::InvalidSpec { index, source })?;
    let spec_hash = dedupe::spec_hash(&spec);
    if submission.dedupe && spec.idempotency.is_none() {
        spec.idempotency = Some(Idempotency {
            key: format!("sha256:{spec_hash}"),
            ttl: DEFAULT_IDEMPOTENCY_TTL,
        });
    }
    Ok(NewJob { spec, spec_hash })
}
