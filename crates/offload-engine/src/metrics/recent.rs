//! [`Recent`]: wait times, run times and outcomes of the last hour, in memory.
//!
//! `GET /v1/stats` answers "how is it going right now" for the last 1, 5 and 60
//! minutes. Prometheus histograms only grow, so they cannot answer that without a
//! query engine; and counting rows in the job table would cost more the longer the
//! history. So the executor also records every attempt here: the hour is cut into
//! ten-second slices, each with a count of finished and failed attempts and two
//! log-scaled histograms (wait and run). A window sums the slices it covers, so a
//! query costs the same with ten jobs or ten million, and memory is fixed.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long one slice lasts; windows are whole slices, so this is their granularity.
pub const SLICE: Duration = Duration::from_secs(10);
/// How far back the slices reach.
pub const HORIZON: Duration = Duration::from_secs(3600);
/// The smallest duration the histograms tell apart; shorter samples count as this.
const FLOOR_SECS: f64 = 1e-4;
/// Each histogram bucket is this much wider than the one before: about 5 % error.
const GROWTH: f64 = 1.1;
/// 100 µs × 1.1^200 is about 19 hours; longer samples land in the last bucket.
const BUCKETS: usize = 200;

/// Attempt timings of the last hour. Shared by the executor (writes) and the API (reads).
#[derive(Debug)]
pub struct Recent {
    origin: Instant,
    slices: Mutex<VecDeque<Slice>>,
}

impl Default for Recent {
    fn default() -> Self {
        Recent {
            origin: Instant::now(),
            slices: Mutex::new(VecDeque::new()),
        }
    }
}

/// What one window of time saw.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WindowStats {
    /// The window's length.
    pub window: Duration,
    /// Attempts that finished in it.
    pub finished: u64,
    /// Of those, the ones that did not succeed.
    pub failed: u64,
    /// Attempts that started in it (and so have a wait time).
    pub started: u64,
    /// Percentiles of the time from runnable to started.
    pub wait: Percentiles,
    /// Percentiles of the attempts' wall time.
    pub run: Percentiles,
}

impl WindowStats {
    /// Finished attempts per second over the window.
    pub fn throughput(&self) -> f64 {
        self.finished as f64 / self.window.as_secs_f64()
    }

    /// The share of finished attempts that failed, from 0 to 1; 0 when none finished.
    pub fn failure_rate(&self) -> f64 {
        if self.finished == 0 {
            return 0.0;
        }
        self.failed as f64 / self.finished as f64
    }
}

/// Three percentiles of a duration, each within about 5 % of the true value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Percentiles {
    /// The median.
    pub p50: Duration,
    /// The 95th percentile.
    pub p95: Duration,
    /// The 99th percentile.
    pub p99: Duration,
}

#[derive(Debug)]
struct Slice {
    index: u64,
    finished: u64,
    failed: u64,
    wait: Hist,
    run: Hist,
}

#[derive(Debug, Clone)]
struct Hist(Vec<u64>);

impl Recent {
    /// Records that an attempt started after waiting `wait`.
    pub fn record_wait(&self, wait: Duration) {
        self.record_wait_at(Instant::now(), wait);
    }

    /// Records that an attempt finished after running `run`.
    pub fn record_finish(&self, run: Duration, failed: bool) {
        self.record_finish_at(Instant::now(), run, failed);
    }

    /// Sums the slices of the last `window` (rounded up to whole slices).
    pub fn window(&self, window: Duration) -> WindowStats {
        self.window_at(Instant::now(), window)
    }

    fn record_wait_at(&self, now: Instant, wait: Duration) {
        self.with_slice(now, |s| s.wait.add(wait));
    }

    fn record_finish_at(&self, now: Instant, run: Duration, failed: bool) {
        self.with_slice(now, |s| {
            s.finished += 1;
            s.failed += u64::from(failed);
            s.run.add(run);
        });
    }

    fn with_slice(&self, now: Instant, f: impl FnOnce(&mut Slice)) {
        let index = self.index(now);
        let mut slices = self.slices.lock();
        if slices.back().is_none_or(|s| s.index != index) {
            slices.push_back(Slice::new(index));
        }
        let keep = HORIZON.as_secs() / SLICE.as_secs();
        while slices.front().is_some_and(|s| s.index + keep <= index) {
            slices.pop_front();
        }
        if let Some(slice) = slices.back_mut() {
            f(slice);
        }
    }

