//! The errors this crate returns, and the decision each one asks of a caller.
//!
//! Callers mostly need to choose between "shed load and retry later", "stop
//! using this pool" and "the work itself failed"; [`ErrorKind`] names those
//! choices so a service can map them to responses without matching every
//! variant.

use std::io;

/// The decision an error asks the caller to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The pool is saturated: shed the request or retry later (HTTP 503).
    Overloaded,
    /// The pool is shutting down or gone: do not retry on this pool.
    Closed,
    /// The job ran and failed: retrying the same input will likely fail again.
    JobFailed,
    /// The pool could not be built: fix the configuration or the environment.
    Setup,
}

/// Why a job was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// Every thread is busy and the queue holds `capacity` waiting jobs.
    #[error("pool queue is full ({capacity} jobs waiting)")]
    QueueFull {
        /// The queue capacity that was reached.
        capacity: usize,
    },
    /// The queue stayed full until the caller's deadline.
    #[error("pool queue stayed full until the submit deadline")]
    DeadlineExceeded,
    /// The pool is shutting down and accepts no new work.
    #[error("pool is shutting down")]
    ShuttingDown,
}

impl SubmitError {
    /// The decision this error asks of the caller.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::QueueFull { .. } | Self::DeadlineExceeded => ErrorKind::Overloaded,
            Self::ShuttingDown => ErrorKind::Closed,
        }
    }
}

/// Why an accepted job produced no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The job panicked; the message is the panic payload when it was a string.
    #[error("job panicked: {0}")]
    Panicked(String),
    /// The pool's shutdown deadline passed before the job started, so it never ran.
    #[error("job was abandoned before it ran because the pool shut down")]
    Abandoned,
}

impl JobError {
    /// The decision this error asks of the caller.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Panicked(_) => ErrorKind::JobFailed,
            Self::Abandoned => ErrorKind::Closed,
        }
    }
}

/// A configuration value outside its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A numeric field is below its minimum.
    #[error("config field `{field}` must be at least {min}, got {got}")]
    TooSmall {
        /// The field's name as written in the config struct.
        field: &'static str,
        /// The smallest accepted value.
        min: usize,
        /// The value that was given.
        got: usize,
    },
    /// A numeric field is above its maximum.
    #[error("config field `{field}` must be at most {max}, got {got}")]
    TooLarge {
        /// The field's name as written in the config struct.
        field: &'static str,
        /// The largest accepted value.
        max: usize,
        /// The value that was given.
        got: usize,
    },
    /// The `name` field is empty, which would leave threads and metrics unnamed.
    #[error("config field `name` must not be empty")]
    EmptyName,
    /// A duration field is zero where the component needs time to pass.
    #[error("config field `{field}` must be longer than zero")]
    ZeroDuration {
        /// The field's name as written in the config struct.
        field: &'static str,
    },
}

/// Why a pool or probe could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// The configuration failed validation.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The operating system refused to start a worker thread.
    #[error("failed to spawn worker thread {index} of pool `{name}`")]
    SpawnThread {
        /// The pool's name.
        name: String,
        /// Which worker failed (0-based).
        index: usize,
        /// The underlying OS error.
        #[source]
        source: io::Error,
    },
    /// A [`LagProbe`](crate::LagProbe) was started outside a tokio runtime.
    #[error("lag probe must be started inside a tokio runtime")]
    NoRuntime,
}

impl PoolError {
    /// The decision this error asks of the caller.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Setup
    }
}
