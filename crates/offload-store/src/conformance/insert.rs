//! Inserting jobs: ids, round trips, initial states, batch atomicity and
//! idempotency keys.

use std::collections::BTreeSet;
use std::time::Duration;

use offload_core::{JobState, Outcome, StateName};

use super::support::*;
use crate::{Completed, JobFilter, Store, StoreError};

/// Each inserted job gets its own id, and each id names a stored job.
pub async fn returns_ids<S: Store>(store: &S) {
    let specs = vec![spec("a"), spec("b"), spec("c")];
    let jobs = specs.into_iter().map(new_job).collect();
    let inserted = store.job_insert_many(jobs, T0).await.unwrap();
    assert_eq!(inserted.len(), 3);
    assert!(inserted.iter().all(|i| i.created));
    let ids: BTreeSet<_> = inserted.iter().map(|i| i.id).collect();
    assert_eq!(ids.len(), 3, "ids are distinct");
    for (i, word) in inserted.iter().zip(["a", "b", "c"]) {
        let job = store.job_get(i.id).await.unwrap().expect("stored");
        assert_eq!(job.spec.command[1], word, "ids come back in input order");
    }
}

/// `job_get` returns the spec exactly as inserted, with no attempts yet.
pub async fn get_round_trips_spec<S: Store>(store: &S) {
    let mut spec = keyed("round", "key-1", Duration::from_secs(60));
    spec.files.insert("main.py".into(), "print(1)\n".into());
    spec.env.insert("MODE".into(), "fast".into());
    spec.labels.insert("team".into(), "infra".into());
    spec.stdin = Some("input\n".into());
    spec.priority = -7;
    spec.queue = queue_name("heavy.gpu-1");
    spec.limits.memory = 123 << 20;
    spec.retry.max_retries = 9;
    spec.result_ttl = Some(Duration::from_millis(1500));
    let id = insert_one(store, spec.clone()).await;
    let job = store.job_get(id).await.unwrap().expect("stored");
    assert_eq!(job.id, id);
    assert_eq!(job.spec, spec);
    assert_eq!(job.enqueued_at, T0);
    assert!(job.attempts.is_empty());
    assert_eq!(
        store
            .job_get(offload_core::JobId(id.0 + 1000))
            .await
            .unwrap(),
        None
    );
}

/// A job is queued unless its `run_at` is in the future, then it is scheduled.
pub async fn initial_state_follows_run_at<S: Store>(store: &S) {
    let mut past = spec("past");
    past.run_at = Some(at(0));
    let mut future = spec("future");
    future.run_at = Some(at(60));
    let ids = insert_at(store, vec![spec("now"), past, future], at(10)).await;
    assert_eq!(state(store, ids[0]).await, JobState::Queued);
    assert_eq!(state(store, ids[1]).await, JobState::Queued);
    assert_eq!(
        state(store, ids[2]).await,
        JobState::Scheduled { run_at: at(60) }
    );
}

/// A key conflict in item 3 of a batch leaves items 1 and 2 unwritten.
pub async fn batch_is_atomic<S: Store>(store: &S) {
    let ttl = Duration::from_secs(60);
    let holder = insert_one(store, keyed("first", "k", ttl)).await;
    let batch = vec![spec("one"), spec("two"), keyed("other", "k", ttl)];
    let jobs = batch.into_iter().map(new_job).collect();
    let err = store.job_insert_many(jobs, at(1)).await.unwrap_err();
    match err {
        StoreError::KeyConflict {
            index,
            key,
            existing,
        } => {
            assert_eq!((index, key.as_str(), existing), (2, "k", holder));
        }
        other => panic!("expected KeyConflict, got {other:?}"),
    }
    let page = store.job_list(&JobFilter::default()).await.unwrap();
    let ids: Vec<_> = page.jobs.iter().map(|j| j.id).collect();
    assert_eq!(ids, vec![holder], "nothing of the failed batch was written");
}

/// The same key with the same spec returns the holder with `created: false`,
/// across calls and within one batch.
pub async fn same_key_same_spec_returns_existing<S: Store>(store: &S) {
    let ttl = Duration::from_secs(60);
    let first = insert_one(store, keyed("x", "k", ttl)).await;
    let jobs = vec![
        new_job(keyed("x", "k", ttl)),
        new_job(keyed("y", "k2", ttl)),
        new_job(keyed("y", "k2", ttl)),
    ];
    let again = store.job_insert_many(jobs, at(1)).await.unwrap();
    assert_eq!((again[0].id, again[0].created), (first, false));
    assert!(again[1].created);
    assert_eq!((again[2].id, again[2].created), (again[1].id, false));
    let page = store.job_list(&JobFilter::default()).await.unwrap();
    assert_eq!(page.jobs.len(), 2);
}

/// The same key with a different spec is a conflict naming the index and holder.
pub async fn same_key_other_spec_conflicts<S: Store>(store: &S) {
    let ttl = Duration::from_secs(60);
    let first = insert_one(store, keyed("x", "k", ttl)).await;
    let err = store
        .job_insert_many(vec![new_job(keyed("different", "k", ttl))], at(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Conflict);
    assert!(
        matches!(err, StoreError::KeyConflict { index: 0, existing, .. } if existing == first),
        "{err:?}"
    );
}

/// The key keeps holding while its job runs and after it finished, within the TTL.
pub async fn key_holds_while_running_and_after_finish<S: Store>(store: &S) {
    let ttl = Duration::from_secs(3600);
    let first = insert_one(store, keyed("x", "k", ttl)).await;
    let claimed = claim(store, "w", 1, at(1)).await;
    let replay = || store.job_insert_many(vec![new_job(keyed("x", "k", ttl))], at(2));
    let running = replay().await.unwrap();
    assert_eq!((running[0].id, running[0].created), (first, false));
    let done = finish(store, &claimed[0], Outcome::Exited { code: 0 }, at(3)).await;
    assert_eq!(done, Completed::Applied);
    let finished = replay().await.unwrap();
    assert_eq!((finished[0].id, finished[0].created), (first, false));
    assert_eq!(state(store, first).await.name(), StateName::Succeeded);
}

/// Once the key's TTL has passed, the same key creates a new job.
pub async fn key_expires_after_ttl<S: Store>(store: &S) {
    let ttl = Duration::from_secs(60);
    let first = insert_one(store, keyed("x", "k", ttl)).await;
    let within = store
        .job_insert_many(vec![new_job(keyed("x", "k", ttl))], at(59))
        .await
        .unwrap();
    assert!(!within[0].created);
    let later = store
        .job_insert_many(vec![new_job(keyed("other", "k", ttl))], at(61))
        .await
        .unwrap();
    assert!(later[0].created, "an expired key does not conflict");
    assert_ne!(later[0].id, first);
}
