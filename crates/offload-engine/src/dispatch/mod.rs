//! The local dispatcher behind `offload run`: runs a manifest's tasks in the sandbox, with
//! no server, honouring dependencies, priorities, concurrency classes, timeouts, retries and
//! feature flags.
//!
//! Three modes make the move from synchronous to concurrent work measurable and reversible:
//! `off` runs every task one after another (the baseline), `shadow` runs the baseline and a
//! concurrent run beside it whose results are ignored, and `on` runs them concurrently. A
//! watchdog stops a run that makes no progress and leaves a sentinel file so that the next
//! run falls back to `off`. Every task ends `done`, `fail`, `timeout` or `skipped`, or the
//! dispatch returns an error.

mod attempt;
mod config;
mod error;
mod pass;
mod plan;
mod report;
mod sentinel;

use std::sync::Arc;

use offload_core::manifest::Manifest;
use offload_sandbox::Sandbox;
use parking_lot::Mutex;

pub use config::{DispatchConfig, Mode, Watchdog};
pub use error::{DispatchError, ErrorKind};
pub use report::{
    Event, Pass, Report, SampleStats, Segment, Status, TaskRecord, Totals, check_terminal,
};

use pass::{PassShape, run_pass};

/// Runs every task of `manifest` once, as `config` says, and reports how each ended.
pub async fn dispatch(
    sandbox: &Sandbox,
    manifest: &Manifest,
    config: &DispatchConfig,
) -> Result<Report, DispatchError> {
    let tasks = plan::plan(manifest, config)?;
    let fallback = match &config.sentinel {
        Some(path) => sentinel::consume(path)?,
        None => None,
    };
    let mode = if fallback.is_some() {
        Mode::Off
    } else {
        config.mode
    };
    let sandbox = Arc::new(sandbox.clone());
    let segments = Mutex::new(Vec::new());
    let baseline = PassShape {
        phase: "sync",
        sample: mode,
        slots: 1,
        by_priority: false,
    };
    let concurrent = PassShape {
        phase: "async",
        sample: mode,
        slots: config.max_concurrency,
        by_priority: true,
    };
    let (foreground, shadow) = match mode {
        Mode::Off => (
            run_pass(sandbox, &tasks, config, baseline, &segments).await,
            None,
        ),
        Mode::On => (
            run_pass(sandbox, &tasks, config, concurrent, &segments).await,
            None,
        ),
        Mode::Shadow => {
            let (sync, background) = tokio::join!(
                run_pass(sandbox.clone(), &tasks, config, baseline, &segments),
                run_pass(sandbox, &tasks, config, concurrent, &segments),
            );
            (sync, Some(background))
        }
    };
    check_terminal(&foreground.tasks)?;
    if let Some(shadow) = &shadow {
        check_terminal(&shadow.tasks)?;
    }
    let fired = foreground
        .watchdog
        .as_ref()
        .or(shadow.as_ref().and_then(|s| s.watchdog.as_ref()));
    if let (Some(reason), Some(path)) = (fired, &config.sentinel) {
        sentinel::write(path, reason)?;
    }
    Ok(Report {
        requested_mode: config.mode,
        mode,
        fallback,
        totals: Totals::compute(mode, &foreground, shadow.as_ref()),
        foreground,
        shadow,
        segments: segments.into_inner(),
    })
}
