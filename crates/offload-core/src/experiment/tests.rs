//! The comparisons, signatures, bounds and latency buckets, case by case.

use serde_json::{Value, json};

use super::latency::{self, LatencyHistogram};
use super::*;

fn name(text: &str) -> ExperimentName {
    ExperimentName::new(text).unwrap()
}

fn comparator(comparison: Comparison, normalize: &[&str]) -> Comparator {
    let config = ExperimentConfig {
        comparison,
        normalize: normalize.iter().map(|p| (*p).to_owned()).collect(),
        ..ExperimentConfig::new(name("e"))
    };
    Comparator::new(&config).unwrap()
}

fn ok(value: Value) -> Observed {
    Observed {
        value,
        error: None,
        duration_ms: 1.0,
    }
}

fn failed(message: &str) -> Observed {
    Observed {
        value: Value::Null,
        error: Some(message.to_owned()),
        duration_ms: 1.0,
    }
}

fn fields(cmp: &Comparator, a: Value, b: Value) -> Vec<String> {
    match cmp.compare(&ok(a), &ok(b)) {
        Verdict::Match => Vec::new(),
        Verdict::Mismatch(m) => m.fields,
    }
}

#[test]
fn json_equality_is_structural_and_numbers_compare_by_value() {
    let cmp = comparator(Comparison::Json, &[]);
    let a = json!({"a": 1, "b": [1, 2], "c": {"d": "x"}});
    let b = json!({"c": {"d": "x"}, "b": [1.0, 2], "a": 1.0});
    assert!(cmp.compare(&ok(a), &ok(b)).is_match());
}

#[test]
fn json_differences_are_pointer_paths_with_positions_folded() {
    let cmp = comparator(Comparison::Json, &[]);
    let a = json!({"items": [{"price": 1}, {"price": 2}], "gone": 1, "a/b": 0});
    let b = json!({"items": [{"price": 1}, {"price": 3}, {"price": 4}], "new": 1, "a/b": 1});
    assert_eq!(
        fields(&cmp, a, b),
        ["/a~1b", "/gone", "/items/*/price", "/items/-", "/new"]
    );
    assert_eq!(fields(&cmp, json!(1), json!("1")), ["(root)"]);
}

#[test]
fn one_kind_of_difference_has_one_signature() {
    let cmp = comparator(Comparison::Json, &[]);
    let verdict = |a: Value, b: Value| cmp.compare(&ok(a), &ok(b)).mismatch().cloned().unwrap();
    let first = verdict(json!([{"p": 1}, {"p": 2}]), json!([{"p": 1}, {"p": 9}]));
    let second = verdict(json!([{"p": 5}, {"p": 2}]), json!([{"p": 6}, {"p": 2}]));
    let other = verdict(json!([{"q": 5}]), json!([{"q": 6}]));
    assert_eq!(first.signature, second.signature);
    assert_ne!(first.signature, other.signature);
    assert_eq!(first.signature.len(), 16);
}

#[test]
fn normalization_deletes_matches_before_comparing() {
    let stamp = r"\d{4}-\d\d-\d\dT[\d:.]+Z";
    let cmp = comparator(Comparison::Json, &[stamp]);
    let a = json!({"at": "2024-01-01T10:00:00Z", "n": 1});
    let b = json!({"at": "2025-06-30T23:59:59.5Z", "n": 1});
    assert!(cmp.compare(&ok(a.clone()), &ok(b.clone())).is_match());
    let plain = comparator(Comparison::Json, &[]);
    assert_eq!(fields(&plain, a, b), ["/at"]);
    let lines = comparator(Comparison::Lines, &[r"pid=\d+"]);
    assert!(
        lines
            .compare(&ok(json!("pid=1 ok")), &ok(json!("pid=2 ok")))
            .is_match()
    );
    assert!(
        cmp.compare(&failed("boom pid"), &failed("boom pid"))
            .is_match()
    );
}

