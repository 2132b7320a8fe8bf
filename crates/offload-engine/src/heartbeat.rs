//! The heartbeat: renews the leases of running attempts and learns of cancels.
//!
//! A lease that is not renewed expires and the rescuer re-queues the job, so a
//! worker that dies is noticed within one lease. The same round trip tells this
//! worker about cancels requested through another server, and about attempts it
//! no longer owns, which it stops without completing.

use std::sync::Arc;

use offload_store::HeartbeatResult;

use crate::engine::Inner;
use crate::running::StopReason;

/// Runs heartbeats until shutdown is complete.
pub(crate) async fn run(inner: Arc<Inner>, stop: tokio_util::sync::CancellationToken) {
    let mut ticks = tokio::time::interval(inner.config.heartbeat_every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => beat_once(&inner).await,
        }
    }
}

/// Renews every running lease once.
pub(crate) async fn beat_once(inner: &Inner) {
    let beats = inner.running.heartbeats();
    if beats.is_empty() {
        return;
    }
    let until = inner.clock.now().plus(inner.config.lease);
    let results = match inner
        .store
        .job_heartbeat(&inner.config.worker, &beats, until)
        .await
    {
        Ok(results) => results,
        Err(err) => return tracing::warn!(error = %err, "heartbeat failed; leases may expire"),
    };
    for (beat, result) in beats.iter().zip(results) {
        let reason = match result {
            HeartbeatResult::Renewed => continue,
            HeartbeatResult::CancelRequested => StopReason::Cancel,
            HeartbeatResult::Lost => StopReason::LeaseLost,
        };
        inner.running.stop(beat.id, reason);
    }
}
