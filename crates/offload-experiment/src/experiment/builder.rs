//! The builder that defines an experiment and refuses bad definitions.
//!
//! Numeric options are stored as given and validated together in
//! [`ExperimentBuilder::build`], so every refusal names its field and limit.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use futures::FutureExt;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use super::stats::Counters;
use super::{Behaviour, CandidateFn, Experiment, Inner, Judging, Mode};
use crate::breaker::{Breaker, BreakerConfig};
use crate::diff::DiffConfig;
use crate::error::BuildError;
use crate::lab::Lab;
use crate::noise::{NoiseConfig, NoiseFilter};
use crate::sample::{SampleRate, name_salt};
use crate::timeout::Timeout;
use crate::timing::Timing;

/// The name of the control in results and fabricated durations.
pub const CONTROL: &str = "control";
/// The name of the control's A/A replica.
pub const REPLICA: &str = "control-replica";

/// The sample rate as given, checked at build time.
enum Rate {
    BasisPoints(u32),
    Percent(f64),
}

/// Defines an experiment; obtained from [`Lab::experiment`].
pub struct ExperimentBuilder<I, T, E> {
    lab: Lab,
    name: Arc<str>,
    mode: Mode,
    sample: Rate,
    run_if: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
    candidates: Vec<Behaviour<I, T, E>>,
    replica: Option<(Behaviour<I, T, E>, NoiseConfig)>,
    timeout: Timeout,
    max_in_flight: usize,
    breaker: Option<BreakerConfig>,
    judging: Judging<I, T, E>,
}

