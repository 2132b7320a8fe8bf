//! Cancelling stops queued jobs from running and kills running ones.

use offload_core::{CancelOutcome, Outcome, QueueName, StateName};
use offload_store::QueueUpdate;

use crate::support::*;

#[tokio::test]
async fn cancelling_a_running_job_kills_its_process_tree() {
    let f = Fixture::new(config(1));
    let mut events = f.engine.subscribe();
    let id = f
        .submit(cmd(&["sh", "-c", "sleep 1000 & sleep 1000"]))
        .await;
    until_state(&mut events, id, StateName::Running).await;
    let outcome = f.engine.cancel(id).await.unwrap();
    assert!(
        matches!(outcome, CancelOutcome::KillRequested { .. }),
        "{outcome:?}"
    );
    let job = f.finish(id).await;
    assert_eq!(job.state.name(), StateName::Cancelled);
    assert_eq!(job.attempts[0].outcome, Some(Outcome::Cancelled));
}

#[tokio::test]
async fn a_cancelled_queued_job_never_runs() {
    let f = Fixture::new(config(1));
    let queue = QueueName::new("held").unwrap();
    f.store
        .queue_update(
            &queue,
            &QueueUpdate {
                paused: Some(true),
                concurrency: None,
            },
        )
        .await
        .unwrap();
    let mut spec = cmd(&["true"]);
    spec.queue = queue.clone();
    let id = f.submit(spec).await;
    assert_eq!(f.engine.cancel(id).await.unwrap(), CancelOutcome::Cancelled);
    f.store
        .queue_update(
            &queue,
            &QueueUpdate {
                paused: Some(false),
                concurrency: None,
            },
        )
        .await
        .unwrap();
    let marker = f
        .submit({
            let mut s = cmd(&["true"]);
            s.queue = queue;
            s
        })
        .await;
    f.finish(marker).await;
    let job = f.store.job_get(id).await.unwrap().unwrap();
    assert_eq!(job.state.name(), StateName::Cancelled);
    assert!(job.attempts.is_empty());
}
