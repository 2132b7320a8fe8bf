//! Experiments: recording judged observations, the reservoir of mismatches per
//! signature, the report's aggregates, and settings.
//!
//! Verdicts are written by hand here (a signature is whatever string the case
//! picks), because the store only counts and keeps them; how they are computed
//! is `offload_core::experiment`'s business and tested there.

use std::time::Duration;

use offload_core::Timestamp;
use offload_core::experiment::{
    Candidate, Comparison, ExperimentConfig, ExperimentName, ExperimentUpdate, Mismatch,
    Observation, Observed, Verdict, bounds,
};
use serde_json::{Map, Value, json};

use super::support::*;
use crate::{ExperimentQuery, ExperimentReport, ObservationRecord, Store, minute_of};

fn name(text: &str) -> ExperimentName {
    ExperimentName::new(text).expect("the suite uses valid names")
}

fn observed(value: Value, duration_ms: f64) -> Observed {
    Observed {
        value,
        error: None,
        duration_ms,
    }
}

/// A verdict of mismatch with signature `signature`.
fn differs(signature: &str) -> Verdict {
    Verdict::Mismatch(Mismatch {
        signature: signature.to_owned(),
        fields: vec![format!("/{signature}")],
    })
}

/// An observation of experiment `e` with one candidate `new`, tagged `tag` in its
/// context, judged `verdict`, at `at`, with reservoir draw `draw`.
fn record(tag: u64, verdict: Verdict, at: Timestamp, draw: f64) -> ObservationRecord {
    let mut context = Map::new();
    context.insert("tag".into(), json!(tag));
    ObservationRecord {
        experiment: name("e"),
        observation: Observation {
            control: observed(json!({"n": tag}), 10.0),
            candidates: vec![Candidate {
                name: "new".into(),
                observed: observed(json!({"n": tag + 1}), 40.0),
            }],
            context,
        },
        verdicts: vec![verdict],
        at,
        draw,
    }
}

async fn report<S: Store>(store: &S, since: Timestamp) -> ExperimentReport {
    let query = ExperimentQuery {
        since,
        samples: 100,
    };
    store
        .experiment_get(&name("e"), &query)
        .await
        .expect("get")
        .expect("the experiment exists")
}

/// The context tags of the kept mismatches, sorted.
fn kept_tags(report: &ExperimentReport) -> Vec<u64> {
    let mut tags: Vec<u64> = report
        .samples
        .iter()
        .map(|s| s.context["tag"].as_u64().expect("a tag"))
        .collect();
    tags.sort_unstable();
    tags
}

/// The first observation of an unknown experiment creates it, enabled at 100 %.
pub async fn record_creates_the_experiment_with_defaults<S: Store>(store: &S) {
    assert_eq!(store.experiment_config(&name("e")).await.unwrap(), None);
    let done = store
        .experiment_record(record(1, Verdict::Match, at(1), 0.5))
        .await
        .unwrap();
    assert!(done.matched);
    assert_eq!(done.kept, 0);
    let config = store.experiment_config(&name("e")).await.unwrap();
    assert_eq!(config, Some(ExperimentConfig::new(name("e"))));
    let listed = store.experiment_list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].matched, listed[0].mismatched), (1, 0));
    assert_eq!(listed[0].last_seen_at, Some(at(1)));
    assert_eq!(listed[0].created_at, at(1));
}

/// Observations are counted per minute; the timeline starts at `since`.
pub async fn minutes_count_matches_and_mismatches<S: Store>(store: &S) {
    // T0 is not on a minute; the buckets are.
    let minute = |m: u64| minute_of(T0).plus(Duration::from_secs(60 * m));
    let plan = [(0, true), (0, false), (0, true), (2, false), (2, false)];
    for (i, (m, ok)) in plan.into_iter().enumerate() {
        let verdict = if ok { Verdict::Match } else { differs("a") };
        let at = minute(m).plus(Duration::from_secs(i as u64));
        store
            .experiment_record(record(i as u64, verdict, at, 0.0))
            .await
            .unwrap();
    }
    let all = report(store, minute(0)).await;
    let counts: Vec<_> = all
        .minutes
        .iter()
        .map(|m| (m.minute, m.matched, m.mismatched))
        .collect();
    assert_eq!(counts, vec![(minute(0), 2, 1), (minute(2), 0, 2)]);
    assert_eq!((all.summary.matched, all.summary.mismatched), (2, 3));
    let later = report(store, minute(1)).await;
    assert_eq!(later.minutes.len(), 1);
    assert_eq!(later.minutes[0].minute, minute(2));
}

