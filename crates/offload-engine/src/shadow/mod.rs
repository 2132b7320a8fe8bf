//! Shadow jobs: a candidate command run after a job, on the same inputs, and
//! compared with it as an experiment.
//!
//! The executor tags each finished attempt with its [`Role`]: a *control*
//! (its spec carries `shadow`) or a *candidate* (a shadow job, found by its
//! queue and its `shadow_of` label). When the completer has applied a terminal
//! completion of either, it hands a [`Work`] item to this service over a
//! channel and goes on: nothing here is on the completer's path, and the
//! control's result never waits for its shadow.
//!
//! - After a control: sample with the experiment's settings, skip and count
//!   when the shadow queue is full, else enqueue the candidate ([`enqueue`]).
//!   These run one at a time, so the fullness check and the insert cannot race
//!   within this engine.
//! - After a candidate: read both runs from the store, compare and record them
//!   ([`compare`]), each in a task of its own.

mod compare;
mod enqueue;

use std::sync::Arc;

use offload_core::experiment::ExperimentName;
use offload_core::shadow::SHADOW_OF_LABEL;
use offload_core::{JobId, JobSpec, StateName};
use tokio::sync::{broadcast, mpsc};

use crate::config::EngineConfig;
use crate::engine::Inner;

/// What a finished job is to the shadow service.
#[derive(Debug, Clone)]
pub(crate) enum Role {
    /// A job that carries a shadow; its spec is kept to build the candidate.
    Control(Box<JobSpec>),
    /// A shadow job, and the job it shadows.
    Candidate(JobId),
}

/// The role of a job with `spec`, if it has one.
pub(crate) fn role(config: &EngineConfig, spec: &JobSpec) -> Option<Role> {
    if spec.shadow.is_some() {
        return Some(Role::Control(Box::new(spec.clone())));
    }
    if spec.queue != config.shadow.queue {
        return None;
    }
    let control = spec.labels.get(SHADOW_OF_LABEL)?.parse().ok()?;
    Some(Role::Candidate(JobId(control)))
}

/// A job of some role that finished for good.
#[derive(Debug)]
pub(crate) struct Work {
    /// The finished job.
    pub(crate) id: JobId,
    /// How it finished.
    pub(crate) state: StateName,
    /// What it is to this service.
    pub(crate) role: Role,
}

/// What the shadow service did, for tests and operators that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowEvent {
    /// The job that was shadowed.
    pub control: JobId,
    /// The shadow job, once there is one.
    pub shadow: Option<JobId>,
    /// The experiment the comparison goes to.
    pub experiment: ExperimentName,
    /// What happened.
    pub step: ShadowStep,
}

/// A step of one shadow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShadowStep {
    /// The shadow job was enqueued.
    Enqueued,
    /// No shadow job was enqueued: `disabled`, `sampled_out` or `saturated`
    /// (the shadow queue was full).
    Skipped(&'static str),
    /// The shadow job finished and the runs were compared; `disabled` if the
    /// experiment was switched off meanwhile.
    Compared(&'static str),
    /// The comparison could not be made (a job or the store was gone).
    Failed,
}

/// The sending side: the completer's, closed when the completer ends.
pub(crate) type WorkSender = mpsc::UnboundedSender<Work>;

/// The channel the completer feeds, and the bus that reports each step.
pub(crate) fn channel() -> (WorkSender, mpsc::UnboundedReceiver<Work>) {
    mpsc::unbounded_channel()
}

/// Runs the shadow service until the completer's side closes.
pub(crate) async fn run(inner: Arc<Inner>, mut work: mpsc::UnboundedReceiver<Work>) {
    enqueue::limit_queue(&inner).await;
    while let Some(item) = work.recv().await {
        match item.role {
            Role::Control(spec) => enqueue::after_control(&inner, item.id, item.state, *spec).await,
            Role::Candidate(control) => {
                tokio::spawn(compare::after_candidate(inner.clone(), control, item.id));
            }
        }
    }
}

/// The bus of [`ShadowEvent`]s.
#[derive(Debug, Clone)]
pub(crate) struct ShadowEvents(broadcast::Sender<ShadowEvent>);

impl Default for ShadowEvents {
    fn default() -> Self {
        ShadowEvents(broadcast::channel(1024).0)
    }
}

impl ShadowEvents {
    pub(crate) fn send(&self, event: ShadowEvent) {
        // Nobody listening is fine.
        let _ = self.0.send(event);
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<ShadowEvent> {
        self.0.subscribe()
    }
}