impl<I, T, E> ExperimentBuilder<I, T, E>
where
    I: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    pub(crate) fn new(lab: Lab, name: &str) -> Self {
        let judging = Judging {
            compare: None,
            compare_errors: None,
            ignore: Vec::new(),
            clean: None,
            diff: DiffConfig::default(),
            context: Map::new(),
            context_from: None,
            fabricated: HashMap::new(),
            raise_on_mismatches: false,
        };
        ExperimentBuilder {
            lab,
            name: name.into(),
            mode: Mode::default(),
            sample: Rate::BasisPoints(10_000),
            run_if: None,
            candidates: Vec::new(),
            replica: None,
            timeout: Timeout::Unlimited,
            max_in_flight: 64,
            breaker: None,
            judging,
        }
    }

    /// Adds a candidate (github/scientist's `try`): a function from the input
    /// to a `'static` future.
    pub fn candidate<F, Fut>(mut self, name: &str, start: F) -> Self
    where
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.candidates.push(Behaviour {
            name: name.into(),
            start: boxed(start),
        });
        self
    }

    /// Enables noise cancellation: `replica` re-runs the control's logic on
    /// the input for A/A comparison on `config.sample` of sampled calls.
    pub fn noise<F, Fut>(mut self, config: NoiseConfig, replica: F) -> Self
    where
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.replica = Some((
            Behaviour {
                name: REPLICA.into(),
                start: boxed(replica),
            },
            config,
        ));
        self
    }

    /// Sets the mode; the default is [`Mode::Detached`].
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Samples this share of calls, 0–10000 basis points (default 10000).
    pub fn sample_basis_points(mut self, basis_points: u32) -> Self {
        self.sample = Rate::BasisPoints(basis_points);
        self
    }

    /// Samples this share of calls, 0–100 percent.
    pub fn sample_percent(mut self, percent: f64) -> Self {
        self.sample = Rate::Percent(percent);
        self
    }

    /// Runs candidates only when `predicate` says so (after sampling).
    pub fn run_if(mut self, predicate: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        self.run_if = Some(Arc::new(predicate));
        self
    }

    /// Cancels candidates that take longer than `timeout`.
    pub fn timeout(mut self, timeout: Timeout) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most candidates of this experiment in flight at once (default 64).
    pub fn max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }

    /// Switches the experiment off when candidates fail too often.
    pub fn breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = Some(config);
        self
    }

    /// Replaces the structural comparison of values with `compare`.
    pub fn compare(mut self, compare: impl Fn(&T, &T) -> bool + Send + Sync + 'static) -> Self {
        self.judging.compare = Some(Arc::new(compare));
        self
    }

    /// Compares two errors; the default compares their messages.
    pub fn compare_errors(
        mut self,
        compare: impl Fn(&E, &E) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.judging.compare_errors = Some(Arc::new(compare));
        self
    }

    /// Adds an ignore rule, asked only about mismatching values.
    pub fn ignore(
        mut self,
        rule: &str,
        ignore: impl Fn(&T, &T) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.judging
            .ignore
            .push((rule.to_owned(), Arc::new(ignore)));
        self
    }

    /// Transforms values for publishing only; comparison uses raw values.
    pub fn clean(mut self, clean: impl Fn(&T) -> Value + Send + Sync + 'static) -> Self {
        self.judging.clean = Some(Arc::new(clean));
        self
    }

    /// Configures the structural diff (ignore paths, unordered arrays, tolerance).
    pub fn diff(mut self, config: DiffConfig) -> Self {
        self.judging.diff = config;
        self
    }

    /// Adds a static context entry to every result.
    pub fn context(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.judging.context.insert(key.to_owned(), value.into());
        self
    }

    /// Derives per-call context from the input, off the hot path.
    pub fn context_from(
        mut self,
        context: impl Fn(&I) -> Map<String, Value> + Send + Sync + 'static,
    ) -> Self {
        self.judging.context_from = Some(Arc::new(context));
        self
    }

    /// Panics with a [`crate::MismatchError`] on mismatch: for tests, and only
    /// in `Inline` or `Joined` mode.
    pub fn raise_on_mismatches(mut self, raise: bool) -> Self {
        self.judging.raise_on_mismatches = raise;
        self
    }

    /// Reports these timings instead of measured ones, keyed by behaviour
    /// name (`"control"` or a candidate's name): for tests.
    pub fn fabricate_durations(mut self, timings: HashMap<String, Timing>) -> Self {
        self.judging.fabricated = timings;
        self
    }

    /// Checks the definition and builds the experiment.
    pub fn build(self) -> Result<Experiment<I, T, E>, BuildError> {
        let sample = self.validate()?;
        let local_cap = self.max_in_flight;
        let replica = self
            .replica
            .map(|(behaviour, config)| (behaviour, NoiseFilter::new(config)));
        let inner = Inner {
            salt: name_salt(&self.name),
            name: self.name,
            lab: self.lab,
            mode: self.mode,
            sample,
            run_if: self.run_if,
            candidates: self.candidates,
            replica,
            timeout: self.timeout,
            local: Arc::new(Semaphore::new(local_cap)),
            breaker: self.breaker.map(Breaker::new),
            enabled: AtomicBool::new(true),
            judging: self.judging,
            stats: Counters::new(local_cap),
        };
        Ok(Experiment {
            inner: Arc::new(inner),
        })
    }

    fn validate(&self) -> Result<SampleRate, BuildError> {
        self.validate_names()?;
        self.timeout.validate()?;
        self.judging.diff.validate()?;
        if let Some(config) = &self.breaker {
            config.validate()?;
        }
        if let Some((_, config)) = &self.replica {
            config.validate()?;
        }
        if self.max_in_flight == 0 || self.max_in_flight > Semaphore::MAX_PERMITS {
            let max = Semaphore::MAX_PERMITS as f64;
            return Err(BuildError::OutOfRange {
                field: "max_in_flight",
                value: self.max_in_flight as f64,
                min: 1.0,
                max,
            });
        }
        if self.judging.raise_on_mismatches && self.mode == Mode::Detached {
            let reason = "needs Inline or Joined mode, a detached comparison happens after the call returned";
            return Err(BuildError::Conflict {
                field: "raise_on_mismatches",
                reason,
            });
        }
        match self.sample {
            Rate::BasisPoints(basis_points) => SampleRate::basis_points("sample", basis_points),
            Rate::Percent(percent) => SampleRate::percent("sample", percent),
        }
    }

    fn validate_names(&self) -> Result<(), BuildError> {
        if self.candidates.is_empty() {
            return Err(BuildError::NoCandidates);
        }
        let mut seen = HashSet::new();
        for behaviour in &self.candidates {
            let name = &*behaviour.name;
            if name == CONTROL || name == REPLICA {
                return Err(BuildError::ReservedName {
                    name: name.to_owned(),
                });
            }
            if !seen.insert(name) {
                return Err(BuildError::DuplicateCandidate {
                    name: name.to_owned(),
                });
            }
        }
        Ok(())
    }
}

fn boxed<I, T, E, F, Fut>(start: F) -> CandidateFn<I, T, E>
where
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    Arc::new(move |input| start(input).boxed())
}
