//! An experiment's name and settings, and changes to them, validated against
//! [`bounds`] with errors that name the field and the limit.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{ExperimentError, fail};

/// The limits every experiment and observation must respect.
pub mod bounds {
    /// The longest experiment or candidate name.
    pub const MAX_NAME: usize = 64;
    /// The sample rate, in percent.
    pub const PERCENT: std::ops::RangeInclusive<f64> = 0.0..=100.0;
    /// The most normalization patterns per experiment.
    pub const MAX_NORMALIZE: usize = 32;
    /// The longest normalization pattern, in bytes.
    pub const MAX_PATTERN: usize = 1024;
    /// The most mismatches kept per diff signature.
    pub const CAP_PER_SIGNATURE: std::ops::RangeInclusive<u32> = 1..=100;
    /// The cap per signature of a new experiment (Diffy keeps 5).
    pub const DEFAULT_CAP_PER_SIGNATURE: u32 = 5;
    /// The most candidates in one observation.
    pub const MAX_CANDIDATES: usize = 16;
    /// The longest duration an observation may report, in milliseconds (a day).
    pub const MAX_DURATION_MS: f64 = 86_400_000.0;
    /// The longest error message, in bytes.
    pub const MAX_ERROR: usize = 64 << 10;
    /// The most distinct signatures kept per experiment; later new ones are
    /// counted under [`OVERFLOW_SIGNATURE`].
    pub const MAX_SIGNATURES: u32 = 100;
    /// The signature that counts mismatches past [`MAX_SIGNATURES`].
    pub const OVERFLOW_SIGNATURE: &str = "overflow";
    /// The most differing fields or lines a mismatch names.
    pub const MAX_FIELDS: usize = 10;
    /// How long the per-minute match counts are kept.
    pub const HISTORY: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
}

/// An experiment's name: 1 to 64 characters of `[A-Za-z0-9_.-]`, so that it is
/// safe in a URL path, a metric label and a file name alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExperimentName(String);

impl ExperimentName {
    /// Validates and wraps a name; the error names the field `name`.
    pub fn new(name: impl Into<String>) -> Result<ExperimentName, ExperimentError> {
        let name = name.into();
        check_name("name", &name)?;
        Ok(ExperimentName(name))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a name (an experiment's or a candidate's) against the charset and length.
pub(crate) fn check_name(field: &str, name: &str) -> Result<(), ExperimentError> {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || name.len() > bounds::MAX_NAME || !name.chars().all(valid) {
        return Err(fail(
            field,
            format!(
                "{name:?} is not a name: use 1 to {} characters of letters, digits, '_', '-' and '.'",
                bounds::MAX_NAME
            ),
        ));
    }
    Ok(())
}

impl TryFrom<String> for ExperimentName {
    type Error = ExperimentError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ExperimentName::new(value)
    }
}

impl From<ExperimentName> for String {
    fn from(value: ExperimentName) -> Self {
        value.0
    }
}

impl fmt::Display for ExperimentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a candidate's result is compared with the control's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// JSON equality: objects by key, arrays by position, numbers by value
    /// (`1` equals `1.0`). Differences are JSON-pointer paths.
    #[default]
    Json,
    /// The values as text (a string as it is, anything else as JSON) must be
    /// identical. Differences are the lines only one side has.
    Exact,
    /// The values as text, line by line, ignoring trailing whitespace on each
    /// line, `\r` before `\n` and blank lines at the end.
    Lines,
}

impl Comparison {
    /// The name used on the wire and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Json => "json",
            Comparison::Exact => "exact",
            Comparison::Lines => "lines",
        }
    }

    /// The comparison named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Comparison> {
        [Comparison::Json, Comparison::Exact, Comparison::Lines]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

