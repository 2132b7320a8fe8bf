//! Persistence for offload, as a trait with one conformance suite.
//!
//! The engine and the HTTP layer talk only to [`Store`]; `offload-sqlite` and
//! `offload-postgres` implement it and contain all of the SQL. Every state change
//! that a worker makes is guarded by the attempt number it holds (its lease), so a
//! worker that was presumed dead can never overwrite what the rescuer decided.
//!
//! The `conformance` module (feature `conformance`) is the one place where store
//! behaviour is specified by tests; every backend runs all of it.

mod columns;
mod error;
mod experiment;
mod model;
mod store;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use columns::{CorruptColumn, StateColumns};
pub use error::{ErrorKind, StoreError};
pub use experiment::*;
pub use model::*;
pub use store::Store;
