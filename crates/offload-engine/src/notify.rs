//! Notifications from other processes sharing the store, and leader election.
//!
//! On a shared store (PostgreSQL) a job inserted through another server, or a
//! cancel requested there, reaches this engine as a [`Notification`], so it claims
//! or kills at once instead of at its next poll or heartbeat. Maintenance runs only
//! on the elected leader; a store owned by one process makes every engine leader.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use offload_store::Notification;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::Inner;
use crate::running::StopReason;

/// Acts on the store's notifications until shutdown; returns at once if it has none.
pub(crate) async fn run(inner: Arc<Inner>) {
    let Some(mut notifications) = inner.store.subscribe() else {
        return;
    };
    loop {
        let received = tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            received = notifications.recv() => received,
        };
        match received {
            Ok(Notification::JobsAvailable)
            | Ok(Notification::Lagged)
            | Err(RecvError::Lagged(_)) => {
                inner.wake_producer.notify_one();
                inner.wake_scheduler.notify_one();
            }
            Ok(Notification::CancelRequested(id)) => {
                inner.running.stop(id, StopReason::Cancel);
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Keeps trying to be the leader, and records whether this engine is.
pub(crate) async fn elect(inner: Arc<Inner>) {
    let mut ticks = tokio::time::interval(inner.config.rescue_every);
    loop {
        tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let leader = match inner.store.leader_attempt_elect(&inner.config.worker).await {
            Ok(leader) => leader,
            Err(err) => {
                tracing::warn!(error = %err, "leader election failed; not leading until it works");
                false
            }
        };
        let was = inner.leader.swap(leader, Ordering::SeqCst);
        if leader != was {
            tracing::info!(worker = %inner.config.worker, leader, "leadership changed");
        }
    }
}

/// Whether this engine should run maintenance now.
pub(crate) fn is_leader(inner: &Inner) -> bool {
    inner.leader.load(Ordering::SeqCst)
}
