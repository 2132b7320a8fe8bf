//! `offload bench`: a load generator that reports jobs/s and latency percentiles.
//!
//! With `--embedded` it starts an engine in this process on a fresh SQLite store and
//! times each job from the submit call to its `running` and terminal events with a
//! monotonic clock, so sub-millisecond latencies are measured, not rounded. Without
//! it, it drives a running server over HTTP (see `bench_http.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use offload_core::{JobId, JobKind, JobSpec, QueueName};
use offload_engine::{Engine, EngineConfig, JobEvent, Submission, SystemClock};
use offload_sandbox::{Sandbox, SandboxConfig};
use offload_sqlite::{SqliteConfig, SqliteStore};
use tokio::sync::broadcast;

use crate::cli::BenchArgs;
use crate::exit::{self, Code};

/// Runs `offload bench`.
pub async fn run(args: BenchArgs) -> Result<Code> {
    if args.embedded {
        return embedded(args).await;
    }
    super::bench_http::run(args).await
}

/// The spec every bench job uses.
pub fn spec(args: &BenchArgs) -> Result<JobSpec> {
    let command = if args.command.is_empty() {
        vec!["/bin/true".to_owned()]
    } else {
        args.command.clone()
    };
    let mut spec = JobSpec {
        command,
        ..JobSpec::default()
    };
    spec.queue = QueueName::new(args.queue.clone())
        .map_err(anyhow::Error::msg)
        .context("--queue")?;
    spec.retry.max_retries = 0;
    if args.noop {
        spec.kind = JobKind::Noop;
        spec.command.clear();
    }
    Ok(spec)
}

/// Times of one job, from the submit call.
#[derive(Debug, Default, Clone, Copy)]
struct Times {
    submitted: Option<Instant>,
    started: Option<Instant>,
    finished: Option<Instant>,
}

async fn embedded(args: BenchArgs) -> Result<Code> {
    let dir = tempfile_dir()?;
    let store = Arc::new(SqliteStore::open(
        &dir.join("bench.db"),
        SqliteConfig::default(),
    )?);
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: dir.join("work"),
        ..SandboxConfig::default()
    })?;
    let config = EngineConfig {
        slots: args.workers,
        ..EngineConfig::default()
    };
    let engine = Engine::start(store, Arc::new(sandbox), Arc::new(SystemClock), config);
    let events = engine.subscribe();
    let collector = tokio::spawn(collect(events, args.jobs));
    let cpu_before = process_cpu()?;
    let started = Instant::now();
    let submitted = submit_all(&engine, &args).await?;
    let submit_elapsed = started.elapsed();
    let mut times = collector.await?;
    let cpu = process_cpu()? - cpu_before;
    for (id, at) in submitted {
        times.entry(id).or_default().submitted = Some(at);
    }
    engine.shutdown(Duration::from_secs(5)).await;
    let _ = std::fs::remove_dir_all(&dir);
    super::bench_report::print(
        &args,
        &super::bench_report::from_instants(started, submit_elapsed, &times_vec(&times)),
        Some(cpu),
    );
    Ok(exit::OK)
}

fn times_vec(
    times: &HashMap<JobId, Times>,
) -> Vec<(Option<Instant>, Option<Instant>, Option<Instant>)> {
    times
        .values()
        .map(|t| (t.submitted, t.started, t.finished))
        .collect()
}

async fn submit_all(engine: &Engine, args: &BenchArgs) -> Result<Vec<(JobId, Instant)>> {
    let spec = spec(args)?;
    let batch = args.batch.max(1);
    let per_task = args.jobs.div_ceil(args.concurrency.max(1));
    let mut tasks = Vec::new();
    for task in 0..args.concurrency.max(1) {
        let n = per_task.min(args.jobs.saturating_sub(task * per_task));
        let (engine, spec) = (engine.clone(), spec.clone());
        tasks.push(tokio::spawn(async move {
            submitter(engine, spec, n, batch).await
        }));
    }
    let mut all = Vec::with_capacity(args.jobs);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

async fn submitter(
    engine: Engine,
    spec: JobSpec,
    n: usize,
    batch: usize,
) -> Result<Vec<(JobId, Instant)>> {
    let mut out = Vec::with_capacity(n);
    let mut left = n;
    while left > 0 {
        let size = batch.min(left);
        let jobs = vec![
            Submission {
                spec: spec.clone(),
                dedupe: false
            };
            size
        ];
        let at = Instant::now();
        let inserted = engine.submit(jobs).await?;
        out.extend(inserted.into_iter().map(|i| (i.id, at)));
        left -= size;
    }
    Ok(out)
}

/// Records when each job started and finished, until `n` jobs have finished.
async fn collect(mut events: broadcast::Receiver<JobEvent>, n: usize) -> HashMap<JobId, Times> {
    let mut times: HashMap<JobId, Times> = HashMap::with_capacity(n);
    let mut finished = 0;
    while finished < n {
        match events.recv().await {
            Ok(JobEvent::State { id, state }) => {
                let entry = times.entry(id).or_default();
                if state == offload_core::StateName::Running {
                    entry.started = Some(Instant::now());
                } else if state.is_terminal() {
                    entry.finished = Some(Instant::now());
                    finished += 1;
                }
            }
            Ok(JobEvent::Output(_) | JobEvent::Progress(_)) => {}
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "bench missed events; latencies of those jobs are not counted"
                );
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    times
}

/// User plus system CPU seconds of this process so far.
fn process_cpu() -> Result<f64> {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("offload-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
