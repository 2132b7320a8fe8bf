//! How a [`crate::PostgresStore`] connects: which schema, how many connections,
//! how long to wait, and whether to migrate.
//!
//! The defaults are the ones the server runs with; tests and benchmarks change
//! them through this struct rather than through flags on `connect`. Every field is
//! checked by [`PostgresConfig::validate`] before a connection is made, and a bad
//! value is reported with the field's name and its limit.

use std::time::Duration;

/// The longest schema name accepted. PostgreSQL keeps 63 bytes of a name, and the
/// notification channels are the schema name plus `_cancel` (7 bytes), so 56.
pub const MAX_SCHEMA_NAME: usize = 56;

/// The most connections one store opens.
pub const MAX_POOL_SIZE: usize = 1000;

/// Settings for [`crate::PostgresStore::connect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    /// The schema that holds offload's tables; it is created if missing. Every
    /// connection sets `search_path` to it, so two stores with different schemas
    /// share one database without seeing each other (the tests rely on this).
    /// It also names the notification channels, `<schema>_jobs` and
    /// `<schema>_cancel`: `offload_jobs` and `offload_cancel` by default.
    pub schema: String,
    /// The most connections open at once.
    pub pool_size: usize,
    /// How long opening one connection (TCP, TLS-less startup and
    /// authentication) may take before the store reports itself unavailable.
    pub connect_timeout: Duration,
    /// How long a call waits for a free pooled connection before it reports the
    /// store unavailable.
    pub acquire_timeout: Duration,
    /// What `connect` does about the schema version.
    pub migrations: MigrationPolicy,
}

impl Default for PostgresConfig {
    fn default() -> Self {
        PostgresConfig {
            schema: "offload".to_owned(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            migrations: MigrationPolicy::default(),
        }
    }
}

/// What [`crate::PostgresStore::connect`] does about migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MigrationPolicy {
    /// Apply missing migrations under the migration lock (the server's default).
    #[default]
    Apply,
    /// Apply nothing; refuse a database that is not exactly at
    /// [`crate::SCHEMA_VERSION`]. For deployments that run `offload migrate` as
    /// a separate step.
    Verify,
}

/// A [`PostgresConfig`] field outside its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `schema` is not a plain lowercase identifier of 1 to [`MAX_SCHEMA_NAME`] bytes.
    #[error(
        "PostgresConfig.schema {0:?} must be 1 to {MAX_SCHEMA_NAME} characters of [a-z0-9_], not starting with a digit"
    )]
    Schema(String),
    /// `pool_size` is 0 or above [`MAX_POOL_SIZE`].
    #[error("PostgresConfig.pool_size is {0} but must be 1 to {MAX_POOL_SIZE}")]
    PoolSize(usize),
    /// A timeout is zero.
    #[error("PostgresConfig.{0} must be more than zero")]
    ZeroTimeout(&'static str),
}

impl PostgresConfig {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !is_plain_identifier(&self.schema) {
            return Err(ConfigError::Schema(self.schema.clone()));
        }
        if self.pool_size == 0 || self.pool_size > MAX_POOL_SIZE {
            return Err(ConfigError::PoolSize(self.pool_size));
        }
        if self.connect_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout("connect_timeout"));
        }
        if self.acquire_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout("acquire_timeout"));
        }
        Ok(())
    }
}

/// Whether `name` can be written into SQL unquoted and means itself: the schema is
/// interpolated into `CREATE SCHEMA` and `search_path`, so this is also what keeps
/// that SQL safe.
fn is_plain_identifier(name: &str) -> bool {
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    !name.is_empty()
        && name.len() <= MAX_SCHEMA_NAME
        && name.chars().all(valid)
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid() {
        assert_eq!(PostgresConfig::default().validate(), Ok(()));
    }

    #[test]
    fn bad_schemas_are_refused_by_name() {
        for bad in [
            "",
            "Offload",
            "a-b",
            "1abc",
            "x; DROP TABLE jobs",
            &"s".repeat(MAX_SCHEMA_NAME + 1),
        ] {
            let config = PostgresConfig {
                schema: bad.to_owned(),
                ..PostgresConfig::default()
            };
            let err = config.validate().unwrap_err();
            assert_eq!(err, ConfigError::Schema(bad.to_owned()));
            assert!(err.to_string().contains("PostgresConfig.schema"), "{err}");
        }
        let longest = PostgresConfig {
            schema: "s".repeat(MAX_SCHEMA_NAME),
            ..PostgresConfig::default()
        };
        assert_eq!(longest.validate(), Ok(()));
    }

    #[test]
    fn pool_size_and_timeouts_have_limits() {
        let zero = PostgresConfig {
            pool_size: 0,
            ..PostgresConfig::default()
        };
        assert_eq!(zero.validate(), Err(ConfigError::PoolSize(0)));
        let huge = PostgresConfig {
            pool_size: MAX_POOL_SIZE + 1,
            ..PostgresConfig::default()
        };
        assert!(
            huge.validate()
                .unwrap_err()
                .to_string()
                .contains("1 to 1000")
        );
        let instant = PostgresConfig {
            connect_timeout: Duration::ZERO,
            ..PostgresConfig::default()
        };
        let err = instant.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "PostgresConfig.connect_timeout must be more than zero"
        );
    }
}