#[test]
fn errors_agree_only_with_equal_errors() {
    let cmp = comparator(Comparison::Json, &[r"#\d+"]);
    assert!(
        cmp.compare(&failed("lost #1"), &failed("lost #2"))
            .is_match()
    );
    let only = |a: &Observed, b: &Observed| cmp.compare(a, b).mismatch().unwrap().fields.clone();
    assert_eq!(only(&ok(json!(1)), &failed("x")), ["error: candidate only"]);
    assert_eq!(only(&failed("x"), &ok(json!(1))), ["error: control only"]);
    assert_eq!(only(&failed("x"), &failed("y")), ["error: messages differ"]);
}

#[test]
fn exact_wants_identical_text_and_lines_forgives_trailing_space() {
    let exact = comparator(Comparison::Exact, &[]);
    let lines = comparator(Comparison::Lines, &[]);
    let (a, b) = (json!("one\ntwo\n"), json!("one  \r\ntwo\n\n"));
    assert!(lines.compare(&ok(a.clone()), &ok(b.clone())).is_match());
    assert_eq!(fields(&exact, a, b), ["+", "+one  \r", "-one"]);
    assert_eq!(
        fields(&lines, json!("a\nb\nc"), json!("a\nX\nc")),
        ["+X", "-b"]
    );
    assert_eq!(
        fields(&lines, json!("a\nb"), json!("b\na")),
        ["(line order or line endings)"]
    );
    // Non-strings are compared as pretty JSON with sorted keys.
    assert!(
        exact
            .compare(&ok(json!({"b": 1, "a": 2})), &ok(json!({"a": 2, "b": 1})))
            .is_match()
    );
}

#[test]
fn a_mismatch_names_at_most_ten_fields_of_bounded_length() {
    let cmp = comparator(Comparison::Lines, &[]);
    let long = "x".repeat(500);
    let many: String = (0..50).map(|i| format!("{i}{long}\n")).collect();
    let names = fields(&cmp, json!(many), json!(""));
    assert_eq!(names.len(), bounds::MAX_FIELDS);
    assert!(names.iter().all(|f| f.len() <= 200), "{names:?}");
}

#[test]
fn names_are_checked_for_charset_and_length() {
    assert!(ExperimentName::new("checkout.v2-beta_1").is_ok());
    for bad in ["", "has space", "a/b", &"x".repeat(65)] {
        let err = ExperimentName::new(bad).unwrap_err();
        assert_eq!(err.field, "name");
        assert!(err.problem.contains("64"), "{err}");
    }
}

#[test]
fn settings_out_of_bounds_name_the_field_and_the_limit() {
    let update = |u: ExperimentUpdate| u.validate().unwrap_err();
    let percent = update(ExperimentUpdate {
        percent: Some(100.5),
        ..ExperimentUpdate::default()
    });
    assert_eq!(percent.field, "percent");
    assert!(percent.problem.contains("from 0 to 100"), "{percent}");
    let negative = update(ExperimentUpdate {
        percent: Some(-1.0),
        ..ExperimentUpdate::default()
    });
    assert_eq!(negative.field, "percent");
    let nan = update(ExperimentUpdate {
        percent: Some(f64::NAN),
        ..ExperimentUpdate::default()
    });
    assert_eq!(nan.field, "percent");
    let regex = update(ExperimentUpdate {
        normalize: Some(vec!["ok".into(), "(".into()]),
        ..ExperimentUpdate::default()
    });
    assert_eq!(regex.field, "normalize[1]");
    let cap = update(ExperimentUpdate {
        cap_per_signature: Some(0),
        ..ExperimentUpdate::default()
    });
    assert_eq!(cap.field, "cap_per_signature");
    assert!(ExperimentConfig::new(name("e")).validate().is_ok());
}

