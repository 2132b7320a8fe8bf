//! Cancelling jobs in each state.

use offload_core::{CancelOutcome, JobId, JobState, Outcome, StateName};

use super::support::*;
use crate::{Completed, Store, StoreError};

/// A waiting job (queued or scheduled) is cancelled at once and never claimed.
pub async fn waiting_is_cancelled_and_never_claimed<S: Store>(store: &S) {
    let mut later = spec("later");
    later.run_at = Some(at(5));
    let ids = insert_at(store, vec![spec("now"), later], T0).await;
    for id in &ids {
        assert_eq!(
            store.job_cancel(*id, at(1)).await.unwrap(),
            CancelOutcome::Cancelled
        );
        assert_eq!(
            state(store, *id).await,
            JobState::Cancelled { finished_at: at(1) }
        );
    }
    assert_eq!(store.job_promote_due(at(10), 10).await.unwrap(), 0);
    assert!(claim(store, "w", 10, at(10)).await.is_empty());
}

/// A running job gets a kill request for its worker, visible to the heartbeat
/// and to the rescuer; the worker then finishes it as cancelled.
pub async fn running_requests_kill<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    let outcome = store.job_cancel(id, at(2)).await.unwrap();
    assert_eq!(
        outcome,
        CancelOutcome::KillRequested {
            worker: worker("w")
        }
    );
    let JobState::Running {
        cancel_requested, ..
    } = state(store, id).await
    else {
        panic!("a cancel does not stop the job by itself");
    };
    assert!(cancel_requested);
    let stuck = store.job_get_stuck(at(1000), 10).await.unwrap();
    assert_eq!((stuck[0].id, stuck[0].cancel_requested), (id, true));
    let mut informed = job.clone();
    informed.cancel_requested = true;
    let done = finish(store, &informed, Outcome::Signaled { signal: 9 }, at(3)).await;
    assert_eq!(done, Completed::Applied);
    assert_eq!(
        state(store, id).await,
        JobState::Cancelled { finished_at: at(3) }
    );
}

/// A finished job stays as it was.
pub async fn finished_is_already_finished<S: Store>(store: &S) {
    let id = insert_one(store, spec("x")).await;
    let job = claim(store, "w", 1, at(1)).await.remove(0);
    finish(store, &job, Outcome::Exited { code: 0 }, at(2)).await;
    let outcome = store.job_cancel(id, at(3)).await.unwrap();
    assert_eq!(
        outcome,
        CancelOutcome::AlreadyFinished(StateName::Succeeded)
    );
    assert_eq!(
        state(store, id).await,
        JobState::Succeeded { finished_at: at(2) }
    );
}

/// An unknown id is `NotFound`.
pub async fn unknown_is_not_found<S: Store>(store: &S) {
    let err = store.job_cancel(JobId(424_242), at(1)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(JobId(424_242))),
        "{err:?}"
    );
}
