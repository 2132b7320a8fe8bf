//! github/scientist parity: compare, compare_errors, ignore, clean, context,
//! run_if, before_run, random order, timing, raise_on_mismatches, fabricated
//! durations, panics and control errors.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use offload_experiment::diff::DiffKind;
use offload_experiment::{MismatchError, Mode, Outcome, SkipReason, Timeout, Timing};
use serde_json::json;

use super::support::lab;

#[tokio::test]
async fn matching_candidate_is_published_with_the_http_body_shape() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<u32, u32, String>("double")
        .mode(Mode::Inline)
        .context("service", "api")
        .candidate("shift", |n| async move { Ok(n << 1) })
        .build()
        .unwrap();
    assert_eq!(experiment.run(async { Ok(42) }, || 21).await, Ok(42));
    let result = &published.wait_for(1).await[0];
    assert!(result.matched());
    assert_eq!(result.candidate("shift").unwrap().outcome, Outcome::Match);
    let body = result.http_body();
    assert_eq!(body["control"]["value"], json!(42));
    assert_eq!(body["control"]["error"], json!(null));
    assert!(body["control"]["duration_ms"].is_number());
    assert_eq!(body["candidates"][0]["name"], json!("shift"));
    assert_eq!(body["candidates"][0]["value"], json!(42));
    assert_eq!(body["context"], json!({"service": "api"}));
}

#[tokio::test]
async fn mismatch_carries_a_structured_diff() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), serde_json::Value, String>("user")
        .mode(Mode::Inline)
        .candidate("v2", |()| async { Ok(json!({"name": "ann", "age": 4})) })
        .build()
        .unwrap();
    experiment
        .run(async { Ok(json!({"name": "ann", "age": 3})) }, || ())
        .await
        .unwrap();
    let result = &published.wait_for(1).await[0];
    let Outcome::Mismatch(diff) = &result.candidates[0].outcome else {
        panic!(
            "expected a mismatch, got {:?}",
            result.candidates[0].outcome
        );
    };
    assert_eq!(diff.paths().collect::<Vec<_>>(), vec!["/age"]);
    assert!(result.mismatched() && !result.matched());
}

#[tokio::test]
async fn errors_are_compared_and_the_control_error_is_returned_unchanged() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("errors")
        .mode(Mode::Inline)
        .compare_errors(|left, right| left.len() == right.len())
        .candidate("same-length", |()| async { Err("bbb".to_owned()) })
        .candidate("other-length", |()| async { Err("bb".to_owned()) })
        .candidate("value", |()| async { Ok(1) })
        .build()
        .unwrap();
    assert_eq!(
        experiment.run(async { Err("aaa".to_owned()) }, || ()).await,
        Err("aaa".to_owned())
    );
    let result = &published.wait_for(1).await[0];
    assert_eq!(result.control.error.as_deref(), Some("aaa"));
    assert_eq!(
        result.candidates[0].outcome,
        Outcome::BothErrored { equal: true }
    );
    assert_eq!(
        result.candidates[1].outcome,
        Outcome::BothErrored { equal: false }
    );
    let Outcome::Mismatch(diff) = &result.candidates[2].outcome else {
        panic!("error vs value must mismatch")
    };
    assert_eq!(diff.differences[0].kind, DiffKind::ErrorVersusValue);
}

#[tokio::test]
async fn candidate_error_against_a_value_is_its_own_outcome() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("cand-error")
        .mode(Mode::Inline)
        .candidate("broken", |()| async { Err("boom".to_owned()) })
        .build()
        .unwrap();
    assert_eq!(experiment.run(async { Ok(7) }, || ()).await, Ok(7));
    let result = &published.wait_for(1).await[0];
    assert_eq!(result.candidates[0].outcome, Outcome::CandidateError);
    assert_eq!(
        result.candidates[0].observation.error.as_deref(),
        Some("boom")
    );
}

