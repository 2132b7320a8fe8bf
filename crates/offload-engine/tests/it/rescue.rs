//! A job whose worker died is re-queued as `worker_lost`, and the dead worker's late
//! completion is rejected.

use std::time::Duration;

use offload_core::{JobState, Outcome, StateName, WorkerId};
use offload_store::{Claim, Completed, Completion};

use crate::support::*;

#[tokio::test]
async fn an_expired_lease_is_rescued_and_the_stale_completion_is_rejected() {
    // This engine runs no jobs itself (0 slots), only maintenance, on a manual clock.
    let f = Fixture::with_manual_clock(config(0));
    let mut spec = cmd(&["true"]);
    spec.retry.max_retries = 1;
    spec.retry.backoff.base = Duration::ZERO;
    let id = f.submit(spec).await;
    let ghost = WorkerId("ghost".into());
    let claim = Claim {
        worker: ghost,
        limit: 1,
        queues: None,
        now: f.now(),
        lease: Duration::from_secs(10),
    };
    let claimed = f.store.job_claim(&claim).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let mut events = f.engine.subscribe();
    f.clock.as_ref().unwrap().advance(Duration::from_secs(11));
    // With no backoff the retry is due at once, so the job goes straight back to the queue.
    until_state(&mut events, id, StateName::Queued).await;
    let job = f.store.job_get(id).await.unwrap().unwrap();
    assert_eq!(job.attempts[0].outcome, Some(Outcome::WorkerLost));
    let late = Completion {
        id,
        attempt: claimed[0].attempt,
        next: JobState::Succeeded {
            finished_at: f.now(),
        },
        outcome: Outcome::Exited { code: 0 },
        finished_at: f.now(),
        cpu_ms: None,
        peak_memory: None,
        tier: None,
        output: None,
    };
    assert_eq!(
        f.store.job_complete_many(vec![late]).await.unwrap(),
        vec![Completed::Stale]
    );
    let after = f.store.job_get(id).await.unwrap().unwrap();
    assert_ne!(after.state.name(), StateName::Succeeded);
}

#[tokio::test]
async fn an_exclusive_engine_requeues_orphans_before_it_claims_anything() {
    use offload_engine::Engine;
    use offload_sandbox::{Sandbox, SandboxConfig};
    use offload_sqlite::{SqliteConfig, SqliteStore};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn offload_store::Store> =
        Arc::new(SqliteStore::open(&dir.path().join("db"), SqliteConfig::default()).unwrap());
    let now = offload_core::Clock::now(&offload_engine::SystemClock);
    let new_job = |spec| offload_store::NewJob {
        spec,
        spec_hash: String::new(),
    };
    let mut retried = cmd(&["true"]);
    retried.retry.max_retries = 1;
    retried.retry.backoff.base = Duration::ZERO;
    let jobs = vec![new_job(retried.clone()), new_job(retried)];
    let ids = store.job_insert_many(jobs, now).await.unwrap();
    // A dead process claimed the first job; the second is still queued.
    let claim = Claim {
        worker: WorkerId("dead".into()),
        limit: 1,
        queues: None,
        now,
        lease: Duration::from_secs(3600),
    };
    assert_eq!(store.job_claim(&claim).await.unwrap()[0].id, ids[0].id);
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: dir.path().join("work"),
        ..SandboxConfig::default()
    })
    .unwrap();
    let config = offload_engine::EngineConfig {
        slots: 4,
        exclusive_store: true,
        ..config(4)
    };
    let engine = Engine::start(
        store.clone(),
        Arc::new(sandbox),
        Arc::new(offload_engine::SystemClock),
        config,
    );
    let orphan = engine.wait(ids[0].id, PATIENCE).await.unwrap();
    let queued = engine.wait(ids[1].id, PATIENCE).await.unwrap();
    let outcomes = |job: &offload_core::Job| {
        job.attempts
            .iter()
            .map(|a| a.outcome.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        outcomes(&orphan),
        vec![Some(Outcome::WorkerLost), Some(Outcome::Exited { code: 0 })],
        "{orphan:?}"
    );
    assert_eq!(
        outcomes(&queued),
        vec![Some(Outcome::Exited { code: 0 })],
        "a job this engine started must not be rescued"
    );
}
