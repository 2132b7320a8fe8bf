//! The scheduler: promotes scheduled jobs (delayed, or retrying) when they are due.

use std::sync::Arc;
use std::time::Duration;

use crate::engine::Inner;

/// How many due jobs one pass promotes.
const BATCH: usize = 5000;
/// The longest the scheduler sleeps, so jobs scheduled by other processes are seen.
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Runs the scheduler until shutdown.
pub(crate) async fn run(inner: Arc<Inner>) {
    loop {
        let pass = async {
            match crate::notify::is_leader(&inner) {
                true => promote_once(&inner).await,
                false => Ok(MAX_SLEEP),
            }
        };
        let sleep = match pass.await {
            Ok(sleep) => sleep,
            Err(err) => {
                tracing::warn!(error = %err, "scheduler pass failed");
                MAX_SLEEP
            }
        };
        tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            _ = inner.wake_scheduler.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

/// One pass: promotes due jobs, wakes the producer if any moved, and returns how
/// long to sleep until the next one is due.
pub(crate) async fn promote_once(inner: &Inner) -> Result<Duration, offload_store::StoreError> {
    let now = inner.clock.now();
    let promoted = inner.store.job_promote_due(now, BATCH).await?;
    if promoted > 0 {
        tracing::debug!(promoted, "promoted due jobs");
        inner.wake_producer.notify_one();
        if promoted as usize == BATCH {
            return Ok(Duration::ZERO);
        }
    }
    let next = inner.store.job_next_due().await?;
    Ok(next.map_or(MAX_SLEEP, |due| due.since(now).min(MAX_SLEEP)))
}
