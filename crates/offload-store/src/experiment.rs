//! The values that cross the [`crate::Store`] boundary for experiments.
//!
//! Whoever judged an observation (the HTTP route for published results, the
//! engine for shadow jobs) hands the store an [`ObservationRecord`]: the
//! observation, one verdict per candidate, the time and one random draw. The
//! store counts it (per experiment, per minute, per diff signature, per latency
//! bucket) and keeps a bounded reservoir sample of the mismatches, so that every
//! read in an [`ExperimentReport`] costs the same however many observations
//! there were.

use std::collections::BTreeMap;

use offload_core::Timestamp;
use offload_core::experiment::{
    CONTROL, Candidate, ExperimentConfig, ExperimentName, LatencyHistogram, Observation, Observed,
    Verdict,
};
use serde_json::{Map, Value};

/// One judged observation to record.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRecord {
    /// The experiment; it is created with the default settings if unknown.
    pub experiment: ExperimentName,
    /// What the call produced, already validated.
    pub observation: Observation,
    /// One verdict per candidate, in the observation's order.
    pub verdicts: Vec<Verdict>,
    /// When it was observed: its minute bucket.
    pub at: Timestamp,
    /// A number drawn uniformly from `[0, 1)`: it decides, for every mismatching
    /// candidate, whether and where the mismatch enters its signature's
    /// reservoir (`offload_core::experiment::reservoir_slot`). Passed in so
    /// that tests are deterministic.
    pub draw: f64,
}

impl ObservationRecord {
    /// Whether every candidate matched.
    pub fn matched(&self) -> bool {
        self.verdicts.iter().all(Verdict::is_match)
    }
}

/// What recording one observation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Every candidate matched.
    pub matched: bool,
    /// How many of its mismatches entered a reservoir (new or replacing one).
    pub kept: u32,
}

/// An experiment's settings and running totals, for listings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSummary {
    /// The settings.
    pub config: ExperimentConfig,
    /// Observations where every candidate matched.
    pub matched: u64,
    /// Observations where at least one candidate did not.
    pub mismatched: u64,
    /// When the experiment was created (first published or configured).
    pub created_at: Timestamp,
    /// When the latest observation was recorded.
    pub last_seen_at: Option<Timestamp>,
}

/// What [`crate::Store::experiment_get`] reads besides the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExperimentQuery {
    /// The first minute of the timeline.
    pub since: Timestamp,
    /// At most this many stored mismatches, newest first.
    pub samples: usize,
}

/// Everything known about one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentReport {
    /// Settings and totals.
    pub summary: ExperimentSummary,
    /// Match and mismatch counts per minute since the query's `since`, oldest
    /// first; minutes without observations are absent.
    pub minutes: Vec<MinuteCounts>,
    /// Every diff signature kept (at most `MAX_SIGNATURES` and the overflow),
    /// most frequent first.
    pub signatures: Vec<SignatureCount>,
    /// Latency per behaviour: `control` first, then candidates by name.
    pub latency: Vec<BehaviourLatency>,
    /// Stored mismatches, newest first.
    pub samples: Vec<StoredMismatch>,
}

/// The observations of one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinuteCounts {
    /// The minute's start.
    pub minute: Timestamp,
    /// Observations where every candidate matched.
    pub matched: u64,
    /// Observations where at least one did not.
    pub mismatched: u64,
}

/// One kind of mismatch and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCount {
    /// The diff signature (or `overflow`).
    pub signature: String,
    /// The differing fields or lines it stands for.
    pub fields: Vec<String>,
    /// How many candidate mismatches had it.
    pub count: u64,
    /// When the latest one was recorded.
    pub last_seen_at: Timestamp,
}

/// The latency histogram of one behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BehaviourLatency {
    /// `control` or a candidate's name.
    pub behaviour: String,
    /// Every duration recorded for it.
    pub histogram: LatencyHistogram,
}

/// One kept mismatch, with both outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMismatch {
    /// Its signature.
    pub signature: String,
    /// Its differing fields or lines.
    pub fields: Vec<String>,
    /// What the control produced.
    pub control: Observed,
    /// The candidate and what it produced.
    pub candidate: Candidate,
    /// The observation's context.
    pub context: Map<String, Value>,
    /// When it was recorded.
    pub at: Timestamp,
}

/// The minute bucket that `at` falls in.
pub fn minute_of(at: Timestamp) -> Timestamp {
    Timestamp(at.0.div_euclid(60_000) * 60_000)
}

impl BehaviourLatency {
    /// Histograms keyed by behaviour, as a report lists them: the control
    /// first, then candidates by name.
    pub fn control_first(mut histograms: BTreeMap<String, LatencyHistogram>) -> Vec<Self> {
        let control = histograms
            .remove(CONTROL)
            .map(|histogram| BehaviourLatency {
                behaviour: CONTROL.to_owned(),
                histogram,
            });
        let candidates = histograms
            .into_iter()
            .map(|(behaviour, histogram)| BehaviourLatency {
                behaviour,
                histogram,
            });
        control.into_iter().chain(candidates).collect()
    }
}
