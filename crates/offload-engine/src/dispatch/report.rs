//! What a dispatch reports: each task's status and timing, segment lines, totals and
//! sample statistics.
//!
//! Every started task must end `done`, `fail`, `timeout` or `skipped`; [`check_terminal`]
//! turns any other ending into an error, so a silently dropped task fails the run loudly.

use std::fmt;

use super::config::Mode;
use super::error::DispatchError;

/// Where a task is, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not started yet.
    Pending,
    /// Started and not finished.
    Running,
    /// Exited with code 0.
    Done,
    /// Failed: a non-zero exit, a signal, a limit, or killed by the watchdog.
    Fail,
    /// Its last attempt hit the timeout.
    Timeout,
    /// Not run: its flag is off, a dependency did not end `done`, or the watchdog fired first.
    Skipped,
}

impl Status {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Done => "done",
            Status::Fail => "fail",
            Status::Timeout => "timeout",
            Status::Skipped => "skipped",
        }
    }

    /// Whether this is one of the four endings.
    pub fn is_terminal(self) -> bool {
        !matches!(self, Status::Pending | Status::Running)
    }
}

/// One task's record in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task id.
    pub id: String,
    /// Its status.
    pub status: Status,
    /// Attempts started.
    pub attempts: u32,
    /// Milliseconds from the run's start to the task's start, once started.
    pub start_ms: Option<u64>,
    /// Milliseconds from the run's start to the task's end, once ended.
    pub end_ms: Option<u64>,
    /// Why it did not end `done`, if it did not.
    pub error: Option<String>,
}

impl TaskRecord {
    /// How long it ran, once started and ended.
    pub fn duration_ms(&self) -> Option<u64> {
        Some(self.end_ms?.saturating_sub(self.start_ms?))
    }
}

/// A progress event, sent as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Which run: `sync` for the foreground, `async` for concurrent work (see [`Segment`]).
    pub phase: &'static str,
    /// The task.
    pub task: String,
    /// Its new status.
    pub status: Status,
}

/// One `SEGMENT` line: `SEGMENT name=async_task_<id>_start ms=<delta> phase=<phase> sample=<mode>`.
///
/// For `_start`, `ms` is the time since the run began; for `_done` and `_fail` it is the
/// task's duration. A timeout is a `_fail` with `reason=timeout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The segment name.
    pub name: String,
    /// The delta in milliseconds.
    pub ms: u64,
    /// `sync` for the run the caller waits on, `async` for a concurrent run.
    pub phase: &'static str,
    /// The mode of the run.
    pub sample: Mode,
    /// Why it failed, for `_fail` segments.
    pub reason: Option<String>,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, ms, phase, sample) = (&self.name, self.ms, self.phase, self.sample);
        write!(
            f,
            "SEGMENT name={name} ms={ms} phase={phase} sample={sample}"
        )?;
        match &self.reason {
            Some(reason) => write!(f, " reason={reason}"),
            None => Ok(()),
        }
    }
}

/// One pass over the manifest: the foreground run, or the shadow run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// The tasks, in manifest order.
    pub tasks: Vec<TaskRecord>,
    /// The pass's wall time.
    pub wall_ms: u64,
    /// The longest chain of task durations along `depends_on`.
    pub critical_path_ms: u64,
    /// Why the watchdog stopped the pass, if it did.
    pub watchdog: Option<String>,
}

impl Pass {
    /// Sum of all task durations.
    pub fn accumulated_ms(&self) -> u64 {
        self.tasks.iter().filter_map(TaskRecord::duration_ms).sum()
    }

    /// How many tasks ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.tasks
            .iter()
            .filter(|task| task.status == status)
            .count()
    }
}

/// The result of [`super::dispatch`].
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The mode asked for.
    pub requested_mode: Mode,
    /// The mode used: [`Mode::Off`] when a watchdog sentinel forced the fallback.
    pub mode: Mode,
    /// Why the mode fell back, if it did.
    pub fallback: Option<String>,
    /// The run the caller waited on.
    pub foreground: Pass,
    /// The ignored concurrent run of shadow mode.
    pub shadow: Option<Pass>,
    /// Every segment line, in the order they happened.
    pub segments: Vec<Segment>,
    /// The totals.
    pub totals: Totals,
}

