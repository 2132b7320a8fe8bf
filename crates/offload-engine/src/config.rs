//! Engine settings, with defaults that suit one server on one machine.

use std::path::PathBuf;
use std::time::Duration;

use offload_core::{QueueName, WorkerId};

/// How an [`crate::Engine`] runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// This worker's identity, recorded on attempts and leases.
    pub worker: WorkerId,
    /// How many jobs run at once. Zero runs no jobs (an API-only server).
    pub slots: usize,
    /// Serve only these queues; `None` serves all.
    pub queues: Option<Vec<QueueName>>,
    /// How long a lease lasts without renewal. A dead worker's jobs are re-queued
    /// about this long after it died.
    pub lease: Duration,
    /// How often leases are renewed; well under `lease`.
    pub heartbeat_every: Duration,
    /// How often the producer looks for work nobody told it about.
    pub poll_every: Duration,
    /// Whether this engine runs the maintenance services (the rescuer, scheduler and cleaner).
    pub maintenance: bool,
    /// Whether this engine is the only user of its store (an SQLite data dir it has
    /// locked). Then every job found running at start was orphaned by a dead process
    /// and is re-queued at once instead of after its lease.
    pub exclusive_store: bool,
    /// How often the rescuer looks for expired leases.
    pub rescue_every: Duration,
    /// How long finished jobs are kept.
    pub retention: Duration,
    /// How often the cleaner runs.
    pub clean_every: Duration,
    /// The most completions written in one store call.
    pub completer_batch: usize,
    /// Where the sandbox records the exit of each command attempt until its result is
    /// committed, so an attempt whose job finished just before this process died is completed
    /// on restart instead of run again. Only an engine with `exclusive_store` reads them back.
    /// `None` keeps no records.
    pub exit_records: Option<PathBuf>,
    /// Where and how much shadow jobs run.
    pub shadow: ShadowConfig,
}

/// How shadow jobs (candidates run after a job that carries `shadow`) are run,
/// so that they never delay the jobs they shadow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowConfig {
    /// The queue they wait in, at the lowest priority.
    pub queue: QueueName,
    /// When this many shadow jobs are queued already, a new one is skipped and
    /// counted in `offload_shadow_skipped_total`.
    pub max_waiting: u64,
    /// The most shadow jobs running at once, across all workers: set as the
    /// queue's concurrency limit at start. `None` takes a quarter of the
    /// slots, at least one.
    pub max_running: Option<u32>,
}

impl Default for ShadowConfig {
    fn default() -> Self {
        ShadowConfig {
            queue: QueueName::new("shadow").unwrap_or_default(),
            max_waiting: 100,
            max_running: None,
        }
    }
}

impl EngineConfig {
    /// The concurrency limit of the shadow queue.
    pub fn shadow_running(&self) -> u32 {
        self.shadow
            .max_running
            .unwrap_or_else(|| u32::try_from(self.slots / 4).unwrap_or(u32::MAX).max(1))
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            worker: WorkerId(format!("worker-{}", std::process::id())),
            slots: 4,
            queues: None,
            lease: Duration::from_secs(10),
            heartbeat_every: Duration::from_secs(2),
            poll_every: Duration::from_secs(1),
            maintenance: true,
            exclusive_store: false,
            rescue_every: Duration::from_secs(1),
            retention: Duration::from_secs(7 * 24 * 3600),
            clean_every: Duration::from_secs(60),
            completer_batch: 1000,
            exit_records: None,
            shadow: ShadowConfig::default(),
        }
    }
}
