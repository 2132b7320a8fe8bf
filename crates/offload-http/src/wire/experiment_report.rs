//! From the store's experiment aggregates to the wire: match rates, the top
//! differing fields, and latency percentiles read from the bucket counts.

use std::collections::BTreeMap;

use offload_store::{
    BehaviourLatency, ExperimentReport, ExperimentSummary, MinuteCounts, SignatureCount,
    StoredMismatch,
};

use crate::wire::experiments::{
    ExperimentBody, ExperimentReportResponse, FieldCountBody, LatencyBody, MinuteBody,
    MismatchBody, ObservedBody, SignatureBody,
};
use crate::wire::units::WireTimestamp;

/// The most fields listed in [`ExperimentReportResponse::top_fields`].
const TOP_FIELDS: usize = 20;

/// `matched` out of all, or `None` for none.
fn rate(matched: u64, mismatched: u64) -> Option<f64> {
    let total = matched + mismatched;
    (total > 0).then(|| matched as f64 / total as f64)
}

impl From<&ExperimentSummary> for ExperimentBody {
    fn from(s: &ExperimentSummary) -> ExperimentBody {
        let c = &s.config;
        ExperimentBody {
            name: c.name.to_string(),
            enabled: c.enabled,
            percent: c.percent,
            comparison: c.comparison.into(),
            normalize: c.normalize.clone(),
            cap_per_signature: c.cap_per_signature,
            matched: s.matched,
            mismatched: s.mismatched,
            match_rate: rate(s.matched, s.mismatched),
            created_at: WireTimestamp(s.created_at),
            last_seen_at: s.last_seen_at.map(WireTimestamp),
        }
    }
}

impl From<&ExperimentReport> for ExperimentReportResponse {
    fn from(r: &ExperimentReport) -> ExperimentReportResponse {
        ExperimentReportResponse {
            experiment: (&r.summary).into(),
            timeline: r.minutes.iter().map(MinuteBody::from).collect(),
            signatures: r.signatures.iter().map(SignatureBody::from).collect(),
            top_fields: top_fields(&r.signatures),
            latency: r.latency.iter().map(LatencyBody::from).collect(),
            mismatches: r.samples.iter().map(MismatchBody::from).collect(),
        }
    }
}

/// Each field weighted by the count of every signature that names it, most
/// frequent first.
fn top_fields(signatures: &[SignatureCount]) -> Vec<FieldCountBody> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for signature in signatures {
        for field in &signature.fields {
            *counts.entry(field).or_default() += signature.count;
        }
    }
    let mut fields: Vec<FieldCountBody> = counts
        .into_iter()
        .map(|(field, count)| FieldCountBody {
            field: field.to_owned(),
            count,
        })
        .collect();
    // Stable, so equal counts stay in field order.
    fields.sort_by_key(|f| std::cmp::Reverse(f.count));
    fields.truncate(TOP_FIELDS);
    fields
}

impl From<&MinuteCounts> for MinuteBody {
    fn from(m: &MinuteCounts) -> MinuteBody {
        MinuteBody {
            minute: WireTimestamp(m.minute),
            matched: m.matched,
            mismatched: m.mismatched,
            match_rate: rate(m.matched, m.mismatched).unwrap_or(1.0),
        }
    }
}

impl From<&SignatureCount> for SignatureBody {
    fn from(s: &SignatureCount) -> SignatureBody {
        SignatureBody {
            signature: s.signature.clone(),
            fields: s.fields.clone(),
            count: s.count,
            last_seen_at: WireTimestamp(s.last_seen_at),
        }
    }
}

impl From<&BehaviourLatency> for LatencyBody {
    fn from(l: &BehaviourLatency) -> LatencyBody {
        let at = |q: f64| l.histogram.percentile(q).unwrap_or(0.0);
        LatencyBody {
            behaviour: l.behaviour.clone(),
            count: l.histogram.total(),
            p50_ms: at(0.5),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
        }
    }
}

impl From<&StoredMismatch> for MismatchBody {
    fn from(m: &StoredMismatch) -> MismatchBody {
        MismatchBody {
            signature: m.signature.clone(),
            fields: m.fields.clone(),
            candidate: m.candidate.name.clone(),
            control: ObservedBody::from(&m.control),
            candidate_result: ObservedBody::from(&m.candidate.observed),
            context: m.context.clone(),
            at: WireTimestamp(m.at),
        }
    }
}
