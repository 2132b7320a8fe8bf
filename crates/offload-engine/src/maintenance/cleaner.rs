//! The cleaner: deletes finished jobs after the retention period, and output after its TTL.

use std::sync::Arc;

use crate::engine::Inner;

/// How many rows one statement deletes, so a large backlog never holds a long lock.
const BATCH: usize = 1000;

/// Runs the cleaner until shutdown.
pub(crate) async fn run(inner: Arc<Inner>) {
    let mut ticks = tokio::time::interval(inner.config.clean_every);
    loop {
        tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            _ = ticks.tick() => {
                if !crate::notify::is_leader(&inner) {
                    continue;
                }
                if let Err(err) = clean_once(&inner).await {
                    tracing::warn!(error = %err, "cleaner pass failed");
                }
            }
        }
    }
}

/// One pass: deletes in batches until nothing old is left. Returns jobs deleted.
pub(crate) async fn clean_once(inner: &Inner) -> Result<u64, offload_store::StoreError> {
    let now = inner.clock.now();
    let cutoff = now.minus(inner.config.retention);
    let mut deleted = 0;
    loop {
        let n = inner.store.job_delete_finished(cutoff, BATCH).await?;
        deleted += n;
        if n < BATCH as u64 {
            break;
        }
    }
    while inner.store.job_expire_output(now, BATCH).await? == BATCH as u64 {}
    if deleted > 0 {
        tracing::info!(deleted, "deleted finished jobs past retention");
    }
    Ok(deleted)
}
