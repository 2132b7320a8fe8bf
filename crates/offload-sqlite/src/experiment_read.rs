//! Experiments, read: settings, listings and the report.
//!
//! Every query reads one experiment's aggregates by primary-key range: its
//! minutes since a time, its signatures (at most 101), its latency buckets (at
//! most 128 per behaviour) and its newest kept mismatches. None grows with the
//! number of observations.

use std::collections::BTreeMap;

use offload_core::Timestamp;
use offload_core::experiment::{
    Candidate, Comparison, ExperimentConfig, ExperimentName, LatencyHistogram,
};
use offload_store::{
    BehaviourLatency, ExperimentQuery, ExperimentReport, ExperimentSummary, MinuteCounts,
    SignatureCount, StoredMismatch,
};
use rusqlite::{Connection, Row, params};

use crate::error::{DbError, DbResult};

/// The columns [`summary_row`] reads, in order.
const SUMMARY_COLUMNS: &str = "name, enabled, percent, comparison, normalize, cap_per_signature, \
     matched, mismatched, created_at, last_seen_at";

/// One experiment's settings, or `None`.
pub(crate) fn config(
    conn: &Connection,
    name: &ExperimentName,
) -> DbResult<Option<ExperimentConfig>> {
    Ok(summaries(conn, Some(name))?.pop().map(|s| s.config))
}

/// Every experiment with its totals, by name.
pub(crate) fn list(conn: &Connection) -> DbResult<Vec<ExperimentSummary>> {
    summaries(conn, None)
}

/// One experiment's report, or `None`.
pub(crate) fn get(
    conn: &Connection,
    name: &ExperimentName,
    query: &ExperimentQuery,
) -> DbResult<Option<ExperimentReport>> {
    let Some(summary) = summaries(conn, Some(name))?.pop() else {
        return Ok(None);
    };
    let name = name.as_str();
    Ok(Some(ExperimentReport {
        summary,
        minutes: minutes(conn, name, query.since)?,
        signatures: signatures(conn, name)?,
        latency: latency(conn, name)?,
        samples: samples(conn, name, query.samples)?,
    }))
}

fn summaries(conn: &Connection, only: Option<&ExperimentName>) -> DbResult<Vec<ExperimentSummary>> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM experiments WHERE ?1 IS NULL OR name = ?1 ORDER BY name"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([only.map(ExperimentName::as_str)])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(summary_row(row)?);
    }
    Ok(found)
}

fn summary_row(row: &Row<'_>) -> DbResult<ExperimentSummary> {
    let name: String = row.get(0)?;
    let comparison: String = row.get(3)?;
    let normalize: String = row.get(4)?;
    let config = ExperimentConfig {
        name: ExperimentName::new(name).map_err(|e| DbError::Corrupt(e.to_string()))?,
        enabled: row.get(1)?,
        percent: row.get(2)?,
        comparison: Comparison::parse(&comparison)
            .ok_or_else(|| DbError::Corrupt(format!("experiments.comparison is {comparison:?}")))?,
        normalize: serde_json::from_str(&normalize)?,
        cap_per_signature: row.get(5)?,
    };
    Ok(ExperimentSummary {
        config,
        matched: row.get(6)?,
        mismatched: row.get(7)?,
        created_at: Timestamp(row.get(8)?),
        last_seen_at: row.get::<_, Option<i64>>(9)?.map(Timestamp),
    })
}

fn minutes(conn: &Connection, name: &str, since: Timestamp) -> DbResult<Vec<MinuteCounts>> {
    let mut stmt = conn.prepare_cached(
        "SELECT minute, matched, mismatched FROM experiment_minutes \
         WHERE experiment = ?1 AND minute >= ?2 ORDER BY minute",
    )?;
    let rows = stmt.query_map(params![name, since.0], |row| {
        Ok(MinuteCounts {
            minute: Timestamp(row.get(0)?),
            matched: row.get(1)?,
            mismatched: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn signatures(conn: &Connection, name: &str) -> DbResult<Vec<SignatureCount>> {
    let mut stmt = conn.prepare_cached(
        "SELECT signature, fields, count, last_seen_at FROM experiment_signatures \
         WHERE experiment = ?1 ORDER BY count DESC, signature",
    )?;
    let mut rows = stmt.query([name])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let fields: String = row.get(1)?;
        found.push(SignatureCount {
            signature: row.get(0)?,
            fields: serde_json::from_str(&fields)?,
            count: row.get(2)?,
            last_seen_at: Timestamp(row.get(3)?),
        });
    }
    Ok(found)
}

fn latency(conn: &Connection, name: &str) -> DbResult<Vec<BehaviourLatency>> {
    let mut stmt = conn.prepare_cached(
        "SELECT behaviour, bucket, count FROM experiment_latency WHERE experiment = ?1",
    )?;
    let mut rows = stmt.query([name])?;
    let mut histograms: BTreeMap<String, LatencyHistogram> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let histogram = histograms.entry(row.get(0)?).or_default();
        histogram.counts.insert(row.get(1)?, row.get(2)?);
    }
    Ok(BehaviourLatency::control_first(histograms))
}

fn samples(conn: &Connection, name: &str, limit: usize) -> DbResult<Vec<StoredMismatch>> {
    let mut stmt = conn.prepare_cached(
        "SELECT signature, fields, candidate, control, observed, context, at \
         FROM experiment_samples INDEXED BY experiment_samples_recent \
         WHERE experiment = ?1 ORDER BY at DESC, signature, slot LIMIT ?2",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = stmt.query(params![name, limit])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(sample_row(row)?);
    }
    Ok(found)
}

fn sample_row(row: &Row<'_>) -> DbResult<StoredMismatch> {
    let text = |i: usize| row.get::<_, String>(i);
    Ok(StoredMismatch {
        signature: text(0)?,
        fields: serde_json::from_str(&text(1)?)?,
        control: serde_json::from_str(&text(3)?)?,
        candidate: Candidate {
            name: text(2)?,
            observed: serde_json::from_str(&text(4)?)?,
        },
        context: serde_json::from_str(&text(5)?)?,
        at: Timestamp(row.get(6)?),
    })
}
