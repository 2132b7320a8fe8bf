//! What one sampled call produced: the control's result and each candidate's.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::config::{bounds, check_name};
use super::error::{ExperimentError, fail};

/// One behaviour's result: a value or an error, and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// The (cleaned) value; `null` when the behaviour failed.
    pub value: Value,
    /// The error message, when the behaviour failed.
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
}

/// A candidate's name and result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The candidate's name, unique within the observation and never `control`.
    pub name: String,
    /// What it produced.
    pub observed: Observed,
}

/// One sampled call of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// What the existing code produced.
    pub control: Observed,
    /// What each candidate produced, in the order they were registered.
    pub candidates: Vec<Candidate>,
    /// Anything the caller wants kept beside a mismatch (a user id, a request).
    pub context: Map<String, Value>,
}

/// The name every control has, so no candidate may take it.
pub const CONTROL: &str = "control";

impl Observation {
    /// Checks the candidates (at least one, unique valid names, not `control`)
    /// and every duration and error message against [`bounds`].
    pub fn validate(&self) -> Result<(), ExperimentError> {
        check_observed("control", &self.control)?;
        if self.candidates.is_empty() || self.candidates.len() > bounds::MAX_CANDIDATES {
            let problem = format!(
                "must hold 1 to {} candidates: an observation compares at least one",
                bounds::MAX_CANDIDATES
            );
            return Err(fail("candidates", problem));
        }
        for (i, candidate) in self.candidates.iter().enumerate() {
            self.check_candidate(i, candidate)?;
        }
        Ok(())
    }

    fn check_candidate(&self, i: usize, candidate: &Candidate) -> Result<(), ExperimentError> {
        let field = format!("candidates[{i}].name");
        check_name(&field, &candidate.name)?;
        if candidate.name == CONTROL {
            return Err(fail(
                field,
                "\"control\" names the control, not a candidate",
            ));
        }
        if self.candidates[..i]
            .iter()
            .any(|c| c.name == candidate.name)
        {
            let problem = format!(
                "{:?} is used by two candidates: names must be unique",
                candidate.name
            );
            return Err(fail(field, problem));
        }
        check_observed(&format!("candidates[{i}]"), &candidate.observed)
    }
}

fn check_observed(field: &str, observed: &Observed) -> Result<(), ExperimentError> {
    let ms = observed.duration_ms;
    if !ms.is_finite() || !(0.0..=bounds::MAX_DURATION_MS).contains(&ms) {
        let problem = format!(
            "{ms} is out of range: must be from 0 to {} milliseconds",
            bounds::MAX_DURATION_MS
        );
        return Err(fail(format!("{field}.duration_ms"), problem));
    }
    match &observed.error {
        Some(e) if e.len() > bounds::MAX_ERROR => Err(fail(
            format!("{field}.error"),
            format!("at most {} bytes", bounds::MAX_ERROR),
        )),
        _ => Ok(()),
    }
}
