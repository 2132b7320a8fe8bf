//! `offload bench` against a running server over HTTP.
//!
//! Submitters post jobs (singly or in batches); a watcher long-polls nothing and
//! instead pages the job list by state, so the bench adds little load of its own.
//! Times come from the server's job records, whose resolution is one millisecond.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use offload_http::client::Client;
use offload_http::wire::{JobSpecBody, QueueResponse};

use super::bench::spec;
use super::bench_report::{self, Report};
use super::connect::client;
use crate::cli::BenchArgs;
use crate::exit::{self, Code};

/// Runs the bench against the server named by the connection flags.
pub async fn run(args: BenchArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let body = JobSpecBody::from(&spec(&args)?);
    let cpu_before = args.server_pid.map(server_cpu).transpose()?;
    let started = Instant::now();
    submit_all(&client, &body, &args).await?;
    let submit_elapsed = started.elapsed();
    wait_drained(&client, &args.queue).await?;
    // Rates count from the first submit, like the embedded bench's.
    let finish_elapsed = started.elapsed();
    let cpu = match (args.server_pid, cpu_before) {
        (Some(pid), Some(before)) => Some(server_cpu(pid)? - before),
        _ => None,
    };
    let report = Report {
        finished: args.jobs,
        submit_elapsed,
        finish_elapsed,
        start_elapsed: finish_elapsed,
        ..Report::default()
    };
    bench_report::print(&args, &report, cpu);
    println!("  (latency percentiles need --embedded; over HTTP only rates are measured)");
    Ok(exit::OK)
}

async fn submit_all(client: &Client, body: &JobSpecBody, args: &BenchArgs) -> Result<()> {
    let per_task = args.jobs.div_ceil(args.concurrency.max(1));
    let mut tasks = Vec::new();
    for task in 0..args.concurrency.max(1) {
        let n = per_task.min(args.jobs.saturating_sub(task * per_task));
        let (client, body, batch) = (client.clone(), body.clone(), args.batch.max(1));
        tasks.push(tokio::spawn(async move {
            submitter(client, body, n, batch).await
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

async fn submitter(client: Client, body: JobSpecBody, n: usize, batch: usize) -> Result<()> {
    let mut left = n;
    while left > 0 {
        let size = batch.min(left);
        if size == 1 {
            client.submit(&body).await?;
        } else {
            client.submit_batch(vec![body.clone(); size]).await?;
        }
        left -= size;
    }
    Ok(())
}

/// Jobs of the queue that are not finished yet: queued, scheduled or running.
async fn live_in_queue(client: &Client, queue: &str) -> Result<u64> {
    let queues: Vec<QueueResponse> = client.queues().await?;
    let counts = queues
        .into_iter()
        .find(|q| q.name == queue)
        .map(|q| q.counts)
        .unwrap_or_default();
    Ok(counts.values().sum())
}

/// Waits until the queue has no unfinished job left. Every submit was acknowledged
/// before this starts, so an empty queue means every bench job has finished; the
/// bench should have its queue to itself (`--queue`).
async fn wait_drained(client: &Client, queue: &str) -> Result<()> {
    let give_up = Instant::now() + Duration::from_secs(600);
    let mut ticks = tokio::time::interval(Duration::from_millis(20));
    loop {
        ticks.tick().await;
        if live_in_queue(client, queue).await? == 0 {
            return Ok(());
        }
        if Instant::now() > give_up {
            bail!("jobs did not finish within 10 minutes");
        }
    }
}

/// The server's user plus system CPU seconds, from /proc.
fn server_cpu(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("no process {pid}"))?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)?.unwrap_or(100) as f64;
    Ok(ticks / hz)
}
