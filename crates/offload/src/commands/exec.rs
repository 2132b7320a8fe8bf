//! `offload exec`: run one command in the sandbox here, with no server.
//!
//! It takes the same limit flags as `submit`, prints the command's output, and
//! exits with its exit code, or non-zero with a one-line reason for a timeout,
//! a kill or a limit.

use std::io::Write;

use anyhow::{Context, Result};
use offload_core::validate;
use offload_engine::{LocalRun, run_local};
use offload_sandbox::{Sandbox, SandboxConfig};
use tokio_util::sync::CancellationToken;

use crate::cli::ExecArgs;
use crate::exit::{self, Code};

/// Runs `offload exec`.
pub async fn run(args: ExecArgs) -> Result<Code> {
    let spec = args.limits.to_spec(args.command)?;
    run_spec(&spec, args.work_root).await
}

/// Runs one spec in the local sandbox and reports it: `exec`, and `submit --fallback local`.
pub async fn run_spec(
    spec: &offload_core::JobSpec,
    work_root: Option<std::path::PathBuf>,
) -> Result<Code> {
    validate(spec).context("invalid job")?;
    let mut config = SandboxConfig::default();
    if let Some(root) = work_root {
        config.work_root = root;
    }
    let sandbox = Sandbox::new(config).context("cannot prepare the sandbox")?;
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    let run = run_local(&sandbox, spec, cancel).await;
    report(&run)
}

/// Prints a local run's output and one-line reason; returns its exit code.
pub fn report(run: &LocalRun) -> Result<Code> {
    std::io::stdout().write_all(&run.output.stdout)?;
    std::io::stderr().write_all(&run.output.stderr)?;
    if run.output.stdout_truncated || run.output.stderr_truncated {
        eprintln!("offload: output was truncated at the output limit");
    }
    if !matches!(run.outcome, offload_core::Outcome::Exited { .. }) {
        eprintln!("offload: {}", run.outcome.describe());
    }
    Ok(exit::for_outcome(Some(&run.outcome)))
}
