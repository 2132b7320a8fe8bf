//! The three ways to run a sampled call: `Inline`, `Joined` and `Detached`.
//!
//! Invariant: in every mode the control runs on the caller's task and its
//! result is returned unchanged; a control panic unwinds the caller exactly as
//! it would without the library. Only `Detached` returns before the candidates
//! finish, and it never awaits anything of theirs.

use std::fmt::Display;
use std::future::Future;

use futures::future::join_all;
use serde::Serialize;
use tokio::sync::{oneshot, watch};

use super::Experiment;
use super::builder::CONTROL;
use super::observe::{Launch, Observed, observe, random_below, shuffle};
use crate::outcome::{Outcome, SkipReason};
use crate::result::ExperimentResult;
use crate::timing::timed;

impl<I, T, E> Experiment<I, T, E>
where
    I: Clone + Send + 'static,
    T: Clone + Serialize + Send + Sync + 'static,
    E: Clone + Display + Send + Sync + 'static,
{
    /// Sequential, in random order: the control's turn is a random position
    /// among the shuffled candidates.
    pub(super) async fn run_inline<C>(&self, control: C, input: I) -> Result<T, E>
    where
        C: Future<Output = Result<T, E>>,
    {
        let mut before = self.inner.launch_candidates(&input);
        if !self.any_admitted(&before) {
            return control.await;
        }
        shuffle(&mut before);
        let after = before.split_off(random_below(before.len() + 1));
        let mut order: Vec<String> = before
            .iter()
            .map(|launch| launch.name.to_string())
            .collect();
        let mut observed = Vec::new();
        for launch in before {
            // The control has not run yet, so a relative deadline uses its floor.
            observed.push(observe(launch, self.inner.timeout, None).await);
        }
        let (result, timing) = timed(control).await;
        order.push(CONTROL.to_owned());
        let (clock, clock_receiver) = watch::channel(Some(timing.wall));
        for launch in after {
            order.push(launch.name.to_string());
            observed.push(observe(launch, self.inner.timeout, Some(clock_receiver.clone())).await);
        }
        let replica = match self.inner.launch_replica(&input) {
            Some(launch) => {
                Some(observe(launch, self.inner.timeout, Some(clock.subscribe())).await)
            }
            None => None,
        };
        let record = self.judge(&input, &result, timing, observed, replica, order);
        self.publish_or_raise(record);
        result
    }

    /// Concurrent on the caller's task; returns when all are done.
    pub(super) async fn run_joined<C>(&self, control: C, input: I) -> Result<T, E>
    where
        C: Future<Output = Result<T, E>>,
    {
        let launches = self.inner.launch_candidates(&input);
        if !self.any_admitted(&launches) {
            return control.await;
        }
        let replica = self.inner.launch_replica(&input);
        let order = execution_order(&launches);
        let (clock, clock_receiver) = watch::channel(None);
        let (candidates, replica) = self.observe_all(launches, replica, &clock_receiver);
        let control = async {
            let (result, timing) = timed(control).await;
            clock.send_replace(Some(timing.wall));
            (result, timing)
        };
        let ((result, timing), observed, replica) = tokio::join!(control, candidates, replica);
        let record = self.judge(&input, &result, timing, observed, replica, order);
        self.publish_or_raise(record);
        result
    }

    /// The candidates start on the shadow runtime; the control's result is
    /// returned the moment it is ready, and a copy goes to the comparison.
    pub(super) async fn run_detached<C>(&self, control: C, input: I) -> Result<T, E>
    where
        C: Future<Output = Result<T, E>>,
    {
        let launches = self.inner.launch_candidates(&input);
        if !self.any_admitted(&launches) {
            return control.await;
        }
        let replica = self.inner.launch_replica(&input);
        let order = execution_order(&launches);
        let (clock, clock_receiver) = watch::channel(None);
        let (done, done_receiver) = oneshot::channel();
        let experiment = self.clone();
        self.inner.lab.inner.handle.spawn(async move {
            let (candidates, replica) = experiment.observe_all(launches, replica, &clock_receiver);
            let (observed, replica, control) = tokio::join!(candidates, replica, done_receiver);
            // No control result means the caller's control panicked or the
            // caller dropped the call: there is nothing to compare against.
            if let Ok((result, timing)) = control {
                let record = experiment.judge(&input, &result, timing, observed, replica, order);
                experiment.inner.lab.inner.queue.try_publish(record);
            }
        });
        let (result, timing) = timed(control).await;
        clock.send_replace(Some(timing.wall));
        let _ = done.send((result.clone(), timing));
        result
    }

    /// The futures that observe all launches concurrently.
    #[allow(clippy::type_complexity)]
    fn observe_all(
        &self,
        launches: Vec<Launch<T, E>>,
        replica: Option<Launch<T, E>>,
        clock: &watch::Receiver<Option<std::time::Duration>>,
    ) -> (
        impl Future<Output = Vec<Observed<T, E>>> + Send + use<I, T, E>,
        impl Future<Output = Option<Observed<T, E>>> + Send + use<I, T, E>,
    ) {
        let timeout = self.inner.timeout;
        let candidates = join_all(
            launches
                .into_iter()
                .map(|launch| observe(launch, timeout, Some(clock.clone()))),
        );
        let replica_clock = clock.clone();
        let replica = async move {
            match replica {
                Some(launch) => Some(observe(launch, timeout, Some(replica_clock)).await),
                None => None,
            }
        };
        (candidates, replica)
    }

    /// When every candidate was refused a permit, counts them as saturated
    /// (which the breaker sees) and reports that nothing should run.
    fn any_admitted(&self, launches: &[Launch<T, E>]) -> bool {
        if launches.iter().any(Launch::is_admitted) {
            return true;
        }
        let saturated = Outcome::Skipped {
            reason: SkipReason::Saturated,
        };
        for _ in launches {
            self.inner.stats.count_outcome(&saturated);
            if let Some(breaker) = &self.inner.breaker {
                breaker.record(true);
            }
        }
        false
    }

    /// Publishes the record, then, in test mode, panics on a mismatch.
    fn publish_or_raise(&self, record: ExperimentResult) {
        let queue = &self.inner.lab.inner.queue;
        if self.inner.judging.raise_on_mismatches && record.mismatched() {
            queue.try_publish(record.clone());
            std::panic::panic_any(crate::MismatchError { result: record });
        }
        queue.try_publish(record);
    }
}

fn execution_order<T, E>(launches: &[Launch<T, E>]) -> Vec<String> {
    let candidates = launches.iter().map(|launch| launch.name.to_string());
    std::iter::once(CONTROL.to_owned())
        .chain(candidates)
        .collect()
}
