//! Engine errors, with an [`ErrorKind`] for the decisions callers make.

use offload_core::SpecError;
use offload_store::StoreError;

/// An error from an engine call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A submitted spec is invalid; `index` is its position in the batch.
    #[error("job {index}: {source}")]
    InvalidSpec {
        /// The position of the bad spec in the batch.
        index: usize,
        /// What is wrong with it.
        source: SpecError,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An experiment's stored settings cannot be used (a pattern that no
    /// longer compiles).
    #[error("stored settings of experiment {name}: {source}")]
    Settings {
        /// The experiment.
        name: String,
        /// What is wrong with them.
        source: offload_core::experiment::ExperimentError,
    },
    /// The engine is shutting down and takes no new work.
    #[error("the engine is shutting down")]
    ShuttingDown,
}

/// What a caller should do about an [`EngineError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request was bad; tell the user which field.
    InvalidInput,
    /// No such job.
    NotFound,
    /// An idempotency key conflict.
    Conflict,
    /// Try again later.
    Unavailable,
    /// A bug or corruption.
    Internal,
}

impl EngineError {
    /// The decision this error forces.
    pub fn kind(&self) -> ErrorKind {
        use offload_store::ErrorKind as S;
        match self {
            EngineError::InvalidSpec { .. } => ErrorKind::InvalidInput,
            EngineError::ShuttingDown => ErrorKind::Unavailable,
            EngineError::Settings { .. } => ErrorKind::Internal,
            EngineError::Store(e) => match e.kind() {
                S::NotFound => ErrorKind::NotFound,
                S::Conflict => ErrorKind::Conflict,
                S::Unavailable => ErrorKind::Unavailable,
                S::Schema | S::Internal => ErrorKind::Internal,
            },
        }
    }
}
