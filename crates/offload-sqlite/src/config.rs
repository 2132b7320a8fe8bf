//! How a [`crate::SqliteStore`] is opened: durability, batching and read concurrency.
//!
//! The defaults are the ones the server runs with; tests and benchmarks change
//! them through this struct rather than through flags on `open`.

use std::time::Duration;

/// Settings for [`crate::SqliteStore::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteConfig {
    /// What an acknowledged write survives.
    pub durability: Durability,
    /// The most write calls the writer thread commits in one transaction.
    pub max_batch: usize,
    /// The most read connections open at once.
    pub readers: usize,
    /// How long a connection waits for a lock before it reports the store unavailable.
    pub busy_timeout: Duration,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig {
            durability: Durability::default(),
            max_batch: 512,
            readers: 4,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// What an acknowledged write survives, as SQLite's `synchronous` setting in WAL mode.
///
/// In WAL mode a commit appends to the log. With `NORMAL` the log is not synced at
/// each commit, only at checkpoints: a write acknowledged to a caller survives the
/// death of the process (even `kill -9`, since the data already sits in the OS page
/// cache) but the last commits may be lost if the machine loses power. With `FULL`
/// every commit syncs the log, so acknowledged writes survive power loss too. The
/// writer thread commits many calls in one transaction, so `FULL` costs one `fsync`
/// per group rather than per job; that is why it is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL`: survives a process crash, not a power loss.
    Process,
    /// `synchronous=FULL`: survives a power loss as well.
    #[default]
    PowerLoss,
}

impl Durability {
    /// The `synchronous` pragma value.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Durability::Process => "NORMAL",
            Durability::PowerLoss => "FULL",
        }
    }
}
