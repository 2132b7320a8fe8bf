//! Failures are retried by policy, then become dead letters that can be replayed.

use std::time::Duration;

use offload_core::{Outcome, OutcomeClass, StateName};
use offload_store::{DeadSelector, JobFilter};

use crate::support::*;

#[tokio::test]
async fn a_failing_job_is_retried_then_dead_lettered_then_replayed() {
    let f = Fixture::new(config(1));
    let mut spec = cmd(&["sh", "-c", "exit 7"]);
    spec.retry.max_retries = 2;
    spec.retry.backoff.base = Duration::ZERO;
    let id = f.submit(spec).await;
    let job = f.finish(id).await;
    assert_eq!(job.state.name(), StateName::Failed);
    let outcomes: Vec<_> = job.attempts.iter().map(|a| a.outcome.clone()).collect();
    assert_eq!(outcomes, vec![Some(Outcome::Exited { code: 7 }); 3]);
    let dead = f
        .store
        .job_list(&JobFilter {
            states: vec![StateName::Failed],
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(dead.jobs.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(
        f.store
            .dead_retry(DeadSelector::One(id), f.now())
            .await
            .unwrap(),
        1
    );
    let job = f.finish(id).await;
    assert_eq!(
        job.attempts.len(),
        6,
        "a replayed dead letter gets a fresh retry budget"
    );
}

#[tokio::test]
async fn outcomes_outside_retry_on_fail_at_once() {
    let f = Fixture::new(config(1));
    let mut spec = cmd(&["sh", "-c", "exit 3"]);
    spec.retry.max_retries = 5;
    spec.retry.backoff.base = Duration::ZERO;
    spec.retry.retry_on = [OutcomeClass::TimedOut].into_iter().collect();
    let id = f.submit(spec).await;
    let job = f.finish(id).await;
    assert_eq!(job.state.name(), StateName::Failed);
    assert_eq!(job.attempts.len(), 1);
}

#[tokio::test]
async fn a_timed_out_job_is_killed_and_reported() {
    let f = Fixture::new(config(1));
    let mut spec = cmd(&["sleep", "1000"]);
    spec.timeout = Duration::from_millis(200);
    spec.kill_after = Duration::from_millis(200);
    let id = f.submit(spec).await;
    let job = f.finish(id).await;
    assert_eq!(job.attempts[0].outcome, Some(Outcome::TimedOut));
}
