//! The executor: runs one claimed job and hands its completion to the completer.
//!
//! A command job runs through `offload-sandbox`; a no-op job runs nothing. The
//! sandbox's [`Termination`] becomes an [`Outcome`], and `offload_core::Finish`
//! decides the job's next state from it, so the retry rules live in one place.

use std::sync::Arc;

use offload_core::{Finish, JobSpec, JobState, Outcome, StateName};
use offload_sandbox::{
    Limits, OutputSink, Progress, ProgressCounts, RunResult, RunSpec, Stream, Termination,
};
use offload_store::{ClaimedJob, Completion, JobOutput};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::engine::Inner;
use crate::events::{OutputChunk, ProgressUpdate};
use crate::metrics::Metrics;
use crate::running::StopReason;

/// What an attempt produced, before the retry decision.
struct Executed {
    outcome: Outcome,
    output: Option<JobOutput>,
    cpu_ms: Option<u64>,
    peak_memory: Option<u64>,
    tier: Option<String>,
    progress: ProgressCounts,
}

/// Runs `job` to completion and queues its completion. The permit is the slot it
/// occupies; it is released only after the completion is queued.
///
/// Everything logged while the attempt runs is inside a `job` span carrying
/// `job_id`, `attempt`, `queue` and `worker`, so every log line about the job can
/// be found by those fields. The span never holds the spec's env or files.
pub(crate) async fn execute(inner: Arc<Inner>, job: ClaimedJob, permit: OwnedSemaphorePermit) {
    let span = tracing::info_span!("job", job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue, worker = %inner.config.worker);
    execute_in_span(inner, job, permit).instrument(span).await;
}

async fn execute_in_span(inner: Arc<Inner>, job: ClaimedJob, permit: OwnedSemaphorePermit) {
    let token = inner.running.insert(job.id, job.attempt);
    inner.events.state(job.id, StateName::Running);
    let queue = Metrics::queue(&job.spec.queue);
    record_start(&inner, &job, &queue);
    let began = std::time::Instant::now();
    let executed = match job.spec.kind {
        offload_core::JobKind::Noop => noop(),
        offload_core::JobKind::Command => run_command(&inner, &job, token).await,
    };
    let ran = began.elapsed();
    record_progress(&inner, &queue, executed.progress);
    inner
        .metrics
        .run
        .get_or_create(&queue)
        .observe(ran.as_secs_f64());
    inner.metrics.busy.dec();
    let stop = inner.running.remove(job.id);
    if stop == Some(StopReason::LeaseLost) {
        tracing::warn!(job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue, worker = %inner.config.worker, "lease lost; another worker owns the job now");
    } else {
        let completion = completion(&inner, &job, executed, stop);
        let failed = !completion.outcome.is_success();
        inner.metrics.recent.record_finish(ran, failed);
        tracing::debug!(job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue, worker = %inner.config.worker, outcome = completion.outcome.kind(), "attempt finished");
        let role = crate::shadow::role(&inner.config, &job.spec);
        inner
            .completer
            .push(completion, job.spec.queue.clone(), role);
    }
    drop(permit);
    inner.wake_producer.notify_one();
}

fn record_start(inner: &Inner, job: &ClaimedJob, queue: &crate::metrics::QueueLabel) {
    inner.metrics.started.get_or_create(queue).inc();
    inner.metrics.busy.inc();
    let waited = inner.clock.now().since(job.enqueued_at);
    inner
        .metrics
        .wait
        .get_or_create(queue)
        .observe(waited.as_secs_f64());
    inner.metrics.recent.record_wait(waited);
    tracing::debug!(job_id = %job.id, attempt = job.attempt, queue = %job.spec.queue, worker = %inner.config.worker, "attempt started");
}

/// Counts what the attempt's progress channel carried that nobody will see.
fn record_progress(inner: &Inner, queue: &crate::metrics::QueueLabel, counts: ProgressCounts) {
    let metrics = &inner.metrics;
    metrics
        .progress_malformed
        .get_or_create(queue)
        .inc_by(counts.malformed);
    metrics
        .progress_dropped
        .get_or_create(queue)
        .inc_by(counts.dropped);
}

fn noop() -> Executed {
    Executed {
        outcome: Outcome::Exited { code: 0 },
        output: None,
        cpu_ms: None,
        peak_memory: None,
        tier: None,
        progress: ProgressCounts::default(),
    }
}

async fn run_command(inner: &Arc<Inner>, job: &ClaimedJob, token: CancellationToken) -> Executed {
    let sink = Arc::new(LiveSink {
        inner: inner.clone(),
        id: job.id,
        attempt: job.attempt,
    });
    let mut spec = run_spec(&job.spec, Some(sink));
    spec.exit_record = inner.exit_records.path(job.id, job.attempt);
    let result = inner.sandbox.run(spec, token).await;
    executed(result)
}

/// The result of running one spec directly in the sandbox, with no server or store.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRun {
    /// How it ended.
    pub outcome: Outcome,
    /// What it printed.
    pub output: JobOutput,
    /// CPU time of the process tree, in milliseconds.
    pub cpu_ms: Option<u64>,
    /// Peak memory, where measured.
    pub peak_memory: Option<u64>,
}

/// Runs one spec in `sandbox` and maps the result exactly as a server's executor
/// would: the API behind `offload exec` and `submit --fallback local`.
pub async fn run_local(
    sandbox: &offload_sandbox::Sandbox,
    spec: &JobSpec,
    cancel: CancellationToken,
) -> LocalRun {
    let executed = match spec.kind {
        offload_core::JobKind::Noop => noop(),
        offload_core::JobKind::Command => executed(sandbox.run(run_spec(spec, None), cancel).await),
    };
    LocalRun {
        outcome: executed.outcome,
        output: executed.output.unwrap_or_default(),
        cpu_ms: executed.cpu_ms,
        peak_memory: executed.peak_memory,
    }
}

