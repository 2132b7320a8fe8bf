//! Waiting for a job to finish, driven by the event bus rather than by polling.

use std::time::Duration;

use offload_core::{Job, JobId};
use offload_store::StoreError;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::events::JobEvent;

impl Engine {
    /// Returns the job once it is terminal, or as it is when `timeout` passes.
    ///
    /// It subscribes before reading the job, so a finish between the read and the
    /// wait is never missed. Jobs finished by another process are seen through the
    /// store every second, since their events do not reach this bus.
    pub async fn wait(&self, id: JobId, timeout: Duration) -> Result<Job, EngineError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut events = self.subscribe();
        loop {
            let job = self
                .inner
                .store
                .job_get(id)
                .await?
                .ok_or(StoreError::NotFound(id))?;
            if job.state.name().is_terminal() || tokio::time::Instant::now() >= deadline {
                return Ok(job);
            }
            let recheck = (tokio::time::Instant::now() + Duration::from_secs(1)).min(deadline);
            tokio::select! {
                _ = until_terminal(&mut events, id) => {}
                _ = tokio::time::sleep_until(recheck) => {}
            }
        }
    }
}

/// Resolves when `id` reaches a terminal state, or when events were missed.
async fn until_terminal(events: &mut tokio::sync::broadcast::Receiver<JobEvent>, id: JobId) {
    loop {
        match events.recv().await {
            Ok(JobEvent::State { id: got, state }) if got == id && state.is_terminal() => return,
            Ok(_) => {}
            Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
        }
    }
}
