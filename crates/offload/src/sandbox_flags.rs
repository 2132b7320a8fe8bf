//! Sandbox flags shared by `server` and `worker`: the highest tier to use and the
//! policies jobs may ask for. Both policies are off by default, so a job can never
//! get the host network or run unisolated unless the operator said so.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use offload_sandbox::{Sandbox, SandboxConfig, Tier};

/// The highest isolation tier the sandbox may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MaxTier {
    /// Baseline only: rlimits, own session, scrubbed environment, per-run uid.
    T0,
    /// Namespaces, no network, read-only runtime, Landlock and seccomp.
    T1,
    /// T1 plus one cgroup per run: memory (no swap), process count, whole-tree accounting.
    T2,
}

/// Sandbox settings of a process that runs jobs.
#[derive(Debug, Clone, Args)]
pub struct SandboxFlags {
    /// The highest tier to use (default: the best this host supports).
    #[arg(long, value_enum)]
    pub max_tier: Option<MaxTier>,
    /// Let jobs ask for isolation "none" (for trusted commands only).
    #[arg(long)]
    pub allow_isolation_none: bool,
    /// Let jobs ask for network "host".
    #[arg(long)]
    pub allow_host_network: bool,
    /// The nice value jobs run at (0–19). Jobs always run as SCHED_BATCH, so they never
    /// preempt the server's event loop; a higher value also gives the server the larger
    /// share of a CPU-starved host, and makes jobs slower there.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i32).range(0..=19))]
    pub job_nice: i32,
}

impl SandboxFlags {
    /// A sandbox with these settings, making work directories under `work_root`.
    pub fn sandbox(&self, work_root: PathBuf) -> Result<Sandbox> {
        let config = SandboxConfig {
            work_root,
            max_tier: self.max_tier.map(|t| match t {
                MaxTier::T0 => Tier::T0,
                MaxTier::T1 => Tier::T1,
                MaxTier::T2 => Tier::T2,
            }),
            allow_isolation_none: self.allow_isolation_none,
            allow_host_network: self.allow_host_network,
            job_nice: self.job_nice,
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::new(config).context("cannot prepare the sandbox")?;
        tracing::info!(tier = %sandbox.tier(), "sandbox ready");
        Ok(sandbox)
    }
}
