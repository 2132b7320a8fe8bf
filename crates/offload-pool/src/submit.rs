//! Getting work into a pool: the non-blocking [`BlockingPool::try_submit`]
//! and the deadline-bounded [`BlockingPool::submit`].
//!
//! Both take a queue slot first and only then build the job, so a refused
//! submission costs no allocation beyond the error.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant as StdInstant;

use tokio::sync::{OwnedSemaphorePermit, TryAcquireError, oneshot};
use tokio::time::Instant;

use crate::error::{JobError, SubmitError};
use crate::handle::JobHandle;
use crate::metrics::RejectReason;
use crate::pool::BlockingPool;
use crate::queue::{Job, Outcome};

impl BlockingPool {
    /// Queues `f` if there is room, and otherwise fails at once.
    ///
    /// Never blocks, so it is safe to call on an event-loop thread. Fails
    /// with [`SubmitError::QueueFull`] when every thread is busy and the queue
    /// is full, and with [`SubmitError::ShuttingDown`] after
    /// [`shutdown`](BlockingPool::shutdown) began.
    pub fn try_submit<F, T>(&self, f: F) -> Result<JobHandle<T>, SubmitError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match Arc::clone(&self.shared.slots).try_acquire_owned() {
            Ok(slot) => self.enqueue(slot, f),
            Err(TryAcquireError::NoPermits) => Err(self.reject(RejectReason::QueueFull)),
            Err(TryAcquireError::Closed) => Err(self.reject(RejectReason::ShuttingDown)),
        }
    }

    /// Queues `f`, waiting without blocking a thread for room until `deadline`.
    ///
    /// Fails with [`SubmitError::DeadlineExceeded`] if the queue stays full
    /// until `deadline`, and with [`SubmitError::ShuttingDown`] if shutdown
    /// begins first. Waiters get room in the order they started waiting.
    pub async fn submit<F, T>(&self, f: F, deadline: Instant) -> Result<JobHandle<T>, SubmitError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::clone(&self.shared.slots).acquire_owned();
        match tokio::time::timeout_at(deadline, slot).await {
            Ok(Ok(slot)) => self.enqueue(slot, f),
            Ok(Err(_closed)) => Err(self.reject(RejectReason::ShuttingDown)),
            Err(_elapsed) => Err(self.reject(RejectReason::DeadlineExceeded)),
        }
    }

    fn enqueue<F, T>(&self, slot: OwnedSemaphorePermit, f: F) -> Result<JobHandle<T>, SubmitError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (sender, receiver) = oneshot::channel();
        let run = Box::new(move |finished: &dyn Fn(Outcome)| {
            let result = catch_unwind(AssertUnwindSafe(f)).map_err(panic_message);
            finished(match result {
                Ok(_) => Outcome::Returned,
                Err(_) => Outcome::Panicked,
            });
            // The caller may have dropped the handle; the result is then unwanted.
            let _ = sender.send(result);
        });
        let job = Job {
            run,
            enqueued_at: StdInstant::now(),
            slot,
        };
        match self.shared.push(job) {
            Ok(()) => Ok(JobHandle::new(receiver)),
            Err(_refused) => Err(self.reject(RejectReason::ShuttingDown)),
        }
    }

    fn reject(&self, reason: RejectReason) -> SubmitError {
        self.shared.metrics.reject(reason);
        match reason {
            RejectReason::QueueFull => SubmitError::QueueFull {
                capacity: self.shared.queue_capacity,
            },
            RejectReason::DeadlineExceeded => SubmitError::DeadlineExceeded,
            RejectReason::ShuttingDown => SubmitError::ShuttingDown,
        }
    }
}

/// Turns a panic payload into the message a person would read.
fn panic_message(payload: Box<dyn Any + Send>) -> JobError {
    let message = match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(message) => (*message).to_owned(),
            Err(_) => "panic payload was not a string".to_owned(),
        },
    };
    JobError::Panicked(message)
}