#[test]
fn an_update_changes_only_what_it_sets() {
    let config = ExperimentConfig::new(name("e"));
    let ramped = ExperimentUpdate {
        percent: Some(12.5),
        ..ExperimentUpdate::default()
    }
    .apply(&config);
    assert_eq!(ramped.percent, 12.5);
    assert_eq!(
        (ramped.enabled, ramped.comparison, ramped.cap_per_signature),
        (true, Comparison::Json, 5)
    );
}

fn observation(names: &[&str]) -> Observation {
    Observation {
        control: ok(json!(1)),
        candidates: names
            .iter()
            .map(|n| Candidate {
                name: (*n).to_owned(),
                observed: ok(json!(1)),
            })
            .collect(),
        context: serde_json::Map::new(),
    }
}

#[test]
fn observations_need_unique_candidates_and_sane_durations() {
    assert!(observation(&["a", "b"]).validate().is_ok());
    let field = |o: &Observation| o.validate().unwrap_err().field;
    assert_eq!(field(&observation(&[])), "candidates");
    assert_eq!(field(&observation(&["a", "a"])), "candidates[1].name");
    assert_eq!(field(&observation(&["control"])), "candidates[0].name");
    assert_eq!(field(&observation(&["a b"])), "candidates[0].name");
    let mut slow = observation(&["a"]);
    slow.control.duration_ms = -1.0;
    assert_eq!(field(&slow), "control.duration_ms");
    slow.control.duration_ms = 1.0;
    slow.candidates[0].observed.duration_ms = f64::INFINITY;
    assert_eq!(field(&slow), "candidates[0].duration_ms");
}

#[test]
fn judge_gives_one_verdict_per_candidate() {
    let mut obs = observation(&["same", "other"]);
    obs.candidates[1].observed.value = json!(2);
    let verdicts = comparator(Comparison::Json, &[]).judge(&obs);
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts[0].is_match() && !verdicts[1].is_match());
}

#[test]
fn latency_buckets_grow_by_a_fifth_and_percentiles_land_within_them() {
    assert_eq!(latency::bucket(0.0), 0);
    assert_eq!(latency::bucket(f64::NAN), 0);
    assert_eq!(latency::bucket(1e12), latency::BUCKETS - 1);
    for ms in [0.02, 1.0, 7.5, 250.0, 60_000.0] {
        let mid = latency::value(latency::bucket(ms));
        assert!((mid / ms - 1.0).abs() < 0.11, "{ms} -> {mid}");
    }
    let mut histogram = LatencyHistogram::default();
    assert_eq!(histogram.percentile(0.5), None);
    (1..=100).for_each(|ms| histogram.record(f64::from(ms)));
    let near = |q: f64, want: f64| {
        let got = histogram.percentile(q).unwrap();
        assert!((got / want - 1.0).abs() < 0.11, "p{q}: {got} vs {want}");
    };
    near(0.5, 50.0);
    near(0.95, 95.0);
    near(0.99, 99.0);
    assert_eq!(histogram.total(), 100);
}

#[test]
fn the_reservoir_keeps_the_first_cap_then_replaces_with_falling_odds() {
    assert_eq!(reservoir_slot(1, 3, 0.99), Some(0));
    assert_eq!(reservoir_slot(3, 3, 0.99), Some(2));
    // The 4th of a cap of 3 is kept when the draw lands in the first 3/4.
    assert_eq!(reservoir_slot(4, 3, 0.0), Some(0));
    assert_eq!(reservoir_slot(4, 3, 0.74), Some(2));
    assert_eq!(reservoir_slot(4, 3, 0.75), None);
    assert_eq!(reservoir_slot(1000, 3, 0.5), None);
    assert_eq!(reservoir_slot(1000, 3, 0.002), Some(2));
    assert_eq!(reservoir_slot(10, 3, 1.0), None);
    assert_eq!(reservoir_slot(0, 3, 0.1), None);
    // Over many mismatches, the number kept is the cap.
    let kept = (1..=10_000u64)
        .filter(|n| reservoir_slot(*n, 5, (*n as f64 * 0.618_034).fract()).is_some())
        .count();
    assert!(kept < 200, "{kept}");
}
