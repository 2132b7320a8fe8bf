//! The [`Engine`]: starts the services, and stops them gracefully.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use offload_core::Clock;
use offload_sandbox::Sandbox;
use offload_store::Store;
use parking_lot::Mutex;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::completer::{self, CompleterDeps, CompleterHandle};
use crate::config::EngineConfig;
use crate::events::{Events, JobEvent};
use crate::exit_records::ExitRecords;
use crate::maintenance::{cleaner, rescuer, scheduler};
use crate::metrics::Metrics;
use crate::running::{Running, StopReason};
use crate::shadow::{ShadowEvent, ShadowEvents};
use crate::{heartbeat, notify, producer, shadow};

/// State shared by the engine's services.
pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: EngineConfig,
    pub(crate) events: Events,
    pub(crate) metrics: Metrics,
    pub(crate) running: Running,
    pub(crate) completer: CompleterHandle,
    pub(crate) exit_records: ExitRecords,
    pub(crate) wake_producer: Notify,
    pub(crate) wake_scheduler: Arc<Notify>,
    /// Stops the producer and the maintenance services.
    pub(crate) shutdown: CancellationToken,
    pub(crate) accepting: AtomicBool,
    /// Whether this engine won the last leader election and runs maintenance.
    pub(crate) leader: AtomicBool,
    /// What the shadow service did, for [`Engine::subscribe_shadows`].
    pub(crate) shadow_events: ShadowEvents,
}

/// A running engine. Cloning is cheap; every clone drives the same services.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
    tasks: Arc<Mutex<Tasks>>,
}

#[derive(Default)]
struct Tasks {
    services: Vec<JoinHandle<()>>,
    heartbeat: Option<(CancellationToken, JoinHandle<()>)>,
    completer: Option<JoinHandle<()>>,
    /// The shadow service; it ends after the completer, whose channel feeds it.
    shadow: Option<JoinHandle<()>>,
    slots: Option<Arc<Semaphore>>,
}

impl Engine {
    /// Starts the engine's services on the current tokio runtime.
    pub fn start(
        store: Arc<dyn Store>,
        sandbox: Arc<Sandbox>,
        clock: Arc<dyn Clock>,
        config: EngineConfig,
    ) -> Engine {
        let events = Events::new(16_384);
        let wake_scheduler = Arc::new(Notify::new());
        let metrics = Metrics::default();
        metrics
            .slots
            .set(i64::try_from(config.slots).unwrap_or(i64::MAX));
        let exit_records = ExitRecords::open(config.exit_records.as_deref());
        let (shadow_tx, shadow_rx) = shadow::channel();
        let (completer, completer_task) = completer::start(CompleterDeps {
            store: store.clone(),
            events: events.clone(),
            metrics: metrics.clone(),
            batch: config.completer_batch,
            on_retry_scheduled: wake_scheduler.clone(),
            exit_records: exit_records.clone(),
            shadow: shadow_tx,
        });
        let inner = Arc::new(Inner {
            store,
            sandbox,
            clock,
            config,
            events,
            metrics,
            running: Running::default(),
            completer,
            exit_records,
            wake_producer: Notify::new(),
            wake_scheduler,
            shutdown: CancellationToken::new(),
            accepting: AtomicBool::new(true),
            leader: AtomicBool::new(false),
            shadow_events: ShadowEvents::default(),
        });
        let mut tasks = spawn_services(&inner, completer_task);
        tasks.shadow = Some(tokio::spawn(shadow::run(inner.clone(), shadow_rx)));
        Engine {
            inner,
            tasks: Arc::new(Mutex::new(tasks)),
        }
    }

    /// Subscribes to what the shadow service does: shadow jobs enqueued or
    /// skipped, and comparisons recorded.
    pub fn subscribe_shadows(&self) -> tokio::sync::broadcast::Receiver<ShadowEvent> {
        self.inner.shadow_events.subscribe()
    }

