//! Running one task to its ending: attempts with retries, the injected latency, and the
//! mapping from a sandbox outcome to `done`, `fail` or `timeout`.

use std::sync::Arc;
use std::time::Duration;

use offload_core::{JobSpec, Outcome};
use offload_sandbox::Sandbox;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::report::Status;
use crate::executor::run_local;

/// How a task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TaskEnd {
    pub(super) status: Status,
    pub(super) attempts: u32,
    pub(super) error: Option<String>,
}

/// What one task run needs; owned so it can move into a spawned future.
pub(super) struct Attempts {
    pub(super) sandbox: Arc<Sandbox>,
    pub(super) spec: JobSpec,
    pub(super) retries: u32,
    pub(super) fake_latency: Duration,
    /// Cancelled by the watchdog.
    pub(super) cancel: CancellationToken,
    /// Told at the start and end of every attempt, so the watchdog sees progress.
    pub(super) progress: UnboundedSender<()>,
}

impl Attempts {
    /// Runs attempts until one succeeds, the retries are used up, or the run is cancelled.
    pub(super) async fn run(self) -> TaskEnd {
        let mut end = TaskEnd {
            status: Status::Fail,
            attempts: 0,
            error: None,
        };
        while end.attempts <= self.retries {
            end.attempts += 1;
            let _ = self.progress.send(());
            let (status, error) = self.attempt().await;
            let _ = self.progress.send(());
            (end.status, end.error) = (status, error);
            if status == Status::Done || self.cancel.is_cancelled() {
                break;
            }
        }
        end
    }

    async fn attempt(&self) -> (Status, Option<String>) {
        if !self.fake_latency.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(self.fake_latency) => {}
                () = self.cancel.cancelled() => return cancelled(),
            }
        }
        let run = run_local(&self.sandbox, &self.spec, self.cancel.child_token()).await;
        match run.outcome {
            Outcome::Exited { code: 0 } => (Status::Done, None),
            Outcome::TimedOut => (
                Status::Timeout,
                Some(format!("timed out after {:?}", self.spec.timeout)),
            ),
            Outcome::Cancelled => cancelled(),
            other => (Status::Fail, Some(other.describe())),
        }
    }
}

fn cancelled() -> (Status, Option<String>) {
    (Status::Fail, Some("killed by the watchdog".into()))
}