/// Signatures are counted and listed most frequent first, with their fields.
pub async fn signatures_are_counted_most_frequent_first<S: Store>(store: &S) {
    let verdicts = ["b", "a", "b", "b", "a", "c"];
    for (i, sig) in verdicts.into_iter().enumerate() {
        let at = at(i as u64);
        store
            .experiment_record(record(i as u64, differs(sig), at, 0.9))
            .await
            .unwrap();
    }
    let report = report(store, T0).await;
    let counts: Vec<_> = report
        .signatures
        .iter()
        .map(|s| (s.signature.as_str(), s.count, s.fields.clone()))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("b", 3, vec!["/b".to_owned()]),
            ("a", 2, vec!["/a".to_owned()]),
            ("c", 1, vec!["/c".to_owned()]),
        ]
    );
    assert_eq!(report.signatures[0].last_seen_at, at(3));
}

/// Each signature keeps at most its cap of mismatches, replaced by the draw as
/// reservoir sampling says: the n-th replaces slot ⌊draw·n⌋ if below the cap.
pub async fn reservoir_keeps_at_most_cap_per_signature<S: Store>(store: &S) {
    let cap = ExperimentUpdate {
        cap_per_signature: Some(2),
        ..ExperimentUpdate::default()
    };
    store.experiment_update(&name("e"), &cap, T0).await.unwrap();
    // Tags 1 and 2 fill slots 0 and 1; tag 3 (draw 0.9: ⌊2.7⌋ = 2) is not kept;
    // tag 4 (draw 0.3: ⌊1.2⌋ = 1) replaces tag 2; tag 5 (draw 0.1: slot 0) replaces tag 1.
    let draws = [(1, 0.9), (2, 0.9), (3, 0.9), (4, 0.3), (5, 0.1)];
    let mut kept = Vec::new();
    for (tag, draw) in draws {
        let done = store
            .experiment_record(record(tag, differs("a"), at(tag), draw))
            .await
            .unwrap();
        kept.push(done.kept);
    }
    assert_eq!(kept, vec![1, 1, 0, 1, 1]);
    // Another signature has a reservoir of its own.
    store
        .experiment_record(record(6, differs("b"), at(6), 0.9))
        .await
        .unwrap();
    let report = report(store, T0).await;
    assert_eq!(kept_tags(&report), vec![4, 5, 6]);
    let newest: Vec<_> = report.samples.iter().map(|s| s.at).collect();
    assert_eq!(newest, vec![at(6), at(5), at(4)], "newest first");
}

/// A kept mismatch has both outputs, the candidate's name, the fields and the context.
pub async fn mismatches_keep_both_outputs<S: Store>(store: &S) {
    let mut rec = record(7, differs("a"), at(3), 0.0);
    rec.observation.candidates[0].observed = Observed {
        value: Value::Null,
        error: Some("candidate exploded".into()),
        duration_ms: 2.5,
    };
    store.experiment_record(rec).await.unwrap();
    let report = report(store, T0).await;
    let sample = &report.samples[0];
    assert_eq!(sample.signature, "a");
    assert_eq!(sample.fields, vec!["/a".to_owned()]);
    assert_eq!(sample.control.value, json!({"n": 7}));
    assert_eq!(sample.control.duration_ms, 10.0);
    assert_eq!(sample.candidate.name, "new");
    assert_eq!(
        sample.candidate.observed.error.as_deref(),
        Some("candidate exploded")
    );
    assert_eq!(sample.candidate.observed.duration_ms, 2.5);
    assert_eq!(sample.context["tag"], json!(7));
    assert_eq!(sample.at, at(3));
}

/// Latency is kept per behaviour, so percentiles come from bucket counts.
pub async fn latency_is_kept_per_behaviour<S: Store>(store: &S) {
    for i in 0..20u64 {
        store
            .experiment_record(record(i, Verdict::Match, at(i), 0.0))
            .await
            .unwrap();
    }
    let report = report(store, T0).await;
    let names: Vec<_> = report
        .latency
        .iter()
        .map(|l| l.behaviour.as_str())
        .collect();
    assert_eq!(names, vec!["control", "new"]);
    let p50 = |i: usize| report.latency[i].histogram.percentile(0.5).unwrap();
    assert!((p50(0) / 10.0 - 1.0).abs() < 0.11, "control p50 {}", p50(0));
    assert!(
        (p50(1) / 40.0 - 1.0).abs() < 0.11,
        "candidate p50 {}",
        p50(1)
    );
    assert_eq!(report.latency[1].histogram.total(), 20);
}

