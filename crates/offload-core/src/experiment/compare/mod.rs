//! Judging a candidate against the control, as the experiment's [`Comparison`]
//! says, after deleting whatever the normalization patterns match.
//!
//! A mismatch is reduced to the sorted set of its *keys*: the JSON-pointer paths
//! that differ (array positions written `*`, so that "the third price differs"
//! and "the fifth price differs" are one kind), or the lines only one side has.
//! The signature is a hash of that set, so it is stable across calls and across
//! processes, and the store can count and sample mismatches per kind.

mod json;
mod lines;

use std::borrow::Cow;
use std::collections::BTreeSet;

use regex::Regex;
use sha2::{Digest, Sha256};

use super::config::{Comparison, ExperimentConfig, bounds};
use super::error::{ExperimentError, fail};
use super::observation::{Observation, Observed};

/// The most keys collected for one mismatch; a larger difference is the same
/// kind of difference for any purpose here.
const MAX_KEYS: usize = 1000;
/// The longest key kept in [`Mismatch::fields`], in bytes.
const MAX_FIELD_LEN: usize = 200;

/// The verdict on one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The candidate agreed with the control.
    Match,
    /// The candidate disagreed.
    Mismatch(Mismatch),
}

impl Verdict {
    /// Whether the candidate agreed.
    pub fn is_match(&self) -> bool {
        matches!(self, Verdict::Match)
    }

    /// The mismatch, if the candidate disagreed.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match self {
            Verdict::Match => None,
            Verdict::Mismatch(m) => Some(m),
        }
    }
}

/// How a candidate disagreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// 16 hex digits of the SHA-256 of the sorted differing keys.
    pub signature: String,
    /// The first differing keys in sorted order (at most [`bounds::MAX_FIELDS`]),
    /// each cut to 200 bytes: JSON paths such as `/items/*/price`, lines as
    /// `-removed` and `+added`, or `error: candidate only`.
    pub fields: Vec<String>,
}

/// An experiment's comparison, with its normalization patterns compiled.
#[derive(Debug, Clone)]
pub struct Comparator {
    comparison: Comparison,
    normalize: Vec<Regex>,
}

/// Compiles a normalization pattern, with a size limit so a pattern cannot take
/// unbounded memory; the error says what is wrong with it.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > bounds::MAX_PATTERN {
        return Err(format!("at most {} bytes", bounds::MAX_PATTERN));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("not a regular expression: {e}"))
}

impl Comparator {
    /// The comparator of `config`; a bad pattern is named by its index.
    pub fn new(config: &ExperimentConfig) -> Result<Comparator, ExperimentError> {
        let normalize = config
            .normalize
            .iter()
            .enumerate()
            .map(|(i, p)| compile(p).map_err(|e| fail(format!("normalize[{i}]"), e)))
            .collect::<Result<_, _>>()?;
        Ok(Comparator {
            comparison: config.comparison,
            normalize,
        })
    }

    /// One verdict per candidate of `observation`, in order.
    pub fn judge(&self, observation: &Observation) -> Vec<Verdict> {
        let control = &observation.control;
        observation
            .candidates
            .iter()
            .map(|c| self.compare(control, &c.observed))
            .collect()
    }

    /// Compares one candidate with the control. Two errors agree when their
    /// normalized messages are equal; a value never agrees with an error.
    pub fn compare(&self, control: &Observed, candidate: &Observed) -> Verdict {
        let keys = match (&control.error, &candidate.error) {
            (None, None) => self.value_keys(&control.value, &candidate.value),
            (Some(a), Some(b)) if self.clean(a) == self.clean(b) => BTreeSet::new(),
            (Some(_), Some(_)) => BTreeSet::from(["error: messages differ".to_owned()]),
            (None, Some(_)) => BTreeSet::from(["error: candidate only".to_owned()]),
            (Some(_), None) => BTreeSet::from(["error: control only".to_owned()]),
        };
        verdict(&keys)
    }

    fn value_keys(&self, a: &serde_json::Value, b: &serde_json::Value) -> BTreeSet<String> {
        match self.comparison {
            Comparison::Json => json::keys(self, a, b),
            Comparison::Exact => lines::exact_keys(self, a, b),
            Comparison::Lines => lines::line_keys(self, a, b),
        }
    }

    /// `text` with every match of every pattern deleted.
    pub(crate) fn clean<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for pattern in &self.normalize {
            if let Cow::Owned(replaced) = pattern.replace_all(&text, "") {
                text = Cow::Owned(replaced);
            }
        }
        text
    }
}

/// `Match` for no keys, otherwise the mismatch they describe.
fn verdict(keys: &BTreeSet<String>) -> Verdict {
    if keys.is_empty() {
        return Verdict::Match;
    }
    let mut hash = Sha256::new();
    for key in keys {
        hash.update(key.as_bytes());
        hash.update(b"\n");
    }
    let signature = hex::encode(&hash.finalize()[..8]);
    let fields = keys
        .iter()
        .take(bounds::MAX_FIELDS)
        .map(|k| cut(k))
        .collect();
    Verdict::Mismatch(Mismatch { signature, fields })
}

/// `key` cut to at most [`MAX_FIELD_LEN`] bytes, on a character boundary.
fn cut(key: &str) -> String {
    let mut end = key.len().min(MAX_FIELD_LEN);
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    key[..end].to_owned()
}
