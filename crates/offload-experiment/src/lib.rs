//! `offload-experiment`: github/scientist for Rust, built for production.
//!
//! An experiment runs the existing code (the *control*) and one or more new
//! implementations (*candidates*) on the same call, always returns the
//! control's result unchanged, compares the candidates' results with it and
//! publishes the comparison. Beyond Scientist this crate runs candidates off
//! the caller's path ([`Mode::Detached`]), caps how many are in flight,
//! cancels slow ones ([`Timeout`]), samples at basis-point precision,
//! switches itself off when candidates keep failing ([`BreakerConfig`]),
//! diffs `Serialize` values field by field ([`diff::diff`]) and cancels
//! noisy fields with A/A runs ([`NoiseConfig`]).
//!
//! ```
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use offload_experiment::{Lab, Mode};
//!
//! let (lab, published) = Lab::in_memory()?;
//! let experiment = lab
//!     .experiment::<u32, u32, String>("double")
//!     .mode(Mode::Inline)
//!     .candidate("shift", |n| async move { Ok(n << 1) })
//!     .build()?;
//! let value = experiment.run(async { Ok(21 * 2) }, || 21).await;
//! assert_eq!(value, Ok(42));
//! assert!(published.wait_for(1).await[0].matched());
//! # Ok(())
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(example()).unwrap();
//! ```
//!
//! Architecture invariants: the caller only ever awaits the control (and, in
//! `Inline`/`Joined` mode, candidates it asked to wait for); an unsampled call
//! allocates nothing and starts no candidate work; nothing from the
//! candidates, comparators or publishers reaches the caller except the
//! deliberate `raise_on_mismatches` panic in tests.

mod breaker;
pub mod diff;
mod error;
mod experiment;
#[cfg(feature = "http")]
mod http;
mod lab;
mod noise;
mod outcome;
mod publish;
mod result;
mod sample;
mod timeout;
mod timing;

pub use breaker::BreakerConfig;
pub use error::{BuildError, ErrorKind, InternalError, MismatchError, Operation, PublishError};
pub use experiment::{Experiment, ExperimentBuilder, Mode, Stats};
#[cfg(feature = "http")]
pub use http::{HttpPublisher, HttpPublisherConfig, HttpPublisherStats};
pub use lab::{Lab, LabConfig, ShadowRuntime};
pub use noise::NoiseConfig;
pub use outcome::{Outcome, SkipReason};
pub use publish::{InternalErrorHook, MemoryPublisher, Publisher};
pub use result::{CandidateResult, ExperimentResult, Observation};
pub use sample::{FULL_BASIS_POINTS, SampleRate};
pub use timeout::Timeout;
pub use timing::Timing;
