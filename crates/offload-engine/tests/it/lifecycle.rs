//! Jobs run, succeed, fail, dedupe and respect priority.

use offload_core::{JobId, JobKind, JobSpec, Outcome, QueueName, StateName};
use offload_engine::JobEvent;
use offload_engine::Submission;
use offload_store::QueueUpdate;

use crate::support::*;

#[tokio::test]
async fn a_command_runs_and_its_output_is_kept() {
    let f = Fixture::new(config(2));
    let id = f
        .submit(cmd(&["sh", "-c", "echo hello; echo oops >&2; exit 0"]))
        .await;
    let job = f.finish(id).await;
    assert_eq!(job.state.name(), StateName::Succeeded);
    assert_eq!(job.attempts.len(), 1);
    assert_eq!(job.attempts[0].outcome, Some(Outcome::Exited { code: 0 }));
    let output = f.store.job_output(id).await.unwrap().unwrap();
    assert_eq!(output.stdout, b"hello\n");
    assert_eq!(output.stderr, b"oops\n");
}

#[tokio::test]
async fn files_and_stdin_reach_the_job() {
    let f = Fixture::new(config(1));
    let mut spec = cmd(&["sh", "-c", "cat main.txt; cat"]);
    spec.files.insert("main.txt".into(), "from file\n".into());
    spec.stdin = Some("from stdin\n".into());
    let id = f.submit(spec).await;
    f.finish(id).await;
    let output = f.store.job_output(id).await.unwrap().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "from file\nfrom stdin\n"
    );
}

#[tokio::test]
async fn a_missing_command_fails_with_spawn_error_and_the_worker_goes_on() {
    let f = Fixture::new(config(1));
    let bad = f.submit(cmd(&["/nonexistent/program"])).await;
    let good = f.submit(cmd(&["true"])).await;
    let job = f.finish(bad).await;
    assert_eq!(job.state.name(), StateName::Failed);
    assert!(
        matches!(job.attempts[0].outcome, Some(Outcome::SpawnError { .. })),
        "{:?}",
        job.attempts
    );
    assert_eq!(f.finish(good).await.state.name(), StateName::Succeeded);
}

#[tokio::test]
async fn many_noop_jobs_all_finish() {
    let f = Fixture::new(config(64));
    let batch: Vec<_> = (0..2000)
        .map(|_| Submission {
            spec: JobSpec {
                kind: JobKind::Noop,
                ..JobSpec::default()
            },
            dedupe: false,
        })
        .collect();
    let ids = f.engine.submit(batch).await.unwrap();
    for inserted in &ids {
        assert_eq!(
            f.finish(inserted.id).await.state.name(),
            StateName::Succeeded
        );
    }
}

#[tokio::test]
async fn dedupe_returns_the_same_job() {
    let f = Fixture::new(config(1));
    let spec = cmd(&["echo", "once"]);
    let first = f
        .engine
        .submit(vec![Submission {
            spec: spec.clone(),
            dedupe: true,
        }])
        .await
        .unwrap();
    let second = f
        .engine
        .submit(vec![Submission { spec, dedupe: true }])
        .await
        .unwrap();
    assert_eq!(first[0].id, second[0].id);
    assert!(first[0].created && !second[0].created);
    f.finish(first[0].id).await;
    let job = f.store.job_get(first[0].id).await.unwrap().unwrap();
    assert_eq!(job.attempts.len(), 1, "a deduplicated job runs once");
}

#[tokio::test]
async fn higher_priority_runs_first() {
    let f = Fixture::new(config(1));
    let queue = QueueName::new("prio").unwrap();
    let paused = QueueUpdate {
        paused: Some(true),
        concurrency: None,
    };
    f.store.queue_update(&queue, &paused).await.unwrap();
    let mut low = cmd(&["true"]);
    low.queue = queue.clone();
    let mut high = low.clone();
    high.priority = 10;
    let low_id = f.submit(low).await;
    let high_id = f.submit(high).await;
    let mut events = f.engine.subscribe();
    f.store
        .queue_update(
            &queue,
            &QueueUpdate {
                paused: Some(false),
                concurrency: None,
            },
        )
        .await
        .unwrap();
    let first = first_running(&mut events, &[low_id, high_id]).await;
    assert_eq!(first, high_id, "the higher priority job must start first");
    f.finish(low_id).await;
}

async fn first_running(
    events: &mut tokio::sync::broadcast::Receiver<JobEvent>,
    ids: &[JobId],
) -> JobId {
    loop {
        if let JobEvent::State {
            id,
            state: StateName::Running,
        } = events.recv().await.unwrap()
            && ids.contains(&id)
        {
            return id;
        }
    }
}
