//! The completer: writes finished attempts to the store in batches.
//!
//! Executors push completions into an unbounded channel (it holds at most one per
//! slot, because a slot is released only after its completion is queued). One task
//! drains everything pending into a single guarded store call, so a thousand no-op
//! jobs finishing together cost one transaction, not a thousand. A store error is
//! retried with backoff rather than dropped: a lost completion would leave a job
//! `running` until the rescuer took it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use offload_core::{QueueName, StateName};
use offload_store::{Completed, Completion, Store};
use parking_lot::Mutex;
use tokio::sync::{Notify, mpsc};

use crate::events::Events;
use crate::exit_records::ExitRecords;
use crate::metrics::{Metrics, OutcomeLabels, outcome_label};
use crate::shadow::{Role, Work, WorkSender};

/// A completion, the queue its job is in (for metrics), and what the job is to
/// the shadow service, if anything.
pub(crate) type Finished = (Completion, QueueName, Option<Role>);

/// The executors' handle to the completer.
#[derive(Debug)]
pub(crate) struct CompleterHandle(Mutex<Option<mpsc::UnboundedSender<Finished>>>);

impl CompleterHandle {
    /// Queues a completion. It is dropped only if the completer was closed, which
    /// happens after every executor has finished.
    pub(crate) fn push(&self, completion: Completion, queue: QueueName, role: Option<Role>) {
        let sent = self
            .0
            .lock()
            .as_ref()
            .is_some_and(|tx| tx.send((completion, queue, role)).is_ok());
        if !sent {
            tracing::error!(
                "completer closed before an executor finished; the rescuer will re-run the job"
            );
        }
    }

    /// Closes the queue; the completer writes what is queued and then stops.
    pub(crate) fn close(&self) {
        self.0.lock().take();
    }
}

/// What the completer needs besides its queue.
pub(crate) struct CompleterDeps {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) events: Events,
    pub(crate) metrics: Metrics,
    pub(crate) batch: usize,
    pub(crate) on_retry_scheduled: Arc<Notify>,
    pub(crate) exit_records: ExitRecords,
    /// Where terminal completions of controls and shadow jobs go.
    pub(crate) shadow: WorkSender,
}

/// Starts the completer; it runs until the handle is closed and the queue is empty.
pub(crate) fn start(deps: CompleterDeps) -> (CompleterHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(deps, rx));
    (CompleterHandle(Mutex::new(Some(tx))), task)
}

async fn run(deps: CompleterDeps, mut rx: mpsc::UnboundedReceiver<Finished>) {
    let mut buffer = Vec::with_capacity(deps.batch);
    while rx.recv_many(&mut buffer, deps.batch).await > 0 {
        let (completions, queues, roles) = split(std::mem::take(&mut buffer));
        let summaries: Vec<_> = completions
            .iter()
            .map(|c| (c.id, c.next.name(), outcome_label(&c.outcome)))
            .collect();
        let attempts = completions.iter().map(|c| (c.id, c.attempt)).collect();
        let results = write_with_retry(&deps, completions).await;
        deps.exit_records.remove(attempts).await;
        for ((((id, state, outcome), queue), result), role) in
            summaries.into_iter().zip(queues).zip(results).zip(roles)
        {
            if result == Completed::Applied {
                applied(&deps, id, state, outcome, &queue);
                hand_to_shadow(&deps, id, state, role);
            } else {
                tracing::info!(job_id = %id, "stale completion ignored: the attempt no longer held the lease");
            }
        }
    }
}

fn split(finished: Vec<Finished>) -> (Vec<Completion>, Vec<QueueName>, Vec<Option<Role>>) {
    let mut parts = (Vec::new(), Vec::new(), Vec::new());
    for (completion, queue, role) in finished {
        parts.0.push(completion);
        parts.1.push(queue);
        parts.2.push(role);
    }
    parts
}

/// Hands a control or shadow job that finished for good to the shadow service.
fn hand_to_shadow(
    deps: &CompleterDeps,
    id: offload_core::JobId,
    state: StateName,
    role: Option<Role>,
) {
    if let Some(role) = role.filter(|_| state.is_terminal()) {
        // The service ends only after the completer; a failed send means it
        // panicked, and the shadow is lost, never the control.
        let _ = deps.shadow.send(Work { id, state, role });
    }
}

/// Publishes and counts one applied completion.
pub(crate) fn applied(
    deps: &CompleterDeps,
    id: offload_core::JobId,
    state: StateName,
    outcome: &str,
    queue: &QueueName,
) {
    deps.events.state(id, state);
    record(&deps.metrics, state, outcome, queue);
    if state == StateName::Scheduled {
        deps.on_retry_scheduled.notify_one();
    }
}

/// Counts a finished attempt and what it led to.
pub(crate) fn record(metrics: &Metrics, state: StateName, outcome: &str, queue: &QueueName) {
    let labels = OutcomeLabels {
        queue: queue.as_str().to_owned(),
        outcome: outcome.to_owned(),
    };
    metrics.finished.get_or_create(&labels).inc();
    match state {
        StateName::Scheduled => drop(metrics.retried.get_or_create(&Metrics::queue(queue)).inc()),
        StateName::Failed => drop(metrics.dead.get_or_create(&Metrics::queue(queue)).inc()),
        _ => {}
    }
}

async fn write_with_retry(deps: &CompleterDeps, completions: Vec<Completion>) -> Vec<Completed> {
    let mut delay = Duration::from_millis(50);
    loop {
        let began = Instant::now();
        match deps.store.job_complete_many(completions.clone()).await {
            Ok(results) => {
                deps.metrics.store_call("complete", began.elapsed());
                return results;
            }
            Err(err) => {
                tracing::warn!(error = %err, n = completions.len(), "completing jobs failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
