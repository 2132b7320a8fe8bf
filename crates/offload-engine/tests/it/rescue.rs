//! A job whose worker died is re-queued as `worker_lost`, and the dead worker's late
//! completion is rejected.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use offload_core::{JobId, JobState, Outcome, StateName, WorkerId};
use offload_engine::Engine;
use offload_sandbox::{Sandbox, SandboxConfig};
use offload_sqlite::{SqliteConfig, SqliteStore};
use offload_store::{Claim, Completed, Completion, Store};

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
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path());
    let mut retried = cmd(&["true"]);
    retried.retry.max_retries = 1;
    retried.retry.backoff.base = Duration::ZERO;
    let ids = insert(&store, &[retried.clone(), retried]).await;
    // A dead process claimed the first job; the second is still queued.
    assert_eq!(claim_as_dead(&store, 1).await, vec![ids[0]]);
    let engine = exclusive_engine(dir.path(), &store, None);
    let orphan = engine.wait(ids[0], PATIENCE).await.unwrap();
    let queued = engine.wait(ids[1], PATIENCE).await.unwrap();
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

/// The window exit records close: a job exited on its own, but its worker died before it
/// committed the result. On restart the attempt is completed from its record, so the job does
/// not run a second time; an attempt without a record is rescued as `worker_lost` as before.
#[tokio::test]
async fn an_orphan_whose_job_had_exited_is_completed_from_its_exit_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path());
    // Were any of these run again, its `false` would fail it, and the assertions would see it.
    let mut spec = cmd(&["false"]);
    spec.retry.max_retries = 1;
    spec.retry.backoff.base = Duration::ZERO;
    let ids = insert(&store, &[spec.clone(), spec.clone(), spec]).await;
    assert_eq!(claim_as_dead(&store, 3).await.len(), 3);
    // What the dead process's inits wrote: the first job exited 0, the second 3, and the
    // third was still running when its worker died, so its record stayed empty.
    let records = dir.path().join("exits");
    std::fs::create_dir_all(&records).unwrap();
    for (id, text) in [(ids[0], "exit 000\n"), (ids[1], "exit 003\n"), (ids[2], "")] {
        std::fs::write(records.join(format!("{id}.1")), text).unwrap();
    }
    let engine = exclusive_engine(dir.path(), &store, Some(records.clone()));
    let mut jobs = Vec::new();
    for &id in &ids {
        jobs.push(engine.wait(id, PATIENCE).await.unwrap());
    }
    let outcomes = |job: &offload_core::Job| {
        job.attempts
            .iter()
            .map(|a| a.outcome.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(jobs[0].state.name(), StateName::Succeeded, "{:?}", jobs[0]);
    assert_eq!(outcomes(&jobs[0]), vec![Some(Outcome::Exited { code: 0 })]);
    let output = store.job_output(ids[0]).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("output was lost"));
    // Exit 3 is a failure like any other: retried once by the policy, and `false` fails again.
    assert_eq!(
        outcomes(&jobs[1]),
        vec![
            Some(Outcome::Exited { code: 3 }),
            Some(Outcome::Exited { code: 1 })
        ]
    );
    assert_eq!(
        outcomes(&jobs[2]),
        vec![Some(Outcome::WorkerLost), Some(Outcome::Exited { code: 1 })]
    );
    engine.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        std::fs::read_dir(&records).unwrap().count(),
        0,
        "every record is removed once its attempt is committed"
    );
}

fn sqlite(dir: &Path) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(&dir.join("db"), SqliteConfig::default()).unwrap())
}

async fn insert(store: &Arc<dyn Store>, specs: &[offload_core::JobSpec]) -> Vec<JobId> {
    let now = offload_core::Clock::now(&offload_engine::SystemClock);
    let jobs = specs
        .iter()
        .map(|spec| offload_store::NewJob {
            spec: spec.clone(),
            spec_hash: String::new(),
        })
        .collect();
    let inserted = store.job_insert_many(jobs, now).await.unwrap();
    inserted.iter().map(|i| i.id).collect()
}

/// Claims `limit` jobs for a worker that then "dies": nothing will renew or finish them.
async fn claim_as_dead(store: &Arc<dyn Store>, limit: usize) -> Vec<JobId> {
    let claim = Claim {
        worker: WorkerId("dead".into()),
        limit,
        queues: None,
        now: offload_core::Clock::now(&offload_engine::SystemClock),
        lease: Duration::from_secs(3600),
    };
    let claimed = store.job_claim(&claim).await.unwrap();
    claimed.iter().map(|job| job.id).collect()
}

/// A restarted engine that owns its store, so its first act is the orphan pass.
fn exclusive_engine(dir: &Path, store: &Arc<dyn Store>, exit_records: Option<PathBuf>) -> Engine {
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: dir.join("work"),
        ..SandboxConfig::default()
    })
    .unwrap();
    let config = offload_engine::EngineConfig {
        exclusive_store: true,
        exit_records,
        ..config(4)
    };
    Engine::start(
        store.clone(),
        Arc::new(sandbox),
        Arc::new(offload_engine::SystemClock),
        config,
    )
}
