//! [`BlockingPool`]: building a pool, reading its stats and exporting its
//! metrics. Submitting lives in `submit.rs` and stopping in `shutdown.rs`.

use std::fmt;
use std::sync::Arc;

use prometheus_client::registry::Registry;

use crate::config::PoolConfig;
use crate::error::PoolError;
use crate::metrics::PoolStats;
use crate::queue::Shared;
use crate::worker::spawn_workers;

/// Runs blocking closures on a fixed set of OS threads behind a bounded queue.
///
/// Cloning is cheap and every clone feeds the same threads. When the last
/// clone is dropped the pool closes: queued jobs still run, then the threads
/// exit. Use [`shutdown`](BlockingPool::shutdown) to bound how long that takes.
#[derive(Clone)]
pub struct BlockingPool {
    pub(crate) shared: Arc<Shared>,
    /// Dropped with the last clone, which closes the pool.
    _owner: Arc<CloseOnDrop>,
}

impl BlockingPool {
    /// Validates `config` and starts the pool's threads.
    pub fn new(config: PoolConfig) -> Result<Self, PoolError> {
        config.validate()?;
        let shared = Arc::new(Shared::new(
            config.name,
            config.threads,
            config.queue_capacity,
        ));
        spawn_workers(&shared, config.thread_stack_size)?;
        let owner = Arc::new(CloseOnDrop(Arc::clone(&shared)));
        Ok(Self {
            shared,
            _owner: owner,
        })
    }

    /// The name given in [`PoolConfig::name`].
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// A snapshot of the pool's counters and timings.
    pub fn stats(&self) -> PoolStats {
        let shared = &self.shared;
        shared.metrics.stats(shared.threads, shared.queue_capacity)
    }

    /// Registers this pool's metrics as `offload_pool_*{pool="<name>"}`.
    ///
    /// The metrics share storage with the pool, so a scrape always shows live
    /// values. Prometheus' text format wants each metric family once, so to
    /// export several pools into one registry give each its own prefix:
    /// `pool.register_metrics(registry.sub_registry_with_prefix("cpu"))`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.shared.metrics.register(&self.shared.name, registry);
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool")
            .field("name", &self.shared.name)
            .field("threads", &self.shared.threads)
            .field("queue_capacity", &self.shared.queue_capacity)
            .finish_non_exhaustive()
    }
}

/// Closes the pool when the last [`BlockingPool`] clone goes away; the
/// worker threads hold `Shared` themselves, so they cannot be the trigger.
struct CloseOnDrop(Arc<Shared>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}
