//! Completing attempts: the lease guard, what is recorded, retries and the budget.

use offload_core::{JobState, Outcome, StateName};

use super::support::*;
use crate::{Completed, Store};

/// The attempt that holds the lease completes its job.
pub async fn applies_with_lease<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    assert_eq!(
        finish(store, &job, Outcome::Exited { code: 0 }, at(2)).await,
        Completed::Applied
    );
    assert_eq!(
        state(store, id).await,
        JobState::Succeeded { finished_at: at(2) }
    );
}

/// A second completion of a finished attempt is stale and changes nothing.
pub async fn stale_when_already_finished<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    let mut first = completion(&job, Outcome::Exited { code: 0 }, at(2));
    first.output = Some(output("first"));
    store.job_complete_many(vec![first]).await.unwrap();
    let before = store.job_get(id).await.unwrap();
    let mut again = completion(&job, Outcome::Exited { code: 3 }, at(5));
    again.output = Some(output("second"));
    let done = store.job_complete_many(vec![again]).await.unwrap();
    assert_eq!(done, vec![Completed::Stale]);
    assert_eq!(
        store.job_get(id).await.unwrap(),
        before,
        "state and attempts unchanged"
    );
    assert_eq!(store.job_output(id).await.unwrap(), Some(output("first")));
}

/// A completion with an old attempt number (the job was rescued and re-claimed)
/// is stale and changes nothing.
pub async fn stale_when_attempt_is_old<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let old = claim(store, "old", 1, at(1)).await.remove(0);
    let stuck = store.job_get_stuck(at(100), 10).await.unwrap().remove(0);
    finish(store, &stuck, Outcome::WorkerLost, at(100)).await;
    store.job_promote_due(at(10_000), 10).await.unwrap();
    let new = claim(store, "new", 1, at(10_001)).await.remove(0);
    assert_eq!(new.attempt, 2);
    let before = store.job_get(id).await.unwrap();
    let mut late = completion(&old, Outcome::Exited { code: 0 }, at(10_002));
    late.output = Some(output("late"));
    assert_eq!(
        store.job_complete_many(vec![late]).await.unwrap(),
        vec![Completed::Stale]
    );
    assert_eq!(store.job_get(id).await.unwrap(), before);
    assert_eq!(store.job_output(id).await.unwrap(), None);
}

/// Output is stored and returned by `job_output`; the attempt records how it ended.
pub async fn records_output_and_attempt<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    let mut done = completion(&job, Outcome::Exited { code: 0 }, at(4));
    let stored = crate::JobOutput {
        stdout: b"out\xff".to_vec(),
        stderr: b"err".to_vec(),
        stdout_truncated: true,
        stderr_truncated: false,
    };
    done.output = Some(stored.clone());
    done.cpu_ms = Some(1234);
    done.peak_memory = Some(99 << 20);
    done.tier = Some("T2".into());
    store.job_complete_many(vec![done]).await.unwrap();
    assert_eq!(store.job_output(id).await.unwrap(), Some(stored));
    let attempt = store.job_get(id).await.unwrap().unwrap().attempts.remove(0);
    assert_eq!(attempt.outcome, Some(Outcome::Exited { code: 0 }));
    assert_eq!(attempt.finished_at, Some(at(4)));
    assert_eq!(
        (attempt.cpu_ms, attempt.peak_memory),
        (Some(1234), Some(99 << 20))
    );
    assert_eq!(
        attempt.tier.as_deref(),
        Some("T2"),
        "the tier applied is recorded"
    );
}

/// A retried job is scheduled, and runs again only after promotion.
pub async fn retry_goes_through_promote<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    let retry = completion(&job, Outcome::Exited { code: 1 }, at(2));
    let JobState::Scheduled { run_at } = retry.next else {
        panic!("a first failure is retried: {:?}", retry.next);
    };
    store.job_complete_many(vec![retry]).await.unwrap();
    assert_eq!(state(store, id).await, JobState::Scheduled { run_at });
    assert!(claim(store, "w", 1, run_at).await.is_empty());
    assert_eq!(store.job_promote_due(run_at, 10).await.unwrap(), 1);
    let again = claim(store, "w", 1, run_at).await;
    assert_eq!((again[0].id, again[0].attempt), (id, 2));
}

/// Counted outcomes use up budget; an interrupted attempt does not.
pub async fn budget_counts_all_but_interrupted<S: Store>(store: &S) {
    insert_one(store, spec("x")).await;
    let first = claim(store, "w", 1, at(1)).await.remove(0);
    assert_eq!(first.budget_used, 0);
    finish(store, &first, Outcome::TimedOut, at(2)).await;
    store.job_promote_due(at(10_000), 10).await.unwrap();
    let second = claim(store, "w", 1, at(10_000)).await.remove(0);
    assert_eq!(second.budget_used, 1);
    finish(store, &second, Outcome::Interrupted, at(10_001)).await;
    let third = claim(store, "w", 1, at(10_002)).await.remove(0);
    assert_eq!((third.attempt, third.budget_used), (3, 1));
}

/// Completions in one call apply independently: one stale, one applied.
pub async fn many_apply_independently<S: Store>(store: &S) {
    let ids = insert_at(store, vec![spec("a"), spec("b")], T0).await;
    let jobs = claim(store, "w", 2, at(1)).await;
    finish(store, &jobs[0], Outcome::Exited { code: 0 }, at(2)).await;
    let both = vec![
        completion(&jobs[0], Outcome::Exited { code: 0 }, at(3)),
        completion(&jobs[1], Outcome::Exited { code: 0 }, at(3)),
    ];
    let done = store.job_complete_many(both).await.unwrap();
    assert_eq!(done, vec![Completed::Stale, Completed::Applied]);
    for id in ids {
        assert_eq!(state(store, id).await.name(), StateName::Succeeded);
    }
}
