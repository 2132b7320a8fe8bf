//! Claiming jobs: limits, order, paused queues, concurrency, filters and leases.

use std::collections::BTreeSet;

use offload_core::{JobState, Outcome};

use super::support::*;
use crate::{Claim, QueueUpdate, Store};

/// A claim takes at most `limit` jobs, and a zero limit takes none.
pub async fn takes_at_most_limit<S: Store>(store: &S) {
    let specs = (0..5).map(|i| spec(&i.to_string())).collect();
    insert_at(store, specs, T0).await;
    assert!(claim(store, "w", 0, at(1)).await.is_empty());
    assert_eq!(claim(store, "w", 3, at(1)).await.len(), 3);
    assert_eq!(claim(store, "w", 3, at(1)).await.len(), 2);
    assert!(claim(store, "w", 3, at(1)).await.is_empty());
}

/// Higher priority first; equal priorities in submission order, across queues.
pub async fn priority_then_fifo<S: Store>(store: &S) {
    let mut specs = Vec::new();
    for (word, priority, queue) in [
        ("a", 0, "q1"),
        ("b", 5, "q2"),
        ("c", 0, "q2"),
        ("d", 5, "q1"),
        ("e", -1, "q1"),
    ] {
        let mut spec = in_queue(word, queue);
        spec.priority = priority;
        specs.push(spec);
    }
    let ids = insert_at(store, specs, T0).await;
    let mut order = Vec::new();
    for _ in 0..5 {
        order.extend(claim(store, "w", 1, at(1)).await.into_iter().map(|c| c.id));
    }
    assert_eq!(order, vec![ids[1], ids[3], ids[0], ids[2], ids[4]]);
}

/// Jobs of a paused queue are not claimed until it is resumed.
pub async fn skips_paused_queues<S: Store>(store: &S) {
    let ids = insert_at(
        store,
        vec![in_queue("p", "paused"), in_queue("o", "open")],
        T0,
    )
    .await;
    let pause = QueueUpdate {
        paused: Some(true),
        ..QueueUpdate::default()
    };
    store
        .queue_update(&queue_name("paused"), &pause)
        .await
        .unwrap();
    let first: Vec<_> = claim(store, "w", 10, at(1))
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(first, vec![ids[1]]);
    let resume = QueueUpdate {
        paused: Some(false),
        ..QueueUpdate::default()
    };
    store
        .queue_update(&queue_name("paused"), &resume)
        .await
        .unwrap();
    let second: Vec<_> = claim(store, "w", 10, at(2))
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(second, vec![ids[0]]);
}

/// A queue's concurrency limit counts running jobs of every worker.
pub async fn honours_concurrency_across_workers<S: Store>(store: &S) {
    let limit = QueueUpdate {
        concurrency: Some(Some(2)),
        ..QueueUpdate::default()
    };
    store
        .queue_update(&queue_name("small"), &limit)
        .await
        .unwrap();
    let specs = (0..5).map(|i| in_queue(&i.to_string(), "small")).collect();
    insert_at(store, specs, T0).await;
    let a = claim(store, "a", 10, at(1)).await;
    assert_eq!(a.len(), 2);
    assert!(
        claim(store, "b", 10, at(1)).await.is_empty(),
        "the queue is full"
    );
    finish(store, &a[0], Outcome::Exited { code: 0 }, at(2)).await;
    assert_eq!(
        claim(store, "b", 10, at(3)).await.len(),
        1,
        "one slot freed"
    );
}

/// A claim that names queues serves only those queues.
pub async fn filters_by_queue<S: Store>(store: &S) {
    let ids = insert_at(
        store,
        vec![
            in_queue("a", "qa"),
            in_queue("b", "qb"),
            in_queue("c", "qc"),
        ],
        T0,
    )
    .await;
    let request = Claim {
        queues: Some(vec![queue_name("qa"), queue_name("qc")]),
        ..claim_req("w", 10, at(1))
    };
    let got: BTreeSet<_> = store
        .job_claim(&request)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(got, BTreeSet::from([ids[0], ids[2]]));
}

/// A claimed job runs under attempt previous+1, with the worker and start time
/// recorded on a new attempt and a lease of the claimed length.
pub async fn records_attempt_and_lease<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let first = claim(store, "w1", 1, at(1)).await;
    assert_eq!(
        (first[0].id, first[0].attempt, first[0].budget_used),
        (id, 1, 0)
    );
    assert_eq!(first[0].spec, spec("x"));
    assert_eq!(first[0].enqueued_at, T0);
    let expected = JobState::Running {
        attempt: 1,
        worker: worker("w1"),
        lease_expires_at: at(1).plus(LEASE),
        cancel_requested: false,
    };
    assert_eq!(state(store, id).await, expected);
    // Interrupted requeues at once, so the second claim is the next attempt.
    finish(store, &first[0], Outcome::Interrupted, at(2)).await;
    let second = claim(store, "w2", 1, at(3)).await;
    assert_eq!(second[0].attempt, 2);
    let job = store.job_get(id).await.unwrap().unwrap();
    let attempts: Vec<_> = job
        .attempts
        .iter()
        .map(|a| (a.number, a.worker.0.as_str(), a.started_at))
        .collect();
    assert_eq!(attempts, vec![(1, "w1", at(1)), (2, "w2", at(3))]);
    assert_eq!(job.attempts[1].finished_at, None);
}

/// Concurrent claims never hand out the same job twice.
pub async fn never_claims_twice<S: Store>(store: &S) {
    let specs = (0..30).map(|i| spec(&i.to_string())).collect();
    insert_at(store, specs, T0).await;
    let (a, b, c) = tokio::join!(
        claim(store, "a", 12, at(1)),
        claim(store, "b", 12, at(1)),
        claim(store, "c", 12, at(1)),
    );
    let all: Vec<_> = a.iter().chain(&b).chain(&c).map(|j| j.id).collect();
    let distinct: BTreeSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 30, "every job was claimed once");
    assert_eq!(distinct.len(), 30, "no job was claimed twice");
}

/// A scheduled job is not claimed until it is promoted, even when due.
pub async fn skips_scheduled_until_promoted<S: Store>(store: &S) {
    let mut later = spec("later");
    later.run_at = Some(at(10));
    let id = insert_one(store, later).await;
    assert!(claim(store, "w", 10, at(20)).await.is_empty());
    assert_eq!(store.job_promote_due(at(20), 10).await.unwrap(), 1);
    let got: Vec<_> = claim(store, "w", 10, at(21))
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(got, vec![id]);
}