impl Report {
    /// Whether every foreground task ended `done` or `skipped` and no watchdog fired.
    pub fn succeeded(&self) -> bool {
        self.foreground.watchdog.is_none()
            && self
                .foreground
                .tasks
                .iter()
                .all(|task| matches!(task.status, Status::Done | Status::Skipped))
    }
}

/// Totals of a run; see `docs/manifest.md` for the exact definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Tasks in the manifest.
    pub tasks_total: usize,
    /// Foreground tasks that ended `done`.
    pub tasks_done: usize,
    /// Foreground tasks that ended `fail`.
    pub tasks_fail: usize,
    /// Foreground tasks that ended `timeout`.
    pub tasks_timeout: usize,
    /// Foreground tasks that were skipped.
    pub tasks_skipped: usize,
    /// The wall time the caller waited.
    pub sync_path_total_ms: u64,
    /// Sum of the durations of tasks that ran concurrently (0 in off mode).
    pub async_total_accumulated_ms: u64,
    /// Time the dispatcher added beyond the ideal: the foreground wall time minus the sum of
    /// durations (off, shadow) or minus the critical path (on).
    pub overhead_ms: i64,
    /// How much shorter the synchronous path is, or would be, than running one by one.
    pub sync_reduction_pct: f64,
}

impl Totals {
    /// Computes the totals of a run in `mode`.
    pub fn compute(mode: Mode, foreground: &Pass, shadow: Option<&Pass>) -> Totals {
        let signed = |ms: u64| i64::try_from(ms).unwrap_or(i64::MAX);
        let (async_ms, baseline, current, ideal) = match (mode, shadow) {
            (Mode::On, _) => (
                foreground.accumulated_ms(),
                foreground.accumulated_ms(),
                foreground.wall_ms,
                foreground.critical_path_ms,
            ),
            // Shadow mode projects the reduction: what the concurrent run would save.
            (Mode::Shadow, Some(shadow)) => (
                shadow.accumulated_ms(),
                foreground.wall_ms,
                shadow.wall_ms,
                foreground.accumulated_ms(),
            ),
            _ => (
                0,
                foreground.wall_ms,
                foreground.wall_ms,
                foreground.accumulated_ms(),
            ),
        };
        Totals {
            tasks_total: foreground.tasks.len(),
            tasks_done: foreground.count(Status::Done),
            tasks_fail: foreground.count(Status::Fail),
            tasks_timeout: foreground.count(Status::Timeout),
            tasks_skipped: foreground.count(Status::Skipped),
            sync_path_total_ms: foreground.wall_ms,
            async_total_accumulated_ms: async_ms,
            overhead_ms: signed(foreground.wall_ms) - signed(ideal),
            sync_reduction_pct: reduction_pct(baseline, current),
        }
    }
}

fn reduction_pct(baseline: u64, current: u64) -> f64 {
    if baseline == 0 {
        return 0.0;
    }
    100.0 * (baseline as f64 - current as f64) / baseline as f64
}

/// Fails with [`DispatchError::Unterminated`] if any task did not reach an ending.
pub fn check_terminal(tasks: &[TaskRecord]) -> Result<(), DispatchError> {
    let stuck: Vec<String> = tasks
        .iter()
        .filter(|task| !task.status.is_terminal())
        .map(|task| format!("{} ({})", task.id, task.status.name()))
        .collect();
    match stuck.is_empty() {
        true => Ok(()),
        false => Err(DispatchError::Unterminated { tasks: stuck }),
    }
}

/// The median and relative standard deviation of repeated totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleStats {
    /// How many samples.
    pub count: usize,
    /// The median.
    pub median: f64,
    /// The mean.
    pub mean: f64,
    /// The population standard deviation divided by the mean; 0 when the mean is 0.
    pub rsd: f64,
}

impl SampleStats {
    /// Computes the statistics of `samples`; `None` when there are none.
    pub fn of(samples: &[f64]) -> Option<SampleStats> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len();
        let middle = count.checked_sub(1)? / 2;
        let median = match count % 2 {
            1 => sorted[middle],
            _ => (sorted[middle] + sorted[middle + 1]) / 2.0,
        };
        let mean = sorted.iter().sum::<f64>() / count as f64;
        let variance = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / count as f64;
        let rsd = if mean == 0.0 {
            0.0
        } else {
            variance.sqrt() / mean
        };
        Some(SampleStats {
            count,
            median,
            mean,
            rsd,
        })
    }
}
