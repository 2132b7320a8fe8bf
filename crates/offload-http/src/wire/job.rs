//! The wire form of a job as the API shows it: state, timestamps, attempts and spec.

use std::collections::BTreeMap;

use offload_core::{Attempt, Job, JobState, Outcome, StateName};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::spec::JobSpecBody;
use crate::wire::units::WireTimestamp;

/// A job with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobResponse {
    /// The job's id.
    pub id: i64,
    /// Where it is in its lifecycle.
    pub state: WireState,
    /// The queue it waits in.
    pub queue: String,
    /// Higher runs first.
    pub priority: i32,
    /// Free-form labels.
    pub labels: BTreeMap<String, String>,
    /// When it was accepted.
    pub enqueued_at: WireTimestamp,
    /// When a scheduled job becomes runnable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_at: Option<WireTimestamp>,
    /// When a terminal job finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<WireTimestamp>,
    /// The exit code of the latest attempt, if it exited by itself.
    pub exit_code: Option<i32>,
    /// A one-line reason, when the job failed.
    pub error: Option<String>,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<AttemptResponse>,
    /// What the job runs, with every default filled in.
    pub spec: JobSpecBody,
    /// The latest progress the running attempt reported, when the job runs on the server that
    /// answers and has reported any; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<ProgressBody>,
}

/// How far a running job says it is (see `docs/progress.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProgressBody {
    /// From 0 to 100, with at most two decimals.
    pub percent: f64,
    /// What the job says it is doing, if it said.
    pub message: Option<String>,
}

impl From<&offload_sandbox::Progress> for ProgressBody {
    fn from(progress: &offload_sandbox::Progress) -> ProgressBody {
        ProgressBody {
            percent: progress.percent.as_f64(),
            message: progress.message.clone(),
        }
    }
}

/// One run of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptResponse {
    /// The attempt number, from 1.
    pub number: u32,
    /// The worker that ran it.
    pub worker: String,
    /// When it started.
    pub started_at: WireTimestamp,
    /// When it finished; absent while it runs.
    pub finished_at: Option<WireTimestamp>,
    /// How it ended; absent while it runs.
    pub outcome: Option<OutcomeBody>,
    /// CPU time of the whole process tree.
    pub cpu_ms: Option<u64>,
    /// Peak resident memory in bytes.
    pub peak_memory: Option<u64>,
    /// The sandbox tier the attempt ran at (`T0`, `T1`, `T2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeBody {
    /// `exited`, `signaled`, `timed_out`, `cpu_limit`, `memory_limit`,
    /// `file_size_limit`, `output_truncated`, `worker_lost`, `spawn_error`,
    /// `cancelled` or `interrupted`.
    pub kind: String,
    /// The exit code, for `exited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The signal number, for `signaled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Why the process could not start, for `spawn_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A job state's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireState {
    /// Waiting for `run_at`.
    Scheduled,
    /// Runnable.
    Queued,
    /// Running on a worker.
    Running,
    /// Exited with code 0.
    Succeeded,
    /// Failed for good: a dead letter.
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

impl WireState {
    /// Whether the job will not change state by itself any more.
    pub fn is_terminal(self) -> bool {
        StateName::from(self).is_terminal()
    }
}

impl From<StateName> for WireState {
    fn from(name: StateName) -> WireState {
        match name {
            StateName::Scheduled => WireState::Scheduled,
            StateName::Queued => WireState::Queued,
            StateName::Running => WireState::Running,
            StateName::Succeeded => WireState::Succeeded,
            StateName::Failed => WireState::Failed,
            StateName::Cancelled => WireState::Cancelled,
        }
    }
}

impl From<WireState> for StateName {
    fn from(state: WireState) -> StateName {
        match state {
            WireState::Scheduled => StateName::Scheduled,
            WireState::Queued => StateName::Queued,
            WireState::Running => StateName::Running,
            WireState::Succeeded => StateName::Succeeded,
            WireState::Failed => StateName::Failed,
            WireState::Cancelled => StateName::Cancelled,
        }
    }
}

impl From<&Job> for JobResponse {
    fn from(job: &Job) -> JobResponse {
        let (run_at, finished_at) = state_times(&job.state);
        let failed = matches!(job.state, JobState::Failed { .. });
        JobResponse {
            id: job.id.0,
            state: job.state.name().into(),
            queue: job.spec.queue.to_string(),
            priority: job.spec.priority,
            labels: job.spec.labels.clone(),
            enqueued_at: WireTimestamp(job.enqueued_at),
            run_at,
            finished_at,
            exit_code: job.exit_code(),
            error: failed.then(|| failure_reason(job)),
            attempts: job.attempts.iter().map(AttemptResponse::from).collect(),
            spec: JobSpecBody::from(&job.spec),
            progress: None,
        }
    }
}

fn state_times(state: &JobState) -> (Option<WireTimestamp>, Option<WireTimestamp>) {
    match state {
        JobState::Scheduled { run_at } => (Some(WireTimestamp(*run_at)), None),
        JobState::Succeeded { finished_at }
        | JobState::Failed { finished_at }
        | JobState::Cancelled { finished_at } => (None, Some(WireTimestamp(*finished_at))),
        JobState::Queued | JobState::Running { .. } => (None, None),
    }
}

fn failure_reason(job: &Job) -> String {
    job.last_attempt()
        .and_then(|a| a.outcome.as_ref())
        .map_or_else(|| "failed".to_owned(), Outcome::describe)
}

impl From<&Attempt> for AttemptResponse {
    fn from(a: &Attempt) -> AttemptResponse {
        AttemptResponse {
            number: a.number,
            worker: a.worker.to_string(),
            started_at: WireTimestamp(a.started_at),
            finished_at: a.finished_at.map(WireTimestamp),
            outcome: a.outcome.as_ref().map(OutcomeBody::from),
            cpu_ms: a.cpu_ms,
            peak_memory: a.peak_memory,
            tier: a.tier.clone(),
        }
    }
}

impl From<&Outcome> for OutcomeBody {
    fn from(outcome: &Outcome) -> OutcomeBody {
        let bare = |kind: &str| OutcomeBody {
            kind: kind.to_owned(),
            code: None,
            signal: None,
            message: None,
        };
        match outcome {
            Outcome::Exited { code } => OutcomeBody {
                code: Some(*code),
                ..bare("exited")
            },
            Outcome::Signaled { signal } => OutcomeBody {
                signal: Some(*signal),
                ..bare("signaled")
            },
            Outcome::SpawnError { message } => OutcomeBody {
                message: Some(message.clone()),
                ..bare("spawn_error")
            },
            Outcome::SandboxUnavailable { message } | Outcome::SandboxError { message } => {
                OutcomeBody {
                    message: Some(message.clone()),
                    ..bare(outcome.kind())
                }
            }
            Outcome::TimedOut => bare("timed_out"),
            Outcome::CpuLimit => bare("cpu_limit"),
            Outcome::MemoryLimit => bare("memory_limit"),
            Outcome::FileSizeLimit => bare("file_size_limit"),
            Outcome::OutputTruncated => bare("output_truncated"),
            Outcome::WorkerLost => bare("worker_lost"),
            Outcome::Cancelled => bare("cancelled"),
            Outcome::Interrupted => bare("interrupted"),
        }
    }
}