#[tokio::test]
async fn ignore_rules_run_only_on_mismatch_and_name_the_rule() {
    let (lab, published) = lab();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let experiment = lab
        .experiment::<u8, u8, String>("ignore")
        .mode(Mode::Inline)
        .ignore("off-by-one", move |control, candidate| {
            counter.fetch_add(1, Ordering::SeqCst);
            control.abs_diff(*candidate) == 1
        })
        .candidate("plus-input", |n| async move { Ok(10 + n) })
        .build()
        .unwrap();
    for input in [0, 1, 5] {
        experiment.run(async { Ok(10) }, || input).await.unwrap();
    }
    let results = published.wait_for(3).await;
    assert_eq!(results[0].candidates[0].outcome, Outcome::Match);
    assert_eq!(
        results[1].candidates[0].outcome,
        Outcome::Ignored {
            rule: "off-by-one".to_owned()
        }
    );
    assert!(results[1].ignored() && !results[1].matched());
    assert!(matches!(
        results[2].candidates[0].outcome,
        Outcome::Mismatch(_)
    ));
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "the rule is not asked about a match"
    );
}

#[tokio::test]
async fn clean_shapes_publishing_but_not_comparison() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), (u8, String), String>("clean")
        .mode(Mode::Inline)
        .clean(|(id, _secret)| json!({"id": id}))
        .candidate("v2", |()| async { Ok((1, "other".to_owned())) })
        .build()
        .unwrap();
    experiment
        .run(async { Ok((1, "secret".to_owned())) }, || ())
        .await
        .unwrap();
    let result = &published.wait_for(1).await[0];
    assert!(
        matches!(result.candidates[0].outcome, Outcome::Mismatch(_)),
        "raw values differ"
    );
    assert_eq!(result.control.value, Some(json!({"id": 1})));
    assert_eq!(
        result.candidates[0].observation.value,
        Some(json!({"id": 1}))
    );
}

#[tokio::test]
async fn context_merges_static_entries_and_entries_from_the_input() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<u32, u32, String>("context")
        .mode(Mode::Inline)
        .context("region", "eu")
        .context_from(|user: &u32| {
            json!({"user": user})
                .as_object()
                .cloned()
                .unwrap_or_default()
        })
        .candidate("same", |n| async move { Ok(n) })
        .build()
        .unwrap();
    experiment.run(async { Ok(7) }, || 7).await.unwrap();
    assert_eq!(
        published.wait_for(1).await[0].context,
        *json!({"region": "eu", "user": 7}).as_object().unwrap()
    );
}

