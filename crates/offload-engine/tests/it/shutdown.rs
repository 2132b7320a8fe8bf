//! Graceful shutdown: running jobs get the grace period, then are killed and re-queued.

use std::time::Duration;

use offload_core::{Outcome, StateName};

use crate::support::*;

#[tokio::test]
async fn shutdown_kills_and_requeues_what_outlives_the_grace() {
    let f = Fixture::new(config(1));
    let mut events = f.engine.subscribe();
    let id = f.submit(cmd(&["sleep", "1000"])).await;
    until_state(&mut events, id, StateName::Running).await;
    f.engine.shutdown(Duration::from_millis(100)).await;
    let job = f.store.job_get(id).await.unwrap().unwrap();
    assert_eq!(job.state.name(), StateName::Queued, "{:?}", job.state);
    assert_eq!(job.attempts[0].outcome, Some(Outcome::Interrupted));
    assert_eq!(f.engine.running(), 0);
}

#[tokio::test]
async fn shutdown_lets_jobs_finish_within_the_grace() {
    // The job reads a fifo on the host, so its sandbox stays at T0.
    let f = Fixture::at_t0(config(1));
    let dir = tempfile::tempdir().unwrap();
    // Jobs run as a per-run uid when the tests run as root: the fifo's directory must let
    // them in, or the job fails and the write below never finds a reader.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let fifo = dir.path().join("gate");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o666)).unwrap();
    std::fs::set_permissions(&fifo, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let mut events = f.engine.subscribe();
    let id = f.submit(cmd(&["cat", fifo.to_str().unwrap()])).await;
    until_state(&mut events, id, StateName::Running).await;
    let engine = f.engine.clone();
    let shutdown = tokio::spawn(async move { engine.shutdown(Duration::from_secs(60)).await });
    // The job blocks reading the fifo until the test writes to it, after shutdown began. Opening
    // a fifo to write waits for a reader, so a job that never opened it fails the test here
    // instead of hanging it.
    let write = tokio::task::spawn_blocking(move || std::fs::write(fifo, "released\n"));
    match tokio::time::timeout(PATIENCE, write).await {
        Ok(written) => written.unwrap().unwrap(),
        Err(_) => panic!(
            "the job never read the fifo: {:?}",
            f.store.job_get(id).await
        ),
    }
    shutdown.await.unwrap();
    let job = f.store.job_get(id).await.unwrap().unwrap();
    assert_eq!(job.state.name(), StateName::Succeeded);
    let output = f.store.job_output(id).await.unwrap().unwrap();
    assert_eq!(output.stdout, b"released\n");
}

#[tokio::test]
async fn a_stopped_engine_refuses_new_jobs() {
    let f = Fixture::new(config(1));
    f.engine.shutdown(Duration::from_secs(1)).await;
    let err = f
        .engine
        .submit(vec![offload_engine::Submission::default()])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), offload_engine::ErrorKind::Unavailable);
}
