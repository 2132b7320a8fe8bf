//! [`LagProbe`]: measures how late a tokio runtime wakes a sleeping task.
//!
//! A task that asks to wake at `t` and runs at `t + lag` was kept waiting by
//! whatever held the runtime's threads, usually blocking code in some other
//! task. The probe sleeps an interval over and over, records each lateness in
//! a window and a Prometheus histogram, and reports quantiles on demand.
//!
//! Tokio's timer fires on whole milliseconds and never early, so even an idle
//! runtime wakes a sleeper up to 1 ms late. [`LagProbeConfig::timer_slack`]
//! (1 ms by default) is subtracted from every sample so that an idle runtime
//! reads as close to zero; set it to zero to see the raw lateness.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::{ConfigError, PoolError};
pub use crate::lag_window::LagStats;
use crate::lag_window::Window;

/// How often a [`LagProbe`] samples and how much it remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagProbeConfig {
    /// How long the probe sleeps between samples; longer than zero.
    pub interval: Duration,
    /// How many recent samples the quantiles cover; at least 1.
    pub window: usize,
    /// Lateness the timer itself causes, subtracted from each sample.
    pub timer_slack: Duration,
}

impl Default for LagProbeConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(10),
            window: 1024,
            timer_slack: Duration::from_millis(1),
        }
    }
}

impl LagProbeConfig {
    /// Checks every field against its limit and names the first one that fails.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.interval.is_zero() {
            return Err(ConfigError::ZeroDuration { field: "interval" });
        }
        if self.window == 0 {
            return Err(ConfigError::TooSmall {
                field: "window",
                min: 1,
                got: 0,
            });
        }
        Ok(())
    }
}

/// A background task that measures its runtime's event-loop lag.
///
/// The task stops when the probe is dropped.
#[derive(Debug)]
pub struct LagProbe {
    recorder: Arc<Recorder>,
    sample_count: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

/// Where the probe task puts its samples.
#[derive(Debug)]
struct Recorder {
    window: Mutex<Window>,
    histogram: Histogram,
    sample_count: watch::Sender<u64>,
}

impl LagProbe {
    /// Starts probing the runtime this is called from.
    pub fn start(config: LagProbeConfig) -> Result<Self, PoolError> {
        let handle = Handle::try_current().map_err(|_| PoolError::NoRuntime)?;
        Self::start_on(&handle, config)
    }

    /// Starts probing the runtime behind `handle`.
    pub fn start_on(handle: &Handle, config: LagProbeConfig) -> Result<Self, PoolError> {
        config.validate()?;
        let (sample_count_tx, sample_count) = watch::channel(0);
        let recorder = Arc::new(Recorder {
            window: Mutex::new(Window::new(config.window)),
            // 50 µs to about 3 s in doublings: from a healthy loop to a frozen one.
            histogram: Histogram::new(exponential_buckets(5e-5, 2.0, 16)),
            sample_count: sample_count_tx,
        });
        let task = handle.spawn(probe_loop(Arc::clone(&recorder), config));
        Ok(Self {
            recorder,
            sample_count,
            task,
        })
    }

    /// Quantiles over the most recent samples.
    pub fn stats(&self) -> LagStats {
        self.recorder.window.lock().stats()
    }

    /// Waits until the probe has taken at least `count` samples in total.
    ///
    /// Lets tests and benchmarks wait for measurements without sleeping.
    pub async fn wait_for_samples(&self, count: u64) {
        let mut sample_count = self.sample_count.clone();
        // The sender lives in the recorder this probe owns, so it cannot close.
        let _ = sample_count.wait_for(|taken| *taken >= count).await;
    }

    /// Registers the lag histogram as `offload_event_loop_lag_seconds`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        let help = "How late the runtime woke a sleeping probe task, less timer slack";
        let histogram = self.recorder.histogram.clone();
        registry.register_with_unit("offload_event_loop_lag", help, Unit::Seconds, histogram);
    }
}

impl Drop for LagProbe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn probe_loop(recorder: Arc<Recorder>, config: LagProbeConfig) {
    loop {
        let due = Instant::now() + config.interval;
        tokio::time::sleep_until(due).await;
        let late = Instant::now().saturating_duration_since(due);
        recorder.record(late.saturating_sub(config.timer_slack));
    }
}

impl Recorder {
    fn record(&self, lag: Duration) {
        self.histogram.observe(lag.as_secs_f64());
        self.window.lock().push(lag);
        self.sample_count.send_modify(|taken| *taken += 1);
    }
}
