//! The sandbox's integration tests: one binary, one module per area, all against real processes.
//!
//! Nothing here sleeps to wait for a process. Runs are awaited; a test that needs the job to be
//! running before it acts (cancellation) waits for the job's own output through the live sink.
//! Every run is wrapped in a generous guard timeout only so that a regression fails instead of
//! hanging the suite; no assertion depends on how fast anything is.

mod support;

mod basics;
mod exit_record;
mod isolation;
mod kills;
mod limits;
mod load;
mod progress;
mod spawn_errors;
