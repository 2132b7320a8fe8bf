//! Typed errors for setting up a sandbox and for rejecting a bad run spec.
//!
//! A run itself never fails with an error: problems starting the command become
//! [`Termination::SpawnError`](crate::Termination::SpawnError) so that the engine records them like
//! any other outcome. Errors here are for the caller's own mistakes and for a host that cannot host
//! a sandbox at all.

use std::io;
use std::path::PathBuf;

/// Why [`Sandbox::new`](crate::Sandbox::new) refused to build a sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The work root could not be created or its permissions could not be set.
    #[error("cannot prepare work root {path}: {source}")]
    WorkRoot {
        /// The configured work root.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The work root exists but is a symlink, not a directory, or is owned by another user, so
    /// someone else could plant files in it.
    #[error("work root {path} is unsafe: {problem}")]
    UnsafeWorkRoot {
        /// The configured work root.
        path: PathBuf,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The detection probe made a cgroup, but the sandbox's own parent cgroup could not be made.
    #[error("cannot prepare the sandbox's cgroup: {source}")]
    Cgroup {
        /// The underlying error.
        source: io::Error,
    },
    /// A configuration field holds a value that can never work.
    #[error("invalid sandbox config: {field}: {problem}")]
    InvalidConfig {
        /// The field, e.g. `env_allow[2]`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// The decision a caller makes about a [`SandboxError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The host's filesystem failed; retrying or fixing the host may help.
    Io,
    /// The host is set up in a way that would let jobs or other users interfere; refuse to start.
    Unsafe,
    /// The configuration is wrong; fix it.
    InvalidConfig,
}

impl SandboxError {
    /// Classifies the error for callers that decide between retrying, refusing and fixing.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::WorkRoot { .. } | Self::Cgroup { .. } => ErrorKind::Io,
            Self::UnsafeWorkRoot { .. } => ErrorKind::Unsafe,
            Self::InvalidConfig { .. } => ErrorKind::InvalidConfig,
        }
    }
}

/// Why a [`RunSpec`](crate::RunSpec) was rejected before anything was started.
///
/// The sandbox reports these as `Termination::SpawnError` with this error's message, which names
/// the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// `argv` has no program.
    #[error("argv: must not be empty")]
    EmptyArgv,
    /// A string that goes to the kernel contains a NUL byte, which would silently cut it short.
    #[error("{field}: must not contain a NUL byte")]
    Nul {
        /// The field, e.g. `argv[1]` or `env[0].value`.
        field: String,
    },
    /// A file name would escape or clobber the work directory.
    #[error("files[{index}].name {name:?}: {problem}")]
    FileName {
        /// Position in `files`.
        index: usize,
        /// The rejected name.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An environment variable name cannot be passed to `execve`.
    #[error("env[{index}].name {name:?}: {problem}")]
    EnvName {
        /// Position in `env`.
        index: usize,
        /// The rejected name.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}
