//! Structured diff of two JSON values, usable on its own.
//!
//! The experiment compares `Serialize` values through this module, and the
//! offload server reuses [`diff()`] to compare results that clients post. Paths
//! are JSON pointers (RFC 6901); ignore and unordered rules are pointer
//! patterns in which a `*` segment matches any one key or index.

mod pattern;
mod walk;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::BuildError;

pub use pattern::escape_segment;

/// How two values are compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiffConfig {
    /// Pointer patterns whose subtrees are never compared, e.g. `/updated_at`.
    pub ignore: Vec<String>,
    /// Pointer patterns of arrays compared as multisets, e.g. `/roles`.
    pub unordered: Vec<String>,
    /// The largest absolute difference at which two numbers still count as
    /// equal; 0 means exact.
    pub float_tolerance: f64,
}

impl DiffConfig {
    /// Adds an ignore pattern.
    pub fn ignore(mut self, pointer: &str) -> Self {
        self.ignore.push(pointer.to_owned());
        self
    }

    /// Adds an unordered-array pattern.
    pub fn unordered(mut self, pointer: &str) -> Self {
        self.unordered.push(pointer.to_owned());
        self
    }

    /// Sets the float tolerance.
    pub fn float_tolerance(mut self, tolerance: f64) -> Self {
        self.float_tolerance = tolerance;
        self
    }

    /// Refuses patterns that are not JSON pointers and negative or NaN
    /// tolerances, naming the field.
    pub fn validate(&self) -> Result<(), BuildError> {
        let tolerance = self.float_tolerance;
        if !(tolerance >= 0.0 && tolerance.is_finite()) {
            return Err(BuildError::OutOfRange {
                field: "diff.float_tolerance",
                value: tolerance,
                min: 0.0,
                max: f64::MAX,
            });
        }
        let bad_pointer = |pointer: &String| !pointer.is_empty() && !pointer.starts_with('/');
        if self.ignore.iter().any(bad_pointer) {
            return Err(pointer_conflict("diff.ignore"));
        }
        if self.unordered.iter().any(bad_pointer) {
            return Err(pointer_conflict("diff.unordered"));
        }
        Ok(())
    }
}

fn pointer_conflict(field: &'static str) -> BuildError {
    BuildError::Conflict {
        field,
        reason: "every pattern must be empty or start with '/'",
    }
}

/// What kind of difference was found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// Same JSON type, different value.
    Changed,
    /// Different JSON types (e.g. string against number).
    TypeChanged,
    /// Present in the control, absent from the candidate.
    Missing,
    /// Absent from the control, present in the candidate.
    Extra,
    /// One side returned an error and the other a value.
    ErrorVersusValue,
}

/// One difference between control and candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The JSON pointer of the differing node; `""` is the root.
    pub path: String,
    /// What differs.
    pub kind: DiffKind,
    /// The control's node, if it has one.
    pub control: Option<Value>,
    /// The candidate's node, if it has one.
    pub candidate: Option<Value>,
}

/// All differences between two values; empty means equal under the config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// The differences, in document order of the control.
    pub differences: Vec<Difference>,
}

impl Diff {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// The pointers of all differing nodes.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.differences
            .iter()
            .map(|difference| difference.path.as_str())
    }
}

/// Compares `control` with `candidate` under `config`.
pub fn diff(control: &Value, candidate: &Value, config: &DiffConfig) -> Diff {
    let mut differences = Vec::new();
    walk::Walker::new(config).walk(control, candidate, &mut differences);
    Diff { differences }
}

#[cfg(test)]
mod tests;
