//! Errors of the manifest: a problem in the file, at a line and column, with a fix; and a
//! problem rendering a task with the values a caller gave.

use std::ops::Range;

/// What kind of problem a [`ManifestError`] is, for callers that decide on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file is not valid TOML.
    Syntax,
    /// A key that the format does not have.
    UnknownKey,
    /// A missing key or a value of the wrong type or out of range.
    InvalidValue,
    /// The `version` is not one this build understands.
    UnsupportedVersion,
    /// Two tasks (or parameters) share an id (or name).
    Duplicate,
    /// Tasks are not sorted by id.
    Unsorted,
    /// A template names a parameter the task does not declare, or a declared one is unused.
    UndeclaredParam,
    /// A timeout is longer than the global cap.
    TimeoutAboveCap,
    /// A reference to a task or concurrency class that does not exist.
    UnknownReference,
    /// `depends_on` forms a cycle.
    Cycle,
}

/// A problem in a manifest, located in the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message} (fix: {fix})")]
pub struct ManifestError {
    /// What kind of problem it is.
    pub kind: ErrorKind,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, in characters.
    pub column: usize,
    /// What is wrong, in one line.
    pub message: String,
    /// How to fix it, in one line.
    pub fix: String,
}

/// Builds located errors from byte spans of one source text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Locator<'a> {
    pub(super) source: &'a str,
}

impl Locator<'_> {
    /// An error at the start of `span`.
    pub(super) fn error(
        &self,
        span: &Range<usize>,
        kind: ErrorKind,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> ManifestError {
        let (line, column) = position(self.source, span.start);
        ManifestError {
            kind,
            line,
            column,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// The 1-based line and column of a byte offset.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let before = &source[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Why a task could not be rendered with the given parameter values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// No task has this id.
    #[error("unknown task {0:?}")]
    UnknownTask(String),
    /// A value was given for a parameter the task does not declare.
    #[error("task {task:?} has no parameter {param:?}")]
    UnknownParam {
        /// The task.
        task: String,
        /// The parameter given.
        param: String,
    },
    /// A required parameter was not given.
    #[error("task {task:?} needs parameter {param:?}")]
    MissingParam {
        /// The task.
        task: String,
        /// The parameter missing.
        param: String,
    },
    /// A value does not fit the parameter's type, set or pattern.
    #[error("parameter {param:?} of task {task:?}: {problem}")]
    InvalidValue {
        /// The task.
        task: String,
        /// The parameter.
        param: String,
        /// What is wrong with the value, naming the rule.
        problem: String,
    },
    /// The rendered job spec breaks a job bound.
    #[error("task {task:?} renders an invalid job: {problem}")]
    Spec {
        /// The task.
        task: String,
        /// The bound that was broken.
        problem: crate::validate::SpecError,
    },
}
