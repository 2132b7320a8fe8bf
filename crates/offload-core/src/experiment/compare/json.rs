//! JSON equality, and the JSON-pointer paths where two values differ.

use std::collections::BTreeSet;

use serde_json::{Number, Value};

use super::{Comparator, MAX_KEYS};

/// The paths where `a` and `b` differ: objects by key, arrays by position
/// (written `*`; a length difference is `/-`), numbers by value.
pub(super) fn keys(cmp: &Comparator, a: &Value, b: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    walk(cmp, a, b, "", &mut keys);
    keys
}

fn walk(cmp: &Comparator, a: &Value, b: &Value, path: &str, keys: &mut BTreeSet<String>) {
    if keys.len() >= MAX_KEYS {
        return;
    }
    let same = match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, va) in x {
                let at = format!("{path}/{}", escape(key));
                match y.get(key) {
                    Some(vb) => walk(cmp, va, vb, &at, keys),
                    None => add(keys, &at),
                }
            }
            for key in y.keys().filter(|k| !x.contains_key(*k)) {
                add(keys, &format!("{path}/{}", escape(key)));
            }
            true
        }
        (Value::Array(x), Value::Array(y)) => {
            let at = format!("{path}/*");
            x.iter()
                .zip(y)
                .for_each(|(va, vb)| walk(cmp, va, vb, &at, keys));
            if x.len() != y.len() {
                add(keys, &format!("{path}/-"));
            }
            true
        }
        (Value::String(x), Value::String(y)) => cmp.clean(x) == cmp.clean(y),
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        _ => a == b,
    };
    if !same {
        add(keys, path);
    }
}

/// Records a differing path; the whole value is written `(root)`.
fn add(keys: &mut BTreeSet<String>, path: &str) {
    let key = if path.is_empty() { "(root)" } else { path };
    keys.insert(key.to_owned());
}

/// A key as a JSON-pointer segment (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Numbers are equal by value, so `1` from one language equals `1.0` from another.
fn numbers_equal(x: &Number, y: &Number) -> bool {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        return a == b;
    }
    x.as_f64() == y.as_f64()
}
