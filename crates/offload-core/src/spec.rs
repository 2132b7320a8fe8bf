//! The job specification: what to run, under which limits, and how to retry.
//!
//! A spec is immutable once a job is accepted; every attempt runs the same spec.
//! Defaults follow the code-execution seed: soft timeout 90 s, hard kill at 120 s,
//! 1 GiB of memory, 120 CPU seconds, 10 processes, 100 MB files, 1 MiB of output
//! per stream and 3 retries with backoff 5 s → 25 s → 125 s.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::id::QueueName;
use crate::retry::RetryPolicy;
use crate::shadow::ShadowSpec;
use crate::time::Timestamp;

/// What a job does when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Run `command` in the sandbox.
    #[default]
    Command,
    /// Run nothing and succeed: measures the queue engine alone (`offload bench --noop`).
    Noop,
}

/// Everything a job needs to run. Validated by [`crate::validate()`] before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    /// Whether this job runs a process or is a no-op.
    pub kind: JobKind,
    /// The argv. It is never passed through a shell unless the user writes `sh -c`.
    pub command: Vec<String>,
    /// Files written into the job's fresh working directory before it starts.
    pub files: BTreeMap<String, String>,
    /// Standard input; `/dev/null` when absent.
    pub stdin: Option<String>,
    /// Environment variables added to the sandbox's allow-listed environment.
    pub env: BTreeMap<String, String>,
    /// The queue the job waits in.
    pub queue: QueueName,
    /// Higher runs first; ties run in submission order.
    pub priority: i32,
    /// Soft timeout: the whole process tree gets SIGTERM at this wall time.
    #[serde(with = "duration_ms")]
    pub timeout: Duration,
    /// Grace after the soft timeout before SIGKILL of the whole tree.
    #[serde(with = "duration_ms")]
    pub kill_after: Duration,
    /// Resource limits of one attempt.
    pub limits: Limits,
    /// Which failures are retried, how often and how far apart.
    pub retry: RetryPolicy,
    /// Deduplication of submissions, if requested.
    pub idempotency: Option<Idempotency>,
    /// Do not start before this time.
    pub run_at: Option<Timestamp>,
    /// How long the output is kept after the job finishes; `None` keeps it as long as the job.
    #[serde(with = "opt_duration_ms")]
    pub result_ttl: Option<Duration>,
    /// Free-form labels for filtering.
    pub labels: BTreeMap<String, String>,
    /// How strongly the job is isolated; a host that cannot give it refuses the job.
    #[serde(default)]
    pub isolation: Isolation,
    /// Whether the job may reach the network.
    #[serde(default)]
    pub network: Network,
    /// A candidate command run after this job and compared with it, if any.
    /// Absent from the serialized spec when `None`, so the dedupe hash of a
    /// job without a shadow is what it always was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowSpec>,
}

/// How strongly a job is isolated from the host and from other jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// Namespaces, Landlock and seccomp are required; refused where the host lacks them.
    Strict,
    /// The best isolation the host gives.
    #[default]
    Standard,
    /// Only the baseline (rlimits, own session, scrubbed environment): for trusted
    /// commands, and only where the server allows it.
    None,
}

/// Whether a job may reach the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// No network (the default).
    #[default]
    None,
    /// The host's network, only where the server allows it.
    Host,
}

impl Default for JobSpec {
    fn default() -> Self {
        JobSpec {
            kind: JobKind::Command,
            command: Vec::new(),
            files: BTreeMap::new(),
            stdin: None,
            env: BTreeMap::new(),
            queue: QueueName::default(),
            priority: 0,
            timeout: Duration::from_secs(90),
            kill_after: Duration::from_secs(30),
            limits: Limits::default(),
            retry: RetryPolicy::default(),
            idempotency: None,
            run_at: None,
            result_ttl: None,
            labels: BTreeMap::new(),
            isolation: Isolation::default(),
            network: Network::default(),
            shadow: None,
        }
    }
}

/// Resource limits of one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Bytes of memory.
    pub memory: u64,
    /// CPU time.
    #[serde(with = "duration_ms")]
    pub cpu: Duration,
    /// Processes (and threads) the job may have at once.
    pub processes: u32,
    /// The largest file the job may write, in bytes.
    pub file_size: u64,
    /// Open file descriptors.
    pub open_files: u32,
    /// Bytes of output kept per stream; more kills the job as `output_truncated`.
    pub output: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 1 << 30,
            cpu: Duration::from_secs(120),
            processes: 10,
            file_size: 100_000_000,
            open_files: 1024,
            output: 1 << 20,
        }
    }
}

/// How a submission is deduplicated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Idempotency {
    /// The key: given by the user, or the SHA-256 of the canonical spec for `dedupe`.
    pub key: String,
    /// How long the key holds after submission.
    #[serde(with = "duration_ms")]
    pub ttl: Duration,
}

/// The default lifetime of an idempotency key.
pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(3600);

/// Serde helpers that store a `Duration` as whole milliseconds.
pub mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes a duration as milliseconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// Deserializes milliseconds into a duration.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Serde helpers that store an optional `Duration` as whole milliseconds.
pub mod opt_duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes an optional duration as milliseconds or null.
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::duration_ms::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Deserializes optional milliseconds into a duration.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<u64>::deserialize(d).map(|v| v.map(Duration::from_millis))
    }
}
