//! Scheduled jobs: promotion when due, and the next due time.

use offload_core::JobState;

use super::support::*;
use crate::Store;

fn due_at(word: &str, secs: u64) -> offload_core::JobSpec {
    let mut spec = spec(word);
    spec.run_at = Some(at(secs));
    spec
}

/// Promotion moves only jobs due by `now`, at most `limit` of them.
pub async fn promote_moves_only_due<S: Store>(store: &S) {
    let specs = vec![
        due_at("a", 10),
        due_at("b", 20),
        due_at("c", 30),
        due_at("d", 40),
    ];
    let ids = insert_at(store, specs, T0).await;
    assert_eq!(store.job_promote_due(at(9), 10).await.unwrap(), 0);
    assert_eq!(store.job_promote_due(at(30), 2).await.unwrap(), 2);
    assert_eq!(state(store, ids[0]).await, JobState::Queued);
    assert_eq!(state(store, ids[1]).await, JobState::Queued);
    assert_eq!(
        state(store, ids[2]).await,
        JobState::Scheduled { run_at: at(30) }
    );
    assert_eq!(store.job_promote_due(at(30), 10).await.unwrap(), 1);
    assert_eq!(state(store, ids[2]).await, JobState::Queued);
    assert_eq!(
        state(store, ids[3]).await,
        JobState::Scheduled { run_at: at(40) }
    );
}

/// The next due time is the earliest scheduled `run_at`, or none.
pub async fn next_due_is_earliest<S: Store>(store: &S) {
    assert_eq!(store.job_next_due().await.unwrap(), None);
    insert_at(
        store,
        vec![due_at("late", 50), due_at("soon", 20), spec("now")],
        T0,
    )
    .await;
    assert_eq!(store.job_next_due().await.unwrap(), Some(at(20)));
    store.job_promote_due(at(20), 10).await.unwrap();
    assert_eq!(store.job_next_due().await.unwrap(), Some(at(50)));
}
