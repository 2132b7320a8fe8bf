//! Experiments as the server keeps them: a control's result beside one or more
//! candidates' results, compared, with the differences reduced to a signature.
//!
//! A Rust service publishes through `offload-experiment`'s `HttpPublisher`, any
//! other language through `POST /v1/experiments/{name}/results`, and shadow jobs
//! from the engine; all of them end here. An [`Observation`] is what one call
//! produced; a [`Comparator`], built from the experiment's [`ExperimentConfig`],
//! judges each candidate against the control and gives a [`Verdict`]. A mismatch
//! carries a *signature* (as in Diffy): a short hash of the set of differing JSON
//! paths or lines, so that a thousand mismatches of one kind count as one kind and
//! the store can keep a bounded sample of each. Latencies go into fixed
//! log-scaled buckets ([`latency`]) so that percentiles are read from counts.
//!
//! As everywhere in this crate there is no I/O and no clock: callers pass `now`
//! and randomness in.

mod compare;
mod config;
mod error;
pub mod latency;
mod observation;
mod reservoir;

#[cfg(test)]
mod tests;

pub(crate) use compare::compile as compile_pattern;
pub use compare::{Comparator, Mismatch, Verdict};
pub use config::{Comparison, ExperimentConfig, ExperimentName, ExperimentUpdate, bounds};
pub use error::ExperimentError;
pub use latency::LatencyHistogram;
pub use observation::{CONTROL, Candidate, Observation, Observed};
pub use reservoir::reservoir_slot;
