//! Retry policy: which failures are retried, how many times, and how far apart.
//!
//! Backoff is exponential with jitter, so that a burst of failures does not come
//! back as a burst of retries. The randomness is passed in as a sample in `[0, 1)`,
//! which keeps the function pure and its tests exact.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::outcome::OutcomeClass;
use crate::spec::duration_ms;

/// How a failed attempt is retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 3 means up to 4 attempts.
    pub max_retries: u32,
    /// The delay between attempts.
    pub backoff: Backoff,
    /// The failure classes that are retried; any other failure fails the job at once.
    pub retry_on: BTreeSet<OutcomeClass>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            backoff: Backoff::default(),
            retry_on: OutcomeClass::DEFAULT_RETRY_ON.into_iter().collect(),
        }
    }
}

/// Exponential backoff: `base * factor^(n-1)`, capped at `max`, then jittered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backoff {
    /// The delay before the first retry.
    #[serde(with = "duration_ms")]
    pub base: Duration,
    /// The growth factor from one retry to the next.
    pub factor: f64,
    /// The longest delay.
    #[serde(with = "duration_ms")]
    pub max: Duration,
    /// The fraction of the delay that is randomised: 0.2 gives ±20 %.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(5),
            factor: 5.0,
            max: Duration::from_secs(3600),
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1-based), given a uniform sample in `[0, 1)`.
    pub fn delay(&self, retry: u32, sample: f64) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let raw = self.base.as_secs_f64() * self.factor.powi(exponent);
        let capped = raw.min(self.max.as_secs_f64());
        let spread = 1.0 + self.jitter * (2.0 * sample.clamp(0.0, 1.0) - 1.0);
        Duration::from_secs_f64((capped * spread).max(0.0))
    }
}

impl RetryPolicy {
    /// Whether a failure of `class` after `failures` counted failures is retried.
    pub fn should_retry(&self, class: OutcomeClass, failures: u32) -> bool {
        self.retry_on.contains(&class) && failures <= self.max_retries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_backoff_is_5_25_125_seconds_without_jitter() {
        let b = Backoff::default();
        let mid = 0.5; // A sample of 0.5 is the centre of the jitter band.
        assert_eq!(b.delay(1, mid), Duration::from_secs(5));
        assert_eq!(b.delay(2, mid), Duration::from_secs(25));
        assert_eq!(b.delay(3, mid), Duration::from_secs(125));
    }

    #[test]
    fn jitter_stays_within_its_band() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay(1, 1.0), Duration::from_secs(6));
    }

    #[test]
    fn delay_is_capped_at_max() {
        let b = Backoff {
            jitter: 0.0,
            ..Backoff::default()
        };
        assert_eq!(b.delay(30, 0.5), Duration::from_secs(3600));
    }

    #[test]
    fn retries_only_listed_classes_within_budget() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(OutcomeClass::WorkerLost, 1));
        assert!(p.should_retry(OutcomeClass::SpawnError, 3));
        assert!(!p.should_retry(OutcomeClass::SpawnError, 4));
        assert!(!p.should_retry(OutcomeClass::OutputTruncated, 1));
    }
}
