//! The embedded offload store: one SQLite file, in WAL mode, behind a single
//! writer thread that commits in groups.
//!
//! [`SqliteStore`] implements [`offload_store::Store`]. All writes are sent to one
//! dedicated thread that owns the only read-write connection; it drains every
//! pending call, runs them in one transaction (each in its own savepoint, so each
//! call stays atomic on its own) and answers each caller only after `COMMIT`. The
//! cost of a commit, an `fsync` with [`Durability::PowerLoss`], is thus shared by
//! every call in the group instead of paid per job. Reads use a small pool of
//! read-only connections, which WAL lets run alongside the writer.
//!
//! The schema is in `migrations/*.sql`, applied at open; see [`SCHEMA_VERSION`].

mod cancel;
mod claim;
mod columns;
mod complete;
mod config;
mod dead;
mod error;
mod experiment;
mod experiment_read;
mod insert;
mod maintain;
mod migrate;
mod queue;
mod read;
mod readers;
mod store;
mod writer;

pub use config::{Durability, SqliteConfig};
pub use migrate::SCHEMA_VERSION;
pub use read::MAX_PAGE;
pub use store::SqliteStore;
pub use writer::WriterStats;
