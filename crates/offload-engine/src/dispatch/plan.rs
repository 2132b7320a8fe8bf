//! Turning a manifest into runnable tasks: render each with no parameters, apply the test
//! controls, and resolve dependencies to indices.
//!
//! Everything that can be wrong with the manifest for `offload run` is found here, before
//! any process starts, so a bad manifest never leaves half a run behind.

use std::time::Duration;

use offload_core::JobSpec;
use offload_core::manifest::Manifest;

use super::config::DispatchConfig;
use super::error::DispatchError;

/// A command that never ends by itself, for `force_timeout`: the timeout must end it.
const NEVER_ENDS: [&str; 2] = ["sleep", "2147483647"];

/// One task, ready to run.
#[derive(Debug, Clone)]
pub(super) struct Planned {
    /// The task id.
    pub(super) id: String,
    /// The rendered job.
    pub(super) spec: JobSpec,
    /// Attempts after the first.
    pub(super) retries: u32,
    /// Higher starts first in concurrent mode.
    pub(super) rank: i32,
    /// The concurrency class and its limit, if any.
    pub(super) class: Option<(String, u32)>,
    /// Indices of the tasks it depends on.
    pub(super) depends_on: Vec<usize>,
    /// Whether it runs at all, or why not.
    pub(super) gate: Gate,
}

/// Whether a task's feature flag lets it run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Gate {
    /// It runs.
    Open,
    /// It is skipped, for this reason.
    Closed(String),
}

/// Plans every task of `manifest`, in manifest order.
pub(super) fn plan(
    manifest: &Manifest,
    config: &DispatchConfig,
) -> Result<Vec<Planned>, DispatchError> {
    let index_of = |id: &str| manifest.tasks.iter().position(|task| task.id == id);
    let mut planned = Vec::with_capacity(manifest.tasks.len());
    for task in &manifest.tasks {
        let mut spec =
            manifest
                .render_defaults(&task.id)
                .map_err(|problem| DispatchError::NeedsParams {
                    task: task.id.clone(),
                    problem,
                })?;
        // A short grace keeps every attempt within twice its timeout, so the watchdog's
        // stall limit (a multiple of the longest timeout) never fires on a healthy task.
        spec.kill_after = spec
            .kill_after
            .min(spec.timeout)
            .max(Duration::from_millis(100));
        if config.force_timeout.as_deref() == Some(task.id.as_str()) {
            spec.command = NEVER_ENDS.map(String::from).to_vec();
        }
        planned.push(Planned {
            id: task.id.clone(),
            retries: task.retries,
            rank: task.priority.rank(),
            class: task
                .concurrency_class
                .as_ref()
                .and_then(|name| Some((name.clone(), manifest.classes.get(name)?.max))),
            depends_on: task
                .depends_on
                .iter()
                .filter_map(|id| index_of(id))
                .collect(),
            gate: gate(task.feature_flag.as_deref(), config),
            spec,
        });
    }
    Ok(planned)
}

fn gate(flag: Option<&str>, config: &DispatchConfig) -> Gate {
    match flag {
        Some(flag) if !config.flag_enabled(flag) => {
            Gate::Closed(format!("feature flag {flag} is not 1 or true"))
        }
        _ => Gate::Open,
    }
}
