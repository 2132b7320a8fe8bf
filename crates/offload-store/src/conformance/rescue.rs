//! Rescuing the jobs of lost workers: stuck jobs are those whose lease expired.

use offload_core::{JobState, Outcome};

use super::support::*;
use crate::{Completed, Heartbeat, Store};

/// Only running jobs whose lease expired are stuck, up to the limit.
pub async fn stuck_are_expired_leases_only<S: Store>(store: &S) {
    let ids = insert_at(store, vec![spec("a"), spec("b"), spec("c"), spec("d")], T0).await;
    let jobs = claim(store, "w", 3, at(1)).await;
    // Job b renews its lease; job c finishes; job d is never claimed.
    let beat = [Heartbeat {
        id: ids[1],
        attempt: jobs[1].attempt,
    }];
    store
        .job_heartbeat(&worker("w"), &beat, at(500))
        .await
        .unwrap();
    finish(store, &jobs[2], Outcome::Exited { code: 0 }, at(2)).await;
    let before_expiry = store.job_get_stuck(at(1), 10).await.unwrap();
    assert!(before_expiry.is_empty(), "no lease has expired yet");
    let stuck = store.job_get_stuck(at(100), 10).await.unwrap();
    let got: Vec<_> = stuck.iter().map(|j| (j.id, j.attempt)).collect();
    assert_eq!(got, vec![(ids[0], 1)]);
    assert_eq!(stuck[0].spec, spec("a"));
    assert_eq!(
        store.job_get_stuck(at(1000), 1).await.unwrap().len(),
        1,
        "limit holds"
    );
}

/// The rescuer finishes a stuck attempt as worker-lost; the old worker's later
/// completion is stale.
pub async fn rescued_job_rejects_old_worker<S: Store>(store: &S) {
    let id = insert_one(store, no_retry("x")).await;
    let old = claim(store, "old", 1, at(1)).await.remove(0);
    let stuck = store.job_get_stuck(at(100), 10).await.unwrap().remove(0);
    assert_eq!(
        finish(store, &stuck, Outcome::WorkerLost, at(100)).await,
        Completed::Applied
    );
    assert_eq!(
        state(store, id).await,
        JobState::Failed {
            finished_at: at(100)
        }
    );
    let attempt = store.job_get(id).await.unwrap().unwrap().attempts.remove(0);
    assert_eq!(attempt.outcome, Some(Outcome::WorkerLost));
    assert_eq!(
        finish(store, &old, Outcome::Exited { code: 0 }, at(101)).await,
        Completed::Stale
    );
    assert_eq!(
        state(store, id).await,
        JobState::Failed {
            finished_at: at(100)
        }
    );
}
