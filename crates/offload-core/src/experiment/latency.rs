//! Latency as fixed log-scaled buckets, so percentiles come from a few counters.
//!
//! A duration goes into one of [`BUCKETS`] buckets whose bounds grow by 20 %
//! from 10 µs; bucket 0 holds everything faster. The store adds one to a
//! `(experiment, behaviour, bucket)` counter per observation, and a percentile
//! is a walk over at most 128 counts: it costs the same after a billion
//! observations, and never scans raw rows. A percentile is the geometric middle
//! of its bucket, so it is within about 10 % of the true value.

use std::collections::BTreeMap;

/// How many buckets there are.
pub const BUCKETS: u16 = 128;
/// The upper bound of bucket 0, in milliseconds.
const FIRST_MS: f64 = 0.01;
/// How much each bucket's bounds grow.
const GROWTH: f64 = 1.2;

/// The bucket of a duration of `ms` milliseconds.
pub fn bucket(ms: f64) -> u16 {
    if ms.is_nan() || ms < FIRST_MS {
        return 0;
    }
    let steps = (ms / FIRST_MS).ln() / GROWTH.ln();
    // Truncation is the point: a bucket is a whole number of growth steps.
    let index = steps.floor() as u64 + 1;
    u16::try_from(index.min(u64::from(BUCKETS - 1))).unwrap_or(BUCKETS - 1)
}

/// The value a bucket stands for, in milliseconds: the geometric middle of its
/// bounds (5 µs for bucket 0, which holds everything under 10 µs).
pub fn value(bucket: u16) -> f64 {
    if bucket == 0 {
        return FIRST_MS / 2.0;
    }
    let low = FIRST_MS * GROWTH.powi(i32::from(bucket) - 1);
    low * GROWTH.sqrt()
}

/// Counts per bucket of one behaviour's durations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// Observations per bucket; empty buckets are absent.
    pub counts: BTreeMap<u16, u64>,
}

impl LatencyHistogram {
    /// Adds one duration.
    pub fn record(&mut self, ms: f64) {
        *self.counts.entry(bucket(ms)).or_default() += 1;
    }

    /// How many durations it holds.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The `q` quantile (0 to 1) in milliseconds, or `None` when empty.
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        // The rank of the quantile, from 1; a fraction rounds up, as in
        // "the smallest value at or above q of the observations".
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        self.counts.iter().find_map(|(b, n)| {
            seen += n;
            (seen >= rank).then(|| value(*b))
        })
    }
}
