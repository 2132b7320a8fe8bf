//! The wire types of `/v1/experiments`: published results, settings, and the
//! report of one experiment.
//!
//! A result body is what github/scientist's `publish` hook (or any other
//! language's) can send with no library: a control and named candidates, each a
//! JSON value or an error string and a duration in milliseconds, plus a free
//! `context`. It is converted to `offload_core::experiment::Observation` at the
//! edge and validated there, so a bad body names its field.

use offload_core::experiment::{Candidate, Comparison, ExperimentUpdate, Observation, Observed};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::wire::units::WireTimestamp;

/// One behaviour's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedBody {
    /// The value it returned (any JSON); `null` or absent when it failed.
    #[serde(default)]
    pub value: Value,
    /// The error message, when it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
}

/// One candidate's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateBody {
    /// The candidate's name: unique, `[A-Za-z0-9_.-]{1,64}`, never `control`.
    pub name: String,
    /// The value it returned (any JSON); `null` or absent when it failed.
    #[serde(default)]
    pub value: Value,
    /// The error message, when it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
}

/// The body of `POST /v1/experiments/{name}/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultRequest {
    /// What the existing code produced; required.
    #[serde(default)]
    pub control: Option<ObservedBody>,
    /// What each candidate produced; 1 to 16 of them.
    #[serde(default)]
    pub candidates: Vec<CandidateBody>,
    /// Anything to keep beside a mismatch (a user id, the request).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
}

impl ResultRequest {
    /// The observation this body describes; `control` is required.
    pub fn into_observation(self) -> Result<Observation, ApiError> {
        let control = self.control.ok_or_else(|| {
            ApiError::invalid(
                "control",
                "is required: {\"value\": ..., \"error\": null, \"duration_ms\": ...}",
            )
        })?;
        let candidates = self.candidates.into_iter().map(Candidate::from).collect();
        Ok(Observation {
            control: control.into(),
            candidates,
            context: self.context,
        })
    }
}

impl From<ObservedBody> for Observed {
    fn from(body: ObservedBody) -> Observed {
        Observed {
            value: body.value,
            error: body.error,
            duration_ms: body.duration_ms,
        }
    }
}

impl From<&Observed> for ObservedBody {
    fn from(observed: &Observed) -> ObservedBody {
        ObservedBody {
            value: observed.value.clone(),
            error: observed.error.clone(),
            duration_ms: observed.duration_ms,
        }
    }
}

impl From<CandidateBody> for Candidate {
    fn from(body: CandidateBody) -> Candidate {
        Candidate {
            name: body.name,
            observed: Observed {
                value: body.value,
                error: body.error,
                duration_ms: body.duration_ms,
            },
        }
    }
}

/// What the server did with a published result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResultResponse {
    /// Whether it was recorded.
    pub recorded: bool,
    /// Why not: `disabled` or `sampled_out`.
    pub skipped: Option<String>,
    /// One verdict per candidate, when recorded.
    pub candidates: Vec<VerdictBody>,
}

/// The verdict on one candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerdictBody {
    /// The candidate.
    pub name: String,
    /// Whether it agreed with the control.
    pub matched: bool,
    /// The diff signature of a mismatch.
    pub signature: Option<String>,
    /// The differing JSON paths or lines of a mismatch (at most 10).
    pub fields: Vec<String>,
}

/// How a candidate is compared with the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonBody {
    /// JSON equality (numbers by value); differences are JSON paths.
    Json,
    /// Identical text; differences are lines.
    Exact,
    /// Line by line, ignoring trailing whitespace and blank lines at the end.
    Lines,
}

impl From<ComparisonBody> for Comparison {
    fn from(body: ComparisonBody) -> Comparison {
        match body {
            ComparisonBody::Json => Comparison::Json,
            ComparisonBody::Exact => Comparison::Exact,
            ComparisonBody::Lines => Comparison::Lines,
        }
    }
}

impl From<Comparison> for ComparisonBody {
    fn from(comparison: Comparison) -> ComparisonBody {
        match comparison {
            Comparison::Json => ComparisonBody::Json,
            Comparison::Exact => ComparisonBody::Exact,
            Comparison::Lines => ComparisonBody::Lines,
        }
    }
}

