//! The scale-out offload store: PostgreSQL, shared by any number of servers.
//!
//! [`PostgresStore`] implements [`offload_store::Store`] and passes the same
//! conformance suite as the embedded SQLite store. What PostgreSQL adds:
//!
//! - **Claims across nodes**: batched `FOR UPDATE SKIP LOCKED` over a partial
//!   index of runnable rows, so concurrent claimers never wait on each other and
//!   never take the same job; per-queue concurrency limits hold across every node
//!   (see `claim.rs`).
//! - **Batched completions**: one statement per batch, through `unnest` arrays,
//!   each row guarded by its lease (see `complete.rs`).
//! - **Migrations under a lock**: two servers starting at once do not both
//!   migrate; a database newer than the binary is refused (see [`SCHEMA_VERSION`]).
//! - **Instant wake-ups**: LISTEN/NOTIFY on inserts and cancels, through
//!   [`PostgresStore::subscribe`]; pollers keep polling as the fallback.
//! - **Leader election**: [`PostgresStore::try_leader`] holds an advisory lock on
//!   a session of its own, released by PostgreSQL if the node dies.
//!
//! All tables live in one schema ([`PostgresConfig::schema`]), which every pooled
//! connection puts on its `search_path`.

mod cancel;
mod claim;
mod columns;
mod complete;
mod config;
mod connect;
mod dead;
mod error;
mod experiment;
mod experiment_read;
mod insert;
mod leader;
mod listener;
mod maintain;
mod migrate;
mod queue;
mod read;
mod sql;
mod store;

pub use config::{ConfigError, MAX_POOL_SIZE, MAX_SCHEMA_NAME, MigrationPolicy, PostgresConfig};
pub use listener::Notification;
pub use migrate::{Migrated, SCHEMA_VERSION};
pub use read::MAX_PAGE;
pub use store::PostgresStore;