fn run_spec(spec: &JobSpec, sink: Option<Arc<LiveSink>>) -> RunSpec {
    RunSpec {
        argv: spec.command.clone(),
        files: spec
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
            .collect(),
        stdin: spec.stdin.as_ref().map(|s| s.clone().into_bytes()),
        env: spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        limits: Limits {
            memory: Some(spec.limits.memory),
            cpu: Some(spec.limits.cpu),
            processes: Some(spec.limits.processes),
            file_size: Some(spec.limits.file_size),
            open_files: Some(spec.limits.open_files),
        },
        timeout: spec.timeout,
        kill_after: spec.kill_after,
        output_limit: spec.limits.output,
        output: sink.map(|s| s as Arc<dyn OutputSink>),
        isolation: match spec.isolation {
            offload_core::Isolation::Strict => offload_sandbox::Isolation::Strict,
            offload_core::Isolation::Standard => offload_sandbox::Isolation::Standard,
            offload_core::Isolation::None => offload_sandbox::Isolation::None,
        },
        network: match spec.network {
            offload_core::Network::None => offload_sandbox::Network::None,
            offload_core::Network::Host => offload_sandbox::Network::Host,
        },
        exit_record: None,
    }
}

fn executed(result: RunResult) -> Executed {
    let output = JobOutput {
        stdout: result.stdout,
        stderr: result.stderr,
        stdout_truncated: result.stdout_truncated,
        stderr_truncated: result.stderr_truncated,
    };
    Executed {
        outcome: outcome(result.termination),
        output: Some(output),
        cpu_ms: u64::try_from(result.cpu.as_millis()).ok(),
        peak_memory: result.peak_memory,
        tier: Some(result.tier.to_string()),
        progress: result.progress,
    }
}

/// Maps the sandbox's view of how a process ended onto the job's outcome. A
/// cancelled run is refined by the stop reason when the completion is built.
fn outcome(termination: Termination) -> Outcome {
    match termination {
        Termination::Exited(code) => Outcome::Exited { code },
        Termination::Signaled(signal) => Outcome::Signaled { signal },
        Termination::TimedOut => Outcome::TimedOut,
        Termination::CpuLimit => Outcome::CpuLimit,
        Termination::MemoryLimit => Outcome::MemoryLimit,
        Termination::OutputLimit => Outcome::OutputTruncated,
        Termination::FileSizeLimit => Outcome::FileSizeLimit,
        Termination::Cancelled => Outcome::Cancelled,
        Termination::SpawnError(message) => Outcome::SpawnError { message },
        Termination::SandboxUnavailable(message) => Outcome::SandboxUnavailable { message },
        Termination::SandboxError(message) => Outcome::SandboxError { message },
    }
}

fn completion(
    inner: &Inner,
    job: &ClaimedJob,
    executed: Executed,
    stop: Option<StopReason>,
) -> Completion {
    let now = inner.clock.now();
    let outcome = match stop {
        Some(StopReason::Shutdown) => Outcome::Interrupted,
        Some(StopReason::Cancel) => Outcome::Cancelled,
        _ => executed.outcome,
    };
    Completion {
        id: job.id,
        attempt: job.attempt,
        next: decide_next(job, &outcome, false, now),
        outcome,
        finished_at: now,
        cpu_ms: executed.cpu_ms,
        peak_memory: executed.peak_memory,
        tier: executed.tier,
        output: executed.output,
    }
}

/// The state a running job moves to. `transition_to_finished` is total from
/// `Running`, so the placeholder running state below cannot make it fail.
/// The state an attempt's outcome leads to under the job's retry policy.
pub(crate) fn decide_next(
    job: &ClaimedJob,
    outcome: &Outcome,
    cancel_requested: bool,
    now: offload_core::Timestamp,
) -> JobState {
    let failures = job.budget_used + u32::from(outcome.counts_as_attempt());
    let finish = Finish::decide(
        outcome,
        cancel_requested,
        failures,
        &job.spec.retry,
        now,
        rand::random::<f64>(),
    );
    next_state(&finish, now)
}

fn next_state(finish: &Finish, now: offload_core::Timestamp) -> JobState {
    let running = JobState::Running {
        attempt: 0,
        worker: offload_core::WorkerId(String::new()),
        lease_expires_at: now,
        cancel_requested: false,
    };
    running
        .transition_to_finished(finish, now)
        .unwrap_or(JobState::Failed { finished_at: now })
}

/// Forwards live output and progress to the event bus, and keeps the latest progress in the
/// running registry for readers that arrive later.
struct LiveSink {
    inner: Arc<Inner>,
    id: offload_core::JobId,
    attempt: u32,
}

impl OutputSink for LiveSink {
    fn chunk(&self, stream: Stream, data: &[u8]) {
        let chunk = OutputChunk {
            id: self.id,
            attempt: self.attempt,
            stream,
            data: data.to_vec(),
        };
        self.inner.events.output(chunk);
    }

    fn progress(&self, progress: &Progress) {
        // The registry first, so a reader woken by the event already finds it there.
        self.inner
            .running
            .set_progress(self.id, self.attempt, progress);
        self.inner.events.progress(ProgressUpdate {
            id: self.id,
            attempt: self.attempt,
            progress: progress.clone(),
        });
    }
}
