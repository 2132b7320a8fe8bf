//! Experiments, read: settings, listings and the report.
//!
//! Every query reads one experiment's aggregates by primary-key range: its
//! minutes since a time, its signatures (at most 101), its latency buckets (at
//! most 128 per behaviour) and its newest kept mismatches. None grows with the
//! number of observations.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use offload_core::Timestamp;
use offload_core::experiment::{
    Candidate, Comparison, ExperimentConfig, ExperimentName, LatencyHistogram,
};
use offload_store::{
    BehaviourLatency, ExperimentQuery, ExperimentReport, ExperimentSummary, MinuteCounts,
    SignatureCount, StoredMismatch,
};
use tokio_postgres::Row;

use crate::error::{DbError, DbResult};
use crate::sql;

/// The columns [`summary_row`] reads, in order.
const SUMMARY_COLUMNS: &str = "name, enabled, percent, comparison, normalize, cap_per_signature, \
     matched, mismatched, created_at, last_seen_at";

/// One experiment's settings, or `None`.
pub(crate) async fn config<C: GenericClient>(
    client: &C,
    name: &ExperimentName,
) -> DbResult<Option<ExperimentConfig>> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM experiments WHERE name = $1");
    let row = sql::query_opt(client, &sql, &[&name.as_str()]).await?;
    row.map(|r| summary_row(&r).map(|s| s.config)).transpose()
}

/// One experiment's settings, its row locked until the transaction ends.
pub(crate) async fn config_locked<C: GenericClient>(
    tx: &C,
    name: &ExperimentName,
) -> DbResult<Option<ExperimentConfig>> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM experiments WHERE name = $1 FOR UPDATE");
    let row = sql::query_opt(tx, &sql, &[&name.as_str()]).await?;
    row.map(|r| summary_row(&r).map(|s| s.config)).transpose()
}

/// Every experiment with its totals, by name.
pub(crate) async fn list<C: GenericClient>(client: &C) -> DbResult<Vec<ExperimentSummary>> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM experiments ORDER BY name");
    let rows = sql::query(client, &sql, &[]).await?;
    rows.iter().map(summary_row).collect()
}

/// One experiment's report, or `None`.
pub(crate) async fn get<C: GenericClient>(
    client: &C,
    name: &ExperimentName,
    query: &ExperimentQuery,
) -> DbResult<Option<ExperimentReport>> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM experiments WHERE name = $1");
    let Some(row) = sql::query_opt(client, &sql, &[&name.as_str()]).await? else {
        return Ok(None);
    };
    let name = name.as_str();
    Ok(Some(ExperimentReport {
        summary: summary_row(&row)?,
        minutes: minutes(client, name, query.since).await?,
        signatures: signatures(client, name).await?,
        latency: latency(client, name).await?,
        samples: samples(client, name, query.samples).await?,
    }))
}

/// A count as stored (bigint), as the store's type.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn summary_row(row: &Row) -> DbResult<ExperimentSummary> {
    let name: String = row.try_get(0)?;
    let comparison: String = row.try_get(3)?;
    let normalize: String = row.try_get(4)?;
    let cap: i32 = row.try_get(5)?;
    let config = ExperimentConfig {
        name: ExperimentName::new(name).map_err(|e| DbError::Corrupt(e.to_string()))?,
        enabled: row.try_get(1)?,
        percent: row.try_get(2)?,
        comparison: Comparison::parse(&comparison)
            .ok_or_else(|| DbError::Corrupt(format!("experiments.comparison is {comparison:?}")))?,
        normalize: serde_json::from_str(&normalize)?,
        cap_per_signature: u32::try_from(cap).unwrap_or(1),
    };
    Ok(ExperimentSummary {
        config,
        matched: count(row.try_get(6)?),
        mismatched: count(row.try_get(7)?),
        created_at: Timestamp(row.try_get(8)?),
        last_seen_at: row.try_get::<_, Option<i64>>(9)?.map(Timestamp),
    })
}

async fn minutes<C: GenericClient>(
    client: &C,
    name: &str,
    since: Timestamp,
) -> DbResult<Vec<MinuteCounts>> {
    let rows = sql::query(
        client,
        "SELECT minute, matched, mismatched FROM experiment_minutes \
         WHERE experiment = $1 AND minute >= $2 ORDER BY minute",
        &[&name, &since.0],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MinuteCounts {
                minute: Timestamp(row.try_get(0)?),
                matched: count(row.try_get(1)?),
                mismatched: count(row.try_get(2)?),
            })
        })
        .collect()
}

async fn signatures<C: GenericClient>(client: &C, name: &str) -> DbResult<Vec<SignatureCount>> {
    let rows = sql::query(
        client,
        "SELECT signature, fields, count, last_seen_at FROM experiment_signatures \
         WHERE experiment = $1 ORDER BY count DESC, signature COLLATE \"C\"",
        &[&name],
    )
    .await?;
    rows.iter()
        .map(|row| {
            let fields: String = row.try_get(1)?;
            Ok(SignatureCount {
                signature: row.try_get(0)?,
                fields: serde_json::from_str(&fields)?,
                count: count(row.try_get(2)?),
                last_seen_at: Timestamp(row.try_get(3)?),
            })
        })
        .collect()
}

async fn latency<C: GenericClient>(client: &C, name: &str) -> DbResult<Vec<BehaviourLatency>> {
    let rows = sql::query(
        client,
        "SELECT behaviour, bucket, count FROM experiment_latency WHERE experiment = $1",
        &[&name],
    )
    .await?;
    let mut histograms: BTreeMap<String, LatencyHistogram> = BTreeMap::new();
    for row in &rows {
        let bucket: i32 = row.try_get(1)?;
        let bucket = u16::try_from(bucket)
            .map_err(|_| DbError::Corrupt(format!("experiment_latency.bucket is {bucket}")))?;
        let histogram = histograms.entry(row.try_get(0)?).or_default();
        histogram.counts.insert(bucket, count(row.try_get(2)?));
    }
    Ok(BehaviourLatency::control_first(histograms))
}

async fn samples<C: GenericClient>(
    client: &C,
    name: &str,
    limit: usize,
) -> DbResult<Vec<StoredMismatch>> {
    let rows = sql::query(
        client,
        "SELECT signature, fields, candidate, control, observed, context, at \
         FROM experiment_samples WHERE experiment = $1 \
         ORDER BY at DESC, signature COLLATE \"C\", slot LIMIT $2",
        &[&name, &sql::sql_count(limit)],
    )
    .await?;
    rows.iter().map(sample_row).collect()
}

fn sample_row(row: &Row) -> DbResult<StoredMismatch> {
    let text = |i: usize| row.try_get::<_, String>(i);
    Ok(StoredMismatch {
        signature: text(0)?,
        fields: serde_json::from_str(&text(1)?)?,
        control: serde_json::from_str(&text(3)?)?,
        candidate: Candidate {
            name: text(2)?,
            observed: serde_json::from_str(&text(4)?)?,
        },
        context: serde_json::from_str(&text(5)?)?,
        at: Timestamp(row.try_get(6)?),
    })
}
