//! [`CpuPool`]: a [`BlockingPool`] sized to the machine for CPU-bound work.
//!
//! CPU-bound jobs gain nothing from more threads than cores; extra threads
//! only time-slice against each other and against the runtime's own workers.
//! Blocking I/O is the opposite case and wants a larger [`BlockingPool`].

use std::num::NonZeroUsize;
use std::ops::Deref;
use std::thread;

use crate::config::{CpuPoolConfig, PoolConfig};
use crate::error::PoolError;
use crate::pool::BlockingPool;

/// A [`BlockingPool`] with one thread per available core.
///
/// It dereferences to [`BlockingPool`], so it is submitted to, measured and
/// shut down the same way.
#[derive(Debug, Clone)]
pub struct CpuPool {
    pool: BlockingPool,
}

impl CpuPool {
    /// Starts one thread per core that [`thread::available_parallelism`]
    /// reports, or one thread if it cannot tell.
    pub fn new(config: CpuPoolConfig) -> Result<Self, PoolError> {
        let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let pool = BlockingPool::new(PoolConfig {
            name: config.name,
            threads,
            queue_capacity: config.queue_capacity,
            thread_stack_size: None,
        })?;
        Ok(Self { pool })
    }

    /// The underlying pool, for code that takes a [`BlockingPool`].
    pub fn into_inner(self) -> BlockingPool {
        self.pool
    }
}

impl Deref for CpuPool {
    type Target = BlockingPool;

    fn deref(&self) -> &BlockingPool {
        &self.pool
    }
}
