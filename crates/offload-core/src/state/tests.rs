//! Exhaustive tests of the state machine: every transition from every state.

use super::*;
use crate::outcome::OutcomeClass;

const NOW: Timestamp = Timestamp(1_000_000);

fn worker() -> WorkerId {
    WorkerId("w1".into())
}

fn running(cancel_requested: bool) -> JobState {
    JobState::Running {
        attempt: 1,
        worker: worker(),
        lease_expires_at: Timestamp(2_000_000),
        cancel_requested,
    }
}

/// One example of every state, so each test walks all of them.
fn every_state() -> Vec<JobState> {
    vec![
        JobState::Scheduled {
            run_at: Timestamp(NOW.0 + 10),
        },
        JobState::Queued,
        running(false),
        JobState::Succeeded { finished_at: NOW },
        JobState::Failed { finished_at: NOW },
        JobState::Cancelled { finished_at: NOW },
    ]
}

#[test]
fn initial_state_depends_on_run_at() {
    assert_eq!(JobState::initial(None, NOW), JobState::Queued);
    assert_eq!(
        JobState::initial(Some(Timestamp(NOW.0 - 1)), NOW),
        JobState::Queued
    );
    let later = Timestamp(NOW.0 + 1);
    assert_eq!(
        JobState::initial(Some(later), NOW),
        JobState::Scheduled { run_at: later }
    );
}

#[test]
fn only_scheduled_jobs_are_promoted_and_only_when_due() {
    for state in every_state() {
        let result = state.transition_to_queued(Timestamp(NOW.0 + 10));
        match state.name() {
            StateName::Scheduled => assert_eq!(result, Ok(Some(JobState::Queued))),
            _ => assert!(result.is_err(), "{state:?} must not be promoted"),
        }
    }
    let not_due = JobState::Scheduled {
        run_at: Timestamp(NOW.0 + 10),
    };
    assert_eq!(not_due.transition_to_queued(NOW), Ok(None));
}

#[test]
fn only_queued_jobs_are_claimed() {
    for state in every_state() {
        let result = state.transition_to_running(1, worker(), Timestamp(5));
        match state.name() {
            StateName::Queued => {
                assert!(matches!(result, Ok(JobState::Running { attempt: 1, .. })))
            }
            _ => assert!(result.is_err(), "{state:?} must not be claimed"),
        }
    }
}

#[test]
fn cancel_stops_waiting_jobs_asks_running_ones_and_leaves_finished_ones() {
    for state in every_state() {
        let (next, outcome) = state.transition_to_cancelled(NOW);
        match state.name() {
            StateName::Scheduled | StateName::Queued => {
                assert_eq!(outcome, CancelOutcome::Cancelled);
                assert_eq!(next, Some(JobState::Cancelled { finished_at: NOW }));
            }
            StateName::Running => {
                assert_eq!(outcome, CancelOutcome::KillRequested { worker: worker() });
                assert_eq!(next, Some(running(true)));
            }
            name => {
                assert_eq!(outcome, CancelOutcome::AlreadyFinished(name));
                assert_eq!(next, None);
            }
        }
    }
}

#[test]
fn only_running_jobs_finish() {
    for state in every_state() {
        let result = state.transition_to_finished(&Finish::Succeeded, NOW);
        match state.name() {
            StateName::Running => assert_eq!(result, Ok(JobState::Succeeded { finished_at: NOW })),
            _ => assert!(result.is_err(), "{state:?} must not finish"),
        }
    }
}

#[test]
fn each_finish_leads_to_its_state() {
    let r = running(false);
    let later = Timestamp(NOW.0 + 5_000);
    assert_eq!(
        r.transition_to_finished(&Finish::RetryAt(later), NOW),
        Ok(JobState::Scheduled { run_at: later })
    );
    assert_eq!(
        r.transition_to_finished(&Finish::Failed, NOW),
        Ok(JobState::Failed { finished_at: NOW })
    );
    assert_eq!(
        r.transition_to_finished(&Finish::Cancelled, NOW),
        Ok(JobState::Cancelled { finished_at: NOW })
    );
    assert_eq!(
        r.transition_to_finished(&Finish::Requeue, NOW),
        Ok(JobState::Queued)
    );
}

#[test]
fn only_failed_jobs_are_retried_from_the_dead_letters() {
    for state in every_state() {
        let result = state.transition_to_retried();
        match state.name() {
            StateName::Failed => assert_eq!(result, Ok(JobState::Queued)),
            _ => assert!(result.is_err(), "{state:?} must not be retried"),
        }
    }
}

#[test]
fn decide_covers_every_outcome() {
    let policy = RetryPolicy::default();
    let decide = |o: &Outcome, failures| Finish::decide(o, false, failures, &policy, NOW, 0.5);
    assert_eq!(decide(&Outcome::Exited { code: 0 }, 1), Finish::Succeeded);
    assert_eq!(
        decide(&Outcome::Exited { code: 1 }, 1),
        Finish::RetryAt(Timestamp(NOW.0 + 5_000))
    );
    assert_eq!(
        decide(&Outcome::Exited { code: 1 }, 2),
        Finish::RetryAt(Timestamp(NOW.0 + 25_000))
    );
    assert_eq!(decide(&Outcome::Exited { code: 1 }, 4), Finish::Failed);
    assert_eq!(decide(&Outcome::MemoryLimit, 1), Finish::Failed);
    assert_eq!(decide(&Outcome::OutputTruncated, 1), Finish::Failed);
    assert_eq!(
        decide(&Outcome::WorkerLost, 1),
        Finish::RetryAt(Timestamp(NOW.0 + 5_000))
    );
    let spawn = Outcome::SpawnError {
        message: "nope".into(),
    };
    assert_eq!(decide(&spawn, 1), Finish::RetryAt(Timestamp(NOW.0 + 5_000)));
    assert_eq!(decide(&Outcome::Cancelled, 1), Finish::Cancelled);
    assert_eq!(decide(&Outcome::Interrupted, 1), Finish::Requeue);
}

#[test]
fn a_cancel_request_wins_over_any_outcome() {
    let policy = RetryPolicy::default();
    for outcome in [
        Outcome::Exited { code: 0 },
        Outcome::Exited { code: 1 },
        Outcome::TimedOut,
    ] {
        assert_eq!(
            Finish::decide(&outcome, true, 1, &policy, NOW, 0.5),
            Finish::Cancelled
        );
    }
}

#[test]
fn retry_on_limits_what_is_retried() {
    let policy = RetryPolicy {
        retry_on: [OutcomeClass::TimedOut].into_iter().collect(),
        ..RetryPolicy::default()
    };
    assert_eq!(
        Finish::decide(&Outcome::Exited { code: 1 }, false, 1, &policy, NOW, 0.5),
        Finish::Failed
    );
    assert!(matches!(
        Finish::decide(&Outcome::TimedOut, false, 1, &policy, NOW, 0.5),
        Finish::RetryAt(_)
    ));
}

#[test]
fn zero_retries_fail_on_first_failure() {
    let policy = RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    };
    assert_eq!(
        Finish::decide(&Outcome::WorkerLost, false, 1, &policy, NOW, 0.5),
        Finish::Failed
    );
}

#[test]
fn state_names_round_trip() {
    for name in StateName::ALL {
        assert_eq!(StateName::parse(name.as_str()), Some(name));
    }
    assert_eq!(StateName::parse("bogus"), None);
}
