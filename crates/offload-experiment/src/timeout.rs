//! Candidate deadlines, absolute or relative to the control.
//!
//! A relative deadline is only known once the control has finished, so the
//! control's wall time reaches the candidates through a `watch` channel (the
//! "control clock"). When the control's time can never arrive, because the
//! candidate runs first in `Inline` mode or the control panicked, the floor
//! alone applies.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::error::BuildError;

/// The receiving end of the control clock: `None` until the control is done.
pub(crate) type ControlClock = watch::Receiver<Option<Duration>>;

/// How long a candidate may run before it is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Timeout {
    /// No deadline: the candidate runs until it finishes.
    #[default]
    Unlimited,
    /// A fixed deadline measured from the candidate's start.
    Absolute(Duration),
    /// `max(floor, factor × control wall time)`, measured from the
    /// candidate's start.
    ControlMultiple {
        /// How many times the control's duration the candidate may take.
        factor: f64,
        /// The least time the candidate always gets.
        floor: Duration,
    },
}

impl Timeout {
    /// Refuses a factor that is not a positive finite number.
    pub(crate) fn validate(self) -> Result<(), BuildError> {
        match self {
            Timeout::ControlMultiple { factor, .. } if !(factor > 0.0 && factor.is_finite()) => {
                Err(BuildError::OutOfRange {
                    field: "timeout.factor",
                    value: factor,
                    min: 0.0,
                    max: f64::MAX,
                })
            }
            _ => Ok(()),
        }
    }

    /// Resolves once the candidate that started at `started` is out of time.
    pub(crate) async fn expire(self, started: Instant, clock: Option<ControlClock>) {
        match self {
            Timeout::Unlimited => std::future::pending().await,
            Timeout::Absolute(limit) => sleep_until(started + limit).await,
            Timeout::ControlMultiple { factor, floor } => {
                let control = control_wall(clock).await.unwrap_or_default();
                sleep_until(started + floor.max(control.mul_f64(factor))).await;
            }
        }
    }
}

/// Waits for the control's wall time; `None` when it will never come.
async fn control_wall(clock: Option<ControlClock>) -> Option<Duration> {
    let mut clock = clock?;
    let known = clock.wait_for(Option::is_some).await.ok()?;
    *known
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_must_be_positive() {
        let bad = Timeout::ControlMultiple {
            factor: 0.0,
            floor: Duration::ZERO,
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .starts_with("timeout.factor")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn relative_deadline_waits_for_the_control_then_scales_it() {
        let (sender, receiver) = watch::channel(None);
        let timeout = Timeout::ControlMultiple {
            factor: 3.0,
            floor: Duration::from_secs(1),
        };
        let started = Instant::now();
        let expiry = tokio::spawn(timeout.expire(started, Some(receiver)));
        sender.send(Some(Duration::from_secs(2))).unwrap();
        expiry.await.unwrap();
        // Paused time only moves to timer deadlines, so this is exact.
        assert_eq!(started.elapsed(), Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_control_time_falls_back_to_the_floor() {
        let timeout = Timeout::ControlMultiple {
            factor: 3.0,
            floor: Duration::from_secs(1),
        };
        let started = Instant::now();
        timeout.expire(started, None).await;
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }
}
