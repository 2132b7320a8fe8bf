//! Errors of the experiment library, kept in one place so callers can match on
//! [`ErrorKind`] instead of parsing messages.
//!
//! Three families exist: [`BuildError`] refuses a bad experiment definition
//! before it ever runs, [`InternalError`] reports trouble inside the library
//! (publisher, comparator, cleaner) to the `on_internal_error` hook and never to
//! the caller, and [`MismatchError`] is the payload of the deliberate panic that
//! `raise_on_mismatches` raises in tests.

use std::fmt;

use crate::result::ExperimentResult;

/// The decision a caller makes about an error, independent of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration value is out of its allowed range or missing.
    InvalidConfig,
    /// Two behaviours share one name.
    DuplicateName,
    /// The publisher failed or panicked.
    Publish,
    /// A user-supplied comparator, ignore rule or cleaner panicked or failed.
    Callback,
}

/// An experiment definition that cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A numeric field is outside its allowed range.
    #[error("{field}: {value} is outside the allowed range {min}..={max}")]
    OutOfRange {
        /// The name of the offending field, as spelled in the builder.
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The smallest allowed value.
        min: f64,
        /// The largest allowed value.
        max: f64,
    },
    /// Two candidates were registered under the same name.
    #[error("candidate name {name:?} is used twice")]
    DuplicateCandidate {
        /// The repeated name.
        name: String,
    },
    /// A candidate used a name reserved for the control or its A/A replica.
    #[error("candidate name {name:?} is reserved")]
    ReservedName {
        /// The reserved name.
        name: String,
    },
    /// The experiment has no candidate, so there is nothing to compare.
    #[error("candidates: at least 1 is required")]
    NoCandidates,
    /// Two options that cannot be combined were both set.
    #[error("{field}: {reason}")]
    Conflict {
        /// The option that cannot be used as configured.
        field: &'static str,
        /// Why it cannot be used.
        reason: &'static str,
    },
}

impl BuildError {
    /// The kind of this error, for callers that branch on it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            BuildError::DuplicateCandidate { .. } | BuildError::ReservedName { .. } => {
                ErrorKind::DuplicateName
            }
            _ => ErrorKind::InvalidConfig,
        }
    }
}

/// The step of the library where an internal error happened, in the spirit of
/// github/scientist's `raised(operation, error)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// The `compare` or `compare_errors` callback.
    Compare,
    /// An `ignore` rule.
    Ignore,
    /// The `clean` callback or the serialization of a value.
    Clean,
    /// The `context_from` callback.
    Context,
    /// The publisher.
    Publish,
}

/// Trouble inside the library that must never reach the caller of `run`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("experiment {experiment:?}: {operation:?} failed: {message}")]
pub struct InternalError {
    /// The experiment the error belongs to.
    pub experiment: String,
    /// The step that failed.
    pub operation: Operation,
    /// A human-readable description, including a panic message if there was one.
    pub message: String,
}

impl InternalError {
    /// The kind of this error, for callers that branch on it.
    pub fn kind(&self) -> ErrorKind {
        match self.operation {
            Operation::Publish => ErrorKind::Publish,
            _ => ErrorKind::Callback,
        }
    }
}

/// An error a [`crate::Publisher`] returns; it is routed to `on_internal_error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publish failed: {message}")]
pub struct PublishError {
    /// What went wrong.
    pub message: String,
}

/// The panic payload of `raise_on_mismatches`: the whole result, so a test
/// can print or inspect what differed.
#[derive(Debug, Clone)]
pub struct MismatchError {
    /// The result whose candidates did not match.
    pub result: ExperimentResult,
}

impl fmt::Display for MismatchError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pretty = serde_json::to_string_pretty(&self.result).unwrap_or_default();
        write!(
            formatter,
            "experiment {:?} mismatched:\n{pretty}",
            self.result.experiment
        )
    }
}

impl std::error::Error for MismatchError {}

/// Turns a panic payload into a readable message.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}
