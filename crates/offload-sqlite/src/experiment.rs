//! Experiments, written: recording a judged observation, and changing settings.
//!
//! Both run on the writer thread, so one record is one atomic group of small
//! upserts, each on a primary key: the totals, the minute, one latency bucket per
//! behaviour, and per mismatch its signature's count and at most one reservoir
//! slot. Nothing here reads more rows than an experiment has signatures.

use offload_core::Timestamp;
use offload_core::experiment::{
    CONTROL, Candidate, ExperimentConfig, ExperimentName, ExperimentUpdate, Mismatch, bounds,
    latency, reservoir_slot,
};
use offload_store::{ObservationRecord, Recorded, minute_of};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{DbError, DbResult};
use crate::experiment_read;

/// What the overflow signature's row says instead of fields.
const OVERFLOW_FIELDS: &str = r#"["(more kinds of mismatch than the store keeps apart)"]"#;

/// Records one observation; see `Store::experiment_record`.
pub(crate) fn record(conn: &Connection, rec: &ObservationRecord) -> DbResult<Recorded> {
    let name = rec.experiment.as_str();
    let matched = rec.matched();
    let cap = add_totals(conn, rec, matched)?;
    add_minute(conn, name, rec.at, matched)?;
    add_latency(conn, name, CONTROL, rec.observation.control.duration_ms)?;
    for candidate in &rec.observation.candidates {
        add_latency(conn, name, &candidate.name, candidate.observed.duration_ms)?;
    }
    let mut kept = 0;
    for (candidate, verdict) in rec.observation.candidates.iter().zip(&rec.verdicts) {
        if let Some(mismatch) = verdict.mismatch() {
            kept += u32::from(offer(conn, rec, candidate, mismatch, cap)?);
        }
    }
    Ok(Recorded { matched, kept })
}

/// Adds the observation to the experiment's totals, creating it with the
/// defaults if needed, and returns its cap per signature.
fn add_totals(conn: &Connection, rec: &ObservationRecord, matched: bool) -> DbResult<u32> {
    let defaults = ExperimentConfig::new(rec.experiment.clone());
    let mut stmt = conn.prepare_cached(
        "INSERT INTO experiments (name, enabled, percent, comparison, normalize, \
         cap_per_signature, created_at, matched, mismatched, last_seen_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?7) \
         ON CONFLICT (name) DO UPDATE SET matched = matched + excluded.matched, \
         mismatched = mismatched + excluded.mismatched, \
         last_seen_at = max(coalesce(last_seen_at, excluded.last_seen_at), excluded.last_seen_at) \
         RETURNING cap_per_signature",
    )?;
    let cap = stmt.query_row(
        params![
            defaults.name.as_str(),
            defaults.enabled,
            defaults.percent,
            defaults.comparison.as_str(),
            serde_json::to_string(&defaults.normalize)?,
            defaults.cap_per_signature,
            rec.at.0,
            i64::from(matched),
            i64::from(!matched),
        ],
        |row| row.get(0),
    )?;
    Ok(cap)
}

/// Counts the observation in its minute; opening a new minute drops the
/// minutes that have left the history.
fn add_minute(conn: &Connection, name: &str, at: Timestamp, matched: bool) -> DbResult<()> {
    let minute = minute_of(at).0;
    let (m, x) = (i64::from(matched), i64::from(!matched));
    let updated = conn
        .prepare_cached(
            "UPDATE experiment_minutes SET matched = matched + ?3, mismatched = mismatched + ?4 \
             WHERE experiment = ?1 AND minute = ?2",
        )?
        .execute(params![name, minute, m, x])?;
    if updated > 0 {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO experiment_minutes (experiment, minute, matched, mismatched) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![name, minute, m, x])?;
    let oldest = minute_of(at).minus(bounds::HISTORY).0;
    conn.prepare_cached("DELETE FROM experiment_minutes WHERE experiment = ?1 AND minute < ?2")?
        .execute(params![name, oldest])?;
    Ok(())
}

/// Counts one duration of `behaviour` in its latency bucket.
fn add_latency(conn: &Connection, name: &str, behaviour: &str, ms: f64) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO experiment_latency (experiment, behaviour, bucket, count) \
         VALUES (?1, ?2, ?3, 1) \
         ON CONFLICT (experiment, behaviour, bucket) DO UPDATE SET count = count + 1",
    )?
    .execute(params![name, behaviour, latency::bucket(ms)])?;
    Ok(())
}

