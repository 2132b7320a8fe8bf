//! Text comparisons: `exact` and `lines`, and the lines only one side has.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::{Comparator, MAX_KEYS};

/// Identical text after normalization; differences are the differing lines.
pub(super) fn exact_keys(cmp: &Comparator, a: &Value, b: &Value) -> BTreeSet<String> {
    let (ta, tb) = (text(a), text(b));
    let (ca, cb) = (cmp.clean(&ta), cmp.clean(&tb));
    if ca == cb {
        return BTreeSet::new();
    }
    or_order(differing(ca.split('\n'), cb.split('\n')))
}

/// The same lines in the same order, ignoring trailing whitespace (and so `\r`)
/// and blank lines at the end.
pub(super) fn line_keys(cmp: &Comparator, a: &Value, b: &Value) -> BTreeSet<String> {
    let (ta, tb) = (text(a), text(b));
    let (ca, cb) = (cmp.clean(&ta), cmp.clean(&tb));
    let (la, lb) = (trimmed(&ca), trimmed(&cb));
    if la == lb {
        return BTreeSet::new();
    }
    or_order(differing(la.into_iter(), lb.into_iter()))
}

/// When both sides have the same lines, the difference is their order (or, for
/// `exact`, line endings), which is still a difference.
fn or_order(keys: BTreeSet<String>) -> BTreeSet<String> {
    if keys.is_empty() {
        return BTreeSet::from(["(line order or line endings)".to_owned()]);
    }
    keys
}

fn trimmed(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Lines the control has more often than the candidate (`-line`) and the other
/// way round (`+line`): a multiset difference, so an inserted line is one key
/// and does not shift every line after it.
fn differing<'a>(
    a: impl Iterator<Item = &'a str>,
    b: impl Iterator<Item = &'a str>,
) -> BTreeSet<String> {
    let mut count: HashMap<&str, i64> = HashMap::new();
    a.for_each(|l| *count.entry(l).or_default() += 1);
    b.for_each(|l| *count.entry(l).or_default() -= 1);
    let all: BTreeSet<String> = count
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(line, n)| format!("{}{line}", if n > 0 { '-' } else { '+' }))
        .collect();
    // The first keys in sorted order, so that the same texts always give the
    // same set whatever order the map iterated in.
    all.into_iter().take(MAX_KEYS).collect()
}

/// A value as text: a string as it is, anything else as pretty JSON with
/// sorted keys, so that equal values always give equal text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(&sorted(other)).unwrap_or_default(),
    }
}

/// `value` with every object's keys inserted in sorted order, which keeps them
/// sorted even if serde_json's `preserve_order` feature is on.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), sorted(&map[k])))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
