//! The pure domain of offload: what a job is, which states it moves through, and
//! how a finished attempt decides the next state.
//!
//! Everything here is plain data and pure functions. There is no I/O, no async and
//! no clock read: callers pass the current [`Timestamp`] and any randomness in, so
//! every rule can be tested exhaustively and replayed exactly. The store persists
//! these types, the engine drives the transitions, and the HTTP layer translates
//! them to wire types.

pub mod dedupe;
pub mod experiment;
pub mod id;
pub mod job;
pub mod manifest;
pub mod outcome;
pub mod retry;
pub mod shadow;
pub mod spec;
pub mod state;
pub mod time;
pub mod units;
pub mod validate;

pub use id::{JobId, QueueName, WorkerId};
pub use job::{Attempt, Job};
pub use outcome::{Outcome, OutcomeClass};
pub use retry::{Backoff, RetryPolicy};
pub use shadow::ShadowSpec;
pub use spec::{Idempotency, Isolation, JobKind, JobSpec, Limits, Network};
pub use state::{CancelOutcome, Finish, JobState, StateName};
pub use time::{Clock, ManualClock, Timestamp};
pub use validate::{SpecError, validate};
