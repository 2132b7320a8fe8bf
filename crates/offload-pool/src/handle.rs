//! [`JobHandle`]: the caller's side of one submitted job.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use crate::error::JobError;

/// A future that resolves to the job's result.
///
/// Dropping the handle does not stop the job: a thread cannot be interrupted
/// safely, so the job runs to completion and its result is discarded.
#[derive(Debug)]
#[must_use = "a job's result is lost unless its handle is awaited"]
pub struct JobHandle<T> {
    result: oneshot::Receiver<Result<T, JobError>>,
}

impl<T> JobHandle<T> {
    pub(crate) fn new(result: oneshot::Receiver<Result<T, JobError>>) -> Self {
        Self { result }
    }
}

impl<T> Future for JobHandle<T> {
    type Output = Result<T, JobError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The sender only disappears unsent when shutdown drops a queued job,
        // because a running job always sends (its panics are caught).
        Pin::new(&mut self.result)
            .poll(cx)
            .map(|received| received.unwrap_or(Err(JobError::Abandoned)))
    }
}