/// Past `MAX_SIGNATURES` kinds, new kinds are counted as `overflow`.
pub async fn signatures_past_the_limit_count_as_overflow<S: Store>(store: &S) {
    let limit = u64::from(bounds::MAX_SIGNATURES);
    for i in 0..limit + 2 {
        let sig = format!("s{i}");
        store
            .experiment_record(record(i, differs(&sig), at(i), 0.9))
            .await
            .unwrap();
    }
    store
        .experiment_record(record(0, differs("s0"), at(999), 0.9))
        .await
        .unwrap();
    let report = report(store, T0).await;
    assert_eq!(report.signatures.len() as u64, limit + 1);
    let count = |sig: &str| {
        let found = report.signatures.iter().find(|s| s.signature == sig);
        found.map_or(0, |s| s.count)
    };
    assert_eq!(count(bounds::OVERFLOW_SIGNATURE), 2);
    assert_eq!(count("s0"), 2, "known kinds still count as themselves");
}

/// Minutes older than the history are dropped when a new minute opens.
pub async fn old_minutes_are_dropped<S: Store>(store: &S) {
    store
        .experiment_record(record(1, Verdict::Match, T0, 0.0))
        .await
        .unwrap();
    let later = T0.plus(bounds::HISTORY + Duration::from_secs(120));
    store
        .experiment_record(record(2, Verdict::Match, later, 0.0))
        .await
        .unwrap();
    let report = report(store, Timestamp(0)).await;
    assert_eq!(report.minutes.len(), 1, "{:?}", report.minutes);
    assert_eq!(report.summary.matched, 2, "totals are kept for good");
}

/// An update creates an unknown experiment, changes only what it sets, and a
/// lower cap drops the kept mismatches past it.
pub async fn update_upserts_and_trims_the_reservoir<S: Store>(store: &S) {
    let ramp = ExperimentUpdate {
        percent: Some(12.5),
        enabled: Some(false),
        ..ExperimentUpdate::default()
    };
    let config = store
        .experiment_update(&name("e"), &ramp, T0)
        .await
        .unwrap();
    assert_eq!((config.percent, config.enabled), (12.5, false));
    assert_eq!(config.comparison, Comparison::Json);
    let change = ExperimentUpdate {
        comparison: Some(Comparison::Lines),
        normalize: Some(vec![r"\d+".into()]),
        ..ExperimentUpdate::default()
    };
    let config = store
        .experiment_update(&name("e"), &change, at(1))
        .await
        .unwrap();
    assert_eq!((config.percent, config.enabled), (12.5, false));
    assert_eq!(config.normalize, vec![r"\d+".to_owned()]);
    assert_eq!(
        store.experiment_config(&name("e")).await.unwrap(),
        Some(config)
    );
    for tag in 1..=4 {
        store
            .experiment_record(record(tag, differs("a"), at(tag), 0.0))
            .await
            .unwrap();
    }
    assert_eq!(report(store, T0).await.samples.len(), 4);
    let shrink = ExperimentUpdate {
        cap_per_signature: Some(2),
        ..ExperimentUpdate::default()
    };
    store
        .experiment_update(&name("e"), &shrink, at(9))
        .await
        .unwrap();
    assert_eq!(report(store, T0).await.samples.len(), 2);
}

/// Records made at once are all counted, and the reservoir still holds at
/// most its cap: on a shared store, each record sees the counts of the others.
pub async fn concurrent_records_count_exactly<S: Store>(store: &S) {
    let records = (0..24u64).map(|i| {
        let verdict = if i % 3 == 0 {
            Verdict::Match
        } else {
            differs("a")
        };
        store.experiment_record(record(i, verdict, at(1), 0.0))
    });
    let done = futures::future::join_all(records).await;
    assert!(done.iter().all(Result::is_ok), "{done:?}");
    let report = report(store, minute_of(T0)).await;
    assert_eq!((report.summary.matched, report.summary.mismatched), (8, 16));
    assert_eq!(report.signatures[0].count, 16);
    let minute = &report.minutes[0];
    assert_eq!((minute.matched, minute.mismatched), (8, 16));
    assert_eq!(report.samples.len(), 5, "the default cap");
    assert_eq!(report.latency[0].histogram.total(), 24);
}

/// An unknown experiment has no report.
pub async fn get_unknown_is_none<S: Store>(store: &S) {
    let query = ExperimentQuery {
        since: T0,
        samples: 10,
    };
    let found = store.experiment_get(&name("nope"), &query).await.unwrap();
    assert_eq!(found, None);
    assert!(store.experiment_list().await.unwrap().is_empty());
}
