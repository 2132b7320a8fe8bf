//! Graceful shutdown: stop accepting, drain until a deadline, report the rest.
//!
//! Threads cannot be killed safely, so "abandoned" means two different
//! things: queued jobs are dropped and never run, while jobs already running
//! are left to finish on their threads with nobody waiting for the pool.

use tokio::time::Instant;

use crate::pool::BlockingPool;

/// What a [`BlockingPool::shutdown`] could not finish before its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Jobs that were still queued at the deadline and will never run; their
    /// handles resolve to [`JobError::Abandoned`](crate::JobError::Abandoned).
    pub abandoned_queued: usize,
    /// Jobs still running at the deadline; they finish in the background.
    pub still_running: usize,
}

impl ShutdownReport {
    /// True when every accepted job finished before the deadline.
    pub fn is_clean(&self) -> bool {
        self.abandoned_queued == 0 && self.still_running == 0
    }
}

impl BlockingPool {
    /// Stops accepting work and waits until `deadline` for queued and running
    /// jobs to finish.
    ///
    /// From the first call on, every submit fails with
    /// [`SubmitError::ShuttingDown`](crate::SubmitError::ShuttingDown), on
    /// this clone and all others. Returns as soon as every worker thread has
    /// exited, or at `deadline` with what was left.
    pub async fn shutdown(&self, deadline: Instant) -> ShutdownReport {
        self.shared.close();
        let mut live_workers = self.shared.live_workers.subscribe();
        let drained = tokio::time::timeout_at(deadline, live_workers.wait_for(|live| *live == 0));
        if let Ok(Ok(_)) = drained.await {
            return ShutdownReport::default();
        }
        let abandoned_queued = self.shared.abandon_queued();
        let still_running = usize::try_from(self.shared.metrics.in_flight.get()).unwrap_or(0);
        ShutdownReport {
            abandoned_queued,
            still_running,
        }
    }
}
