//! How one attempt ended.
//!
//! An [`Outcome`] is recorded on every attempt. Its [`OutcomeClass`] is what retry
//! policies name in `retry_on`, so a user can say "retry timeouts but not crashes"
//! without matching on exit codes.

use serde::{Deserialize, Serialize};

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The process exited by itself with this code.
    Exited {
        /// The exit code.
        code: i32,
    },
    /// The process was killed by a signal that offload did not send.
    Signaled {
        /// The signal number.
        signal: i32,
    },
    /// The wall-clock timeout fired and the tree was killed.
    TimedOut,
    /// The CPU-time limit was reached.
    CpuLimit,
    /// The memory limit was reached.
    MemoryLimit,
    /// The file-size limit was reached.
    FileSizeLimit,
    /// Output passed the per-stream cap and the tree was killed.
    OutputTruncated,
    /// The worker running the attempt disappeared (its lease expired).
    WorkerLost,
    /// The process could not be started.
    SpawnError {
        /// Why, naming the command or path.
        message: String,
    },
    /// The host cannot give the isolation the job asked for; it was not run.
    SandboxUnavailable {
        /// The missing mechanism or the setting that forbids the policy.
        message: String,
    },
    /// Setting up the sandbox failed at run time.
    SandboxError {
        /// What failed.
        message: String,
    },
    /// A user cancelled the job while this attempt ran.
    Cancelled,
    /// The server shut down and re-queued the attempt; it does not use up a retry.
    Interrupted,
}

/// The class of a failed outcome, as named in a retry policy's `retry_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeClass {
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

impl OutcomeClass {
    /// Classes retried when a job does not say otherwise. Limits that a rerun would hit
    /// again (memory, file size, output) are not retried by default.
    pub const DEFAULT_RETRY_ON: [OutcomeClass; 7] = [
        OutcomeClass::Exited,
        OutcomeClass::Signaled,
        OutcomeClass::TimedOut,
        OutcomeClass::CpuLimit,
        OutcomeClass::WorkerLost,
        OutcomeClass::SpawnError,
        OutcomeClass::SandboxError,
    ];

    /// Every class, for parsing and documentation.
    pub const ALL: [OutcomeClass; 11] = [
        OutcomeClass::SandboxUnavailable,
        OutcomeClass::SandboxError,
        OutcomeClass::Exited,
        OutcomeClass::Signaled,
        OutcomeClass::TimedOut,
        OutcomeClass::CpuLimit,
        OutcomeClass::MemoryLimit,
        OutcomeClass::FileSizeLimit,
        OutcomeClass::OutputTruncated,
        OutcomeClass::WorkerLost,
        OutcomeClass::SpawnError,
    ];
}

impl Outcome {
    /// Whether the attempt succeeded (exit code 0).
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Exited { code: 0 })
    }

    /// The failure class, or `None` for success, cancellation and interruption,
    /// which are never retried by policy.
    pub fn class(&self) -> Option<OutcomeClass> {
        Some(match self {
            Outcome::Exited { code: 0 } | Outcome::Cancelled | Outcome::Interrupted => return None,
            Outcome::Exited { .. } => OutcomeClass::Exited,
            Outcome::Signaled { .. } => OutcomeClass::Signaled,
            Outcome::TimedOut => OutcomeClass::TimedOut,
            Outcome::CpuLimit => OutcomeClass::CpuLimit,
            Outcome::MemoryLimit => OutcomeClass::MemoryLimit,
            Outcome::FileSizeLimit => OutcomeClass::FileSizeLimit,
            Outcome::OutputTruncated => OutcomeClass::OutputTruncated,
            Outcome::WorkerLost => OutcomeClass::WorkerLost,
            Outcome::SpawnError { .. } => OutcomeClass::SpawnError,
            Outcome::SandboxUnavailable { .. } => OutcomeClass::SandboxUnavailable,
            Outcome::SandboxError { .. } => OutcomeClass::SandboxError,
        })
    }

    /// Whether this attempt uses up one of the job's retries.
    pub fn counts_as_attempt(&self) -> bool {
        !matches!(self, Outcome::Interrupted)
    }

    /// The exit code, if the process exited by itself.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Outcome::Exited { code } => Some(*code),
            _ => None,
        }
    }

    /// The outcome's kind as stored and shown: `exited`, `timed_out`, `worker_lost`, …
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Exited { .. } => "exited",
            Outcome::Signaled { .. } => "signaled",
            Outcome::TimedOut => "timed_out",
            Outcome::CpuLimit => "cpu_limit",
            Outcome::MemoryLimit => "memory_limit",
            Outcome::FileSizeLimit => "file_size_limit",
            Outcome::OutputTruncated => "output_truncated",
            Outcome::WorkerLost => "worker_lost",
            Outcome::SpawnError { .. } => "spawn_error",
            Outcome::SandboxUnavailable { .. } => "sandbox_unavailable",
            Outcome::SandboxError { .. } => "sandbox_error",
            Outcome::Cancelled => "cancelled",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// A one-line reason, for the CLI and dead-letter listings.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Exited { code } => format!("exited with code {code}"),
            Outcome::Signaled { signal } => format!("killed by signal {signal}"),
            Outcome::TimedOut => "timed out".into(),
            Outcome::CpuLimit => "CPU time limit reached".into(),
            Outcome::MemoryLimit => "memory limit reached".into(),
            Outcome::FileSizeLimit => "file size limit reached".into(),
            Outcome::OutputTruncated => "output limit reached; killed".into(),
            Outcome::WorkerLost => "worker lost".into(),
            Outcome::SpawnError { message } => format!("could not start: {message}"),
            Outcome::SandboxUnavailable { message } => format!("sandbox unavailable: {message}"),
            Outcome::SandboxError { message } => format!("sandbox failed: {message}"),
            Outcome::Cancelled => "cancelled".into(),
            Outcome::Interrupted => "interrupted by server shutdown".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_has_no_class_and_failures_do() {
        assert_eq!(Outcome::Exited { code: 0 }.class(), None);
        assert_eq!(
            Outcome::Exited { code: 2 }.class(),
            Some(OutcomeClass::Exited)
        );
        assert_eq!(Outcome::Cancelled.class(), None);
        assert_eq!(Outcome::WorkerLost.class(), Some(OutcomeClass::WorkerLost));
    }

    #[test]
    fn kind_matches_the_serialized_tag() {
        let all = [
            Outcome::Exited { code: 1 },
            Outcome::Signaled { signal: 9 },
            Outcome::TimedOut,
            Outcome::CpuLimit,
            Outcome::MemoryLimit,
            Outcome::FileSizeLimit,
            Outcome::OutputTruncated,
            Outcome::WorkerLost,
            Outcome::SpawnError {
                message: "x".into(),
            },
            Outcome::Cancelled,
            Outcome::Interrupted,
        ];
        for outcome in all {
            let json = serde_json::to_value(&outcome).unwrap();
            assert_eq!(json["kind"], outcome.kind());
        }
    }

    #[test]
    fn outcomes_serialize_with_a_kind_tag() {
        let json = serde_json::to_string(&Outcome::Exited { code: 3 }).unwrap();
        assert_eq!(json, r#"{"kind":"exited","code":3}"#);
        let json = serde_json::to_string(&Outcome::WorkerLost).unwrap();
        assert_eq!(json, r#"{"kind":"worker_lost"}"#);
    }
}
