//! The task manifest on the wire: the tasks a server runs and their parameters.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The tasks a server runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TasksResponse {
    /// The SHA-256 of the manifest's canonical form; absent without a manifest.
    pub checksum: Option<String>,
    /// Whether jobs with a raw `command` are accepted.
    pub raw_commands_allowed: bool,
    /// The tasks, sorted by id.
    pub tasks: Vec<TaskBody>,
}

/// One task and its parameter schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskBody {
    /// The task's id, as submitted in `task`.
    pub id: String,
    /// What it does.
    pub description: String,
    /// Its parameters.
    pub params: Vec<ParamBody>,
    /// Its soft timeout, in milliseconds.
    pub timeout_ms: u64,
    /// The queue its jobs go to.
    pub queue: String,
}

/// One parameter of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParamBody {
    /// The name, as a key of `params`.
    pub name: String,
    /// `string`, `int`, `bool`, `enum` or `path`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it must be given.
    pub required: bool,
    /// The allowed values of an `enum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}
