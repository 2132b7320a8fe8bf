//! Cancelling a job: at once if it waits, by killing its process tree if it runs here,
//! or by request to its worker (seen at that worker's next heartbeat) if it runs elsewhere.

use offload_core::{CancelOutcome, JobId, StateName};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::running::StopReason;

impl Engine {
    /// Cancels a job.
    pub async fn cancel(&self, id: JobId) -> Result<CancelOutcome, EngineError> {
        let now = self.inner.clock.now();
        let outcome = self.inner.store.job_cancel(id, now).await?;
        match &outcome {
            CancelOutcome::Cancelled => self.inner.events.state(id, StateName::Cancelled),
            CancelOutcome::KillRequested { worker } if *worker == self.inner.config.worker => {
                self.inner.running.stop(id, StopReason::Cancel);
            }
            CancelOutcome::KillRequested { .. } | CancelOutcome::AlreadyFinished(_) => {}
        }
        Ok(outcome)
    }
}
