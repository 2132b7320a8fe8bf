//! The state shared between a pool's submitters and its worker threads.
//!
//! Room in the queue is a tokio [`Semaphore`]: one permit per free slot, so an
//! async submitter can wait for room without a thread, and closing the
//! semaphore wakes every waiter with "shutting down". The jobs themselves sit
//! in a mutex-guarded deque that worker threads sleep on with a condvar,
//! because workers are plain OS threads and must block, not poll.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::metrics::PoolMetrics;

/// Runs a type-erased job. The job calls the given callback with its outcome
/// after the closure returns and *before* it delivers the result, so that a
/// caller who has awaited the handle sees the job counted in the stats.
pub(crate) type RunJob = Box<dyn FnOnce(&dyn Fn(Outcome)) + Send>;

/// How a job's closure ended, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Returned,
    Panicked,
}

/// A job waiting in the queue.
pub(crate) struct Job {
    pub(crate) run: RunJob,
    pub(crate) enqueued_at: Instant,
    /// Holds the job's queue slot; dropping it when the job starts frees room.
    pub(crate) slot: OwnedSemaphorePermit,
}

/// What the mutex guards.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Once set, no job enters and workers exit as soon as the deque is empty.
    closing: bool,
}

/// Everything a pool's handles and threads share.
pub(crate) struct Shared {
    pub(crate) name: String,
    pub(crate) threads: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) slots: Arc<Semaphore>,
    queue: Mutex<Queue>,
    job_ready: Condvar,
    pub(crate) metrics: PoolMetrics,
    /// How many worker threads are still alive; shutdown waits for zero.
    pub(crate) live_workers: watch::Sender<usize>,
}

impl Shared {
    pub(crate) fn new(name: String, threads: usize, queue_capacity: usize) -> Self {
        Self {
            name,
            threads,
            queue_capacity,
            slots: Arc::new(Semaphore::new(queue_capacity)),
            queue: Mutex::default(),
            job_ready: Condvar::new(),
            metrics: PoolMetrics::default(),
            live_workers: watch::Sender::new(0),
        }
    }

    /// Queues a job, or hands it back if the pool started closing after the
    /// submitter got its slot (the slot and the closing flag are separate
    /// locks, so this race is real and must not strand the job).
    pub(crate) fn push(&self, job: Job) -> Result<(), Job> {
        let mut queue = self.queue.lock();
        if queue.closing {
            return Err(job);
        }
        queue.jobs.push_back(job);
        self.metrics.queue_depth.inc();
        drop(queue);
        self.job_ready.notify_one();
        Ok(())
    }

    /// Blocks the calling worker until a job is ready, or returns `None` once
    /// the pool is closing and the queue is empty.
    pub(crate) fn next_job(&self) -> Option<Job> {
        let mut queue = self.queue.lock();
        loop {
            if let Some(job) = queue.jobs.pop_front() {
                self.metrics.queue_depth.dec();
                return Some(job);
            }
            if queue.closing {
                return None;
            }
            self.job_ready.wait(&mut queue);
        }
    }

    /// Stops accepting work and tells idle workers to exit once drained.
    pub(crate) fn close(&self) {
        self.slots.close();
        self.queue.lock().closing = true;
        self.job_ready.notify_all();
    }

    /// Removes every job that has not started and returns how many there were.
    ///
    /// Dropping a job drops its result sender, so its handle resolves to
    /// [`JobError::Abandoned`](crate::JobError::Abandoned).
    pub(crate) fn abandon_queued(&self) -> usize {
        let abandoned: Vec<Job> = self.queue.lock().jobs.drain(..).collect();
        let count = abandoned.len();
        self.metrics
            .queue_depth
            .dec_by(i64::try_from(count).unwrap_or(i64::MAX));
        count
    }
}
