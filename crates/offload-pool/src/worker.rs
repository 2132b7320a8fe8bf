//! The worker threads: start them, and run jobs until the pool closes.
//!
//! A worker never dies because of a job: panics are caught inside the job's
//! own closure (see `submit.rs`), so the loop here only measures, runs and
//! counts. The live-worker count is decremented by a drop guard so that even
//! an unexpected unwind out of the loop lets shutdown finish.

use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crate::error::PoolError;
use crate::queue::{Job, Outcome, Shared};

/// Starts `shared.threads` workers; on failure the ones already started are
/// told to exit.
pub(crate) fn spawn_workers(
    shared: &Arc<Shared>,
    stack_size: Option<usize>,
) -> Result<(), PoolError> {
    for index in 0..shared.threads {
        if let Err(source) = spawn_one(shared, stack_size, index) {
            shared.close();
            let name = shared.name.clone();
            return Err(PoolError::SpawnThread {
                name,
                index,
                source,
            });
        }
    }
    Ok(())
}

fn spawn_one(shared: &Arc<Shared>, stack_size: Option<usize>, index: usize) -> std::io::Result<()> {
    let mut builder = thread::Builder::new().name(format!("{}-{index}", shared.name));
    if let Some(stack) = stack_size {
        builder = builder.stack_size(stack);
    }
    let worker_shared = Arc::clone(shared);
    shared.live_workers.send_modify(|live| *live += 1);
    let spawned = builder.spawn(move || run_worker(&worker_shared));
    if spawned.is_err() {
        shared.live_workers.send_modify(|live| *live -= 1);
    }
    spawned.map(drop)
}

fn run_worker(shared: &Shared) {
    let _exit = ExitGuard(shared);
    while let Some(job) = shared.next_job() {
        run_job(shared, job);
    }
}

fn run_job(shared: &Shared, job: Job) {
    let metrics = &shared.metrics;
    let started = Instant::now();
    metrics
        .wait
        .observe(started.saturating_duration_since(job.enqueued_at));
    // Free the queue slot first so a waiting submitter can enqueue while this runs.
    drop(job.slot);
    metrics.in_flight.inc();
    (job.run)(&|outcome| record_finish(shared, started, outcome));
}

fn record_finish(shared: &Shared, started: Instant, outcome: Outcome) {
    let metrics = &shared.metrics;
    metrics.run.observe(started.elapsed());
    metrics.in_flight.dec();
    metrics.completed.inc();
    if outcome == Outcome::Panicked {
        metrics.panicked.inc();
    }
}

/// Marks the worker as gone when its thread leaves the loop, however it leaves.
struct ExitGuard<'a>(&'a Shared);

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        self.0.live_workers.send_modify(|live| *live -= 1);
    }
}
