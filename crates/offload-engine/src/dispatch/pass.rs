//! One pass over the planned tasks: start what is ready, in order, within the limits, and
//! collect endings until every task has one.
//!
//! The same loop serves both orders. Off mode is a pass with one slot in manifest order;
//! concurrent mode orders ready tasks by priority and fills every free slot. The loop is also
//! the watchdog: when nothing starts or ends for the stall limit, it cancels everything.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use offload_sandbox::Sandbox;
use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::attempt::{Attempts, TaskEnd};
use super::config::{DispatchConfig, Mode, Watchdog};
use super::plan::{Gate, Planned};
use super::report::{Event, Pass, Segment, Status, TaskRecord};

/// How a pass orders and limits its tasks.
#[derive(Debug, Clone, Copy)]
pub(super) struct PassShape {
    /// `sync` or `async`, for segments and events.
    pub(super) phase: &'static str,
    /// The mode the run was asked for, for segments.
    pub(super) sample: Mode,
    /// How many tasks may run at once.
    pub(super) slots: usize,
    /// Whether ready tasks start by priority (concurrent) or in manifest order (baseline).
    pub(super) by_priority: bool,
}

/// The state of one pass while it runs.
struct Run<'a> {
    tasks: &'a [Planned],
    config: &'a DispatchConfig,
    shape: PassShape,
    sandbox: Arc<Sandbox>,
    segments: &'a Mutex<Vec<Segment>>,
    records: Vec<TaskRecord>,
    started: Instant,
    cancel: CancellationToken,
    progress: mpsc::UnboundedSender<()>,
    running: JoinSet<(usize, TaskEnd)>,
    watchdog: Option<String>,
}

