//! Admission control: a full in-flight cap skips the candidate and counts it,
//! never queues it and never makes the caller wait.

use offload_experiment::{LabConfig, Outcome, SkipReason};

use super::support::{SharedGate, gate, lab, lab_with_errors, pass, shared};

#[tokio::test]
async fn a_full_experiment_cap_skips_and_counts() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<SharedGate, u8, String>("capped")
        .max_in_flight(1)
        .candidate("blocked", |input| async move {
            pass(input).await;
            Ok(1)
        })
        .build()
        .unwrap();
    let (first_gate, first_handle) = gate();
    let first = shared(first_handle);
    experiment
        .run(async { Ok(1) }, move || first)
        .await
        .unwrap();
    first_gate.entered.await.unwrap();

    // The cap is taken: this call returns at once and its candidate never runs.
    let (second_gate, second_handle) = gate();
    let second = shared(second_handle);
    assert_eq!(experiment.run(async { Ok(1) }, move || second).await, Ok(1));
    assert_eq!(experiment.stats().skipped(SkipReason::Saturated), 1);
    assert!(
        second_gate.entered.await.is_err(),
        "the skipped candidate was never started"
    );

    first_gate.release.send(()).unwrap();
    assert_eq!(published.wait_for(1).await.len(), 1);
    assert_eq!(
        experiment.in_flight(),
        0,
        "the permit is back once the result is out"
    );

    // With the slot free again, the next call runs its candidate.
    let (third_gate, third_handle) = gate();
    let third = shared(third_handle);
    experiment
        .run(async { Ok(1) }, move || third)
        .await
        .unwrap();
    third_gate.entered.await.unwrap();
    third_gate.release.send(()).unwrap();
    let results = published.wait_for(2).await;
    assert_eq!(results[1].candidates[0].outcome, Outcome::Match);
}

#[tokio::test]
async fn the_global_cap_is_shared_by_all_experiments() {
    let (lab, _published, _errors) = lab_with_errors(&LabConfig {
        max_in_flight: 1,
        ..LabConfig::default()
    });
    let build = |name: &str| {
        lab.experiment::<SharedGate, u8, String>(name)
            .candidate("blocked", |input| async move {
                pass(input).await;
                Ok(1)
            })
            .build()
            .unwrap()
    };
    let (one, other) = (build("one"), build("other"));
    let (one_gate, one_handle) = gate();
    let input = shared(one_handle);
    one.run(async { Ok(1) }, move || input).await.unwrap();
    one_gate.entered.await.unwrap();
    let (other_gate, other_handle) = gate();
    let input = shared(other_handle);
    other.run(async { Ok(1) }, move || input).await.unwrap();
    assert_eq!(other.stats().skipped(SkipReason::Saturated), 1);
    assert!(other_gate.entered.await.is_err());
    one_gate.release.send(()).unwrap();
}
