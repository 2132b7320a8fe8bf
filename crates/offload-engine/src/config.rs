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
        }
    }
}
