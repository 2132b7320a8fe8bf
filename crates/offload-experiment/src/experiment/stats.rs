//! Counters of one experiment: relaxed atomics, one increment per call on
//! the hot path, read as a [`Stats`] snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::outcome::{Outcome, SkipReason};

const OUTCOME_LABELS: [&str; 8] = [
    "match",
    "mismatch",
    "ignored",
    "both_errored",
    "candidate_error",
    "timed_out",
    "panicked",
    "skipped",
];

/// A snapshot of an experiment's counters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    /// Calls that were sampled and ran candidates.
    pub sampled: u64,
    skipped: [u64; SkipReason::ALL.len()],
    outcomes: [u64; OUTCOME_LABELS.len()],
}

impl Stats {
    /// Calls or candidate runs skipped for `reason`.
    pub fn skipped(&self, reason: SkipReason) -> u64 {
        self.skipped[reason.index()]
    }

    /// Candidate runs whose outcome has this [`Outcome::label`].
    pub fn outcomes(&self, label: &str) -> u64 {
        OUTCOME_LABELS
            .iter()
            .position(|known| *known == label)
            .map_or(0, |index| self.outcomes[index])
    }
}

#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) max_in_flight: usize,
    sampled: AtomicU64,
    skipped: [AtomicU64; SkipReason::ALL.len()],
    outcomes: [AtomicU64; OUTCOME_LABELS.len()],
}

impl Counters {
    pub(crate) fn new(max_in_flight: usize) -> Self {
        Counters {
            max_in_flight,
            sampled: AtomicU64::new(0),
            skipped: Default::default(),
            outcomes: Default::default(),
        }
    }

    #[inline]
    pub(crate) fn count_skip(&self, reason: SkipReason) {
        self.skipped[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn count_sampled(&self) {
        self.sampled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_outcome(&self, outcome: &Outcome) {
        if let Outcome::Skipped { reason } = outcome {
            self.count_skip(*reason);
        }
        let index = OUTCOME_LABELS
            .iter()
            .position(|label| *label == outcome.label())
            .unwrap_or(0);
        self.outcomes[index].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Stats {
            sampled: load(&self.sampled),
            skipped: self.skipped.each_ref().map(load),
            outcomes: self.outcomes.each_ref().map(load),
        }
    }
}
