//! What happened to one candidate on one call.
//!
//! Each variant carries only the data that is valid for it, so a `Mismatch`
//! always has a diff and an `Ignored` always names the rule that ignored it.

use serde::Serialize;

use crate::diff::Diff;

/// The verdict for one candidate against the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Both returned values and the comparator found them equal.
    Match,
    /// The values (or one value and one error) differ.
    Mismatch(Diff),
    /// A mismatch that an ignore rule (or noise cancellation, as rule
    /// `"noise"`) explained away.
    Ignored {
        /// The id of the rule that matched.
        rule: String,
    },
    /// Control and candidate both returned errors.
    BothErrored {
        /// Whether `compare_errors` (or equal messages) judged them the same.
        equal: bool,
    },
    /// The control returned a value and the candidate an error.
    CandidateError,
    /// The candidate passed its deadline and was cancelled.
    TimedOut,
    /// The candidate panicked; the panic was contained.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The candidate was not run or not judged.
    Skipped {
        /// Why.
        reason: SkipReason,
    },
}

impl Outcome {
    /// True for outcomes that count as agreement: `Match` and equal errors.
    pub fn is_match(&self) -> bool {
        matches!(self, Outcome::Match | Outcome::BothErrored { equal: true })
    }

    /// True for outcomes that count as disagreement.
    pub fn is_mismatch(&self) -> bool {
        matches!(
            self,
            Outcome::Mismatch(_) | Outcome::CandidateError | Outcome::BothErrored { equal: false }
        )
    }

    /// True for the failures the circuit breaker watches.
    pub(crate) fn is_breaker_failure(&self) -> bool {
        matches!(
            self,
            Outcome::CandidateError
                | Outcome::TimedOut
                | Outcome::Panicked { .. }
                | Outcome::Skipped {
                    reason: SkipReason::Saturated
                }
        )
    }

    /// A short stable name of the variant, for metrics labels.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Match => "match",
            Outcome::Mismatch(_) => "mismatch",
            Outcome::Ignored { .. } => "ignored",
            Outcome::BothErrored { .. } => "both_errored",
            Outcome::CandidateError => "candidate_error",
            Outcome::TimedOut => "timed_out",
            Outcome::Panicked { .. } => "panicked",
            Outcome::Skipped { .. } => "skipped",
        }
    }
}

/// Why a call or a candidate was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The call fell outside the sample.
    SampledOut,
    /// The `run_if` predicate said no.
    RunIfFalse,
    /// The experiment was switched off by hand.
    Disabled,
    /// An in-flight cap was full, so the candidate was not started.
    Saturated,
    /// The circuit breaker switched the experiment off.
    AutoDisabled,
    /// The comparator failed; the failure went to `on_internal_error`.
    CompareFailed,
}

impl SkipReason {
    /// Every reason, in the order of the counters in [`crate::Stats`].
    pub const ALL: [SkipReason; 6] = [
        SkipReason::SampledOut,
        SkipReason::RunIfFalse,
        SkipReason::Disabled,
        SkipReason::Saturated,
        SkipReason::AutoDisabled,
        SkipReason::CompareFailed,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}
