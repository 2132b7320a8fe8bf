//! Request and response bodies of the routes other than the job itself.

use std::collections::BTreeMap;

use offload_core::{CancelOutcome, StateName};
use offload_store::{JobOutput, QueueInfo};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::job::{JobResponse, WireState};
use crate::wire::spec::JobSpecBody;

/// Many jobs, submitted atomically.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The jobs; either all are accepted or none is.
    pub jobs: Vec<JobSpecBody>,
}

/// What a submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    /// The job's id.
    pub id: i64,
    /// False when an idempotency key returned an existing job.
    pub created: bool,
    /// The state when the request was answered.
    pub state: WireState,
}

/// What a batch submission did, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    /// One entry per submitted job.
    pub jobs: Vec<SubmitResponse>,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobPageResponse {
    /// The jobs.
    pub jobs: Vec<JobResponse>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next: Option<i64>,
}

/// Filters and paging of `GET /v1/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Comma-separated states, such as `failed,cancelled`.
    pub state: Option<String>,
    /// Only this queue.
    pub queue: Option<String>,
    /// Only jobs with this label, as `key=value`.
    pub label: Option<String>,
    /// Page size; 100 when absent.
    pub limit: Option<u32>,
    /// Only jobs with an id below this: the `next` of the previous page.
    pub before: Option<i64>,
}

/// Paging of `GET /v1/dead`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only this queue.
    pub queue: Option<String>,
    /// Page size; 100 when absent.
    pub limit: Option<u32>,
    /// Only jobs with an id below this: the `next` of the previous page.
    pub before: Option<i64>,
}

/// How long `GET /v1/jobs/{id}/wait` waits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// A duration such as `30s`; 30 s when absent.
    pub timeout: Option<String>,
}

/// A job's kept output, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutputResponse {
    /// Standard output, decoded as lossy UTF-8.
    pub stdout: String,
    /// Standard error, decoded as lossy UTF-8.
    pub stderr: String,
    /// Whether stdout was cut at the output limit.
    pub stdout_truncated: bool,
    /// Whether stderr was cut at the output limit.
    pub stderr_truncated: bool,
    /// How the bytes became text, and where to get them unchanged.
    pub encoding: String,
}

/// What `encoding` says in every [`OutputResponse`].
pub const OUTPUT_ENCODING: &str = "utf-8-lossy: invalid bytes are shown as U+FFFD; GET /v1/jobs/{id}/output/{stream} for raw bytes";

impl From<&JobOutput> for OutputResponse {
    fn from(out: &JobOutput) -> OutputResponse {
        OutputResponse {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_truncated: out.stdout_truncated,
            stderr_truncated: out.stderr_truncated,
            encoding: OUTPUT_ENCODING.to_owned(),
        }
    }
}

/// What a cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelResult {
    /// The job had not started and never will.
    Cancelled,
    /// The job is running; its worker kills it.
    KillRequested,
    /// The job had already finished; nothing changed.
    AlreadyFinished,
}

/// The answer to a cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelResponse {
    /// The job.
    pub id: i64,
    /// What the cancel did.
    pub result: CancelResult,
    /// The state the job finished in, for `already_finished`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_state: Option<WireState>,
}

impl CancelResponse {
    /// The wire form of a cancel's outcome for job `id`.
    pub fn new(id: i64, outcome: &CancelOutcome) -> CancelResponse {
        let (result, finished_state) = match outcome {
            CancelOutcome::Cancelled => (CancelResult::Cancelled, None),
            CancelOutcome::KillRequested { .. } => (CancelResult::KillRequested, None),
            CancelOutcome::AlreadyFinished(state) => {
                (CancelResult::AlreadyFinished, Some((*state).into()))
            }
        };
        CancelResponse {
            id,
            result,
            finished_state,
        }
    }
}

/// How many dead letters were re-queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetriedResponse {
    /// The number of jobs queued again.
    pub retried: u64,
}

/// How many dead letters were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PurgedResponse {
    /// The number of jobs deleted.
    pub purged: u64,
}

/// A queue's settings and job counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueResponse {
    /// The queue's name.
    pub name: String,
    /// Whether claiming from it is paused.
    pub paused: bool,
    /// The most of its jobs that may run at once; absent means no limit.
    pub concurrency: Option<u32>,
    /// Live jobs per state (`queued`, `scheduled`, `running`); states with no jobs are
    /// absent. Finished jobs are counted in `/metrics` and `/v1/stats`.
    pub counts: BTreeMap<String, u64>,
}

impl From<&QueueInfo> for QueueResponse {
    fn from(info: &QueueInfo) -> QueueResponse {
        QueueResponse {
            name: info.name.to_string(),
            paused: info.paused,
            concurrency: info.concurrency,
            counts: info
                .counts
                .iter()
                .map(|(state, n)| (StateName::as_str(*state).to_owned(), *n))
                .collect(),
        }
    }
}

/// Every known queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueListResponse {
    /// The queues, by name.
    pub queues: Vec<QueueResponse>,
}

/// A queue's concurrency limit; `null` removes it. The field is required, so an
/// empty body cannot clear a limit by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyRequest {
    /// The most jobs of the queue that may run at once, from 1; `null` for no limit.
    #[serde(deserialize_with = "required_option")]
    pub concurrency: Option<u32>,
}

/// Deserializes an `Option` whose key must be present, even when its value is `null`.
fn required_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Option::<u32>::deserialize(d)
}

/// One event of `GET /v1/jobs/{id}/events`; the SSE event name is the `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobStreamEvent {
    /// The job is in this state; the first event of a stream, and every change after it.
    State {
        /// The job.
        id: i64,
        /// Its state.
        state: WireState,
    },
    /// A running attempt wrote output.
    Output {
        /// The job.
        id: i64,
        /// The attempt that wrote it.
        attempt: u32,
        /// `stdout` or `stderr`.
        stream: String,
        /// The bytes, decoded as lossy UTF-8.
        data: String,
    },
    /// A running attempt reported progress (see `docs/progress.md`). Updates come at most ten a
    /// second after a burst; a resumed stream replays only the latest one.
    Progress {
        /// The job.
        id: i64,
        /// The attempt that reported it.
        attempt: u32,
        /// From 0 to 100, with at most two decimals.
        percent: f64,
        /// What the job says it is doing, if it said.
        message: Option<String>,
    },
}

impl JobStreamEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            JobStreamEvent::State { .. } => "state",
            JobStreamEvent::Output { .. } => "output",
            JobStreamEvent::Progress { .. } => "progress",
        }
    }
}
