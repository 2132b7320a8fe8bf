//! The recursive walk behind [`super::diff`]: objects by key, arrays by index
//! or as multisets, numbers with a tolerance.

use serde_json::{Map, Value};

use super::pattern::{Pattern, escape_segment, render};
use super::{DiffConfig, DiffKind, Difference};

/// Walks two values with the config's patterns parsed once per diff.
pub(super) struct Walker {
    ignore: Vec<Pattern>,
    unordered: Vec<Pattern>,
    tolerance: f64,
    path: Vec<String>,
}

impl Walker {
    pub(super) fn new(config: &DiffConfig) -> Self {
        let parse_all =
            |pointers: &[String]| pointers.iter().filter_map(|p| Pattern::parse(p)).collect();
        Walker {
            ignore: parse_all(&config.ignore),
            unordered: parse_all(&config.unordered),
            tolerance: config.float_tolerance,
            path: Vec::new(),
        }
    }

    /// Appends every difference under the current path to `out`.
    pub(super) fn walk(&mut self, control: &Value, candidate: &Value, out: &mut Vec<Difference>) {
        if self
            .ignore
            .iter()
            .any(|pattern| pattern.matches(&self.path))
        {
            return;
        }
        match (control, candidate) {
            (Value::Object(left), Value::Object(right)) => self.walk_objects(left, right, out),
            (Value::Array(left), Value::Array(right)) if self.is_unordered() => {
                self.walk_unordered(left, right, out)
            }
            (Value::Array(left), Value::Array(right)) => self.walk_ordered(left, right, out),
            (Value::Number(_), Value::Number(_)) if self.numbers_equal(control, candidate) => {}
            _ if control == candidate => {}
            _ => self.report(
                same_type_kind(control, candidate),
                Some(control),
                Some(candidate),
                out,
            ),
        }
    }

    fn walk_objects(
        &mut self,
        left: &Map<String, Value>,
        right: &Map<String, Value>,
        out: &mut Vec<Difference>,
    ) {
        for (key, control) in left {
            self.path.push(escape_segment(key));
            match right.get(key) {
                Some(candidate) => self.walk(control, candidate, out),
                None => self.report_unless_ignored(DiffKind::Missing, Some(control), None, out),
            }
            self.path.pop();
        }
        for (key, candidate) in right.iter().filter(|(key, _)| !left.contains_key(*key)) {
            self.path.push(escape_segment(key));
            self.report_unless_ignored(DiffKind::Extra, None, Some(candidate), out);
            self.path.pop();
        }
    }

    fn walk_ordered(&mut self, left: &[Value], right: &[Value], out: &mut Vec<Difference>) {
        for index in 0..left.len().max(right.len()) {
            self.path.push(index.to_string());
            match (left.get(index), right.get(index)) {
                (Some(control), Some(candidate)) => self.walk(control, candidate, out),
                (control, candidate) => {
                    let kind = if control.is_some() {
                        DiffKind::Missing
                    } else {
                        DiffKind::Extra
                    };
                    self.report_unless_ignored(kind, control, candidate, out);
                }
            }
            self.path.pop();
        }
    }

    /// Pairs each control element with the first unused candidate element
    /// that has no difference from it; leftovers are missing or extra.
    fn walk_unordered(&mut self, left: &[Value], right: &[Value], out: &mut Vec<Difference>) {
        let mut used = vec![false; right.len()];
        for (index, control) in left.iter().enumerate() {
            self.path.push(index.to_string());
            let found = (0..right.len())
                .find(|&slot| !used[slot] && self.equal_here(control, &right[slot]));
            match found {
                Some(slot) => used[slot] = true,
                None => self.report_unless_ignored(DiffKind::Missing, Some(control), None, out),
            }
            self.path.pop();
        }
        for (slot, candidate) in right.iter().enumerate().filter(|(slot, _)| !used[*slot]) {
            self.path.push(slot.to_string());
            self.report_unless_ignored(DiffKind::Extra, None, Some(candidate), out);
            self.path.pop();
        }
    }

    fn equal_here(&mut self, control: &Value, candidate: &Value) -> bool {
        let mut scratch = Vec::new();
        self.walk(control, candidate, &mut scratch);
        scratch.is_empty()
    }

    fn is_unordered(&self) -> bool {
        self.unordered
            .iter()
            .any(|pattern| pattern.matches(&self.path))
    }

    fn numbers_equal(&self, control: &Value, candidate: &Value) -> bool {
        match (control.as_f64(), candidate.as_f64()) {
            (Some(left), Some(right)) if self.tolerance > 0.0 => {
                (left - right).abs() <= self.tolerance
            }
            _ => control == candidate,
        }
    }

    fn report_unless_ignored(
        &mut self,
        kind: DiffKind,
        control: Option<&Value>,
        candidate: Option<&Value>,
        out: &mut Vec<Difference>,
    ) {
        if !self
            .ignore
            .iter()
            .any(|pattern| pattern.matches(&self.path))
        {
            self.report(kind, control, candidate, out);
        }
    }

    fn report(
        &self,
        kind: DiffKind,
        control: Option<&Value>,
        candidate: Option<&Value>,
        out: &mut Vec<Difference>,
    ) {
        out.push(Difference {
            path: render(&self.path),
            kind,
            control: control.cloned(),
            candidate: candidate.cloned(),
        });
    }
}

fn same_type_kind(control: &Value, candidate: &Value) -> DiffKind {
    if std::mem::discriminant(control) == std::mem::discriminant(candidate) {
        DiffKind::Changed
    } else {
        DiffKind::TypeChanged
    }
}
