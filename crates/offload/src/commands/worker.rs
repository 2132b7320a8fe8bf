//! `offload worker`: executors only, on a shared PostgreSQL store.
//!
//! A worker serves no API. It claims jobs of the named queues into its slots, runs
//! them in the local sandbox, heartbeats its leases, and takes its turn at the
//! maintenance services when elected leader. Separate worker pools per queue give
//! heavy work its own machines.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use offload_core::QueueName;
use offload_engine::{Engine, EngineConfig, SystemClock};
use offload_sandbox::SandboxConfig;

use crate::exit::{self, Code};
use crate::flags::Duration;

/// `offload worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The shared store, as a postgres:// URL.
    #[arg(long, env = "OFFLOAD_STORE", hide_env_values = true)]
    pub store: String,
    /// Serve only these queues (comma-separated); all when absent.
    #[arg(long, value_delimiter = ',')]
    pub queues: Option<Vec<String>>,
    /// How many jobs run at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Where job work directories are made.
    #[arg(long)]
    pub work_root: Option<PathBuf>,
    /// On SIGTERM or SIGINT, how long running jobs may finish before they are re-queued.
    #[arg(long, default_value = "30s")]
    pub shutdown_grace: Duration,
    /// How long a lease lasts without renewal.
    #[arg(long, default_value = "10s")]
    pub lease: Duration,
    #[command(flatten)]
    pub sandbox: crate::sandbox_flags::SandboxFlags,
}

/// Runs `offload worker` until a signal stops it.
pub async fn run(args: WorkerArgs) -> Result<Code> {
    if !crate::store::is_postgres(&args.store) {
        bail!(
            "--store: a worker needs a shared postgres:// store; an SQLite store belongs to one server"
        );
    }
    let opened = crate::store::open(&args.store, std::path::Path::new(".")).await?;
    let work_root = args
        .work_root
        .clone()
        .unwrap_or_else(|| SandboxConfig::default().work_root);
    let sandbox = args.sandbox.sandbox(work_root)?;
    let config = EngineConfig {
        slots: args.concurrency,
        queues: queues(args.queues.as_deref())?,
        lease: args.lease.0,
        heartbeat_every: (args.lease.0 / 4).max(std::time::Duration::from_millis(100)),
        ..super::server::engine_defaults()
    };
    let engine = Engine::start(
        opened.store,
        Arc::new(sandbox),
        Arc::new(SystemClock),
        config,
    );
    println!(
        "offload worker {} serving {} slots",
        engine_worker(&engine),
        args.concurrency
    );
    let signal = super::server::wait_for_signal().await?;
    tracing::info!(signal, "worker shutting down: no new jobs start");
    engine.shutdown(args.shutdown_grace.0).await;
    Ok(exit::OK)
}

fn engine_worker(engine: &Engine) -> String {
    engine.worker().to_string()
}

/// Parses `--queues`.
pub fn queues(names: Option<&[String]>) -> Result<Option<Vec<QueueName>>> {
    let Some(names) = names else { return Ok(None) };
    let parsed = names
        .iter()
        .map(|q| QueueName::new(q.clone()))
        .collect::<Result<Vec<_>, _>>();
    Ok(Some(
        parsed.map_err(anyhow::Error::msg).context("--queues")?,
    ))
}
