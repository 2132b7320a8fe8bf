//! Getting work in: immediate refusal, waiting for room, and deadlines.

use std::pin::pin;
use std::time::Duration;

use futures::poll;
use offload_pool::{ErrorKind, SubmitError};
use tokio::time::Instant;

use crate::support::Held;

#[tokio::test]
async fn try_submit_returns_queue_full_when_threads_and_queue_are_full() {
    let mut held = Held::new("full", 2, 3);
    let handles = held.fill(2, 3).await;

    let err = held.pool.try_submit(|| 99).unwrap_err();
    assert_eq!(err, SubmitError::QueueFull { capacity: 3 });
    assert_eq!(err.kind(), ErrorKind::Overloaded);

    held.gate.open();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    assert_eq!(results, vec![0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn room_frees_when_a_queued_job_starts() {
    let mut held = Held::new("room", 1, 1);
    let handles = held.fill(1, 1).await;
    assert!(held.pool.try_submit(|| ()).is_err());

    // Opening the gate lets the running job finish and the queued one start,
    // and starting is what frees its slot.
    held.gate.open();
    held.started(1).await;
    let job = held
        .pool
        .try_submit(|| "after")
        .expect("slot freed by start");
    assert_eq!(job.await.unwrap(), "after");
    for handle in handles {
        handle.await.unwrap();
    }
}

#[tokio::test]
async fn submit_waits_for_room_and_then_succeeds() {
    let mut held = Held::new("wait", 1, 1);
    let handles = held.fill(1, 1).await;

    let far = Instant::now() + Duration::from_secs(600);
    let mut waiting = pin!(held.pool.submit(|| 7 * 6, far));
    assert!(
        poll!(waiting.as_mut()).is_pending(),
        "queue is full, submit must wait"
    );

    held.gate.open();
    let handle = waiting.await.expect("room appears once the gate opens");
    assert_eq!(handle.await.unwrap(), 42);
    for handle in handles {
        handle.await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn submit_fails_with_deadline_exceeded_while_the_pool_stays_full() {
    let mut held = Held::new("deadline", 1, 1);
    let _handles = held.fill(1, 1).await;

    // The paused clock jumps to the deadline as soon as the runtime is idle.
    let deadline = Instant::now() + Duration::from_secs(30);
    let err = held.pool.submit(|| (), deadline).await.unwrap_err();
    assert_eq!(err, SubmitError::DeadlineExceeded);
    assert_eq!(err.kind(), ErrorKind::Overloaded);
    assert_eq!(held.pool.stats().rejected.deadline_exceeded, 1);
    held.gate.open();
}

#[tokio::test]
async fn dropping_a_handle_lets_the_job_finish() {
    let mut held = Held::new("dropped", 1, 1);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let gate = std::sync::Arc::clone(&held.gate);
    let handle = held
        .pool
        .try_submit(move || {
            gate.wait();
            done_tx.send("finished").unwrap();
        })
        .unwrap();
    drop(handle);

    held.gate.open();
    assert_eq!(done_rx.await.unwrap(), "finished");
    // The same single thread is still there to run more work.
    let next = held.hold(5);
    held.started(1).await;
    assert_eq!(next.await.unwrap(), 5);
}
