//! Cleaning: deleting old terminal jobs and expiring outputs.

use std::time::Duration;

use offload_core::{JobState, Outcome};

use super::support::*;
use crate::Store;

/// Only terminal jobs that finished before the cutoff are deleted, never waiting
/// or running ones, and at most `limit` per call.
pub async fn delete_finished_only_old_terminal_jobs<S: Store>(store: &S) {
    let failed = failed_job(store, "failed").await; // finished at 2 s
    let ids = insert_at(
        store,
        vec![spec("ok"), spec("late"), spec("running"), spec("queued")],
        at(3),
    )
    .await;
    let jobs = claim(store, "w", 3, at(4)).await;
    finish(store, &jobs[0], Outcome::Exited { code: 0 }, at(5)).await;
    finish(store, &jobs[1], Outcome::Exited { code: 0 }, at(50)).await;
    let cancelled = insert_one(store, spec("cancelled")).await;
    store.job_cancel(cancelled, at(6)).await.unwrap();
    assert_eq!(store.job_delete_finished(at(10_000), 0).await.unwrap(), 0);
    assert_eq!(store.job_delete_finished(at(10), 2).await.unwrap(), 2);
    assert_eq!(store.job_delete_finished(at(10), 100).await.unwrap(), 1);
    for gone in [failed, ids[0], cancelled] {
        assert_eq!(store.job_get(gone).await.unwrap(), None);
    }
    assert!(matches!(
        state(store, ids[1]).await,
        JobState::Succeeded { .. }
    ));
    assert!(matches!(
        state(store, ids[2]).await,
        JobState::Running { .. }
    ));
    assert_eq!(state(store, ids[3]).await, JobState::Queued);
}

/// Output is deleted once the job's result TTL has passed since it finished;
/// jobs without a TTL keep theirs.
pub async fn expire_output_respects_result_ttl<S: Store>(store: &S) {
    let mut short = spec("short");
    short.result_ttl = Some(Duration::from_secs(10));
    let ids = insert_at(store, vec![short, spec("forever")], T0).await;
    for job in claim(store, "w", 2, at(1)).await {
        let mut done = completion(&job, Outcome::Exited { code: 0 }, at(2));
        done.output = Some(output("kept"));
        store.job_complete_many(vec![done]).await.unwrap();
    }
    assert_eq!(store.job_expire_output(at(11), 10).await.unwrap(), 0);
    assert_eq!(store.job_expire_output(at(12), 10).await.unwrap(), 1);
    assert_eq!(store.job_output(ids[0]).await.unwrap(), None);
    assert_eq!(
        store.job_output(ids[1]).await.unwrap(),
        Some(output("kept"))
    );
    assert!(
        store.job_get(ids[0]).await.unwrap().is_some(),
        "the job itself stays"
    );
    assert_eq!(store.job_expire_output(at(100_000), 10).await.unwrap(), 0);
}