/// The body of `PUT /v1/experiments/{name}`: enable, disable, ramp, or change
/// how results are compared. Absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentUpdateRequest {
    /// Record results (true) or count them as `disabled` (false).
    pub enabled: Option<bool>,
    /// The share of results recorded, 0 to 100.
    pub percent: Option<f64>,
    /// How candidates are compared.
    pub comparison: Option<ComparisonBody>,
    /// Regular expressions whose matches are deleted before comparing.
    pub normalize: Option<Vec<String>>,
    /// Mismatches kept per diff signature, 1 to 100.
    pub cap_per_signature: Option<u32>,
}

impl From<ExperimentUpdateRequest> for ExperimentUpdate {
    fn from(body: ExperimentUpdateRequest) -> ExperimentUpdate {
        ExperimentUpdate {
            enabled: body.enabled,
            percent: body.percent,
            comparison: body.comparison.map(Comparison::from),
            normalize: body.normalize,
            cap_per_signature: body.cap_per_signature,
        }
    }
}

/// An experiment's settings and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentBody {
    /// The experiment's name.
    pub name: String,
    /// Whether results are recorded.
    pub enabled: bool,
    /// The share of results recorded, 0 to 100.
    pub percent: f64,
    /// How candidates are compared.
    pub comparison: ComparisonBody,
    /// Patterns deleted before comparing.
    pub normalize: Vec<String>,
    /// Mismatches kept per diff signature.
    pub cap_per_signature: u32,
    /// Recorded results where every candidate matched.
    pub matched: u64,
    /// Recorded results where one did not.
    pub mismatched: u64,
    /// `matched / (matched + mismatched)`; absent before the first result.
    pub match_rate: Option<f64>,
    /// When it was created.
    pub created_at: WireTimestamp,
    /// When the latest result was recorded.
    pub last_seen_at: Option<WireTimestamp>,
}

/// Every experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentListResponse {
    /// The experiments, by name.
    pub experiments: Vec<ExperimentBody>,
}

/// How much of an experiment's history `GET /v1/experiments/{name}` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Minutes of match-rate timeline, up to 10080 (a week); 60 when absent.
    pub minutes: Option<u32>,
    /// Stored mismatches to return, newest first, up to 100; 20 when absent.
    pub mismatches: Option<u32>,
}

/// One experiment in detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExperimentReportResponse {
    /// Settings and totals.
    pub experiment: ExperimentBody,
    /// Match and mismatch counts per minute, oldest first; quiet minutes are absent.
    pub timeline: Vec<MinuteBody>,
    /// The kinds of mismatch, most frequent first.
    pub signatures: Vec<SignatureBody>,
    /// The differing fields or lines, by how many mismatches had them.
    pub top_fields: Vec<FieldCountBody>,
    /// Latency percentiles per behaviour: `control` first, then candidates.
    pub latency: Vec<LatencyBody>,
    /// Stored mismatches with both outputs, newest first.
    pub mismatches: Vec<MismatchBody>,
}

/// One minute of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MinuteBody {
    /// The minute's start.
    pub minute: WireTimestamp,
    /// Results where every candidate matched.
    pub matched: u64,
    /// Results where one did not.
    pub mismatched: u64,
    /// `matched / (matched + mismatched)`.
    pub match_rate: f64,
}

/// One kind of mismatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignatureBody {
    /// Its diff signature (or `overflow`).
    pub signature: String,
    /// The differing JSON paths or lines.
    pub fields: Vec<String>,
    /// How many candidate mismatches had it.
    pub count: u64,
    /// When the latest was recorded.
    pub last_seen_at: WireTimestamp,
}

/// A differing field or line and how many mismatches had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldCountBody {
    /// A JSON path such as `/items/*/price`, or a line as `-removed`/`+added`.
    pub field: String,
    /// Mismatches that had it.
    pub count: u64,
}

/// Latency percentiles of one behaviour, in milliseconds (within about 10 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LatencyBody {
    /// `control` or a candidate's name.
    pub behaviour: String,
    /// Durations recorded.
    pub count: u64,
    /// The median.
    pub p50_ms: f64,
    /// The 95th percentile.
    pub p95_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
}

/// One stored mismatch, with both outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MismatchBody {
    /// Its diff signature.
    pub signature: String,
    /// The differing JSON paths or lines.
    pub fields: Vec<String>,
    /// The candidate's name.
    pub candidate: String,
    /// What the control produced.
    pub control: ObservedBody,
    /// What the candidate produced.
    pub candidate_result: ObservedBody,
    /// The result's context.
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
    /// When it was recorded.
    pub at: WireTimestamp,
}
