//! Queue settings and counts.

use std::collections::BTreeMap;

use offload_core::{Outcome, StateName};

use super::support::*;
use crate::{QueueUpdate, Store};

/// Pausing and resuming is reported back and kept; other settings are untouched.
pub async fn pause_and_resume<S: Store>(store: &S) {
    let q = queue_name("q");
    let limit = QueueUpdate {
        concurrency: Some(Some(3)),
        ..QueueUpdate::default()
    };
    store.queue_update(&q, &limit).await.unwrap();
    let pause = QueueUpdate {
        paused: Some(true),
        ..QueueUpdate::default()
    };
    let info = store.queue_update(&q, &pause).await.unwrap();
    assert_eq!(
        (info.name.as_str(), info.paused, info.concurrency),
        ("q", true, Some(3))
    );
    let listed = store.queue_list().await.unwrap();
    assert_eq!(listed, vec![info]);
    let resume = QueueUpdate {
        paused: Some(false),
        ..QueueUpdate::default()
    };
    let info = store.queue_update(&q, &resume).await.unwrap();
    assert_eq!((info.paused, info.concurrency), (false, Some(3)));
}

/// A concurrency limit can be set and cleared.
pub async fn concurrency_set_and_clear<S: Store>(store: &S) {
    let q = queue_name("q");
    let set = QueueUpdate {
        concurrency: Some(Some(7)),
        ..QueueUpdate::default()
    };
    assert_eq!(
        store.queue_update(&q, &set).await.unwrap().concurrency,
        Some(7)
    );
    let clear = QueueUpdate {
        concurrency: Some(None),
        ..QueueUpdate::default()
    };
    assert_eq!(
        store.queue_update(&q, &clear).await.unwrap().concurrency,
        None
    );
    let unchanged = store
        .queue_update(&q, &QueueUpdate::default())
        .await
        .unwrap();
    assert_eq!((unchanged.paused, unchanged.concurrency), (false, None));
}

/// Every queue with jobs is listed, by name, with its live jobs counted by state;
/// finished jobs are not counted.
pub async fn list_counts_by_state<S: Store>(store: &S) {
    let specs = vec![
        in_queue("a", "alpha"),
        in_queue("b", "alpha"),
        in_queue("c", "alpha"),
        in_queue("d", "beta"),
    ];
    insert_at(store, specs, T0).await;
    let request = crate::Claim {
        queues: Some(vec![queue_name("alpha")]),
        ..claim_req("w", 2, at(1))
    };
    let jobs = store.job_claim(&request).await.unwrap();
    finish(store, &jobs[0], Outcome::Exited { code: 0 }, at(2)).await;
    let listed = store.queue_list().await.unwrap();
    let names: Vec<_> = listed.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, vec!["alpha", "beta"]);
    let alpha = BTreeMap::from([(StateName::Queued, 1), (StateName::Running, 1)]);
    assert_eq!(listed[0].counts, alpha);
    assert_eq!(listed[1].counts, BTreeMap::from([(StateName::Queued, 1)]));
}