#[tokio::test]
async fn unsampled_and_run_if_false_calls_never_build_inputs_or_start_candidates() {
    let (lab, published) = lab();
    let started = Arc::new(AtomicUsize::new(0));
    let build_experiment = |rate: u32, allow: bool| {
        let started = started.clone();
        lab.experiment::<(), u8, String>("gated")
            .mode(Mode::Inline)
            .sample_basis_points(rate)
            .run_if(move || allow)
            .candidate("counted", move |()| {
                started.fetch_add(1, Ordering::SeqCst);
                async { Ok(1) }
            })
            .build()
            .unwrap()
    };
    let built = AtomicUsize::new(0);
    let sampled_out = build_experiment(0, true);
    let refused = build_experiment(10_000, false);
    for experiment in [&sampled_out, &refused] {
        let value = experiment.run(async { Ok(1) }, || {
            built.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(value.await, Ok(1));
    }
    assert_eq!(
        (built.load(Ordering::SeqCst), started.load(Ordering::SeqCst)),
        (0, 0)
    );
    assert_eq!(sampled_out.stats().skipped(SkipReason::SampledOut), 1);
    assert_eq!(refused.stats().skipped(SkipReason::RunIfFalse), 1);
    assert!(published.results().is_empty());
}

#[tokio::test]
async fn sticky_sampling_keeps_a_key_in_or_out() {
    let (lab, _published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("sticky")
        .mode(Mode::Inline)
        .sample_percent(50.0)
        .candidate("same", |()| async { Ok(1) })
        .build()
        .unwrap();
    let mut decisions = Vec::new();
    for key in 0..64u32 {
        let mut per_key = Vec::new();
        for _ in 0..3 {
            let built = AtomicUsize::new(0);
            experiment
                .run_sticky(&key, async { Ok(1) }, || {
                    _ = built.fetch_add(1, Ordering::SeqCst)
                })
                .await
                .unwrap();
            per_key.push(built.load(Ordering::SeqCst));
        }
        assert!(
            per_key.iter().all(|count| *count == per_key[0]),
            "key {key}: {per_key:?}"
        );
        decisions.push(per_key[0]);
    }
    assert!(
        decisions.contains(&0) && decisions.contains(&1),
        "50 % over 64 keys picks some and skips some"
    );
}

#[tokio::test]
async fn inline_order_is_random() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("order")
        .mode(Mode::Inline)
        .candidate("a", |()| async { Ok(1) })
        .build()
        .unwrap();
    for _ in 0..64 {
        experiment.run(async { Ok(1) }, || ()).await.unwrap();
    }
    let firsts: Vec<String> = published
        .wait_for(64)
        .await
        .iter()
        .map(|r| r.execution_order[0].clone())
        .collect();
    // Each order has probability 1/2 per run, so seeing only one in 64 runs
    // happens with probability 2^-63.
    assert!(
        firsts.iter().any(|name| name == "control") && firsts.iter().any(|name| name == "a"),
        "{firsts:?}"
    );
}

#[tokio::test]
async fn cpu_time_is_measured_per_observation() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), u64, String>("cpu")
        .mode(Mode::Inline)
        .compare(|_, _| true)
        .candidate("busy", |()| async {
            Ok((0..3_000_000u64).fold(0, |acc, n| acc ^ n.wrapping_mul(7)))
        })
        .build()
        .unwrap();
    experiment.run(async { Ok(0) }, || ()).await.unwrap();
    let result = &published.wait_for(1).await[0];
    assert!(result.candidates[0].observation.cpu_ms > 0.0);
}

#[tokio::test]
async fn fabricated_durations_replace_measured_ones() {
    let (lab, published) = lab();
    let fabricated = Timing {
        wall: Duration::from_millis(1_500),
        cpu: Duration::from_millis(250),
    };
    let experiment = lab
        .experiment::<(), u8, String>("fabricated")
        .mode(Mode::Inline)
        .fabricate_durations(HashMap::from([("fast".to_owned(), fabricated)]))
        .candidate("fast", |()| async { Ok(1) })
        .build()
        .unwrap();
    experiment.run(async { Ok(1) }, || ()).await.unwrap();
    let observation = &published.wait_for(1).await[0].candidates[0].observation;
    assert_eq!(
        (observation.duration_ms, observation.cpu_ms),
        (1_500.0, 250.0)
    );
}

#[tokio::test]
async fn raise_on_mismatches_panics_with_the_result() {
    let (lab, _published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("raise")
        .mode(Mode::Joined)
        .raise_on_mismatches(true)
        .candidate("wrong", |()| async { Ok(2) })
        .build()
        .unwrap();
    let payload = AssertUnwindSafe(experiment.run(async { Ok(1) }, || ()))
        .catch_unwind()
        .await
        .unwrap_err();
    let error = payload
        .downcast::<MismatchError>()
        .expect("payload is a MismatchError");
    assert_eq!(error.result.experiment, "raise");
    assert!(error.to_string().contains("mismatched"));
    // A match does not raise.
    let matching = lab
        .experiment::<(), u8, String>("raise-ok")
        .mode(Mode::Inline)
        .raise_on_mismatches(true)
        .candidate("right", |()| async { Ok(1) })
        .build()
        .unwrap();
    assert_eq!(matching.run(async { Ok(1) }, || ()).await, Ok(1));
}

#[tokio::test]
async fn a_panicking_candidate_never_disturbs_the_control_in_any_mode() {
    let (lab, published) = lab();
    for (index, mode) in [Mode::Inline, Mode::Joined, Mode::Detached]
        .into_iter()
        .enumerate()
    {
        let experiment = lab
            .experiment::<(), u8, String>(&format!("panic-{index}"))
            .mode(mode)
            .candidate("panics", |()| async { panic!("candidate exploded") })
            .build()
            .unwrap();
        assert_eq!(experiment.run(async { Ok(9) }, || ()).await, Ok(9));
        let results = published.wait_for(index + 1).await;
        let outcome = &results
            .iter()
            .find(|r| r.experiment == experiment.name())
            .unwrap()
            .candidates[0]
            .outcome;
        assert_eq!(
            *outcome,
            Outcome::Panicked {
                message: "candidate exploded".to_owned()
            }
        );
    }
}

#[tokio::test]
async fn a_control_panic_reaches_the_caller_unchanged() {
    let (lab, _published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("control-panic")
        .candidate("fine", |()| async { Ok(1) })
        .build()
        .unwrap();
    let control = async { panic!("control exploded") };
    let payload = AssertUnwindSafe(experiment.run(control, || ()))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"control exploded"));
}