    fn window_at(&self, now: Instant, window: Duration) -> WindowStats {
        let newest = self.index(now);
        let count = window.as_secs().div_ceil(SLICE.as_secs()).max(1);
        let (mut wait, mut run) = (Hist::new(), Hist::new());
        let mut stats = WindowStats {
            window,
            ..WindowStats::default()
        };
        for slice in self
            .slices
            .lock()
            .iter()
            .filter(|s| s.index + count > newest)
        {
            stats.finished += slice.finished;
            stats.failed += slice.failed;
            wait.merge(&slice.wait);
            run.merge(&slice.run);
        }
        stats.started = wait.total();
        stats.wait = wait.percentiles();
        stats.run = run.percentiles();
        stats
    }

    fn index(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.origin).as_secs() / SLICE.as_secs()
    }
}

impl Slice {
    fn new(index: u64) -> Slice {
        Slice {
            index,
            finished: 0,
            failed: 0,
            wait: Hist::new(),
            run: Hist::new(),
        }
    }
}

impl Hist {
    fn new() -> Hist {
        Hist(vec![0; BUCKETS])
    }

    fn add(&mut self, d: Duration) {
        let ratio = (d.as_secs_f64() / FLOOR_SECS).max(1.0);
        let bucket = (ratio.ln() / GROWTH.ln()).floor() as usize;
        self.0[bucket.min(BUCKETS - 1)] += 1;
    }

    fn merge(&mut self, other: &Hist) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    fn percentiles(&self) -> Percentiles {
        Percentiles {
            p50: self.quantile(50),
            p95: self.quantile(95),
            p99: self.quantile(99),
        }
    }

    /// The nearest-rank percentile, reported as the middle of its bucket.
    fn quantile(&self, percent: u64) -> Duration {
        let total = self.total();
        if total == 0 {
            return Duration::ZERO;
        }
        let rank = (percent * total).div_ceil(100).max(1);
        let mut seen = 0;
        for (i, n) in self.0.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let low = FLOOR_SECS * GROWTH.powi(i as i32);
                return Duration::from_secs_f64(low * (1.0 + GROWTH) / 2.0);
            }
        }
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: Duration, want: Duration) -> bool {
        let (g, w) = (got.as_secs_f64(), want.as_secs_f64());
        (g - w).abs() <= w * 0.06
    }

    #[test]
    fn percentiles_of_one_to_a_hundred_ms_are_within_the_bucket_error() {
        let recent = Recent::default();
        let now = recent.origin;
        for ms in (1..=100).rev() {
            recent.record_wait_at(now, Duration::from_millis(ms));
        }
        let stats = recent.window_at(now, Duration::from_secs(60));
        assert_eq!(stats.started, 100);
        assert!(
            close(stats.wait.p50, Duration::from_millis(50)),
            "{stats:?}"
        );
        assert!(
            close(stats.wait.p95, Duration::from_millis(95)),
            "{stats:?}"
        );
        assert!(
            close(stats.wait.p99, Duration::from_millis(99)),
            "{stats:?}"
        );
    }

    #[test]
    fn a_window_sees_only_its_own_slices() {
        let recent = Recent::default();
        let start = recent.origin;
        recent.record_finish_at(start, Duration::from_secs(1), true);
        let later = start + Duration::from_secs(120);
        recent.record_finish_at(later, Duration::from_secs(1), false);
        recent.record_finish_at(later, Duration::from_secs(1), false);
        let minute = recent.window_at(later, Duration::from_secs(60));
        assert_eq!((minute.finished, minute.failed), (2, 0));
        let five = recent.window_at(later, Duration::from_secs(300));
        assert_eq!((five.finished, five.failed), (3, 1));
        assert!((five.failure_rate() - 1.0 / 3.0).abs() < 1e-9);
        assert!((five.throughput() - 3.0 / 300.0).abs() < 1e-9);
    }

    #[test]
    fn slices_older_than_the_horizon_are_dropped() {
        let recent = Recent::default();
        let start = recent.origin;
        recent.record_finish_at(start, Duration::from_secs(1), false);
        let much_later = start + HORIZON + SLICE;
        recent.record_finish_at(much_later, Duration::from_secs(1), false);
        assert_eq!(recent.slices.lock().len(), 1);
        let hour = recent.window_at(much_later, HORIZON);
        assert_eq!(hour.finished, 1);
    }

    #[test]
    fn an_empty_window_reports_zeros() {
        let stats = Recent::default().window(Duration::from_secs(60));
        assert_eq!(stats.finished, 0);
        assert_eq!(stats.failure_rate(), 0.0);
        assert_eq!(stats.wait.p99, Duration::ZERO);
    }
}
