//! The offload runtime: it moves jobs from the store through the sandbox and back.
//!
//! An [`Engine`] runs these services as tokio tasks, River-style:
//! - the **producer** claims only as many jobs as it has free slots, so no job
//!   waits in a local buffer while another worker is idle;
//! - the **executor** runs one claimed job through `offload-sandbox` (or not at all
//!   for a no-op job) and turns the sandbox's result into an [`offload_core::Outcome`];
//! - the **completer** batches finished attempts into one store call, each
//!   guarded by the attempt's lease;
//! - the **heartbeat** renews leases and learns of cancels requested elsewhere;
//! - the **shadow** service enqueues the shadow job of a job that carries one
//!   once it finished, and compares the two runs when the shadow finished;
//! - the **maintenance** services (rescuer, scheduler, cleaner) re-queue jobs of dead
//!   workers, promote due jobs and delete old ones.
//!
//! What wakes the producer: a submit through this engine, a freed slot, a promotion
//! by the scheduler, or the poll interval (for jobs inserted by other processes).

mod cancel;
mod clock;
mod completer;
mod config;
pub mod dispatch;
mod engine;
mod error;
mod events;
mod executor;
mod exit_records;
pub mod experiments;
mod heartbeat;
mod maintenance;
pub mod metrics;
mod notify;
mod producer;
mod running;
mod shadow;
mod submit;
mod wait;

pub use clock::SystemClock;
pub use config::{EngineConfig, ShadowConfig};
pub use engine::Engine;
pub use error::{EngineError, ErrorKind};
pub use events::{JobEvent, OutputChunk, ProgressUpdate};
pub use executor::{LocalRun, run_local};
pub use shadow::{ShadowEvent, ShadowStep};
pub use submit::Submission;
