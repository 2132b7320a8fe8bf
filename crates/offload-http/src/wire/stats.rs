//! The body of `GET /v1/stats`: a summary for dashboards and scripts.
//!
//! Every figure comes from in-memory state kept as the engine works (sliding
//! windows, gauges, the lag probe), so answering costs the same however many jobs
//! the store holds. Durations are seconds as floating-point numbers, which charts
//! and scripts use directly.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The server's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatsResponse {
    /// The last 1, 5 and 60 minutes, in that order.
    pub windows: Vec<WindowBody>,
    /// Waiting and running jobs per queue.
    pub queues: Vec<QueueDepthBody>,
    /// The workers of this server.
    pub workers: Vec<WorkerBody>,
    /// The server's event-loop lag over its recent samples; absent if not measured.
    pub event_loop_lag: Option<LagBody>,
}

/// One sliding window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WindowBody {
    /// The window's length in seconds (60, 300 or 3600).
    pub seconds: u64,
    /// Attempts finished in the window.
    pub finished: u64,
    /// Of those, the ones that did not succeed.
    pub failed: u64,
    /// Finished attempts per second.
    pub throughput: f64,
    /// `failed / finished`, 0 when nothing finished.
    pub failure_rate: f64,
    /// Runnable-to-started time of attempts started in the window.
    pub wait: PercentilesBody,
    /// Wall time of attempts finished in the window.
    pub run: PercentilesBody,
}

/// Percentiles of a duration, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PercentilesBody {
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
}

/// One queue's depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueDepthBody {
    /// The queue.
    pub queue: String,
    /// Jobs waiting to run.
    pub queued: i64,
    /// Jobs waiting for their time (delayed or retrying).
    pub scheduled: i64,
    /// Jobs running.
    pub running: i64,
}

/// One worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkerBody {
    /// Its id (`host-pid`).
    pub worker: String,
    /// Job slots.
    pub slots: i64,
    /// Slots running a job now.
    pub busy: i64,
    /// The sandbox isolation tier, where known.
    pub sandbox_tier: Option<String>,
}

/// Event-loop lag quantiles, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LagBody {
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// How many samples they cover.
    pub samples: usize,
}
