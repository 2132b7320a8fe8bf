//! Unit tests of the structured diff: one small case per rule.

use serde_json::json;

use super::*;

fn paths(diff: &Diff) -> Vec<(&str, DiffKind)> {
    diff.differences
        .iter()
        .map(|d| (d.path.as_str(), d.kind))
        .collect()
}

#[test]
fn equal_values_have_no_difference() {
    let value = json!({"a": [1, {"b": null}], "c": "x"});
    assert!(diff(&value, &value.clone(), &DiffConfig::default()).is_empty());
}

#[test]
fn reports_changed_missing_extra_and_type_changes_by_pointer() {
    let control = json!({"name": "ann", "age": 3, "gone": true, "list": [1, 2]});
    let candidate = json!({"name": "bob", "age": "3", "new": 1, "list": [1, 2, 3]});
    let found = diff(&control, &candidate, &DiffConfig::default());
    assert_eq!(
        paths(&found),
        vec![
            ("/age", DiffKind::TypeChanged),
            ("/gone", DiffKind::Missing),
            ("/list/2", DiffKind::Extra),
            ("/name", DiffKind::Changed),
            ("/new", DiffKind::Extra),
        ]
    );
    let name = found
        .differences
        .iter()
        .find(|d| d.path == "/name")
        .unwrap();
    assert_eq!(
        (name.control.clone(), name.candidate.clone()),
        (Some(json!("ann")), Some(json!("bob")))
    );
}

#[test]
fn keys_are_escaped_in_pointers() {
    let found = diff(
        &json!({"a/b~c": 1}),
        &json!({"a/b~c": 2}),
        &DiffConfig::default(),
    );
    assert_eq!(paths(&found), vec![("/a~1b~0c", DiffKind::Changed)]);
}

#[test]
fn ignore_paths_skip_subtrees_and_wildcards_match_any_segment() {
    let control = json!({"at": 1, "items": [{"id": 1, "ts": 5}, {"id": 2, "ts": 6}], "x": 1});
    let candidate = json!({"at": 2, "items": [{"id": 1, "ts": 7}, {"id": 2, "ts": 8}], "x": 2});
    let config = DiffConfig::default().ignore("/at").ignore("/items/*/ts");
    assert_eq!(
        paths(&diff(&control, &candidate, &config)),
        vec![("/x", DiffKind::Changed)]
    );
}

#[test]
fn ignore_also_covers_missing_and_extra_keys() {
    let config = DiffConfig::default().ignore("/gone").ignore("/new");
    assert!(diff(&json!({"gone": 1}), &json!({"new": 2}), &config).is_empty());
}

#[test]
fn unordered_arrays_compare_as_multisets() {
    let config = DiffConfig::default().unordered("/roles");
    let control = json!({"roles": ["a", "b", "b"]});
    assert!(diff(&control, &json!({"roles": ["b", "a", "b"]}), &config).is_empty());
    let found = diff(&control, &json!({"roles": ["b", "a", "c"]}), &config);
    assert_eq!(
        paths(&found),
        vec![
            ("/roles/2", DiffKind::Missing),
            ("/roles/2", DiffKind::Extra)
        ]
    );
    // Without the rule, order matters.
    assert!(
        !diff(
            &control,
            &json!({"roles": ["b", "a", "b"]}),
            &DiffConfig::default()
        )
        .is_empty()
    );
}

#[test]
fn float_tolerance_absorbs_small_differences_only() {
    let config = DiffConfig::default().float_tolerance(0.01);
    assert!(diff(&json!({"p": 1.0}), &json!({"p": 1.005}), &config).is_empty());
    assert_eq!(
        paths(&diff(&json!({"p": 1.0}), &json!({"p": 1.02}), &config)),
        vec![("/p", DiffKind::Changed)]
    );
    assert!(!diff(&json!(1.0), &json!(1.005), &DiffConfig::default()).is_empty());
}

#[test]
fn validate_names_the_bad_field() {
    let error = DiffConfig::default()
        .float_tolerance(-1.0)
        .validate()
        .unwrap_err();
    assert!(
        error.to_string().starts_with("diff.float_tolerance"),
        "{error}"
    );
    let error = DiffConfig::default()
        .ignore("no-slash")
        .validate()
        .unwrap_err();
    assert!(error.to_string().starts_with("diff.ignore"), "{error}");
    assert!(
        DiffConfig::default()
            .ignore("")
            .ignore("/a/*")
            .validate()
            .is_ok()
    );
}

#[test]
fn config_round_trips_through_json_for_the_server() {
    let config = DiffConfig::default()
        .ignore("/a")
        .unordered("/b")
        .float_tolerance(0.5);
    let text = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<DiffConfig>(&text).unwrap(), config);
}
