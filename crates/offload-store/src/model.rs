//! The values that cross the [`crate::Store`] boundary.
//!
//! They are named for the store call that takes or returns them, River-style:
//! a [`Claim`] asks for work and returns [`ClaimedJob`]s, a [`Completion`] finishes
//! an attempt and returns a [`Completed`].

use std::collections::BTreeMap;
use std::time::Duration;

use offload_core::{JobId, JobSpec, JobState, Outcome, QueueName, StateName, Timestamp, WorkerId};

/// A job to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The validated spec. Its `idempotency.key` is already resolved (a `dedupe`
    /// submission carries the spec hash as its key).
    pub spec: JobSpec,
    /// The SHA-256 of the canonical spec, to tell a replay from a conflicting reuse of a key.
    pub spec_hash: String,
}

/// The result of inserting one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inserted {
    /// The job's id: new, or the existing job that holds the same idempotency key.
    pub id: JobId,
    /// False when an existing job was returned instead of inserting.
    pub created: bool,
}

/// A request for runnable jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Who claims; recorded on the attempt and named by the lease.
    pub worker: WorkerId,
    /// At most this many jobs: the claimer's free slots.
    pub limit: usize,
    /// Serve only these queues; `None` serves all.
    pub queues: Option<Vec<QueueName>>,
    /// The time of the claim.
    pub now: Timestamp,
    /// How long the lease lasts before it must be renewed.
    pub lease: Duration,
}

/// A job handed to a worker, with the lease it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// The job's id.
    pub id: JobId,
    /// What to run.
    pub spec: JobSpec,
    /// The attempt number this claim holds; every later change is guarded by it.
    pub attempt: u32,
    /// Attempts that used up the retry budget before this one.
    pub budget_used: u32,
    /// When the job was accepted.
    pub enqueued_at: Timestamp,
    /// Whether a cancel was requested (only ever true for stuck jobs handed to the rescuer).
    pub cancel_requested: bool,
}

/// The output of a job's latest finished attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobOutput {
    /// Standard output, up to the cap.
    pub stdout: Vec<u8>,
    /// Standard error, up to the cap.
    pub stderr: Vec<u8>,
    /// Whether stdout was cut at the cap.
    pub stdout_truncated: bool,
    /// Whether stderr was cut at the cap.
    pub stderr_truncated: bool,
}

/// The end of one attempt, applied only if that attempt still holds the lease.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The job.
    pub id: JobId,
    /// The attempt that finished: the guard.
    pub attempt: u32,
    /// The job's next state, decided by `offload_core::Finish`.
    pub next: JobState,
    /// How the attempt ended.
    pub outcome: Outcome,
    /// When it ended.
    pub finished_at: Timestamp,
    /// CPU time of the attempt's process tree.
    pub cpu_ms: Option<u64>,
    /// Peak memory of the attempt.
    pub peak_memory: Option<u64>,
    /// The sandbox tier the attempt ran at, if it ran.
    pub tier: Option<String>,
    /// Output to keep, if the attempt produced any.
    pub output: Option<JobOutput>,
}

/// Whether a [`Completion`] was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    /// The attempt held the lease and the job moved on.
    Applied,
    /// The attempt no longer held the lease (rescued, or already finished); nothing changed.
    Stale,
}

/// A lease renewal for one running attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// The job.
    pub id: JobId,
    /// The attempt the worker holds.
    pub attempt: u32,
}

/// What a heartbeat learned about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatResult {
    /// The lease was extended.
    Renewed,
    /// The lease was extended and a cancel was requested: kill the attempt.
    CancelRequested,
    /// The attempt no longer holds the lease: stop it and do not complete it.
    Lost,
}

/// Filters for listing jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs in one of these states; empty means all.
    pub states: Vec<StateName>,
    /// Only jobs in this queue.
    pub queue: Option<QueueName>,
    /// Only jobs with this label key and value.
    pub label: Option<(String, String)>,
    /// Only jobs with an id below this one (the cursor of the previous page).
    pub before: Option<JobId>,
    /// At most this many jobs.
    pub limit: u32,
}

impl Default for JobFilter {
    fn default() -> Self {
        JobFilter {
            states: Vec::new(),
            queue: None,
            label: None,
            before: None,
            limit: 100,
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPage {
    /// The jobs, newest first.
    pub jobs: Vec<offload_core::Job>,
    /// The cursor for the next page, if there may be one.
    pub next: Option<JobId>,
}

/// A queue's settings and its job counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInfo {
    /// The queue.
    pub name: QueueName,
    /// Whether claiming from it is paused.
    pub paused: bool,
    /// The most jobs of this queue that may run at once, across all workers.
    pub concurrency: Option<u32>,
    /// Live jobs per state (queued, scheduled, running); states with no jobs are
    /// absent. Finished jobs are history: the engine's metrics count them, so that
    /// listing queues never scans it.
    pub counts: BTreeMap<StateName, u64>,
}

/// A change to a queue's settings; `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueUpdate {
    /// Pause or resume claiming.
    pub paused: Option<bool>,
    /// Set (`Some(Some(n))`) or clear (`Some(None)`) the concurrency limit.
    pub concurrency: Option<Option<u32>>,
}

/// Which dead letters to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadSelector {
    /// One job.
    One(JobId),
    /// Every failed job.
    All,
}

/// Something another process sharing the store did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// Jobs were inserted or became runnable: claim now.
    JobsAvailable,
    /// A cancel was requested for a running job: its worker should kill it.
    CancelRequested(JobId),
    /// The notification channel was lost; events may have been missed, so re-check.
    Lagged,
}
