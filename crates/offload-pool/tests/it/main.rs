//! The crate's one integration-test binary: each module drives real pools
//! and real threads through the public API.
//!
//! No test sleeps to wait for something. Jobs that must stay busy block on a
//! [`support::Gate`] and announce that they started over a channel, so every
//! assertion about a full queue or a running job is made at a known state.

mod cpu;
mod lag;
mod metrics;
mod panics;
mod shutdown;
mod submit;
mod support;
