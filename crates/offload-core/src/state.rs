//! Job states and the named transitions between them.
//!
//! Each state carries only the data that is valid in it: a running job has a
//! worker and a lease, a scheduled job has a time, a finished job has a finish
//! time. Each transition is a function that returns an outcome the caller must
//! match, in the manner of tokio's `transition_to_running`. The diagram is in
//! `docs/state_machine.md`; which service moves a job out of each state is said on
//! each variant.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::id::WorkerId;
use crate::outcome::Outcome;
use crate::retry::RetryPolicy;
use crate::time::Timestamp;

/// The state of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for `run_at` (a delayed job, or a retry in backoff). The scheduler
    /// moves it to `Queued` when due; a cancel moves it to `Cancelled`.
    Scheduled {
        /// When it becomes runnable.
        run_at: Timestamp,
    },
    /// Runnable. The producer claims it into `Running`; a cancel moves it to `Cancelled`.
    Queued,
    /// Claimed by a worker that holds a lease on this attempt. The completer moves it
    /// out, guarded by the attempt number; the rescuer does so when the lease expires.
    Running {
        /// The attempt number that holds the lease (1-based).
        attempt: u32,
        /// The worker that holds the lease.
        worker: WorkerId,
        /// When the lease runs out unless the worker renews it.
        lease_expires_at: Timestamp,
        /// Set by a cancel; the worker kills the attempt and finishes it as cancelled.
        cancel_requested: bool,
    },
    /// The last attempt exited with code 0. Terminal; the cleaner deletes it.
    Succeeded {
        /// When it finished.
        finished_at: Timestamp,
    },
    /// Out of retries, or failed in a way that is not retried: a dead letter. A
    /// dead-letter retry moves it back to `Queued`; otherwise terminal.
    Failed {
        /// When it finished.
        finished_at: Timestamp,
    },
    /// Cancelled by a user. Terminal.
    Cancelled {
        /// When it was cancelled.
        finished_at: Timestamp,
    },
}

/// A state's name without its data, for filters, indexes and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    /// See [`JobState::Scheduled`].
    Scheduled,
    /// See [`JobState::Queued`].
    Queued,
    /// See [`JobState::Running`].
    Running,
    /// See [`JobState::Succeeded`].
    Succeeded,
    /// See [`JobState::Failed`].
    Failed,
    /// See [`JobState::Cancelled`].
    Cancelled,
}

impl StateName {
    /// Every state name, in lifecycle order.
    pub const ALL: [StateName; 6] = [
        StateName::Scheduled,
        StateName::Queued,
        StateName::Running,
        StateName::Succeeded,
        StateName::Failed,
        StateName::Cancelled,
    ];

    /// The name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            StateName::Scheduled => "scheduled",
            StateName::Queued => "queued",
            StateName::Running => "running",
            StateName::Succeeded => "succeeded",
            StateName::Failed => "failed",
            StateName::Cancelled => "cancelled",
        }
    }

    /// Parses a stored or user-given name.
    pub fn parse(s: &str) -> Option<StateName> {
        StateName::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// Whether no service moves a job out of this state by itself.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            StateName::Succeeded | StateName::Failed | StateName::Cancelled
        )
    }
}

/// What a finished attempt does to its job. Computed by [`Finish::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// The job succeeded.
    Succeeded,
    /// The job is retried at this time.
    RetryAt(Timestamp),
    /// The job failed for good and becomes a dead letter.
    Failed,
    /// The job was cancelled.
    Cancelled,
    /// The attempt was interrupted by a shutdown; the job is runnable again at once.
    Requeue,
}

/// What a cancel request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job had not started; it is now cancelled and will never run.
    Cancelled,
    /// The job is running; its worker must kill it.
    KillRequested {
        /// The worker that holds the lease.
        worker: WorkerId,
    },
    /// The job had already finished; nothing changed.
    AlreadyFinished(StateName),
}

/// A transition that is not allowed from the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a job that is {from}")]
pub struct IllegalTransition {
    /// The state the job was in.
    pub from: &'static str,
    /// What was attempted.
    pub action: &'static str,
}

impl JobState {
    /// The state of a newly accepted job: scheduled if `run_at` is in the future.
    pub fn initial(run_at: Option<Timestamp>, now: Timestamp) -> JobState {
        match run_at {
            Some(run_at) if run_at > now => JobState::Scheduled { run_at },
            _ => JobState::Queued,
        }
    }