/// An experiment's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    /// The experiment.
    pub name: ExperimentName,
    /// When false, published results are counted as `disabled` and not recorded.
    pub enabled: bool,
    /// The share of results recorded (and of shadow jobs run), 0 to 100.
    pub percent: f64,
    /// How candidates are compared with the control.
    pub comparison: Comparison,
    /// Regular expressions whose matches are deleted from every string (values,
    /// text and error messages) before comparing: timestamps, ids, hostnames.
    pub normalize: Vec<String>,
    /// How many mismatches are kept per diff signature (a reservoir sample).
    pub cap_per_signature: u32,
}

impl ExperimentConfig {
    /// The settings a new experiment gets: enabled, 100 %, JSON equality, no
    /// normalization and Diffy's 5 mismatches per signature.
    pub fn new(name: ExperimentName) -> ExperimentConfig {
        ExperimentConfig {
            name,
            enabled: true,
            percent: 100.0,
            comparison: Comparison::Json,
            normalize: Vec::new(),
            cap_per_signature: bounds::DEFAULT_CAP_PER_SIGNATURE,
        }
    }

    /// Checks every setting against [`bounds`].
    pub fn validate(&self) -> Result<(), ExperimentError> {
        check_percent(self.percent)?;
        check_normalize(&self.normalize)?;
        check_cap(self.cap_per_signature)
    }
}

/// A change to an experiment's settings; `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExperimentUpdate {
    /// Switch recording on or off.
    pub enabled: Option<bool>,
    /// Ramp the sample rate.
    pub percent: Option<f64>,
    /// Change the comparison.
    pub comparison: Option<Comparison>,
    /// Replace the normalization patterns.
    pub normalize: Option<Vec<String>>,
    /// Change the reservoir size per signature.
    pub cap_per_signature: Option<u32>,
}

impl ExperimentUpdate {
    /// Checks the fields that are set against [`bounds`].
    pub fn validate(&self) -> Result<(), ExperimentError> {
        self.percent.map_or(Ok(()), check_percent)?;
        self.normalize.as_deref().map_or(Ok(()), check_normalize)?;
        self.cap_per_signature.map_or(Ok(()), check_cap)
    }

    /// `config` with this change applied.
    pub fn apply(&self, config: &ExperimentConfig) -> ExperimentConfig {
        ExperimentConfig {
            name: config.name.clone(),
            enabled: self.enabled.unwrap_or(config.enabled),
            percent: self.percent.unwrap_or(config.percent),
            comparison: self.comparison.unwrap_or(config.comparison),
            normalize: self
                .normalize
                .clone()
                .unwrap_or_else(|| config.normalize.clone()),
            cap_per_signature: self.cap_per_signature.unwrap_or(config.cap_per_signature),
        }
    }
}

fn check_percent(percent: f64) -> Result<(), ExperimentError> {
    if bounds::PERCENT.contains(&percent) {
        return Ok(());
    }
    Err(fail(
        "percent",
        format!(
            "{percent} is out of range: must be from {} to {} (a sample rate in percent)",
            bounds::PERCENT.start(),
            bounds::PERCENT.end()
        ),
    ))
}

fn check_normalize(patterns: &[String]) -> Result<(), ExperimentError> {
    if patterns.len() > bounds::MAX_NORMALIZE {
        let problem = format!("at most {} patterns", bounds::MAX_NORMALIZE);
        return Err(fail("normalize", problem));
    }
    for (i, pattern) in patterns.iter().enumerate() {
        super::compare::compile(pattern)
            .map_err(|problem| fail(format!("normalize[{i}]"), problem))?;
    }
    Ok(())
}

fn check_cap(cap: u32) -> Result<(), ExperimentError> {
    if bounds::CAP_PER_SIGNATURE.contains(&cap) {
        return Ok(());
    }
    let range = &bounds::CAP_PER_SIGNATURE;
    Err(fail(
        "cap_per_signature",
        format!(
            "{cap} is out of range: must be from {} to {}",
            range.start(),
            range.end()
        ),
    ))
}
