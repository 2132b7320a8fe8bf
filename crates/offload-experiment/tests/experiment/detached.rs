//! The detached guarantee: the caller gets the control's value while the
//! candidate is still blocked, and joined mode, by contrast, waits.

use std::sync::Arc;

use futures::FutureExt;
use offload_experiment::{Lab, LabConfig, MemoryPublisher, Mode, Outcome, ShadowRuntime};

use super::support::{SharedGate, gate, lab, pass, shared};

#[tokio::test]
async fn detached_returns_while_the_candidate_is_still_blocked() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<SharedGate, u8, String>("detached")
        .candidate("blocked", |input| async move {
            pass(input).await;
            Ok(5)
        })
        .build()
        .unwrap();
    let (gate, handle) = gate();
    let input = shared(handle);
    // One poll must be enough: the control is ready, and the caller never
    // waits for the candidate. A hang here would be a failure, so do not await.
    let value = experiment
        .run(async { Ok(5) }, move || input)
        .now_or_never();
    assert_eq!(
        value,
        Some(Ok(5)),
        "detached must return with the control's value"
    );
    // The caller has its value; now prove the candidate is running and stuck.
    gate.entered.await.expect("candidate started");
    assert!(
        published.results().is_empty(),
        "nothing is compared before the candidate ends"
    );
    assert_eq!(experiment.in_flight(), 1);
    gate.release.send(()).unwrap();
    let result = &published.wait_for(1).await[0];
    assert_eq!(result.candidates[0].outcome, Outcome::Match);
}

#[tokio::test]
async fn joined_waits_for_the_candidate() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<SharedGate, u8, String>("joined")
        .mode(Mode::Joined)
        .candidate("blocked", |input| async move {
            pass(input).await;
            Ok(5)
        })
        .build()
        .unwrap();
    let (gate, handle) = gate();
    let input = shared(handle);
    let mut call = Box::pin(experiment.run(async { Ok(5) }, move || input));
    // One poll runs the control and starts the candidate, which then blocks.
    assert!(
        (&mut call).now_or_never().is_none(),
        "joined must wait for the candidate"
    );
    gate.entered.await.expect("candidate started");
    gate.release.send(()).unwrap();
    assert_eq!(call.await, Ok(5));
    assert_eq!(
        published.wait_for(1).await[0].candidates[0].outcome,
        Outcome::Match
    );
}

#[tokio::test]
async fn dedicated_shadow_runtime_runs_candidates_on_its_own_threads() {
    let publisher = Arc::new(MemoryPublisher::default());
    let config = LabConfig {
        shadow_runtime: ShadowRuntime::Dedicated { threads: 1 },
        ..LabConfig::default()
    };
    let lab = Lab::new(&config, publisher.clone(), |_| {}).unwrap();
    let experiment = lab
        .experiment::<(), String, String>("dedicated")
        .compare(|_, _| true)
        .candidate("where", |()| async {
            Ok(std::thread::current().name().unwrap_or_default().to_owned())
        })
        .build()
        .unwrap();
    experiment
        .run(async { Ok(String::new()) }, || ())
        .await
        .unwrap();
    let result = &publisher.wait_for(1).await[0];
    let thread = result.candidates[0].observation.value.clone().unwrap();
    assert_eq!(thread, "offload-experiment-shadow");
}
