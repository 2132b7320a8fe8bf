//! Builders shared by the conformance cases: specs, claims, and completions made
//! the way the engine makes them.
//!
//! Time is a fixed epoch plus seconds, passed to every store call, so no case reads
//! a clock or sleeps: "the lease expired" is a later `now`, not a wait.

use std::time::Duration;

use offload_core::{
    Finish, Idempotency, JobId, JobSpec, JobState, Outcome, QueueName, Timestamp, WorkerId,
};

use crate::{Claim, ClaimedJob, Completed, Completion, JobOutput, NewJob, Store};

/// The epoch of every case: an arbitrary fixed instant.
pub const T0: Timestamp = Timestamp(1_700_000_000_000);

/// The lease every claim in the suite takes.
pub const LEASE: Duration = Duration::from_secs(30);

/// `T0` plus `secs` seconds.
pub fn at(secs: u64) -> Timestamp {
    T0.plus(Duration::from_secs(secs))
}

/// A command spec that echoes `word`, so that specs differ by word.
pub fn spec(word: &str) -> JobSpec {
    JobSpec {
        command: vec!["echo".to_owned(), word.to_owned()],
        ..JobSpec::default()
    }
}

/// A spec in `queue`.
pub fn in_queue(word: &str, queue: &str) -> JobSpec {
    JobSpec {
        queue: queue_name(queue),
        ..spec(word)
    }
}

/// A spec that fails for good on its first failure.
pub fn no_retry(word: &str) -> JobSpec {
    let mut spec = spec(word);
    spec.retry.max_retries = 0;
    spec
}

/// A spec with idempotency key `key` lasting `ttl`.
pub fn keyed(word: &str, key: &str, ttl: Duration) -> JobSpec {
    JobSpec {
        idempotency: Some(Idempotency {
            key: key.to_owned(),
            ttl,
        }),
        ..spec(word)
    }
}

/// A valid queue name.
pub fn queue_name(name: &str) -> QueueName {
    QueueName::new(name).expect("the suite uses valid queue names")
}

/// A worker id.
pub fn worker(name: &str) -> WorkerId {
    WorkerId(name.to_owned())
}

/// A [`NewJob`] with its spec hash computed as the API computes it.
pub fn new_job(spec: JobSpec) -> NewJob {
    let spec_hash = offload_core::dedupe::spec_hash(&spec);
    NewJob { spec, spec_hash }
}

/// Inserts `specs` at `now` and returns their ids.
pub async fn insert_at<S: Store>(store: &S, specs: Vec<JobSpec>, now: Timestamp) -> Vec<JobId> {
    let jobs = specs.into_iter().map(new_job).collect();
    let inserted = store.job_insert_many(jobs, now).await.expect("insert");
    inserted.into_iter().map(|i| i.id).collect()
}

/// Inserts one spec at `T0`.
pub async fn insert_one<S: Store>(store: &S, spec: JobSpec) -> JobId {
    insert_at(store, vec![spec], T0).await[0]
}

/// A claim by `who` of up to `limit` jobs from any queue at `now`.
pub fn claim_req(who: &str, limit: usize, now: Timestamp) -> Claim {
    Claim {
        worker: worker(who),
        limit,
        queues: None,
        now,
        lease: LEASE,
    }
}

/// Claims up to `limit` jobs for `who` at `now`.
pub async fn claim<S: Store>(
    store: &S,
    who: &str,
    limit: usize,
    now: Timestamp,
) -> Vec<ClaimedJob> {
    store
        .job_claim(&claim_req(who, limit, now))
        .await
        .expect("claim")
}

/// The completion the engine would send for `job` ending with `outcome` at `now`:
/// `Finish::decide` picks the next state, `transition_to_finished` builds it.
pub fn completion(job: &ClaimedJob, outcome: Outcome, now: Timestamp) -> Completion {
    let failures = job.budget_used + u32::from(outcome.counts_as_attempt());
    let finish = Finish::decide(
        &outcome,
        job.cancel_requested,
        failures,
        &job.spec.retry,
        now,
        0.5,
    );
    let running = JobState::Running {
        attempt: job.attempt,
        worker: worker("engine"),
        lease_expires_at: now,
        cancel_requested: job.cancel_requested,
    };
    let next = running
        .transition_to_finished(&finish, now)
        .expect("a running job can finish");
    Completion {
        id: job.id,
        attempt: job.attempt,
        next,
        outcome,
        finished_at: now,
        cpu_ms: Some(7),
        peak_memory: Some(4096),
        tier: Some("T1".into()),
        output: None,
    }
}

/// Completes `job` with `outcome` at `now` and returns whether it applied.
pub async fn finish<S: Store>(
    store: &S,
    job: &ClaimedJob,
    outcome: Outcome,
    now: Timestamp,
) -> Completed {
    let done = store
        .job_complete_many(vec![completion(job, outcome, now)])
        .await
        .expect("complete");
    done[0]
}

/// The output `text` on stdout and nothing on stderr.
pub fn output(text: &str) -> JobOutput {
    JobOutput {
        stdout: text.as_bytes().to_vec(),
        ..JobOutput::default()
    }
}

/// The current state of job `id`, which must exist.
pub async fn state<S: Store>(store: &S, id: JobId) -> JobState {
    store
        .job_get(id)
        .await
        .expect("get")
        .expect("the job exists")
        .state
}

/// Inserts a job that fails for good, runs it once, and returns its id.
pub async fn failed_job<S: Store>(store: &S, word: &str) -> JobId {
    let id = insert_one(store, no_retry(word)).await;
    let claimed = claim(store, "w", 1, at(1)).await;
    assert_eq!(claimed.len(), 1, "the new job is claimed");
    assert_eq!(
        claimed[0].id, id,
        "call failed_job while no other job is queued"
    );
    let done = finish(store, &claimed[0], Outcome::Exited { code: 1 }, at(2)).await;
    assert_eq!(done, Completed::Applied);
    assert!(matches!(state(store, id).await, JobState::Failed { .. }));
    id
}
