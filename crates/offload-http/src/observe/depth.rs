//! [`Depths`]: queue depth by queue and state, kept from the engine's events.
//!
//! Counting rows on every scrape would cost more the longer the history, so the
//! gauges are read from the store once at start (`queue_list`) and then moved by
//! each state change on the bus: one down for the state a job left, one up for the
//! state it entered. A job first seen in an event is looked up once, by id, for its
//! queue. Some changes publish no event (the scheduler's promotions, dead-letter
//! retries, other processes on a shared store), so the gauges are re-read from the
//! store every `resync` to bound any drift. Only waiting and running states are
//! tracked: terminal counts grow without bound and the cleaner deletes them silently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use offload_core::{JobId, StateName};
use offload_engine::{Engine, JobEvent};
use parking_lot::Mutex;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::broadcast::error::RecvError;

/// Labels of `offload_queue_depth`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DepthLabels {
    /// The queue.
    pub queue: String,
    /// `queued`, `scheduled` or `running`.
    pub state: String,
}

/// The depth gauges and what the tracker knows about live jobs.
#[derive(Debug, Default)]
pub(crate) struct Depths {
    pub(crate) gauges: Family<DepthLabels, Gauge>,
    live: Mutex<HashMap<JobId, (String, StateName)>>,
    /// The queues the store knew at the last resync.
    known: Mutex<Vec<String>>,
}

/// The states counted as depth.
fn tracked(state: StateName) -> bool {
    matches!(
        state,
        StateName::Queued | StateName::Scheduled | StateName::Running
    )
}

impl Depths {
    /// The depth of each queue in each tracked state, for `/v1/stats`.
    pub(crate) fn snapshot(&self) -> Vec<(String, String, i64)> {
        let mut rows = Vec::new();
        let mut queues: Vec<String> = self.live.lock().values().map(|(q, _)| q.clone()).collect();
        queues.extend(self.known_queues());
        queues.sort();
        queues.dedup();
        for queue in queues {
            for state in ["queued", "scheduled", "running"] {
                let labels = DepthLabels {
                    queue: queue.clone(),
                    state: state.to_owned(),
                };
                rows.push((
                    queue.clone(),
                    state.to_owned(),
                    self.gauges.get_or_create(&labels).get(),
                ));
            }
        }
        rows
    }

    fn known_queues(&self) -> Vec<String> {
        self.known.lock().clone()
    }

    /// Sets every gauge from the store's counts.
    async fn resync(&self, engine: &Engine) {
        let queues = match engine.store().queue_list().await {
            Ok(queues) => queues,
            Err(err) => return tracing::warn!(%err, "queue depth: cannot read queue counts"),
        };
        let mut known = self.known.lock();
        known.clear();
        for queue in queues {
            known.push(queue.name.as_str().to_owned());
            for state in [StateName::Queued, StateName::Scheduled, StateName::Running] {
                let n = queue.counts.get(&state).copied().unwrap_or(0);
                self.gauge(queue.name.as_str(), state)
                    .set(i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
    }

    fn gauge(&self, queue: &str, state: StateName) -> Gauge {
        self.gauges
            .get_or_create(&DepthLabels {
                queue: queue.to_owned(),
                state: state.as_str().to_owned(),
            })
            .clone()
    }

    /// Moves the gauges for one state change.
    async fn apply(&self, engine: &Engine, id: JobId, state: StateName) {
        let known = self.live.lock().get(&id).cloned();
        let (queue, from) = match known {
            Some((queue, from)) => (queue, Some(from)),
            None => match engine.store().job_get(id).await {
                Ok(Some(job)) => (job.spec.queue.as_str().to_owned(), likely_previous(state)),
                _ => return,
            },
        };
        if let Some(from) = from.filter(|s| tracked(*s)) {
            let gauge = self.gauge(&queue, from);
            // A guessed previous state may be wrong; never report a negative depth.
            if gauge.get() > 0 {
                gauge.dec();
            }
        }
        let mut known = self.known.lock();
        if !known.contains(&queue) {
            known.push(queue.clone());
        }
        drop(known);
        if tracked(state) {
            self.gauge(&queue, state).inc();
            self.live.lock().insert(id, (queue, state));
        } else {
            self.live.lock().remove(&id);
        }
    }
}

/// The state a job most likely left, when the tracker has not seen it before: a
/// claim starts from queued, a cancel of a waiting job from queued, any other end
/// from running, and a new queued or scheduled job from nothing.
fn likely_previous(state: StateName) -> Option<StateName> {
    match state {
        StateName::Queued | StateName::Scheduled => None,
        StateName::Running | StateName::Cancelled => Some(StateName::Queued),
        _ => Some(StateName::Running),
    }
}

/// Keeps `depths` up to date until the engine's bus closes.
pub(crate) async fn run(
    engine: Engine,
    depths: Arc<Depths>,
    resync: Duration,
    mut events: tokio::sync::broadcast::Receiver<JobEvent>,
) {
    resync_and_drain(&engine, &depths, &mut events).await;
    let mut next_resync = tokio::time::Instant::now() + resync;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            () = tokio::time::sleep_until(next_resync) => {
                resync_and_drain(&engine, &depths, &mut events).await;
                next_resync = tokio::time::Instant::now() + resync;
                continue;
            }
        };
        match event {
            Ok(JobEvent::State { id, state }) => depths.apply(&engine, id, state).await,
            Ok(JobEvent::Output(_) | JobEvent::Progress(_)) => {}
            Err(RecvError::Lagged(_)) => resync_and_drain(&engine, &depths, &mut events).await,
            Err(RecvError::Closed) => return,
        }
    }
}

/// Re-reads the counts, then drops the events already waiting: the store wrote
/// each change before its event was sent, so the counts include them, and
/// applying them too would count those jobs twice.
async fn resync_and_drain(
    engine: &Engine,
    depths: &Depths,
    events: &mut tokio::sync::broadcast::Receiver<JobEvent>,
) {
    depths.resync(engine).await;
    while !matches!(
        events.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Empty
            | tokio::sync::broadcast::error::TryRecvError::Closed)
    ) {}
}
