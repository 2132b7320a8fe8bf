//! The producer: claims only as many jobs as there are free slots.
//!
//! Claiming more than it can run would park jobs in this process while another
//! worker sits idle (the Celery prefetch problem), so the claim size is exactly the
//! number of free permits of the slot semaphore. It wakes on a submit, a freed
//! slot, a promotion, or the poll interval, and stops on shutdown.

use std::sync::Arc;

use offload_store::Claim;
use tokio::sync::Semaphore;

use crate::engine::Inner;
use crate::executor;

/// Runs the producer loop until shutdown.
pub(crate) async fn run(inner: Arc<Inner>, slots: Arc<Semaphore>) {
    loop {
        let claimed_full = claim_once(&inner, &slots).await;
        if claimed_full {
            // Every free slot was filled, so more work may be waiting: claim again
            // once a slot frees, without waiting for the poll interval.
            tokio::task::yield_now().await;
        }
        tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            _ = inner.wake_producer.notified() => {}
            _ = tokio::time::sleep(inner.config.poll_every) => {}
        }
    }
}

/// Claims and starts jobs for the free slots; returns whether every slot was filled.
async fn claim_once(inner: &Arc<Inner>, slots: &Arc<Semaphore>) -> bool {
    let free = slots.available_permits();
    if free == 0 || inner.shutdown.is_cancelled() {
        return false;
    }
    let claim = Claim {
        worker: inner.config.worker.clone(),
        limit: free,
        queues: inner.config.queues.clone(),
        now: inner.clock.now(),
        lease: inner.config.lease,
    };
    let began = std::time::Instant::now();
    let jobs = match inner.store.job_claim(&claim).await {
        Ok(jobs) => {
            inner.metrics.store_call("claim", began.elapsed());
            jobs
        }
        Err(err) => {
            tracing::warn!(error = %err, "claiming jobs failed; will retry");
            return false;
        }
    };
    let n_claimed = jobs.len();
    for job in jobs {
        // Only the producer acquires permits, so the permits counted above are still free.
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            break;
        };
        tokio::spawn(executor::execute(inner.clone(), job, permit));
    }
    n_claimed == free
}
