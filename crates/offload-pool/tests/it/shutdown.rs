//! Stopping a pool: drain, reject, and give up at the deadline.

use std::pin::pin;
use std::time::Duration;

use futures::poll;
use offload_pool::{ErrorKind, JobError, SubmitError};
use tokio::time::Instant;

use crate::support::Held;

#[tokio::test]
async fn shutdown_drains_queued_work_then_rejects() {
    let mut held = Held::new("drain", 1, 3);
    let handles = held.fill(1, 3).await;

    let far = Instant::now() + Duration::from_secs(600);
    let mut shutdown = pin!(held.pool.shutdown(far));
    assert!(
        poll!(shutdown.as_mut()).is_pending(),
        "a held job is still running"
    );

    let err = held.pool.try_submit(|| ()).unwrap_err();
    assert_eq!(err, SubmitError::ShuttingDown);
    assert_eq!(err.kind(), ErrorKind::Closed);

    held.gate.open();
    assert!(shutdown.await.is_clean());
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    assert_eq!(results, vec![0, 1, 2, 3]);
    let late = held.pool.submit(|| (), far).await.unwrap_err();
    assert_eq!(late, SubmitError::ShuttingDown);

    let stats = held.pool.stats();
    assert_eq!((stats.completed, stats.rejected.shutting_down), (4, 2));
}

#[tokio::test(start_paused = true)]
async fn shutdown_deadline_abandons_queued_jobs_and_reports_running_ones() {
    let mut held = Held::new("abandon", 1, 2);
    let mut handles = held.fill(1, 2).await.into_iter();
    let running = handles.next().unwrap();

    // The paused clock reaches the deadline while the gate holds the worker.
    let report = held
        .pool
        .shutdown(Instant::now() + Duration::from_secs(5))
        .await;
    assert_eq!((report.abandoned_queued, report.still_running), (2, 1));
    assert!(!report.is_clean());
    for queued in handles {
        let err = queued.await.unwrap_err();
        assert_eq!(err, JobError::Abandoned);
        assert_eq!(err.kind(), ErrorKind::Closed);
    }

    held.gate.open();
    assert_eq!(running.await.unwrap(), 0, "a running job is left to finish");
    assert_eq!(held.pool.stats().queue_depth, 0);
}

#[tokio::test]
async fn shutdown_wakes_a_submitter_waiting_for_room() {
    let mut held = Held::new("waiter", 1, 1);
    let _handles = held.fill(1, 1).await;
    let far = Instant::now() + Duration::from_secs(600);
    let mut waiting = pin!(held.pool.submit(|| (), far));
    assert!(poll!(waiting.as_mut()).is_pending());

    let mut shutdown = pin!(held.pool.shutdown(far));
    assert!(poll!(shutdown.as_mut()).is_pending());
    assert_eq!(waiting.await.unwrap_err(), SubmitError::ShuttingDown);
    held.gate.open();
    assert!(shutdown.await.is_clean());
}