/// Runs every task once, by `shape`; segments are appended to `segments` as they happen.
pub(super) async fn run_pass(
    sandbox: Arc<Sandbox>,
    tasks: &[Planned],
    config: &DispatchConfig,
    shape: PassShape,
    segments: &Mutex<Vec<Segment>>,
) -> Pass {
    let (progress, mut progress_rx) = mpsc::unbounded_channel();
    let mut run = Run {
        records: tasks.iter().map(|task| pending(&task.id)).collect(),
        tasks,
        config,
        shape,
        sandbox,
        segments,
        progress,
        started: Instant::now(),
        cancel: CancellationToken::new(),
        running: JoinSet::new(),
        watchdog: None,
    };
    run.close_gates();
    let stall = stall_limit(tasks, config.watchdog);
    let mut deadline = stall.map(|limit| Instant::now() + limit);
    loop {
        run.skip_blocked();
        run.start_ready();
        if run.running.is_empty() {
            break;
        }
        tokio::select! {
            Some(joined) = run.running.join_next() => {
                run.finish(joined);
                deadline = stall.map(|limit| Instant::now() + limit);
            }
            Some(()) = progress_rx.recv() => deadline = stall.map(|limit| Instant::now() + limit),
            () = sleep_until(deadline), if run.watchdog.is_none() => run.fire(stall.unwrap_or_default()),
        }
    }
    run.into_pass()
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn pending(id: &str) -> TaskRecord {
    TaskRecord {
        id: id.to_owned(),
        status: Status::Pending,
        attempts: 0,
        start_ms: None,
        end_ms: None,
        error: None,
    }
}

/// `factor` times the longest timeout of the tasks that may run.
fn stall_limit(tasks: &[Planned], watchdog: Watchdog) -> Option<Duration> {
    let Watchdog::Enabled { factor } = watchdog else {
        return None;
    };
    let longest = tasks.iter().map(|task| task.spec.timeout).max()?;
    Some(longest * factor)
}

impl Run<'_> {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn emit(&self, index: usize) {
        if let Some(events) = &self.config.events {
            let record = &self.records[index];
            let _ = events.send(Event {
                phase: self.shape.phase,
                task: record.id.clone(),
                status: record.status,
            });
        }
    }

    fn segment(&self, index: usize, suffix: &str, ms: u64, reason: Option<String>) {
        let name = format!("async_task_{}_{suffix}", self.records[index].id);
        let segment = Segment {
            name,
            ms,
            phase: self.shape.phase,
            sample: self.shape.sample,
            reason,
        };
        self.segments.lock().push(segment);
    }

    fn skip(&mut self, index: usize, reason: String) {
        let record = &mut self.records[index];
        record.status = Status::Skipped;
        record.error = Some(reason);
        self.emit(index);
    }

    fn close_gates(&mut self) {
        for (index, task) in self.tasks.iter().enumerate() {
            if let Gate::Closed(reason) = &task.gate {
                self.skip(index, reason.clone());
            }
        }
    }

    /// Skips pending tasks that can no longer run, until nothing changes: a skip can block
    /// the tasks that depend on the skipped one.
    fn skip_blocked(&mut self) {
        loop {
            let blocked = (0..self.tasks.len())
                .find_map(|index| self.blocker(index).map(|reason| (index, reason)));
            match blocked {
                Some((index, reason)) => self.skip(index, reason),
                None => return,
            }
        }
    }

    fn blocker(&self, index: usize) -> Option<String> {
        if self.records[index].status != Status::Pending {
            return None;
        }
        if let Some(reason) = &self.watchdog {
            return Some(format!(
                "not started: the watchdog stopped the run ({reason})"
            ));
        }
        self.tasks[index].depends_on.iter().find_map(|&dependency| {
            let record = &self.records[dependency];
            let ended_badly = record.status.is_terminal() && record.status != Status::Done;
            ended_badly.then(|| format!("dependency {} ended {}", record.id, record.status.name()))
        })
    }

    fn ready(&self) -> Vec<usize> {
        let mut ready: Vec<usize> = (0..self.tasks.len())
            .filter(|&index| self.records[index].status == Status::Pending)
            .filter(|&index| {
                self.tasks[index]
                    .depends_on
                    .iter()
                    .all(|&d| self.records[d].status == Status::Done)
            })
            .collect();
        if self.shape.by_priority {
            // The sort is stable, so equal priorities keep manifest order.
            ready.sort_by_key(|&index| std::cmp::Reverse(self.tasks[index].rank));
        }
        ready
    }

    fn class_full(&self, index: usize) -> bool {
        let Some((class, max)) = &self.tasks[index].class else {
            return false;
        };
        let busy = (0..self.tasks.len())
            .filter(|&other| self.records[other].status == Status::Running)
            .filter(|&other| {
                self.tasks[other]
                    .class
                    .as_ref()
                    .is_some_and(|(name, _)| name == class)
            })
            .count();
        busy >= *max as usize
    }

    fn start_ready(&mut self) {
        for index in self.ready() {
            if self.running.len() >= self.shape.slots.max(1) {
                return;
            }
            if !self.class_full(index) {
                self.start(index);
            }
        }
    }

    fn start(&mut self, index: usize) {
        let task = &self.tasks[index];
        let attempts = Attempts {
            sandbox: self.sandbox.clone(),
            spec: task.spec.clone(),
            retries: task.retries,
            fake_latency: self.config.fake_latency,
            cancel: self.cancel.clone(),
            progress: self.progress.clone(),
        };
        self.running
            .spawn(async move { (index, attempts.run().await) });
        let now = self.elapsed_ms();
        let record = &mut self.records[index];
        record.status = Status::Running;
        record.start_ms = Some(now);
        self.segment(index, "start", now, None);
        self.emit(index);
    }

    fn finish(&mut self, joined: Result<(usize, TaskEnd), tokio::task::JoinError>) {
        let (index, end) = match joined {
            Ok(result) => result,
            // A panicked task cannot say which it was; the terminal check will name it.
            Err(err) => return tracing::error!(error = %err, "a dispatched task panicked"),
        };
        let now = self.elapsed_ms();
        let record = &mut self.records[index];
        record.status = end.status;
        record.attempts = end.attempts;
        record.end_ms = Some(now);
        record.error = end.error;
        let duration = record.duration_ms().unwrap_or(0);
        let (suffix, reason) = match end.status {
            Status::Done => ("done", None),
            Status::Timeout => ("fail", Some("timeout".to_owned())),
            _ => ("fail", Some("error".to_owned())),
        };
        self.segment(index, suffix, duration, reason);
        self.emit(index);
    }

    fn fire(&mut self, stall: Duration) {
        let reason = format!("no progress for {stall:?}");
        tracing::warn!(%reason, "watchdog: stopping every task");
        self.watchdog = Some(reason);
        self.cancel.cancel();
    }

    fn into_pass(self) -> Pass {
        let critical_path_ms = critical_path(&self.records, self.tasks);
        Pass {
            wall_ms: self.elapsed_ms(),
            critical_path_ms,
            watchdog: self.watchdog,
            tasks: self.records,
        }
    }
}

/// The longest chain of durations along `depends_on`.
fn critical_path(records: &[TaskRecord], tasks: &[Planned]) -> u64 {
    fn finish(
        index: usize,
        records: &[TaskRecord],
        tasks: &[Planned],
        memo: &mut BTreeMap<usize, u64>,
    ) -> u64 {
        if let Some(&known) = memo.get(&index) {
            return known;
        }
        let before = tasks[index]
            .depends_on
            .iter()
            .map(|&d| finish(d, records, tasks, memo))
            .max()
            .unwrap_or(0);
        let total = before + records[index].duration_ms().unwrap_or(0);
        memo.insert(index, total);
        total
    }
    let mut memo = BTreeMap::new();
    (0..tasks.len())
        .map(|index| finish(index, records, tasks, &mut memo))
        .max()
        .unwrap_or(0)
}
