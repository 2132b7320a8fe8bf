//! Identifiers: jobs, workers and queues.
//!
//! They are newtypes so that a queue name can never be passed where a worker id is
//! expected, and so that a queue name is validated once, at the edge, rather than
//! at every use.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The identifier of a job, assigned by the store on insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The identity of one worker process (or one server's local worker pool).
///
/// It is recorded on every attempt, so that an operator can see which machine ran
/// a job, and it names the holder of a lease.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkerId(pub String);

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of a queue: 1 to 64 characters of `[A-Za-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QueueName(String);

/// The longest queue name accepted.
pub const MAX_QUEUE_NAME: usize = 64;

impl QueueName {
    /// Validates and wraps a queue name.
    pub fn new(name: impl Into<String>) -> Result<QueueName, String> {
        let name = name.into();
        if name.is_empty() || name.len() > MAX_QUEUE_NAME {
            return Err(format!(
                "queue name must be 1 to {MAX_QUEUE_NAME} characters"
            ));
        }
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if !name.chars().all(valid) {
            return Err("queue name may contain only letters, digits, '_', '-' and '.'".into());
        }
        Ok(QueueName(name))
    }

    /// The queue name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for QueueName {
    fn default() -> Self {
        QueueName("default".into())
    }
}

impl TryFrom<String> for QueueName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        QueueName::new(value)
    }
}

impl From<QueueName> for String {
    fn from(value: QueueName) -> Self {
        value.0
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_are_validated() {
        assert!(QueueName::new("heavy-1.gpu_a").is_ok());
        assert!(QueueName::new("").is_err());
        assert!(QueueName::new("a/b").is_err());
        assert!(QueueName::new("x".repeat(65)).is_err());
        assert_eq!(QueueName::default().as_str(), "default");
    }
}
