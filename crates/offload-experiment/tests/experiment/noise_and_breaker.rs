//! Noise cancellation with an A/A replica, and the circuit breaker.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use offload_experiment::{BreakerConfig, Mode, NoiseConfig, Outcome, SkipReason};
use serde_json::{Value, json};

use super::support::lab;

#[tokio::test]
async fn fields_that_differ_between_two_control_runs_are_not_reported() {
    let (lab, published) = lab();
    // Every run stamps a fresh `ts`, so the control disagrees with itself there.
    let clock = Arc::new(AtomicU64::new(0));
    let stamp = move || clock.fetch_add(1, Ordering::SeqCst);
    let replica_stamp = stamp.clone();
    let candidate_stamp = stamp.clone();
    let experiment = lab
        .experiment::<u64, Value, String>("noisy")
        .mode(Mode::Inline)
        .noise(NoiseConfig::default(), move |price| {
            let ts = replica_stamp();
            async move { Ok(json!({"ts": ts, "price": price})) }
        })
        .candidate("v2", move |price| {
            let ts = candidate_stamp();
            async move { Ok(json!({"ts": ts, "price": price * 2})) }
        })
        .build()
        .unwrap();
    experiment
        .run(async { Ok(json!({"ts": stamp(), "price": 0})) }, || 0)
        .await
        .unwrap();
    experiment
        .run(async { Ok(json!({"ts": stamp(), "price": 3})) }, || 3)
        .await
        .unwrap();
    let results = published.wait_for(2).await;
    assert_eq!(
        results[0].candidates[0].outcome,
        Outcome::Ignored {
            rule: "noise".to_owned()
        }
    );
    let Outcome::Mismatch(diff) = &results[1].candidates[0].outcome else {
        panic!(
            "price differs for real: {:?}",
            results[1].candidates[0].outcome
        );
    };
    assert_eq!(diff.paths().collect::<Vec<_>>(), vec!["/price"]);
}

#[tokio::test]
async fn the_breaker_switches_off_a_failing_experiment_until_reset() {
    let (lab, _published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("failing")
        .mode(Mode::Inline)
        .breaker(BreakerConfig {
            window: 4,
            min_runs: 4,
            max_failure_rate: 0.5,
        })
        .candidate("broken", |()| async { Err("down".to_owned()) })
        .build()
        .unwrap();
    for _ in 0..4 {
        experiment.run(async { Ok(1) }, || ()).await.unwrap();
    }
    assert!(experiment.is_auto_disabled());
    let built = AtomicUsize::new(0);
    let call = experiment.run(async { Ok(1) }, || _ = built.fetch_add(1, Ordering::SeqCst));
    assert_eq!(call.await, Ok(1));
    assert_eq!(
        built.load(Ordering::SeqCst),
        0,
        "a tripped experiment builds no input"
    );
    assert_eq!(experiment.stats().skipped(SkipReason::AutoDisabled), 1);
    experiment.reset_breaker();
    experiment
        .run(async { Ok(1) }, || _ = built.fetch_add(1, Ordering::SeqCst))
        .await
        .unwrap();
    assert_eq!(built.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn switching_an_experiment_off_by_hand_skips_it() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("manual")
        .mode(Mode::Inline)
        .candidate("same", |()| async { Ok(1) })
        .build()
        .unwrap();
    experiment.set_enabled(false);
    experiment.run(async { Ok(1) }, || ()).await.unwrap();
    assert_eq!(experiment.stats().skipped(SkipReason::Disabled), 1);
    assert!(published.results().is_empty());
}
