//! Dead letters: failed jobs, listed, retried with a fresh budget, or purged.

use offload_core::{JobId, JobState, StateName};

use super::support::*;
use crate::{DeadSelector, JobFilter, Store, StoreError};

fn failed_filter() -> JobFilter {
    JobFilter {
        states: vec![StateName::Failed],
        ..JobFilter::default()
    }
}

/// Failed jobs are listed by state, newest first.
pub async fn failed_jobs_are_listed<S: Store>(store: &S) {
    let a = failed_job(store, "a").await;
    let b = failed_job(store, "b").await;
    insert_one(store, spec("queued")).await;
    let page = store.job_list(&failed_filter()).await.unwrap();
    let ids: Vec<_> = page.jobs.iter().map(|j| j.id).collect();
    assert_eq!(ids, vec![b, a]);
}

/// Retrying one dead letter queues it with a fresh budget; others stay failed.
pub async fn retry_one_requeues_with_fresh_budget<S: Store>(store: &S) {
    let a = failed_job(store, "a").await;
    let b = failed_job(store, "b").await;
    assert_eq!(
        store
            .dead_retry(DeadSelector::One(a), at(10))
            .await
            .unwrap(),
        1
    );
    assert_eq!(state(store, a).await, JobState::Queued);
    assert!(matches!(state(store, b).await, JobState::Failed { .. }));
    let again = claim(store, "w", 10, at(11)).await;
    let got: Vec<_> = again
        .iter()
        .map(|j| (j.id, j.attempt, j.budget_used))
        .collect();
    assert_eq!(got, vec![(a, 2, 0)]);
}

/// Retrying all dead letters queues every failed job and nothing else.
pub async fn retry_all_requeues_every_failed_job<S: Store>(store: &S) {
    let a = failed_job(store, "a").await;
    let b = failed_job(store, "b").await;
    let waiting = insert_one(store, spec("queued")).await;
    assert_eq!(
        store.dead_retry(DeadSelector::All, at(10)).await.unwrap(),
        2
    );
    for id in [a, b, waiting] {
        assert_eq!(state(store, id).await, JobState::Queued);
    }
    assert!(
        store
            .job_list(&failed_filter())
            .await
            .unwrap()
            .jobs
            .is_empty()
    );
}

/// Retrying a job that is not failed changes nothing; an unknown id is `NotFound`.
pub async fn retry_one_of_other_states<S: Store>(store: &S) {
    let queued = insert_one(store, spec("q")).await;
    assert_eq!(
        store
            .dead_retry(DeadSelector::One(queued), at(1))
            .await
            .unwrap(),
        0
    );
    let err = store
        .dead_retry(DeadSelector::One(JobId(999_999)), at(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

/// Purging deletes failed jobs only.
pub async fn purge_deletes_only_failed<S: Store>(store: &S) {
    let a = failed_job(store, "a").await;
    let kept = insert_one(store, spec("q")).await;
    assert_eq!(store.dead_purge().await.unwrap(), 1);
    assert_eq!(store.job_get(a).await.unwrap(), None);
    assert_eq!(store.job_output(a).await.unwrap(), None);
    assert_eq!(state(store, kept).await, JobState::Queued);
    assert_eq!(store.dead_purge().await.unwrap(), 0);
}
