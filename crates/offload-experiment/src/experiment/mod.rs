//! A defined experiment and its entry points, [`Experiment::run`] and
//! [`Experiment::run_sticky`].
//!
//! The control is a required argument of every run, so an experiment without
//! a control cannot be expressed. The gate in front of the run (enabled flag,
//! breaker, sampling, `run_if`) is all an unsampled call pays: it allocates
//! nothing and starts no candidate work, and then simply awaits the control.

mod builder;
mod judge;
mod modes;
mod observe;
mod stats;

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

pub use builder::ExperimentBuilder;
pub use stats::Stats;

use crate::breaker::Breaker;
use crate::diff::DiffConfig;
use crate::lab::Lab;
use crate::noise::NoiseFilter;
use crate::outcome::SkipReason;
use crate::sample::SampleRate;
use crate::timeout::Timeout;
use crate::timing::Timing;

/// How candidates run relative to the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Control and candidates one after another in random order, on the
    /// caller's task (github/scientist's behaviour); best for tests.
    Inline,
    /// Control and candidates concurrently on the caller's task; the call
    /// returns when all are done.
    Joined,
    /// The control's value is returned as soon as the control finishes; the
    /// candidates run on the lab's shadow runtime and are compared later.
    #[default]
    Detached,
}

/// A candidate: builds a `'static` future from its own copy of the input.
pub(crate) type CandidateFn<I, T, E> =
    Arc<dyn Fn(I) -> BoxFuture<'static, Result<T, E>> + Send + Sync>;
pub(crate) type ValuePredicate<T> = Arc<dyn Fn(&T, &T) -> bool + Send + Sync>;
pub(crate) type ErrorPredicate<E> = Arc<dyn Fn(&E, &E) -> bool + Send + Sync>;
pub(crate) type Cleaner<T> = Arc<dyn Fn(&T) -> Value + Send + Sync>;
pub(crate) type ContextFrom<I> = Arc<dyn Fn(&I) -> Map<String, Value> + Send + Sync>;

/// A named candidate (or the A/A replica of the control).
pub(crate) struct Behaviour<I, T, E> {
    pub(crate) name: Arc<str>,
    pub(crate) start: CandidateFn<I, T, E>,
}

/// The callbacks that turn two results into an outcome and a record.
pub(crate) struct Judging<I, T, E> {
    pub(crate) compare: Option<ValuePredicate<T>>,
    pub(crate) compare_errors: Option<ErrorPredicate<E>>,
    pub(crate) ignore: Vec<(String, ValuePredicate<T>)>,
    pub(crate) clean: Option<Cleaner<T>>,
    pub(crate) diff: DiffConfig,
    pub(crate) context: Map<String, Value>,
    pub(crate) context_from: Option<ContextFrom<I>>,
    pub(crate) fabricated: HashMap<String, Timing>,
    pub(crate) raise_on_mismatches: bool,
}

pub(crate) struct Inner<I, T, E> {
    pub(crate) name: Arc<str>,
    pub(crate) salt: u64,
    pub(crate) lab: Lab,
    pub(crate) mode: Mode,
    pub(crate) sample: SampleRate,
    pub(crate) run_if: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
    pub(crate) candidates: Vec<Behaviour<I, T, E>>,
    pub(crate) replica: Option<(Behaviour<I, T, E>, NoiseFilter)>,
    pub(crate) timeout: Timeout,
    pub(crate) local: Arc<Semaphore>,
    pub(crate) breaker: Option<Breaker>,
    pub(crate) enabled: AtomicBool,
    pub(crate) judging: Judging<I, T, E>,
    pub(crate) stats: stats::Counters,
}

/// A built experiment; clone it freely, clones share state and counters.
pub struct Experiment<I, T, E> {
    pub(crate) inner: Arc<Inner<I, T, E>>,
}

