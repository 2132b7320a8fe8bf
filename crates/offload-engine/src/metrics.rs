//! Every metric the engine exports, named in this one module.
//!
//! The values are counters and gauges kept as the engine works (a submit, a claim,
//! a completion), never `count(*)` over the job table, so scraping costs nothing
//! however long the history. `docs/metrics.md` lists the same names for operators.

use std::sync::Arc;
use std::time::Duration;

pub mod recent;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels naming a queue.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabel {
    /// The queue.
    pub queue: String,
}

/// Labels naming a queue and how an attempt ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// The queue.
    pub queue: String,
    /// The outcome kind (`exited`, `timed_out`, …) or `success`.
    pub outcome: String,
}

/// Labels naming a store operation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OpLabel {
    /// `insert`, `claim`, `complete` or `heartbeat`.
    pub op: String,
}

/// Labels naming an experiment and what became of one observation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ExperimentLabels {
    /// The experiment.
    pub experiment: String,
    /// `match`, `mismatch`, `disabled` or `sampled_out`.
    pub result: String,
}

/// Labels naming an experiment.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ExperimentLabel {
    /// The experiment.
    pub experiment: String,
}

/// The engine's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// `offload_jobs_submitted_total{queue}`.
    pub submitted: Family<QueueLabel, Counter>,
    /// `offload_jobs_started_total{queue}`: attempts started.
    pub started: Family<QueueLabel, Counter>,
    /// `offload_jobs_finished_total{queue,outcome}`: attempts finished.
    pub finished: Family<OutcomeLabels, Counter>,
    /// `offload_jobs_retried_total{queue}`: attempts that led to a scheduled retry.
    pub retried: Family<QueueLabel, Counter>,
    /// `offload_dead_letters_total{queue}`: jobs that failed for good.
    pub dead: Family<QueueLabel, Counter>,
    /// `offload_job_wait_seconds{queue}`: from becoming runnable to starting.
    pub wait: Family<QueueLabel, Histogram>,
    /// `offload_job_run_seconds{queue}`: the attempt's wall time.
    pub run: Family<QueueLabel, Histogram>,
    /// `offload_worker_slots`: slots of this engine.
    pub slots: Gauge,
    /// `offload_worker_busy_slots`: slots running a job now.
    pub busy: Gauge,
    /// `offload_store_seconds{op}`: latency of store calls.
    pub store: Family<OpLabel, Histogram>,
    /// `offload_progress_malformed_total{queue}`: progress lines that broke the format.
    pub progress_malformed: Family<QueueLabel, Counter>,
    /// `offload_progress_dropped_total{queue}`: progress updates a flood made the rate cap drop.
    pub progress_dropped: Family<QueueLabel, Counter>,
    /// `offload_experiment_observations_total{experiment,result}`: observations
    /// published to the server or made by shadow jobs, by what became of them.
    pub experiment_observations: Family<ExperimentLabels, Counter>,
    /// `offload_shadow_skipped_total{experiment}`: shadow jobs not enqueued
    /// because the shadow queue already held its most waiting jobs.
    pub shadow_skipped: Family<ExperimentLabel, Counter>,
    /// Wait and run times and outcomes of the last hour, for `/v1/stats`; not exported.
    pub recent: Arc<recent::Recent>,
}

fn latency_buckets() -> Histogram {
    // 100 µs to about 3 minutes, doubling.
    Histogram::new(exponential_buckets(0.0001, 2.0, 22))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            submitted: Family::default(),
            started: Family::default(),
            finished: Family::default(),
            retried: Family::default(),
            dead: Family::default(),
            wait: Family::new_with_constructor(latency_buckets),
            run: Family::new_with_constructor(latency_buckets),
            slots: Gauge::default(),
            busy: Gauge::default(),
            store: Family::new_with_constructor(latency_buckets),
            progress_malformed: Family::default(),
            progress_dropped: Family::default(),
            experiment_observations: Family::default(),
            shadow_skipped: Family::default(),
            recent: Arc::default(),
        }
    }
}

impl Metrics {
    /// Registers every metric under its documented name.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "offload_jobs_submitted",
            "Jobs accepted",
            self.submitted.clone(),
        );
        registry.register(
            "offload_jobs_started",
            "Attempts started",
            self.started.clone(),
        );
        registry.register(
            "offload_jobs_finished",
            "Attempts finished, by outcome",
            self.finished.clone(),
        );
        registry.register(
            "offload_jobs_retried",
            "Attempts that scheduled a retry",
            self.retried.clone(),
        );
        registry.register(
            "offload_dead_letters",
            "Jobs that failed for good",
            self.dead.clone(),
        );
        registry.register(
            "offload_job_wait_seconds",
            "Runnable to started",
            self.wait.clone(),
        );
        registry.register(
            "offload_job_run_seconds",
            "Attempt wall time",
            self.run.clone(),
        );
        registry.register(
            "offload_worker_slots",
            "Job slots of this process",
            self.slots.clone(),
        );
        registry.register(
            "offload_worker_busy_slots",
            "Slots running a job",
            self.busy.clone(),
        );
        registry.register(
            "offload_store_seconds",
            "Store call latency",
            self.store.clone(),
        );
        registry.register(
            "offload_progress_malformed",
            "Progress lines ignored because they broke the format",
            self.progress_malformed.clone(),
        );
        registry.register(
            "offload_progress_dropped",
            "Progress updates superseded under the rate cap",
            self.progress_dropped.clone(),
        );
        registry.register(
            "offload_experiment_observations",
            "Experiment observations, by result",
            self.experiment_observations.clone(),
        );
        registry.register(
            "offload_shadow_skipped",
            "Shadow jobs skipped because the shadow queue was full",
            self.shadow_skipped.clone(),
        );
    }

    /// Counts one shadow job of `experiment` skipped for a full shadow queue.
    pub fn shadow_skipped(&self, experiment: &str) {
        let label = ExperimentLabel {
            experiment: experiment.to_owned(),
        };
        self.shadow_skipped.get_or_create(&label).inc();
    }

    /// Counts one observation of `experiment` as `result`.
    pub fn experiment_observed(&self, experiment: &str, result: &str) {
        let labels = ExperimentLabels {
            experiment: experiment.to_owned(),
            result: result.to_owned(),
        };
        self.experiment_observations.get_or_create(&labels).inc();
    }

    pub(crate) fn queue(queue: &offload_core::QueueName) -> QueueLabel {
        QueueLabel {
            queue: queue.as_str().to_owned(),
        }
    }

    pub(crate) fn store_call(&self, op: &str, took: Duration) {
        self.store
            .get_or_create(&OpLabel { op: op.to_owned() })
            .observe(took.as_secs_f64());
    }
}

/// The label value of an outcome.
pub(crate) fn outcome_label(outcome: &offload_core::Outcome) -> &'static str {
    if outcome.is_success() {
        "success"
    } else {
        outcome.kind()
    }
}
