//! Noise cancellation in the style of Twitter's Diffy.
//!
//! On a slice of sampled calls the control runs a second time (an A/A run,
//! through a `'static` replica of the control), and the fields where the two
//! control runs disagree are counted as noise: timestamps, random ids and
//! the like. A field in a candidate's diff is then reported only when the
//! candidate differs there clearly more often than the control differs from
//! itself.

use std::collections::{HashMap, HashSet};

use parking_lot::Mutex;

use crate::diff::Diff;
use crate::error::BuildError;
use crate::sample::SampleRate;

/// When to run the A/A replica and how strict the filter is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseConfig {
    /// The share of sampled calls on which the replica also runs.
    pub sample: SampleRate,
    /// The least `(raw − noise) / raw` for a field to be reported (Diffy: 0.2).
    pub min_relative: f64,
    /// The least `raw − noise`, as a share of calls, for a field to be
    /// reported (Diffy: 0.0003, i.e. 0.03 %).
    pub min_absolute: f64,
    /// How many distinct field paths are tracked; later new paths are
    /// always reported, so memory stays bounded.
    pub max_fields: usize,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        NoiseConfig {
            sample: SampleRate::ALWAYS,
            min_relative: 0.2,
            min_absolute: 0.0003,
            max_fields: 1_024,
        }
    }
}

impl NoiseConfig {
    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        for (field, value) in [
            ("noise.min_relative", self.min_relative),
            ("noise.min_absolute", self.min_absolute),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(BuildError::OutOfRange {
                    field,
                    value,
                    min: 0.0,
                    max: 1.0,
                });
            }
        }
        Ok(())
    }
}

/// Per-field difference counters for candidate (raw) and A/A (noise) runs.
#[derive(Debug, Default)]
struct Counters {
    raw_runs: u64,
    noise_runs: u64,
    raw: HashMap<String, u64>,
    noise: HashMap<String, u64>,
}

/// The shared noise state of one experiment.
#[derive(Debug)]
pub(crate) struct NoiseFilter {
    config: NoiseConfig,
    counters: Mutex<Counters>,
}

impl NoiseFilter {
    pub(crate) fn new(config: NoiseConfig) -> Self {
        NoiseFilter {
            config,
            counters: Mutex::new(Counters::default()),
        }
    }

    pub(crate) fn config(&self) -> &NoiseConfig {
        &self.config
    }

    /// Counts one control-against-replica comparison.
    pub(crate) fn record_noise(&self, diff: &Diff) {
        let mut counters = self.counters.lock();
        counters.noise_runs += 1;
        let max_fields = self.config.max_fields;
        bump_paths(&mut counters.noise, diff, max_fields);
    }

    /// Counts one control-against-candidate comparison, equal ones included.
    pub(crate) fn record_raw(&self, diff: &Diff) {
        let mut counters = self.counters.lock();
        counters.raw_runs += 1;
        let max_fields = self.config.max_fields;
        bump_paths(&mut counters.raw, diff, max_fields);
    }

    /// Keeps only the differences at fields whose raw rate beats the noise
    /// rate by both margins; with no A/A run yet everything is kept.
    pub(crate) fn filter(&self, diff: Diff) -> Diff {
        let counters = self.counters.lock();
        let differences = diff
            .differences
            .into_iter()
            .filter(|difference| self.significant(&counters, &difference.path))
            .collect();
        Diff { differences }
    }

    fn significant(&self, counters: &Counters, path: &str) -> bool {
        if counters.noise_runs == 0 || counters.raw_runs == 0 {
            return true;
        }
        let share = |map: &HashMap<String, u64>, runs: u64| {
            map.get(path).copied().unwrap_or(0) as f64 / runs as f64
        };
        let raw = share(&counters.raw, counters.raw_runs);
        let noise = share(&counters.noise, counters.noise_runs);
        let gap = raw - noise;
        raw > noise && gap >= self.config.min_absolute && gap / raw >= self.config.min_relative
    }
}

/// Adds one to each distinct path of the diff, tracking at most `max_fields`.
fn bump_paths(counts: &mut HashMap<String, u64>, diff: &Diff, max_fields: usize) {
    let distinct: HashSet<&str> = diff.paths().collect();
    for path in distinct {
        if let Some(count) = counts.get_mut(path) {
            *count += 1;
        } else if counts.len() < max_fields {
            counts.insert(path.to_owned(), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::diff::{DiffConfig, diff};

    #[allow(
        clippy::needless_pass_by_value,
        reason = "call sites read better with owned json! literals"
    )]
    fn diff_of(control: serde_json::Value, other: serde_json::Value) -> Diff {
        diff(&control, &other, &DiffConfig::default())
    }

    #[test]
    fn a_field_that_is_as_noisy_as_the_control_is_dropped() {
        let filter = NoiseFilter::new(NoiseConfig::default());
        // The timestamp differs on every A/A run and every candidate run; the
        // price differs only for the candidate.
        for _ in 0..10 {
            filter.record_noise(&diff_of(
                json!({"ts": 1, "price": 5}),
                json!({"ts": 2, "price": 5}),
            ));
            filter.record_raw(&diff_of(
                json!({"ts": 1, "price": 5}),
                json!({"ts": 3, "price": 6}),
            ));
        }
        let kept = filter.filter(diff_of(
            json!({"ts": 1, "price": 5}),
            json!({"ts": 3, "price": 6}),
        ));
        assert_eq!(kept.paths().collect::<Vec<_>>(), vec!["/price"]);
    }

    #[test]
    fn without_any_aa_run_nothing_is_filtered() {
        let filter = NoiseFilter::new(NoiseConfig::default());
        let candidate_diff = diff_of(json!({"ts": 1}), json!({"ts": 2}));
        filter.record_raw(&candidate_diff);
        assert_eq!(filter.filter(candidate_diff.clone()), candidate_diff);
    }

    #[test]
    fn relative_margin_is_applied() {
        let config = NoiseConfig {
            min_relative: 0.5,
            min_absolute: 0.0,
            ..NoiseConfig::default()
        };
        let filter = NoiseFilter::new(config);
        // Noise rate 40 %, raw rate 60 %: gap / raw = 1/3, below 0.5.
        for run in 0..10 {
            let noisy = if run < 4 {
                json!({"a": 2})
            } else {
                json!({"a": 1})
            };
            filter.record_noise(&diff_of(json!({"a": 1}), noisy));
            let raw = if run < 6 {
                json!({"a": 2})
            } else {
                json!({"a": 1})
            };
            filter.record_raw(&diff_of(json!({"a": 1}), raw));
        }
        assert!(
            filter
                .filter(diff_of(json!({"a": 1}), json!({"a": 2})))
                .is_empty()
        );
    }

    #[test]
    fn margins_outside_zero_to_one_name_the_field() {
        let config = NoiseConfig {
            min_absolute: 2.0,
            ..NoiseConfig::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("noise.min_absolute")
        );
    }
}
