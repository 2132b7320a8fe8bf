//! Errors of a dispatch, with an [`ErrorKind`] for what the caller should do.

use std::path::PathBuf;

use offload_core::manifest::RenderError;

/// Why a dispatch could not run or did not end cleanly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// A task cannot run without parameters: `offload run` gives none.
    #[error("task {task:?} cannot run without parameters: {problem}")]
    NeedsParams {
        /// The task.
        task: String,
        /// What rendering said.
        problem: RenderError,
    },
    /// A task did not reach done, fail, timeout or skipped: a dispatcher bug.
    #[error("tasks did not reach a terminal status: {}", tasks.join(", "))]
    Unterminated {
        /// The tasks and where they stopped.
        tasks: Vec<String>,
    },
    /// The sentinel file could not be read, removed or written.
    #[error("watchdog sentinel {}: {error}", path.display())]
    Sentinel {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// What a caller should do about a [`DispatchError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The manifest or the options are wrong for this command; tell the user.
    InvalidInput,
    /// A file could not be used; check the path and permissions.
    Io,
    /// A bug; report it.
    Internal,
}

impl DispatchError {
    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DispatchError::NeedsParams { .. } => ErrorKind::InvalidInput,
            DispatchError::Sentinel { .. } => ErrorKind::Io,
            DispatchError::Unterminated { .. } => ErrorKind::Internal,
        }
    }
}
