//! A fixed-size window of recent lag samples and the quantiles over it.
//!
//! The window keeps raw samples rather than buckets because it is small (a
//! few thousand durations) and exact quantiles make the before/after numbers
//! of a benchmark comparable without bucket-edge artefacts.

use std::collections::VecDeque;
use std::time::Duration;

/// The most recent `capacity` samples, oldest first.
#[derive(Debug)]
pub(crate) struct Window {
    samples: VecDeque<Duration>,
    capacity: usize,
    total_samples: u64,
}

impl Window {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            samples: VecDeque::with_capacity(capacity),
            capacity,
            total_samples: 0,
        }
    }

    pub(crate) fn push(&mut self, sample: Duration) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.total_samples += 1;
    }

    pub(crate) fn stats(&self) -> LagStats {
        let mut sorted: Vec<Duration> = self.samples.iter().copied().collect();
        sorted.sort_unstable();
        LagStats {
            samples: sorted.len(),
            total_samples: self.total_samples,
            p50: nearest_rank(&sorted, 50),
            p95: nearest_rank(&sorted, 95),
            p99: nearest_rank(&sorted, 99),
            max: sorted.last().copied().unwrap_or_default(),
        }
    }
}

/// The nearest-rank percentile: the smallest sample with at least
/// `percent`% of the samples at or below it.
fn nearest_rank(sorted: &[Duration], percent: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Event-loop lag over a [`LagProbe`](crate::LagProbe)'s window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LagStats {
    /// How many samples the quantiles below are computed from.
    pub samples: usize,
    /// How many samples were taken since the probe started.
    pub total_samples: u64,
    /// Median lag.
    pub p50: Duration,
    /// 95th percentile lag.
    pub p95: Duration,
    /// 99th percentile lag.
    pub p99: Duration,
    /// The largest lag in the window.
    pub max: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: impl IntoIterator<Item = u64>) -> Window {
        let values: Vec<u64> = values.into_iter().collect();
        let mut window = Window::new(values.len());
        for value in values {
            window.push(Duration::from_millis(value));
        }
        window
    }

    #[test]
    fn quantiles_of_one_to_a_hundred_are_their_ranks() {
        // Pushed in reverse so the test fails if the window forgets to sort.
        let stats = millis((1..=100).rev()).stats();
        assert_eq!(stats.p50, Duration::from_millis(50));
        assert_eq!(stats.p95, Duration::from_millis(95));
        assert_eq!(stats.p99, Duration::from_millis(99));
        assert_eq!(stats.max, Duration::from_millis(100));
    }

    #[test]
    fn full_window_forgets_the_oldest_sample() {
        let mut window = millis([500, 1, 2]);
        window.push(Duration::from_millis(3));
        let stats = window.stats();
        assert_eq!(stats.max, Duration::from_millis(3));
        assert_eq!((stats.samples, stats.total_samples), (3, 4));
    }

    #[test]
    fn empty_window_reports_zero() {
        assert_eq!(Window::new(4).stats(), LagStats::default());
    }
}
