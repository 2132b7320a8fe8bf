//! Heartbeats: renewing a lease, learning of a cancel, and losing the lease.

use offload_core::{JobState, Outcome};

use super::support::*;
use crate::{Heartbeat, HeartbeatResult, Store};

/// A heartbeat of the lease holder renews the lease until the given time.
pub async fn renews_the_lease<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    let beat = [Heartbeat {
        id,
        attempt: job.attempt,
    }];
    let got = store
        .job_heartbeat(&worker("w"), &beat, at(500))
        .await
        .unwrap();
    assert_eq!(got, vec![HeartbeatResult::Renewed]);
    let JobState::Running {
        lease_expires_at, ..
    } = state(store, id).await
    else {
        panic!("still running");
    };
    assert_eq!(lease_expires_at, at(500));
    assert!(store.job_get_stuck(at(400), 10).await.unwrap().is_empty());
}

/// After a cancel, the holder's heartbeat says so (and still renews).
pub async fn reports_cancel_requested<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    store.job_cancel(id, at(2)).await.unwrap();
    let beat = [Heartbeat {
        id,
        attempt: job.attempt,
    }];
    let got = store
        .job_heartbeat(&worker("w"), &beat, at(60))
        .await
        .unwrap();
    assert_eq!(got, vec![HeartbeatResult::CancelRequested]);
}

/// A worker that no longer holds the attempt (finished, another worker, an old
/// attempt, an unknown job) learns that it lost it.
pub async fn reports_lost<S: Store>(store: &S) {
    let ids = insert_at(store, vec![spec("a"), spec("b")], T0).await;
    let jobs = claim(store, "w", 2, at(1)).await;
    finish(store, &jobs[0], Outcome::Exited { code: 0 }, at(2)).await;
    let beats = [
        Heartbeat {
            id: ids[0],
            attempt: 1,
        },
        Heartbeat {
            id: ids[1],
            attempt: 2,
        },
        Heartbeat {
            id: offload_core::JobId(ids[1].0 + 1000),
            attempt: 1,
        },
    ];
    let got = store
        .job_heartbeat(&worker("w"), &beats, at(60))
        .await
        .unwrap();
    assert_eq!(got, vec![HeartbeatResult::Lost; 3]);
    let other = [Heartbeat {
        id: ids[1],
        attempt: 1,
    }];
    let got = store
        .job_heartbeat(&worker("intruder"), &other, at(60))
        .await
        .unwrap();
    assert_eq!(got, vec![HeartbeatResult::Lost]);
}
