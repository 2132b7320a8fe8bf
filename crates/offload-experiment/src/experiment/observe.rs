//! Admitting and observing candidates: in-flight permits, panic capture,
//! timing and the deadline race.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use super::{Behaviour, Inner};
use crate::error::panic_message;
use crate::timeout::{ControlClock, Timeout};
use crate::timing::{Timing, timed};

/// How a candidate run ended.
pub(crate) enum Finished<T, E> {
    Returned(Result<T, E>),
    TimedOut,
    Panicked(String),
    Saturated,
}

/// A finished candidate run with its registration index and timing.
pub(crate) struct Observed<T, E> {
    pub(crate) index: usize,
    pub(crate) name: Arc<str>,
    pub(crate) finished: Finished<T, E>,
    pub(crate) timing: Timing,
}

/// The global and the per-experiment permit; dropping them frees the slots.
pub(crate) struct Permits {
    _global: OwnedSemaphorePermit,
    _local: OwnedSemaphorePermit,
}

/// A candidate about to run: its future, built but not yet polled, or
/// nothing when no permit was free.
pub(crate) struct Launch<T, E> {
    pub(crate) index: usize,
    pub(crate) name: Arc<str>,
    ready: Option<(BoxFuture<'static, Result<T, E>>, Permits)>,
}

impl<T, E> Launch<T, E> {
    pub(crate) fn is_admitted(&self) -> bool {
        self.ready.is_some()
    }
}

impl<I: Clone, T, E> Inner<I, T, E> {
    /// Takes both permits without waiting, or none at all.
    fn admit(&self) -> Option<Permits> {
        let global = self.lab.inner.global.clone().try_acquire_owned().ok()?;
        let local = self.local.clone().try_acquire_owned().ok()?;
        Some(Permits {
            _global: global,
            _local: local,
        })
    }

    fn launch(&self, index: usize, behaviour: &Behaviour<I, T, E>, input: &I) -> Launch<T, E> {
        let ready = self
            .admit()
            .map(|permits| ((behaviour.start)(input.clone()), permits));
        Launch {
            index,
            name: behaviour.name.clone(),
            ready,
        }
    }

    /// One launch per candidate, in registration order.
    pub(crate) fn launch_candidates(&self, input: &I) -> Vec<Launch<T, E>> {
        let each = |(index, behaviour)| self.launch(index, behaviour, input);
        self.candidates.iter().enumerate().map(each).collect()
    }

    /// The A/A replica's launch, when noise sampling picks this call and a
    /// permit is free.
    pub(crate) fn launch_replica(&self, input: &I) -> Option<Launch<T, E>> {
        let (behaviour, filter) = self.replica.as_ref()?;
        if !filter.config().sample.sample_random() {
            return None;
        }
        Some(self.launch(usize::MAX, behaviour, input)).filter(Launch::is_admitted)
    }
}

/// Runs one launched candidate to completion, panic or deadline.
pub(crate) async fn observe<T, E>(
    launch: Launch<T, E>,
    timeout: Timeout,
    clock: Option<ControlClock>,
) -> Observed<T, E> {
    let Launch { index, name, ready } = launch;
    let Some((future, _permits)) = ready else {
        return Observed {
            index,
            name,
            finished: Finished::Saturated,
            timing: Timing::default(),
        };
    };
    let started = Instant::now();
    let guarded = timed(AssertUnwindSafe(future).catch_unwind());
    let (finished, timing) = tokio::select! {
        biased;
        (output, timing) = guarded => match output {
            Ok(result) => (Finished::Returned(result), timing),
            Err(payload) => (Finished::Panicked(panic_message(payload.as_ref())), timing),
        },
        () = timeout.expire(started, clock) => {
            // The candidate future is dropped here, which cancels it.
            (Finished::TimedOut, Timing { wall: started.elapsed(), cpu: Default::default() })
        }
    };
    Observed {
        index,
        name,
        finished,
        timing,
    }
}

/// Shuffles in place with the thread's cheap generator (Fisher–Yates).
pub(crate) fn shuffle<V>(items: &mut [V]) {
    for upper in (1..items.len()).rev() {
        let pick = random_below(upper + 1);
        items.swap(upper, pick);
    }
}

/// A uniform number in `0..bound`.
pub(crate) fn random_below(bound: usize) -> usize {
    (((crate::sample::next_random() >> 32) * bound as u64) >> 32) as usize
}
