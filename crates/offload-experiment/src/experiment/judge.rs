//! Turning a control result and candidate observations into outcomes and a
//! publishable [`ExperimentResult`].
//!
//! Every user callback (compare, ignore, clean, context) runs under
//! `catch_unwind`: a panic there goes to `on_internal_error` and never to the
//! caller. Comparison always uses the raw values; `clean` only shapes what is
//! published.

use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Experiment;
use super::builder::CONTROL;
use super::observe::{Finished, Observed};
use crate::diff::{Diff, DiffKind, Difference, diff};
use crate::error::{Operation, panic_message};
use crate::outcome::{Outcome, SkipReason};
use crate::publish::report;
use crate::result::{CandidateResult, ExperimentResult, Observation};
use crate::timing::Timing;

impl<I, T, E> Experiment<I, T, E>
where
    T: Serialize,
    E: Display,
{
    /// Judges every candidate, updates counters, breaker and noise state, and
    /// builds the record.
    pub(super) fn judge(
        &self,
        input: &I,
        control: &Result<T, E>,
        control_timing: Timing,
        mut observed: Vec<Observed<T, E>>,
        replica: Option<Observed<T, E>>,
        execution_order: Vec<String>,
    ) -> ExperimentResult {
        if let Some(replica) = replica {
            self.record_noise(control, &replica.finished);
        }
        observed.sort_by_key(|observation| observation.index);
        let candidates = observed
            .iter()
            .map(|observation| self.judge_one(control, observation))
            .collect();
        ExperimentResult {
            experiment: self.inner.name.to_string(),
            context: self.context(input),
            control: self.observation(CONTROL, control_timing, Some(control)),
            candidates,
            execution_order,
        }
    }

    fn judge_one(&self, control: &Result<T, E>, observed: &Observed<T, E>) -> CandidateResult {
        let outcome = self.outcome(control, &observed.finished);
        self.inner.stats.count_outcome(&outcome);
        if let Some(breaker) = &self.inner.breaker {
            breaker.record(outcome.is_breaker_failure());
        }
        let returned = match &observed.finished {
            Finished::Returned(result) => Some(result),
            _ => None,
        };
        let mut observation = self.observation(&observed.name, observed.timing, returned);
        observation.error = observation
            .error
            .or_else(|| failure_message(&observed.finished));
        CandidateResult {
            observation,
            outcome,
        }
    }

    fn outcome(&self, control: &Result<T, E>, candidate: &Finished<T, E>) -> Outcome {
        let judging = &self.inner.judging;
        match (control, candidate) {
            (_, Finished::Saturated) => Outcome::Skipped {
                reason: SkipReason::Saturated,
            },
            (_, Finished::TimedOut) => Outcome::TimedOut,
            (_, Finished::Panicked(message)) => Outcome::Panicked {
                message: message.clone(),
            },
            (Ok(left), Finished::Returned(Ok(right))) => self.compare_values(left, right),
            (Ok(_), Finished::Returned(Err(_))) => Outcome::CandidateError,
            (Err(left), Finished::Returned(Err(right))) => {
                let equal = match &judging.compare_errors {
                    Some(compare) => self.guarded(Operation::Compare, || compare(left, right)),
                    None => Some(left.to_string() == right.to_string()),
                };
                equal.map_or(
                    Outcome::Skipped {
                        reason: SkipReason::CompareFailed,
                    },
                    |equal| Outcome::BothErrored { equal },
                )
            }
            (Err(error), Finished::Returned(Ok(value))) => {
                Outcome::Mismatch(error_versus_value(error, self.to_json(value)))
            }
        }
    }

    /// The compare → ignore → noise pipeline for two values.
    fn compare_values(&self, left: &T, right: &T) -> Outcome {
        let judging = &self.inner.judging;
        let found = diff(&self.to_json(left), &self.to_json(right), &judging.diff);
        let equal = match &judging.compare {
            Some(compare) => self.guarded(Operation::Compare, || compare(left, right)),
            None => Some(found.is_empty()),
        };
        let Some(equal) = equal else {
            return Outcome::Skipped {
                reason: SkipReason::CompareFailed,
            };
        };
        let noise = self.inner.replica.as_ref().map(|(_, filter)| filter);
        if let Some(filter) = noise {
            filter.record_raw(&found);
        }
        if equal {
            return Outcome::Match;
        }
        for (rule, ignore) in &judging.ignore {
            if self.guarded(Operation::Ignore, || ignore(left, right)) == Some(true) {
                return Outcome::Ignored { rule: rule.clone() };
            }
        }
        match noise {
            Some(filter) => {
                let significant = filter.filter(found);
                if significant.is_empty() && judging.compare.is_none() {
                    return Outcome::Ignored {
                        rule: "noise".to_owned(),
                    };
                }
                Outcome::Mismatch(significant)
            }
            None => Outcome::Mismatch(found),
        }
    }

    /// Feeds one A/A comparison into the noise counters.
    fn record_noise(&self, control: &Result<T, E>, replica: &Finished<T, E>) {
        let (Some((_, filter)), Ok(left), Finished::Returned(Ok(right))) =
            (&self.inner.replica, control, replica)
        else {
            return;
        };
        filter.record_noise(&diff(
            &self.to_json(left),
            &self.to_json(right),
            &self.inner.judging.diff,
        ));
    }

    fn observation(
        &self,
        name: &str,
        timing: Timing,
        returned: Option<&Result<T, E>>,
    ) -> Observation {
        let timing = self
            .inner
            .judging
            .fabricated
            .get(name)
            .copied()
            .unwrap_or(timing);
        let (value, error) = match returned {
            Some(Ok(value)) => (Some(self.cleaned(value)), None),
            Some(Err(error)) => (None, Some(error.to_string())),
            None => (None, None),
        };
        Observation::new(name, value, error, timing)
    }

    fn cleaned(&self, value: &T) -> Value {
        match &self.inner.judging.clean {
            Some(clean) => self
                .guarded(Operation::Clean, || clean(value))
                .unwrap_or(Value::Null),
            None => self.to_json(value),
        }
    }

    fn to_json(&self, value: &T) -> Value {
        serde_json::to_value(value).unwrap_or_else(|error| {
            report(
                &self.inner.lab.inner.hook,
                &self.inner.name,
                Operation::Clean,
                error.to_string(),
            );
            Value::Null
        })
    }

    fn context(&self, input: &I) -> Map<String, Value> {
        let judging = &self.inner.judging;
        let mut context = judging.context.clone();
        if let Some(context_from) = &judging.context_from {
            context.extend(
                self.guarded(Operation::Context, || context_from(input))
                    .unwrap_or_default(),
            );
        }
        context
    }

    /// Runs a user callback, reporting a panic as an internal error.
    fn guarded<R>(&self, operation: Operation, callback: impl FnOnce() -> R) -> Option<R> {
        catch_unwind(AssertUnwindSafe(callback))
            .map_err(|payload| {
                let message = format!("callback panicked: {}", panic_message(payload.as_ref()));
                report(
                    &self.inner.lab.inner.hook,
                    &self.inner.name,
                    operation,
                    message,
                );
            })
            .ok()
    }
}

fn failure_message<T, E>(finished: &Finished<T, E>) -> Option<String> {
    match finished {
        Finished::Returned(_) => None,
        Finished::TimedOut => Some("timed out".to_owned()),
        Finished::Panicked(message) => Some(format!("panicked: {message}")),
        Finished::Saturated => Some("skipped: saturated".to_owned()),
    }
}

fn error_versus_value(error: &impl Display, value: Value) -> Diff {
    let difference = Difference {
        path: String::new(),
        kind: DiffKind::ErrorVersusValue,
        control: Some(json!({ "error": error.to_string() })),
        candidate: Some(value),
    };
    Diff {
        differences: vec![difference],
    }
}
