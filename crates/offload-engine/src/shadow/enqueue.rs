//! After a control finished: sample, check the shadow queue's room, enqueue.

use std::collections::BTreeMap;

use offload_core::experiment::ExperimentName;
use offload_core::shadow::{EXPERIMENT_LABEL, SHADOW_OF_LABEL};
use offload_core::validate::bounds;
use offload_core::{JobId, JobSpec, StateName};
use offload_store::QueueUpdate;

use super::{ShadowEvent, ShadowStep};
use crate::config::ShadowConfig;
use crate::engine::Inner;
use crate::experiments::{self, Sampling};

/// Sets the shadow queue's concurrency limit, so shadow jobs can take at most
/// that many slots and never hold the rest from control jobs. An engine that
/// runs no jobs (an API-only node) leaves the limit to the workers.
pub(super) async fn limit_queue(inner: &Inner) {
    if inner.config.slots == 0 {
        return;
    }
    let limit = inner.config.shadow_running();
    let update = QueueUpdate {
        concurrency: Some(Some(limit)),
        ..QueueUpdate::default()
    };
    if let Err(err) = inner
        .store
        .queue_update(&inner.config.shadow.queue, &update)
        .await
    {
        tracing::warn!(%err, "could not limit the shadow queue; shadow jobs may take every slot");
    }
}

/// Enqueues the shadow of `control` unless the experiment is off, the draw
/// falls outside its sample, or the shadow queue is full. A cancelled control
/// gets no shadow: nobody wants its result.
pub(super) async fn after_control(inner: &Inner, id: JobId, state: StateName, spec: JobSpec) {
    if !matches!(state, StateName::Succeeded | StateName::Failed) {
        return;
    }
    let Some(shadow) = &spec.shadow else { return };
    let Ok(experiment) = shadow.experiment_name(&spec) else {
        // Validation on submit makes this unreachable for stored specs.
        tracing::warn!(job_id = %id, "shadow with an invalid experiment name; skipped");
        return;
    };
    let step = match admit(inner, &experiment).await {
        Ok(None) => enqueue(inner, id, &spec, &experiment).await,
        Ok(Some(skip)) => Ok((None, ShadowStep::Skipped(skip))),
        Err(err) => Err(err),
    };
    let (shadow, step) = step.unwrap_or_else(|err| {
        tracing::warn!(job_id = %id, %err, "shadow job not enqueued");
        (None, ShadowStep::Failed)
    });
    inner.shadow_events.send(ShadowEvent {
        control: id,
        shadow,
        experiment,
        step,
    });
}

/// Why no shadow is enqueued, if none is: the experiment's settings, then the
/// room in the shadow queue (counted in `offload_shadow_skipped_total`).
async fn admit(
    inner: &Inner,
    experiment: &ExperimentName,
) -> Result<Option<&'static str>, crate::EngineError> {
    let config = experiments::settings(inner.store.as_ref(), experiment).await?;
    if let Some(skip) = experiments::admit(&inner.metrics, &config, Sampling::Draw) {
        return Ok(Some(skip.as_str()));
    }
    if waiting(inner).await? >= inner.config.shadow.max_waiting {
        inner.metrics.shadow_skipped(experiment.as_str());
        return Ok(Some("saturated"));
    }
    Ok(None)
}

/// How many shadow jobs are queued, from the store's live counts per queue
/// (which never scan finished jobs).
async fn waiting(inner: &Inner) -> Result<u64, offload_store::StoreError> {
    let queues = inner.store.queue_list().await?;
    let shadow = queues.iter().find(|q| q.name == inner.config.shadow.queue);
    Ok(shadow.map_or(0, |q| {
        q.counts.get(&StateName::Queued).copied().unwrap_or(0)
    }))
}

async fn enqueue(
    inner: &Inner,
    id: JobId,
    spec: &JobSpec,
    experiment: &ExperimentName,
) -> Result<(Option<JobId>, ShadowStep), crate::EngineError> {
    let candidate = candidate_spec(&inner.config.shadow, id, spec, experiment);
    let submission = crate::Submission {
        spec: candidate,
        dedupe: false,
    };
    let inserted = crate::submit::insert(inner, vec![submission]).await?;
    Ok((inserted.first().map(|i| i.id), ShadowStep::Enqueued))
}

/// The shadow job of `control`: the same inputs, limits and isolation, the
/// shadow's command, on the shadow queue at the lowest priority, with no
/// retries, no shadow of its own and only the two shadow labels (the control's
/// own could already fill the label limit).
pub(crate) fn candidate_spec(
    config: &ShadowConfig,
    id: JobId,
    control: &JobSpec,
    experiment: &ExperimentName,
) -> JobSpec {
    let shadow = control.shadow.as_ref();
    let mut spec = JobSpec {
        command: shadow.map(|s| s.command.clone()).unwrap_or_default(),
        queue: config.queue.clone(),
        priority: *bounds::PRIORITY.start(),
        idempotency: None,
        run_at: None,
        labels: BTreeMap::from([
            (SHADOW_OF_LABEL.to_owned(), id.to_string()),
            (EXPERIMENT_LABEL.to_owned(), experiment.to_string()),
        ]),
        shadow: None,
        ..control.clone()
    };
    spec.retry.max_retries = 0;
    spec
}
