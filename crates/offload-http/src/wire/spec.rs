//! The wire form of a job spec, used both to submit a job and to show one.
//!
//! It is separate from `offload_core::JobSpec` so the domain can change its
//! representation without breaking clients: every field here is optional and
//! takes the core's default when omitted, durations and sizes accept human units,
//! and unknown fields are rejected so a typo never silently falls back to a
//! default. The spec shown in a job response uses the same type with every field
//! filled in, so it can be submitted again as it is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use offload_core::experiment::Comparison;

use crate::wire::ComparisonBody;
use crate::wire::units::{WireDuration, WireSize, WireTimestamp};

/// A job as submitted, and the spec part of a job as shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobSpecBody {
    /// The argv; required unless `kind` is `noop`. Never run through a shell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Files written into the job's working directory, by plain file name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    /// Standard input; `/dev/null` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    /// Environment variables added to the sandbox's allow-listed environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The queue; `default` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Higher runs first, from -1000 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Soft timeout: SIGTERM to the whole process tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<WireDuration>,
    /// Grace after the soft timeout before SIGKILL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_after: Option<WireDuration>,
    /// Resource limits of one attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsBody>,
    /// Retries after the first attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// The delay between attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<BackoffBody>,
    /// The failure classes that are retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<Vec<RetryClass>>,
    /// A key that makes resubmission return the existing job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Use the SHA-256 of the spec as the idempotency key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dedupe: bool,
    /// How long the idempotency key holds; one hour when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_ttl: Option<WireDuration>,
    /// Do not start before this time; exclusive with `delay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_at: Option<WireTimestamp>,
    /// Do not start before this long from now; exclusive with `run_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<WireDuration>,
    /// How long output is kept after the job finishes; as long as the job when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_ttl: Option<WireDuration>,
    /// Free-form labels for filtering.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `command` (the default) or `noop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<WireKind>,
    /// `standard` (default), `strict` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation: Option<WireIsolation>,
    /// `none` (default) or `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<WireNetwork>,
    /// A candidate command run after this job, on the same inputs, and compared
    /// with it as an experiment (see docs/experiments.md, "Shadow jobs").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowBody>,
    /// A task of the server's manifest to run instead of a `command`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The task's parameters, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A shadow: the candidate's command and how its run is compared with the job's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShadowBody {
    /// The candidate's argv; files, stdin, env and limits are the job's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// A task of the server's manifest whose command the candidate runs instead of a
    /// `command`; the experiment is then `shadow-` and the task when not named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The shadow task's parameters, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
    /// `exact` (the default), `json` or `lines`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<ComparisonBody>,
    /// Regular expressions (at most 16, 1024 bytes each) whose matches are
    /// deleted from both runs' stdout and stderr before comparing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub normalize: Vec<String>,
    /// The experiment the comparisons go to; `shadow-` and the queue when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
}

impl From<ShadowBody> for offload_core::ShadowSpec {
    fn from(body: ShadowBody) -> offload_core::ShadowSpec {
        offload_core::ShadowSpec {
            command: body.command,
            compare: body.compare.map_or(Comparison::Exact, Comparison::from),
            normalize: body.normalize,
            experiment: body.experiment,
        }
    }
}

impl From<&offload_core::ShadowSpec> for ShadowBody {
    fn from(spec: &offload_core::ShadowSpec) -> ShadowBody {
        ShadowBody {
            command: spec.command.clone(),
            task: None,
            params: None,
            compare: Some(spec.compare.into()),
            normalize: spec.normalize.clone(),
            experiment: spec.experiment.clone(),
        }
    }
}

/// Resource limits; absent fields take the server's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsBody {
    /// Memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<WireSize>,
    /// CPU time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<WireDuration>,
    /// Processes and threads at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<u32>,
    /// The largest file the job may write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<WireSize>,
    /// Open file descriptors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_files: Option<u32>,
    /// Output kept per stream; more kills the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<WireSize>,
}

/// Exponential backoff; absent fields take the server's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackoffBody {
    /// The delay before the first retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<WireDuration>,
    /// The growth factor from one retry to the next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// The longest delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<WireDuration>,
    /// The randomised fraction of each delay, from 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<f64>,
}

/// What a job does when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireKind {
    /// Run `command` in the sandbox.
    Command,
    /// Run nothing and succeed.
    Noop,
}

/// A failure class that a retry policy can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetryClass {
    /// A non-zero exit code.
    Exited,
    /// Killed by a signal offload did not send.
    Signaled,
    /// The wall-clock timeout.
    TimedOut,
    /// The CPU-time limit.
    CpuLimit,
    /// The memory limit.
    MemoryLimit,
    /// The file-size limit.
    FileSizeLimit,
    /// The output cap.
    OutputTruncated,
    /// The worker was lost.
    WorkerLost,
    /// The process could not start.
    SpawnError,
    /// The host cannot isolate the job as asked.
    SandboxUnavailable,
    /// Sandbox setup failed at run time.
    SandboxError,
}

/// How strongly a job is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireIsolation {
    /// Namespaces, Landlock and seccomp required; refused where missing.
    Strict,
    /// The best the host gives (the default).
    Standard,
    /// Baseline only, for trusted commands; only where the server allows it.
    None,
}

/// Whether a job may reach the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireNetwork {
    /// No network (the default).
    None,
    /// The host's network, only where the server allows it.
    Host,
}
