//! The published record of one experiment run.
//!
//! Values are stored already cleaned and serialized to JSON, so a publisher
//! never needs the experiment's generic types, and the record can be posted
//! as it is to `POST /v1/experiments/{name}/results` via [`ExperimentResult::http_body`].

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::outcome::Outcome;
use crate::timing::Timing;

/// One behaviour's result: a value or an error, and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// `"control"` or the candidate's name.
    pub name: String,
    /// The cleaned value, when the behaviour returned one.
    pub value: Option<Value>,
    /// The error message, when the behaviour failed, timed out or panicked.
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
    /// CPU time of the behaviour's own polls, in milliseconds.
    pub cpu_ms: f64,
}

impl Observation {
    pub(crate) fn new(
        name: &str,
        value: Option<Value>,
        error: Option<String>,
        timing: Timing,
    ) -> Self {
        Observation {
            name: name.to_owned(),
            value,
            error,
            duration_ms: timing.wall.as_secs_f64() * 1_000.0,
            cpu_ms: timing.cpu.as_secs_f64() * 1_000.0,
        }
    }

    fn http_fields(&self) -> Value {
        json!({ "value": self.value, "error": self.error, "duration_ms": self.duration_ms })
    }
}

/// A candidate's observation and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateResult {
    /// What the candidate did.
    #[serde(flatten)]
    pub observation: Observation,
    /// How it compared with the control.
    pub outcome: Outcome,
}

/// Everything known about one sampled call, handed to the publisher.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentResult {
    /// The experiment's name.
    pub experiment: String,
    /// The experiment's static context merged with the per-call context.
    pub context: Map<String, Value>,
    /// The control's observation.
    pub control: Observation,
    /// One entry per candidate, in registration order.
    pub candidates: Vec<CandidateResult>,
    /// Behaviour names in the order they started (random in `Inline` mode).
    pub execution_order: Vec<String>,
}

impl ExperimentResult {
    /// True only when every candidate matched: an ignored mismatch is not a
    /// match, as in github/scientist.
    pub fn matched(&self) -> bool {
        self.candidates
            .iter()
            .all(|candidate| candidate.outcome.is_match())
    }

    /// True when at least one candidate disagreed and no rule ignored it.
    pub fn mismatched(&self) -> bool {
        self.candidates
            .iter()
            .any(|candidate| candidate.outcome.is_mismatch())
    }

    /// True when at least one mismatch was ignored.
    pub fn ignored(&self) -> bool {
        let is_ignored =
            |candidate: &CandidateResult| matches!(candidate.outcome, Outcome::Ignored { .. });
        self.candidates.iter().any(is_ignored)
    }

    /// The candidate named `name`, if there is one.
    pub fn candidate(&self, name: &str) -> Option<&CandidateResult> {
        self.candidates
            .iter()
            .find(|candidate| candidate.observation.name == name)
    }

    /// The body of `POST /v1/experiments/{name}/results`.
    pub fn http_body(&self) -> Value {
        let candidates: Vec<Value> = self.candidates.iter().map(candidate_http_fields).collect();
        json!({
            "control": self.control.http_fields(),
            "candidates": candidates,
            "context": self.context,
        })
    }
}

fn candidate_http_fields(candidate: &CandidateResult) -> Value {
    let mut fields = candidate.observation.http_fields();
    fields["name"] = Value::String(candidate.observation.name.clone());
    fields
}
