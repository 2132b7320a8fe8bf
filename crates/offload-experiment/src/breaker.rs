//! A circuit breaker that switches an experiment off when its candidates
//! keep failing, timing out or being skipped for saturation.
//!
//! The window counts the last N judged candidate runs rather than a time span:
//! that needs no clock, is deterministic in tests, and adapts to traffic.
//! Once tripped the experiment stays off until [`crate::Experiment::reset_breaker`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use crate::error::BuildError;

/// When to trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// How many recent candidate runs are considered.
    pub window: usize,
    /// How many runs the window must hold before it can trip.
    pub min_runs: usize,
    /// The failure share (0–1) above which the breaker trips.
    pub max_failure_rate: f64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            window: 100,
            min_runs: 20,
            max_failure_rate: 0.5,
        }
    }
}

impl BreakerConfig {
    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        let rate = self.max_failure_rate;
        if !(0.0..=1.0).contains(&rate) {
            return Err(BuildError::OutOfRange {
                field: "breaker.max_failure_rate",
                value: rate,
                min: 0.0,
                max: 1.0,
            });
        }
        if self.window == 0 || self.min_runs > self.window {
            let window = self.window as f64;
            return Err(BuildError::OutOfRange {
                field: "breaker.min_runs",
                value: self.min_runs as f64,
                min: 0.0,
                max: window,
            });
        }
        Ok(())
    }
}

/// The breaker's state; the `tripped` flag is what the hot path reads.
#[derive(Debug)]
pub(crate) struct Breaker {
    config: BreakerConfig,
    recent: Mutex<VecDeque<bool>>,
    tripped: AtomicBool,
}

impl Breaker {
    pub(crate) fn new(config: BreakerConfig) -> Self {
        let recent = Mutex::new(VecDeque::with_capacity(config.window));
        Breaker {
            config,
            recent,
            tripped: AtomicBool::new(false),
        }
    }

    /// One relaxed load, cheap enough for every call.
    #[inline]
    pub(crate) fn is_tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    /// Adds one run to the window and trips when the failure share passes
    /// the threshold.
    pub(crate) fn record(&self, failed: bool) {
        let mut recent = self.recent.lock();
        if recent.len() == self.config.window {
            recent.pop_front();
        }
        recent.push_back(failed);
        let failures = recent.iter().filter(|failed| **failed).count();
        let rate = failures as f64 / recent.len() as f64;
        if recent.len() >= self.config.min_runs && rate > self.config.max_failure_rate {
            self.tripped.store(true, Ordering::Relaxed);
        }
    }

    /// Closes the breaker again and forgets the window.
    pub(crate) fn reset(&self) {
        self.recent.lock().clear();
        self.tripped.store(false, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_only_after_min_runs_and_above_the_rate() {
        let breaker = Breaker::new(BreakerConfig {
            window: 4,
            min_runs: 4,
            max_failure_rate: 0.5,
        });
        for failed in [true, true, true] {
            breaker.record(failed);
        }
        assert!(!breaker.is_tripped(), "three runs are fewer than min_runs");
        breaker.record(false);
        assert!(breaker.is_tripped(), "3 of 4 failed, above 50 %");
        breaker.reset();
        assert!(!breaker.is_tripped());
    }

    #[test]
    fn old_failures_leave_the_window() {
        let breaker = Breaker::new(BreakerConfig {
            window: 2,
            min_runs: 2,
            max_failure_rate: 0.5,
        });
        for failed in [true, false, false, true] {
            breaker.record(failed);
        }
        assert!(
            !breaker.is_tripped(),
            "the window holds [false, true]: exactly 50 %"
        );
    }

    #[test]
    fn bad_config_names_the_field() {
        let config = BreakerConfig {
            max_failure_rate: 1.5,
            ..BreakerConfig::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("breaker.max_failure_rate")
        );
        let config = BreakerConfig {
            window: 2,
            min_runs: 3,
            max_failure_rate: 0.5,
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("breaker.min_runs")
        );
    }
}