    /// The state's name.
    pub fn name(&self) -> StateName {
        match self {
            JobState::Scheduled { .. } => StateName::Scheduled,
            JobState::Queued => StateName::Queued,
            JobState::Running { .. } => StateName::Running,
            JobState::Succeeded { .. } => StateName::Succeeded,
            JobState::Failed { .. } => StateName::Failed,
            JobState::Cancelled { .. } => StateName::Cancelled,
        }
    }

    fn illegal(&self, action: &'static str) -> IllegalTransition {
        IllegalTransition {
            from: self.name().as_str(),
            action,
        }
    }

    /// Scheduler: a due scheduled job becomes queued. Returns `None` if not due.
    pub fn transition_to_queued(
        &self,
        now: Timestamp,
    ) -> Result<Option<JobState>, IllegalTransition> {
        match self {
            JobState::Scheduled { run_at } if *run_at <= now => Ok(Some(JobState::Queued)),
            JobState::Scheduled { .. } => Ok(None),
            _ => Err(self.illegal("promote")),
        }
    }

    /// Producer: a queued job is claimed by `worker` for attempt number `attempt`.
    pub fn transition_to_running(
        &self,
        attempt: u32,
        worker: WorkerId,
        lease_expires_at: Timestamp,
    ) -> Result<JobState, IllegalTransition> {
        match self {
            JobState::Queued => Ok(JobState::Running {
                attempt,
                worker,
                lease_expires_at,
                cancel_requested: false,
            }),
            _ => Err(self.illegal("claim")),
        }
    }

    /// A user cancels the job.
    pub fn transition_to_cancelled(&self, now: Timestamp) -> (Option<JobState>, CancelOutcome) {
        match self {
            JobState::Scheduled { .. } | JobState::Queued => (
                Some(JobState::Cancelled { finished_at: now }),
                CancelOutcome::Cancelled,
            ),
            JobState::Running {
                attempt,
                worker,
                lease_expires_at,
                ..
            } => {
                let next = JobState::Running {
                    attempt: *attempt,
                    worker: worker.clone(),
                    lease_expires_at: *lease_expires_at,
                    cancel_requested: true,
                };
                (
                    Some(next),
                    CancelOutcome::KillRequested {
                        worker: worker.clone(),
                    },
                )
            }
            finished => (None, CancelOutcome::AlreadyFinished(finished.name())),
        }
    }

    /// Completer or rescuer: the attempt holding the lease finished with `finish`.
    pub fn transition_to_finished(
        &self,
        finish: &Finish,
        now: Timestamp,
    ) -> Result<JobState, IllegalTransition> {
        if !matches!(self, JobState::Running { .. }) {
            return Err(self.illegal("finish"));
        }
        Ok(match finish {
            Finish::Succeeded => JobState::Succeeded { finished_at: now },
            Finish::RetryAt(run_at) => JobState::initial(Some(*run_at), now),
            Finish::Failed => JobState::Failed { finished_at: now },
            Finish::Cancelled => JobState::Cancelled { finished_at: now },
            Finish::Requeue => JobState::Queued,
        })
    }

    /// Dead-letter retry: a failed job is queued again.
    pub fn transition_to_retried(&self) -> Result<JobState, IllegalTransition> {
        match self {
            JobState::Failed { .. } => Ok(JobState::Queued),
            _ => Err(self.illegal("retry")),
        }
    }
}

impl Finish {
    /// Decides what an attempt's outcome does to its job.
    ///
    /// `failures` counts the attempts that used up the budget, this one included;
    /// `sample` is a uniform random number in `[0, 1)` for backoff jitter.
    pub fn decide(
        outcome: &Outcome,
        cancel_requested: bool,
        failures: u32,
        policy: &RetryPolicy,
        now: Timestamp,
        sample: f64,
    ) -> Finish {
        if cancel_requested || *outcome == Outcome::Cancelled {
            return Finish::Cancelled;
        }
        if outcome.is_success() {
            return Finish::Succeeded;
        }
        match outcome.class() {
            None => Finish::Requeue,
            Some(class) if policy.should_retry(class, failures) => {
                let delay: Duration = policy.backoff.delay(failures, sample);
                Finish::RetryAt(now.plus(delay))
            }
            Some(_) => Finish::Failed,
        }
    }
}

#[cfg(test)]
mod tests;