impl<I, T, E> Clone for Experiment<I, T, E> {
    fn clone(&self) -> Self {
        Experiment {
            inner: self.inner.clone(),
        }
    }
}

impl<I, T, E> Experiment<I, T, E>
where
    I: Clone + Send + 'static,
    T: Clone + Serialize + Send + Sync + 'static,
    E: Clone + std::fmt::Display + Send + Sync + 'static,
{
    /// Runs the control and, when the call is sampled, the candidates, and
    /// returns the control's result unchanged. `before_run` builds the
    /// candidates' input and is called only for sampled calls.
    pub async fn run<C, B>(&self, control: C, before_run: B) -> Result<T, E>
    where
        C: Future<Output = Result<T, E>>,
        B: FnOnce() -> I,
    {
        let admitted = self.gate(|rate| rate.sample_random());
        self.run_gated(admitted, control, before_run).await
    }

    /// Like [`Experiment::run`], but a call is sampled by a hash of `key`, so
    /// the same key is always in or always out of the sample.
    pub async fn run_sticky<K, C, B>(&self, key: &K, control: C, before_run: B) -> Result<T, E>
    where
        K: Hash + ?Sized,
        C: Future<Output = Result<T, E>>,
        B: FnOnce() -> I,
    {
        let salt = self.inner.salt;
        let admitted = self.gate(|rate| rate.sample_sticky(salt, key));
        self.run_gated(admitted, control, before_run).await
    }

    async fn run_gated<C, B>(&self, admitted: bool, control: C, before_run: B) -> Result<T, E>
    where
        C: Future<Output = Result<T, E>>,
        B: FnOnce() -> I,
    {
        if !admitted {
            return control.await;
        }
        // The sampled paths are boxed so that their large state machines are
        // not part of the future every unsampled call has to build and move.
        let input = before_run();
        match self.inner.mode {
            Mode::Inline => Box::pin(self.run_inline(control, input)).await,
            Mode::Joined => Box::pin(self.run_joined(control, input)).await,
            Mode::Detached => Box::pin(self.run_detached(control, input)).await,
        }
    }

    /// Decides whether this call takes part, counting the reason if not.
    #[inline]
    fn gate(&self, sample: impl FnOnce(SampleRate) -> bool) -> bool {
        let inner = &*self.inner;
        let skipped = if !inner.enabled.load(Ordering::Relaxed) {
            Some(SkipReason::Disabled)
        } else if inner.breaker.as_ref().is_some_and(Breaker::is_tripped) {
            Some(SkipReason::AutoDisabled)
        } else if !sample(inner.sample) {
            Some(SkipReason::SampledOut)
        } else if inner.run_if.as_ref().is_some_and(|run_if| !run_if()) {
            Some(SkipReason::RunIfFalse)
        } else {
            None
        };
        match skipped {
            Some(reason) => inner.stats.count_skip(reason),
            None => inner.stats.count_sampled(),
        }
        skipped.is_none()
    }
}

impl<I, T, E> Experiment<I, T, E> {
    /// The experiment's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Switches the experiment on or off by hand; off means every call only
    /// runs the control.
    pub fn set_enabled(&self, enabled: bool) {
        self.inner.enabled.store(enabled, Ordering::Relaxed);
    }

    /// True when the circuit breaker has switched the experiment off.
    pub fn is_auto_disabled(&self) -> bool {
        self.inner.breaker.as_ref().is_some_and(Breaker::is_tripped)
    }

    /// Closes a tripped circuit breaker.
    pub fn reset_breaker(&self) {
        if let Some(breaker) = &self.inner.breaker {
            breaker.reset();
        }
    }

    /// A snapshot of the experiment's counters.
    pub fn stats(&self) -> Stats {
        self.inner.stats.snapshot()
    }

    /// How many candidates of this experiment are running now.
    pub fn in_flight(&self) -> usize {
        let cap = self.inner.stats.max_in_flight;
        cap - self.inner.local.available_permits()
    }
}
