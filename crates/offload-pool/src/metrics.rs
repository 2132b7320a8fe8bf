//! Per-pool counters and timings, readable as a [`PoolStats`] snapshot and
//! exportable to Prometheus.
//!
//! Each number lives once, in a `prometheus_client` metric (whose clones share
//! storage), so the snapshot and the scrape can never disagree. Histograms in
//! `prometheus_client` cannot be read back, so [`Timing`] keeps a count, sum
//! and maximum next to its histogram for the snapshot.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// Label set for rejected submissions: why the pool said no.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct RejectLabels {
    reason: &'static str,
}

/// Why a submission was rejected, as a metric label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RejectReason {
    QueueFull,
    DeadlineExceeded,
    ShuttingDown,
}

impl RejectReason {
    fn labels(self) -> RejectLabels {
        let reason = match self {
            Self::QueueFull => "queue_full",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::ShuttingDown => "shutting_down",
        };
        RejectLabels { reason }
    }
}

/// A duration histogram that also remembers count, total and maximum.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    histogram: Histogram,
    count: Counter,
    total_nanos: Counter,
    max_nanos: std::sync::Arc<AtomicU64>,
}

impl Default for Timing {
    fn default() -> Self {
        // 10 µs to about 5 s in doublings covers a queue hop up to a slow query.
        Self {
            histogram: Histogram::new(exponential_buckets(1e-5, 2.0, 20)),
            count: Counter::default(),
            total_nanos: Counter::default(),
            max_nanos: std::sync::Arc::default(),
        }
    }
}

impl Timing {
    pub(crate) fn observe(&self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.histogram.observe(elapsed.as_secs_f64());
        self.count.inc();
        self.total_nanos.inc_by(nanos);
        self.max_nanos.fetch_max(nanos, Ordering::Relaxed);
    }

    fn stats(&self) -> TimingStats {
        TimingStats {
            count: self.count.get(),
            total: Duration::from_nanos(self.total_nanos.get()),
            max: Duration::from_nanos(self.max_nanos.load(Ordering::Relaxed)),
        }
    }
}

/// Every metric one pool keeps.
#[derive(Debug, Default)]
pub(crate) struct PoolMetrics {
    pub(crate) queue_depth: Gauge,
    pub(crate) in_flight: Gauge,
    pub(crate) completed: Counter,
    pub(crate) panicked: Counter,
    rejected: Family<RejectLabels, Counter>,
    pub(crate) wait: Timing,
    pub(crate) run: Timing,
}

impl PoolMetrics {
    pub(crate) fn reject(&self, reason: RejectReason) {
        self.rejected.get_or_create(&reason.labels()).inc();
    }

    fn rejected(&self, reason: RejectReason) -> u64 {
        self.rejected.get_or_create(&reason.labels()).get()
    }

    pub(crate) fn stats(&self, threads: usize, queue_capacity: usize) -> PoolStats {
        PoolStats {
            threads,
            queue_capacity,
            queue_depth: non_negative(self.queue_depth.get()),
            in_flight: non_negative(self.in_flight.get()),
            completed: self.completed.get(),
            panicked: self.panicked.get(),
            rejected: RejectedStats {
                queue_full: self.rejected(RejectReason::QueueFull),
                deadline_exceeded: self.rejected(RejectReason::DeadlineExceeded),
                shutting_down: self.rejected(RejectReason::ShuttingDown),
            },
            wait: self.wait.stats(),
            run: self.run.stats(),
        }
    }

    /// Registers every metric under `offload_pool_*` with a `pool` label.
    pub(crate) fn register(&self, name: &str, registry: &mut Registry) {
        let registry = registry
            .sub_registry_with_prefix("offload_pool")
            .sub_registry_with_label(("pool".into(), name.to_owned().into()));
        let gauges = [
            (
                "queue_depth",
                "Jobs waiting for a worker thread",
                &self.queue_depth,
            ),
            (
                "in_flight",
                "Jobs running on a worker thread",
                &self.in_flight,
            ),
        ];
        for (metric, help, gauge) in gauges {
            registry.register(metric, help, gauge.clone());
        }
        registry.register(
            "completed",
            "Jobs that finished, panicked or not",
            self.completed.clone(),
        );
        registry.register("panicked", "Jobs that panicked", self.panicked.clone());
        registry.register(
            "rejected",
            "Submissions the pool refused, by reason",
            self.rejected.clone(),
        );
        let waits = "Time from submit to a worker starting the job";
        registry.register_with_unit("wait", waits, Unit::Seconds, self.wait.histogram.clone());
        let runs = "Time a job ran on its worker thread";
        registry.register_with_unit("run", runs, Unit::Seconds, self.run.histogram.clone());
    }
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A point-in-time view of one pool's metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Worker threads the pool was built with.
    pub threads: usize,
    /// How many jobs may wait in the queue.
    pub queue_capacity: usize,
    /// Jobs accepted but not yet started.
    pub queue_depth: u64,
    /// Jobs running right now.
    pub in_flight: u64,
    /// Jobs that finished, including those that panicked.
    pub completed: u64,
    /// Jobs that panicked (a subset of `completed`).
    pub panicked: u64,
    /// Submissions refused, by reason.
    pub rejected: RejectedStats,
    /// Time from submit to start, for jobs that started.
    pub wait: TimingStats,
    /// Time from start to finish, for jobs that finished.
    pub run: TimingStats,
}

/// Refused submissions, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RejectedStats {
    /// [`SubmitError::QueueFull`](crate::SubmitError::QueueFull) answers.
    pub queue_full: u64,
    /// [`SubmitError::DeadlineExceeded`](crate::SubmitError::DeadlineExceeded) answers.
    pub deadline_exceeded: u64,
    /// [`SubmitError::ShuttingDown`](crate::SubmitError::ShuttingDown) answers.
    pub shutting_down: u64,
}

impl RejectedStats {
    /// All refusals, whatever the reason.
    pub fn total(&self) -> u64 {
        self.queue_full + self.deadline_exceeded + self.shutting_down
    }
}

/// Count, total and maximum of one kind of duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TimingStats {
    /// How many durations were observed.
    pub count: u64,
    /// Their sum.
    pub total: Duration,
    /// The longest one.
    pub max: Duration,
}

impl TimingStats {
    /// The average duration, or zero when nothing was observed.
    pub fn mean(&self) -> Duration {
        match u32::try_from(self.count) {
            Ok(0) => Duration::ZERO,
            Ok(count) => self.total / count,
            Err(_) => Duration::from_secs_f64(self.total.as_secs_f64() / self.count as f64),
        }
    }
}
