//! The one error of this module: a field that is out of bounds, named.

/// An experiment field (a name, a rate, a candidate) that is not acceptable.
///
/// `field` is a dotted path as the wire names it (`percent`,
/// `candidates[1].name`), so the HTTP layer can pass it on unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ExperimentError {
    /// The field, as a dotted path.
    pub field: String,
    /// What is wrong, naming the limit.
    pub problem: String,
}

/// An [`ExperimentError`] for `field`.
pub(crate) fn fail(field: impl Into<String>, problem: impl Into<String>) -> ExperimentError {
    ExperimentError {
        field: field.into(),
        problem: problem.into(),
    }
}