    /// Subscribes to state changes and live output.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<JobEvent> {
        self.inner.events.subscribe()
    }

    /// The sandbox this engine runs jobs in: its tier and the host's capabilities.
    pub fn sandbox(&self) -> &Sandbox {
        &self.inner.sandbox
    }

    /// This engine's worker id, recorded on attempts and leases.
    pub fn worker(&self) -> &offload_core::WorkerId {
        &self.inner.config.worker
    }

    /// The engine's metrics, to register with a Prometheus registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The store this engine uses, for reads the API serves directly.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The latest progress a job running on this engine reported, with its attempt; `None`
    /// when it reported none, or runs elsewhere, or not at all.
    pub fn progress(&self, id: offload_core::JobId) -> Option<(u32, offload_sandbox::Progress)> {
        self.inner.running.progress(id)
    }

    /// How many attempts this engine runs now.
    pub fn running(&self) -> usize {
        self.inner.running.len()
    }

    /// Stops claiming, lets running jobs finish for `grace`, then kills the rest and
    /// re-queues them as interrupted, writes every completion, and stops all services.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.accepting.store(false, Ordering::SeqCst);
        self.inner.shutdown.cancel();
        if tokio::time::timeout(grace, self.inner.running.wait_empty())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.inner.running.len(),
                "shutdown grace over; killing and re-queueing"
            );
            self.inner.running.stop_all(StopReason::Shutdown);
            self.inner.running.wait_empty().await;
        }
        let mut tasks = std::mem::take(&mut *self.tasks.lock());
        for task in tasks.services.drain(..) {
            let _ = task.await;
        }
        // Executors release their slot after queueing the completion, so holding
        // every permit means every completion is queued.
        if let Some(slots) = tasks.slots.take() {
            let n = u32::try_from(self.inner.config.slots).unwrap_or(u32::MAX);
            let _ = slots.acquire_many(n).await;
        }
        self.finish_shutdown(tasks).await;
    }

    async fn finish_shutdown(&self, mut tasks: Tasks) {
        if let Some((stop, task)) = tasks.heartbeat.take() {
            stop.cancel();
            let _ = task.await;
        }
        // Closing the queue lets the completer write what is queued and then end.
        self.inner.completer.close();
        if let Some(task) = tasks.completer.take() {
            let _ = task.await;
        }
        if let Some(task) = tasks.shadow.take() {
            let _ = task.await;
        }
    }
}

fn spawn_services(inner: &Arc<Inner>, completer_task: JoinHandle<()>) -> Tasks {
    let mut tasks = Tasks {
        completer: Some(completer_task),
        ..Tasks::default()
    };
    if inner.config.slots > 0 {
        let slots = Arc::new(Semaphore::new(inner.config.slots));
        tasks.services.push(tokio::spawn(first_orphans_then_produce(
            inner.clone(),
            slots.clone(),
        )));
        tasks.slots = Some(slots);
        let stop = CancellationToken::new();
        tasks.heartbeat = Some((
            stop.clone(),
            tokio::spawn(heartbeat::run(inner.clone(), stop)),
        ));
    }
    if inner.config.exclusive_store && inner.config.slots == 0 {
        tasks
            .services
            .push(tokio::spawn(rescuer::rescue_orphans(inner.clone())));
    }
    tasks
        .services
        .push(tokio::spawn(notify::run(inner.clone())));
    if inner.config.maintenance {
        tasks
            .services
            .push(tokio::spawn(notify::elect(inner.clone())));
        tasks
            .services
            .push(tokio::spawn(rescuer::run(inner.clone())));
        tasks
            .services
            .push(tokio::spawn(scheduler::run(inner.clone())));
        tasks
            .services
            .push(tokio::spawn(cleaner::run(inner.clone())));
    }
    tasks
}

/// Runs the producer, after re-queueing orphans if this engine owns its store.
///
/// The orphan pass treats every running job as abandoned, so it must finish before
/// this engine claims anything: otherwise it would "rescue" a job this engine had
/// just started, and that job would run twice.
async fn first_orphans_then_produce(inner: Arc<Inner>, slots: Arc<Semaphore>) {
    if inner.config.exclusive_store {
        rescuer::rescue_orphans(inner.clone()).await;
    }
    producer::run(inner, slots).await;
}
