//! A job as the store returns it: its spec, its state and its attempts.

use serde::{Deserialize, Serialize};

use crate::id::{JobId, WorkerId};
use crate::outcome::Outcome;
use crate::spec::JobSpec;
use crate::state::JobState;
use crate::time::Timestamp;

/// A job with its full history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The job's id.
    pub id: JobId,
    /// What it runs.
    pub spec: JobSpec,
    /// Where it is in its lifecycle.
    pub state: JobState,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<Attempt>,
    /// When it was accepted.
    pub enqueued_at: Timestamp,
}

/// One run of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The attempt number, from 1.
    pub number: u32,
    /// The worker that ran it.
    pub worker: WorkerId,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished; `None` while it runs.
    pub finished_at: Option<Timestamp>,
    /// How it ended; `None` while it runs.
    pub outcome: Option<Outcome>,
    /// CPU time of the whole process tree, in milliseconds.
    pub cpu_ms: Option<u64>,
    /// Peak resident memory, in bytes, where it could be measured.
    pub peak_memory: Option<u64>,
    /// The sandbox tier the attempt actually ran at (`T0`, `T1`, `T2`), once known.
    #[serde(default)]
    pub tier: Option<String>,
}

impl Job {
    /// Attempts that used up the retry budget: all but those interrupted by a shutdown.
    pub fn counted_attempts(&self) -> u32 {
        let n = self
            .attempts
            .iter()
            .filter(|a| a.outcome.as_ref().is_none_or(Outcome::counts_as_attempt))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The latest attempt, if any.
    pub fn last_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    /// The exit code of the latest finished attempt, if it exited by itself.
    pub fn exit_code(&self) -> Option<i32> {
        self.last_attempt()?.outcome.as_ref()?.exit_code()
    }
}
