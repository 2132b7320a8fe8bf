//! Pool configuration and its validation.
//!
//! Configuration is plain data with a [`Default`], checked once when a pool is
//! built so that a bad value fails loudly at startup, naming the field and the
//! limit, instead of surfacing later as a pool that never runs anything.

use crate::error::ConfigError;

/// The most threads one pool may start; far above any sensible setting, it
/// catches unit mistakes (bytes for counts) before they exhaust the process.
pub const MAX_THREADS: usize = 4096;

/// How a [`BlockingPool`](crate::BlockingPool) is sized and named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Names the pool's threads (`<name>-<index>`) and its metrics (`pool` label).
    pub name: String,
    /// How many OS threads run jobs; at least 1, at most [`MAX_THREADS`].
    pub threads: usize,
    /// How many submitted jobs may wait for a free thread; at least 1.
    ///
    /// Jobs that are running do not count against this limit.
    pub queue_capacity: usize,
    /// Stack size for each worker thread, or `None` for the platform default.
    pub thread_stack_size: Option<usize>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            name: "offload-pool".to_owned(),
            threads: 16,
            queue_capacity: 1024,
            thread_stack_size: None,
        }
    }
}

impl PoolConfig {
    /// Checks every field against its limit and names the first one that fails.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.is_empty() {
            return Err(ConfigError::EmptyName);
        }
        check_range("threads", self.threads, 1, MAX_THREADS)?;
        check_range("queue_capacity", self.queue_capacity, 1, usize::MAX)?;
        if let Some(stack) = self.thread_stack_size {
            check_range("thread_stack_size", stack, 16 * 1024, usize::MAX)?;
        }
        Ok(())
    }
}

fn check_range(field: &'static str, got: usize, min: usize, max: usize) -> Result<(), ConfigError> {
    if got < min {
        return Err(ConfigError::TooSmall { field, min, got });
    }
    if got > max {
        return Err(ConfigError::TooLarge { field, max, got });
    }
    Ok(())
}

/// How a [`CpuPool`](crate::CpuPool) is named and queued; its thread count
/// comes from the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuPoolConfig {
    /// Names the pool's threads and its metrics.
    pub name: String,
    /// How many submitted jobs may wait for a free core; at least 1.
    pub queue_capacity: usize,
}

impl Default for CpuPoolConfig {
    fn default() -> Self {
        Self {
            name: "offload-cpu".to_owned(),
            queue_capacity: 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_threads_names_the_field_and_limit() {
        let config = PoolConfig {
            threads: 0,
            ..PoolConfig::default()
        };
        let err = config.validate().unwrap_err();
        assert_eq!(
            err,
            ConfigError::TooSmall {
                field: "threads",
                min: 1,
                got: 0
            }
        );
        assert!(err.to_string().contains("threads"), "{err}");
    }

    #[test]
    fn zero_capacity_names_the_field() {
        let config = PoolConfig {
            queue_capacity: 0,
            ..PoolConfig::default()
        };
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("queue_capacity"), "{message}");
        assert!(message.contains("at least 1"), "{message}");
    }

    #[test]
    fn too_many_threads_names_the_maximum() {
        let config = PoolConfig {
            threads: MAX_THREADS + 1,
            ..PoolConfig::default()
        };
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains(&MAX_THREADS.to_string()), "{message}");
    }

    #[test]
    fn default_is_valid() {
        assert_eq!(PoolConfig::default().validate(), Ok(()));
    }
}
