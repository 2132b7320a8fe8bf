//! The typed manifest: what a parsed and validated `offload.toml` means.
//!
//! Every value here is already resolved: `[defaults]` have been applied, durations and sizes
//! are parsed, and templates are split into literal and parameter parts. Code that uses a
//! [`Manifest`] never has to look at TOML or repeat a check.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::id::QueueName;
use crate::spec::Limits;

use super::template::{ArgTemplate, Template};

/// A parsed, validated manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The format version; always [`super::VERSION`].
    pub version: u32,
    /// Concurrency classes by name.
    pub classes: BTreeMap<String, ConcurrencyClass>,
    /// The tasks, sorted by id (the file must already list them in that order).
    pub tasks: Vec<Task>,
}

impl Manifest {
    /// The task with this id, if declared.
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks
            .binary_search_by(|task| task.id.as_str().cmp(id))
            .ok()
            .map(|index| &self.tasks[index])
    }
}

/// How a manifest is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseConfig {
    /// The global cap: no task's timeout may be longer.
    pub max_timeout: Duration,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            max_timeout: super::DEFAULT_TIMEOUT_CAP,
        }
    }
}

/// A named limit on how many tasks of the class run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcurrencyClass {
    /// At most this many tasks of the class run at once; at least 1.
    pub max: u32,
}

/// One task, with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The unique id: 1 to 64 characters of `[A-Za-z0-9_-]`.
    pub id: String,
    /// What the task does, for people.
    pub description: String,
    /// The argv template; each element is a literal or one whole parameter.
    pub command: Vec<ArgTemplate>,
    /// The declared parameters, in declaration order.
    pub params: Vec<Param>,
    /// How urgent the task is.
    pub priority: Priority,
    /// The wall-clock timeout of one attempt.
    pub timeout: Duration,
    /// Attempts after the first one that failed.
    pub retries: u32,
    /// The queue a server puts the job in.
    pub queue: QueueName,
    /// The concurrency class that limits it, if any.
    pub concurrency_class: Option<String>,
    /// The environment variable that must be `1` or `true` for the task to run, if any.
    pub feature_flag: Option<String>,
    /// A template whose rendering identifies a reusable result, if any.
    pub cache_key: Option<Template>,
    /// Tasks that must end `done` before this one starts, sorted and unique.
    pub depends_on: Vec<String>,
    /// Resource limits of one attempt.
    pub limits: Limits,
}

impl Task {
    /// The parameter with this name, if declared.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }
}

/// A task's urgency: a named level or an explicit integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Runs first: rank 100.
    Critical,
    /// The default: rank 0.
    Normal,
    /// Runs last: rank -100.
    Cosmetic,
    /// An explicit rank within the job priority bounds (-1000 to 1000).
    Rank(i32),
}

impl Priority {
    /// The number used for ordering; higher runs first. It is also the job's priority.
    pub fn rank(self) -> i32 {
        match self {
            Priority::Critical => 100,
            Priority::Normal => 0,
            Priority::Cosmetic => -100,
            Priority::Rank(rank) => rank,
        }
    }
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name used in `{name}` placeholders.
    pub name: String,
    /// The type values must have.
    pub kind: ParamType,
    /// Whether a caller must give a value. A parameter that is not required has a default.
    pub required: bool,
    /// The value used when the caller gives none.
    pub default: Option<ParamValue>,
    /// A regular expression the whole value must match (string and path only).
    pub pattern: Option<Pattern>,
}

/// The type of a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// Any text without NUL that does not start with `-`.
    String,
    /// A non-negative integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of values.
    Enum {
        /// The allowed values.
        values: Vec<String>,
    },
    /// A file path without NUL that does not start with `-`.
    Path,
}

impl ParamType {
    /// The name used in the manifest's `type` key.
    pub fn name(&self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Bool => "bool",
            ParamType::Enum { .. } => "enum",
            ParamType::Path => "path",
        }
    }
}

/// A checked parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A string, enum or path value.
    Text(String),
    /// An int value.
    Int(u64),
    /// A bool value.
    Bool(bool),
}

impl ParamValue {
    /// The value as one argv element.
    pub fn render(&self) -> String {
        match self {
            ParamValue::Text(text) => text.clone(),
            ParamValue::Int(number) => number.to_string(),
            ParamValue::Bool(flag) => flag.to_string(),
        }
    }
}

/// A compiled `pattern`, anchored so that it must match the whole value.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as written in the manifest.
    pub source: String,
    pub(super) regex: regex::Regex,
}

impl Pattern {
    /// Compiles `source`, anchored at both ends.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        let regex = regex::Regex::new(&format!("^(?:{source})$"))?;
        Ok(Pattern {
            source: source.to_owned(),
            regex,
        })
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}
