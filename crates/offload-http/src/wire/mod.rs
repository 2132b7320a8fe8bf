//! The JSON wire types: the only place that knows how the API looks on the wire.
//!
//! They are separate from the domain types in `offload-core` and converted at the
//! edge, so the domain can change without breaking clients and the wire can offer
//! human units ("5s", "256M") that the domain has no use for. Both the server and
//! the [`crate::client::Client`] use these types, so they cannot disagree.

pub mod bodies;
pub mod convert;
pub mod error;
pub mod experiment_report;
pub mod experiments;
pub mod job;
pub mod spec;
pub mod stats;
pub mod tasks;
pub mod units;

pub use bodies::*;
pub use convert::FieldError;
pub use error::{ErrorBody, ErrorCode};
pub use experiments::*;
pub use job::{AttemptResponse, JobResponse, OutcomeBody, ProgressBody, WireState};
pub use spec::{BackoffBody, JobSpecBody, LimitsBody, RetryClass, ShadowBody, WireKind};
pub use stats::{LagBody, PercentilesBody, QueueDepthBody, StatsResponse, WindowBody, WorkerBody};
pub use tasks::{ParamBody, TaskBody, TasksResponse};
pub use units::{WireDuration, WireSize, WireTimestamp};
