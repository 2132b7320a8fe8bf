//! The [`Store`] trait: everything the engine and the API need from persistence.

use async_trait::async_trait;
use offload_core::experiment::{ExperimentConfig, ExperimentName, ExperimentUpdate};
use offload_core::{CancelOutcome, Job, JobId, QueueName, Timestamp, WorkerId};

use crate::error::StoreError;
use crate::experiment::*;
use crate::model::*;

/// Durable job storage. Every method is atomic: it applies whole or not at all.
///
/// Methods are named noun first, verb second (`job_claim`, `queue_update`), so the
/// calls that touch one table sort together.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Inserts jobs atomically. A job whose idempotency key is held by a live job
    /// with the same spec hash returns that job instead (`created: false`); with a
    /// different hash the whole batch fails with [`StoreError::KeyConflict`].
    async fn job_insert_many(
        &self,
        jobs: Vec<NewJob>,
        now: Timestamp,
    ) -> Result<Vec<Inserted>, StoreError>;

    /// One job with its attempts, or `None`.
    async fn job_get(&self, id: JobId) -> Result<Option<Job>, StoreError>;

    /// A page of jobs, newest first.
    async fn job_list(&self, filter: &JobFilter) -> Result<JobPage, StoreError>;

    /// The stored output of a job's latest finished attempt, if any is kept.
    async fn job_output(&self, id: JobId) -> Result<Option<JobOutput>, StoreError>;

    /// Claims up to `claim.limit` queued jobs: highest priority first, then oldest,
    /// skipping paused queues and queues at their concurrency limit. Each claimed job
    /// becomes `running` with a new attempt and a lease held by `claim.worker`.
    async fn job_claim(&self, claim: &Claim) -> Result<Vec<ClaimedJob>, StoreError>;

    /// Applies completions, each only if its attempt still holds the lease.
    async fn job_complete_many(
        &self,
        completions: Vec<Completion>,
    ) -> Result<Vec<Completed>, StoreError>;

    /// Renews the leases of running attempts until `lease_expires_at`.
    async fn job_heartbeat(
        &self,
        worker: &WorkerId,
        beats: &[Heartbeat],
        lease_expires_at: Timestamp,
    ) -> Result<Vec<HeartbeatResult>, StoreError>;

    /// Cancels a job: at once if it waits, by request to its worker if it runs.
    async fn job_cancel(&self, id: JobId, now: Timestamp) -> Result<CancelOutcome, StoreError>;

    /// Running jobs whose lease expired before `now`, for the rescuer.
    async fn job_get_stuck(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedJob>, StoreError>;

    /// Moves due scheduled jobs to queued; returns how many moved.
    async fn job_promote_due(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError>;

    /// The earliest `run_at` of a scheduled job, so the scheduler can sleep until then.
    async fn job_next_due(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Deletes up to `limit` terminal jobs that finished before `before`.
    async fn job_delete_finished(&self, before: Timestamp, limit: usize)
    -> Result<u64, StoreError>;

    /// Deletes the output of finished jobs whose result TTL has passed.
    async fn job_expire_output(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError>;

    /// Queues failed jobs again with a fresh retry budget; returns how many.
    async fn dead_retry(&self, which: DeadSelector, now: Timestamp) -> Result<u64, StoreError>;

    /// Deletes failed jobs; returns how many.
    async fn dead_purge(&self) -> Result<u64, StoreError>;

    /// Every known queue (any that has jobs or settings) with its counts.
    async fn queue_list(&self) -> Result<Vec<QueueInfo>, StoreError>;

    /// Changes a queue's settings, creating it if needed.
    async fn queue_update(
        &self,
        name: &QueueName,
        update: &QueueUpdate,
    ) -> Result<QueueInfo, StoreError>;

    /// Records one judged observation, creating the experiment with the default
    /// settings if it is unknown: adds it to the totals, its minute, the latency
    /// histograms of every behaviour and the count of each mismatch's signature,
    /// and offers each mismatch to its signature's reservoir (the record's
    /// `draw` decides). A signature past `MAX_SIGNATURES` counts as `overflow`.
    /// Minutes older than `bounds::HISTORY` are dropped as new ones open.
    async fn experiment_record(&self, record: ObservationRecord) -> Result<Recorded, StoreError>;

    /// An experiment's settings, or `None` if it is unknown.
    async fn experiment_config(
        &self,
        name: &ExperimentName,
    ) -> Result<Option<ExperimentConfig>, StoreError>;

    /// Changes an experiment's settings (an already validated update), creating
    /// it with the defaults first if it is unknown. Lowering the cap per
    /// signature deletes the kept mismatches past it.
    async fn experiment_update(
        &self,
        name: &ExperimentName,
        update: &ExperimentUpdate,
        now: Timestamp,
    ) -> Result<ExperimentConfig, StoreError>;

    /// Every experiment with its totals, by name.
    async fn experiment_list(&self) -> Result<Vec<ExperimentSummary>, StoreError>;

    /// One experiment's report, or `None` if it is unknown.
    async fn experiment_get(
        &self,
        name: &ExperimentName,
        query: &ExperimentQuery,
    ) -> Result<Option<ExperimentReport>, StoreError>;

    /// Tries to become (or stay) the leader that runs the maintenance services.
    ///
    /// A store that one process owns alone (SQLite) makes every caller the leader;
    /// a shared store elects one node at a time.
    async fn leader_attempt_elect(&self, _node: &WorkerId) -> Result<bool, StoreError> {
        Ok(true)
    }

    /// Notifications from other processes sharing the store (jobs inserted, cancels
    /// requested), so workers wake at once instead of at their next poll. `None`
    /// where the store has no such channel; workers then rely on polling.
    fn subscribe(&self) -> Option<tokio::sync::broadcast::Receiver<Notification>> {
        None
    }
}