#[tokio::test(start_paused = true)]
async fn absolute_timeout_cancels_a_candidate_that_never_finishes() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<(), u8, String>("absolute")
        .mode(Mode::Joined)
        .timeout(Timeout::Absolute(Duration::from_secs(2)))
        .candidate("stuck", |()| std::future::pending())
        .build()
        .unwrap();
    assert_eq!(experiment.run(async { Ok(1) }, || ()).await, Ok(1));
    let result = &published.wait_for(1).await[0];
    assert_eq!(result.candidates[0].outcome, Outcome::TimedOut);
    assert_eq!(
        result.candidates[0].observation.error.as_deref(),
        Some("timed out")
    );
}

#[tokio::test(start_paused = true)]
async fn relative_timeout_scales_with_the_control() {
    let (lab, published) = lab();
    let experiment = lab
        .experiment::<u64, u8, String>("relative")
        .mode(Mode::Joined)
        .timeout(Timeout::ControlMultiple {
            factor: 2.0,
            floor: Duration::from_millis(10),
        })
        .candidate("sleepy", |seconds| async move {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            Ok(1)
        })
        .build()
        .unwrap();
    let control = || async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(1)
    };
    // Twice the control's 3 s is 6 s: a 5 s candidate finishes, a 7 s one does not.
    experiment.run(control(), || 5).await.unwrap();
    experiment.run(control(), || 7).await.unwrap();
    let results = published.wait_for(2).await;
    assert_eq!(results[0].candidates[0].outcome, Outcome::Match);
    assert_eq!(results[1].candidates[0].outcome, Outcome::TimedOut);
}

#[tokio::test]
async fn an_unsampled_call_allocates_nothing() {
    let (lab, _published) = lab();
    let experiment = lab
        .experiment::<u64, u64, String>("no-alloc")
        .sample_basis_points(0)
        .candidate("never", |n| async move { Ok(n) })
        .build()
        .unwrap();
    // Warm the thread-local generator so only the steady state is counted.
    let _ = experiment
        .run(std::future::ready(Ok(1)), || 1)
        .now_or_never();
    let before = crate::allocations_on_this_thread();
    for key in 0..100u64 {
        let value = experiment
            .run(std::future::ready(Ok(key)), || key)
            .now_or_never();
        assert_eq!(value, Some(Ok(key)));
        let sticky = experiment
            .run_sticky(&key, std::future::ready(Ok(key)), || key)
            .now_or_never();
        assert_eq!(sticky, Some(Ok(key)));
    }
    assert_eq!(crate::allocations_on_this_thread() - before, 0);
    // The counter does see the allocations of a sampled call.
    let sampled = lab
        .experiment::<u64, u64, String>("alloc")
        .mode(Mode::Inline)
        .candidate("c", |n| async move { Ok(n) });
    let sampled = sampled.build().unwrap();
    let before = crate::allocations_on_this_thread();
    let _ = sampled.run(std::future::ready(Ok(1)), || 1).now_or_never();
    assert!(crate::allocations_on_this_thread() > before);
}