/// Counts a mismatch under its signature and offers it to the reservoir;
/// returns whether it was kept.
fn offer(
    conn: &Connection,
    rec: &ObservationRecord,
    candidate: &Candidate,
    mismatch: &Mismatch,
    cap: u32,
) -> DbResult<bool> {
    let name = rec.experiment.as_str();
    let fields = serde_json::to_string(&mismatch.fields)?;
    let signature = signature_for(conn, name, &mismatch.signature)?;
    let row_fields = if signature == bounds::OVERFLOW_SIGNATURE {
        OVERFLOW_FIELDS
    } else {
        &fields
    };
    let n: u64 = conn
        .prepare_cached(
            "INSERT INTO experiment_signatures (experiment, signature, fields, count, last_seen_at) \
             VALUES (?1, ?2, ?3, 1, ?4) \
             ON CONFLICT (experiment, signature) DO UPDATE SET count = count + 1, \
             last_seen_at = max(last_seen_at, excluded.last_seen_at) RETURNING count",
        )?
        .query_row(params![name, signature, row_fields, rec.at.0], |r| r.get(0))?;
    let Some(slot) = reservoir_slot(n, cap, rec.draw) else {
        return Ok(false);
    };
    conn.prepare_cached(
        "INSERT OR REPLACE INTO experiment_samples (experiment, signature, slot, candidate, \
         control, observed, context, fields, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        name,
        signature,
        slot,
        candidate.name,
        serde_json::to_string(&rec.observation.control)?,
        serde_json::to_string(&candidate.observed)?,
        serde_json::to_string(&rec.observation.context)?,
        fields,
        rec.at.0,
    ])?;
    Ok(true)
}

/// The signature to count a mismatch under: its own if known or if there is
/// room for another, otherwise the overflow.
fn signature_for<'a>(conn: &Connection, name: &str, signature: &'a str) -> DbResult<&'a str> {
    let known = conn
        .prepare_cached(
            "SELECT 1 FROM experiment_signatures WHERE experiment = ?1 AND signature = ?2",
        )?
        .query_row(params![name, signature], |_| Ok(()))
        .optional()?;
    if known.is_some() {
        return Ok(signature);
    }
    let kinds: u32 = conn
        .prepare_cached(
            "SELECT count(*) FROM experiment_signatures WHERE experiment = ?1 AND signature <> ?2",
        )?
        .query_row(params![name, bounds::OVERFLOW_SIGNATURE], |r| r.get(0))?;
    if kinds >= bounds::MAX_SIGNATURES {
        return Ok(bounds::OVERFLOW_SIGNATURE);
    }
    Ok(signature)
}

/// Applies `update`, creating the experiment with the defaults first if needed.
pub(crate) fn update(
    conn: &Connection,
    name: &ExperimentName,
    update: &ExperimentUpdate,
    now: Timestamp,
) -> DbResult<ExperimentConfig> {
    let defaults = ExperimentConfig::new(name.clone());
    conn.prepare_cached(
        "INSERT OR IGNORE INTO experiments (name, enabled, percent, comparison, normalize, \
         cap_per_signature, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        name.as_str(),
        defaults.enabled,
        defaults.percent,
        defaults.comparison.as_str(),
        serde_json::to_string(&defaults.normalize)?,
        defaults.cap_per_signature,
        now.0,
    ])?;
    let current = experiment_read::config(conn, name)?
        .ok_or_else(|| DbError::Corrupt(format!("experiment {name} vanished")))?;
    let next = update.apply(&current);
    conn.prepare_cached(
        "UPDATE experiments SET enabled = ?2, percent = ?3, comparison = ?4, normalize = ?5, \
         cap_per_signature = ?6 WHERE name = ?1",
    )?
    .execute(params![
        name.as_str(),
        next.enabled,
        next.percent,
        next.comparison.as_str(),
        serde_json::to_string(&next.normalize)?,
        next.cap_per_signature,
    ])?;
    conn.prepare_cached("DELETE FROM experiment_samples WHERE experiment = ?1 AND slot >= ?2")?
        .execute(params![name.as_str(), next.cap_per_signature])?;
    Ok(next)
}
