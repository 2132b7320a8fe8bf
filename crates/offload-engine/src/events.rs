//! The engine's event bus: state changes, live output and progress, for waiters and streams.
//!
//! It is a broadcast channel, so a slow subscriber lags and is told so rather than
//! slowing the engine; a waiter that lags re-reads the store.

use std::sync::Arc;

use offload_core::{JobId, StateName};
use offload_sandbox::{Progress, Stream};
use tokio::sync::broadcast;

/// Something that happened to a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEvent {
    /// The job entered a state.
    State {
        /// The job.
        id: JobId,
        /// Its new state.
        state: StateName,
    },
    /// A running attempt wrote output.
    Output(Arc<OutputChunk>),
    /// A running attempt reported progress on its progress descriptor.
    Progress(Arc<ProgressUpdate>),
}

/// A progress report of a running attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressUpdate {
    /// The job.
    pub id: JobId,
    /// The attempt that reported it.
    pub attempt: u32,
    /// How far it is, and what it is doing.
    pub progress: Progress,
}

/// A piece of live output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChunk {
    /// The job.
    pub id: JobId,
    /// The attempt that wrote it.
    pub attempt: u32,
    /// Which stream.
    pub stream: Stream,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The sending side, shared by all services.
#[derive(Debug, Clone)]
pub(crate) struct Events(broadcast::Sender<JobEvent>);

impl Events {
    pub(crate) fn new(capacity: usize) -> Events {
        Events(broadcast::channel(capacity).0)
    }

    pub(crate) fn state(&self, id: JobId, state: StateName) {
        // Sending fails only when nobody listens, which is fine.
        let _ = self.0.send(JobEvent::State { id, state });
    }

    pub(crate) fn output(&self, chunk: OutputChunk) {
        let _ = self.0.send(JobEvent::Output(Arc::new(chunk)));
    }

    pub(crate) fn progress(&self, update: ProgressUpdate) {
        let _ = self.0.send(JobEvent::Progress(Arc::new(update)));
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.0.subscribe()
    }
}
