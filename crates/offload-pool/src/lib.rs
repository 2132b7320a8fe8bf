//! In-process offload for tokio services, so that blocking work never stalls
//! the event loop.
//!
//! A tokio runtime runs many tasks on a few threads. One handler that calls a
//! blocking function (a synchronous database driver, a file read, a long
//! computation) holds its worker thread, and every other task queued on that
//! thread waits: the service's latency jumps for requests that have nothing to
//! do with the slow one. This crate gives such work a place of its own and
//! makes the cost visible.
//!
//! # The pieces
//!
//! - [`BlockingPool`] runs closures on a fixed set of OS threads behind a
//!   bounded queue. [`BlockingPool::try_submit`] never blocks the caller and
//!   answers [`SubmitError::QueueFull`] at once when there is no room;
//!   [`BlockingPool::submit`] waits for room until a deadline. Each job returns
//!   a [`JobHandle`], a future of `Result<T, JobError>`; a panic in the job
//!   becomes [`JobError::Panicked`] and the worker thread lives on.
//! - [`BlockingPool::shutdown`] stops accepting, lets queued and running work
//!   finish until a deadline and reports what it had to abandon.
//! - [`CpuPool`] is a [`BlockingPool`] with one thread per available core, for
//!   CPU-bound work where more threads than cores only adds contention.
//! - [`PoolStats`] is a snapshot of a pool's queue depth, in-flight count,
//!   completions, rejections and wait/run timings; the same numbers are
//!   exported to Prometheus by [`BlockingPool::register_metrics`].
//! - [`LagProbe`] measures how late a runtime wakes a sleeping task, which is
//!   the symptom of blocked worker threads, as p50/p95/p99/max over a window.
//!
//! # Example
//!
//! ```
//! use offload_pool::{BlockingPool, PoolConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = BlockingPool::new(PoolConfig { threads: 2, ..PoolConfig::default() })?;
//! let handle = pool.try_submit(|| (1..=10u64).product::<u64>())?;
//! assert_eq!(handle.await?, 3_628_800);
//! # Ok(())
//! # }
//! ```
//!
//! # Process isolation (future work)
//!
//! Everything here runs in the service's own process: a job that corrupts
//! memory, leaks, or never returns takes the service with it, and a running
//! job cannot be killed, only abandoned. A later optional feature may route
//! jobs through `offload-sandbox` for process isolation; it would live beside
//! [`BlockingPool`] as a separate pool type with the same submit/handle/stats
//! shape. Until then this crate depends on no other offload crate.

mod config;
mod cpu;
mod error;
mod handle;
mod lag;
mod lag_window;
mod metrics;
mod pool;
mod queue;
mod shutdown;
mod submit;
mod worker;

pub use config::{CpuPoolConfig, MAX_THREADS, PoolConfig};
pub use cpu::CpuPool;
pub use error::{ConfigError, ErrorKind, JobError, PoolError, SubmitError};
pub use handle::JobHandle;
pub use lag::{LagProbe, LagProbeConfig, LagStats};
pub use metrics::{PoolStats, RejectedStats, TimingStats};
pub use pool::BlockingPool;
pub use shutdown::ShutdownReport;
