//! Experiments, written: recording a judged observation, and changing settings.
//!
//! A record is one transaction of small upserts, each on a primary key: the
//! totals, the minute, one latency bucket per behaviour, and per mismatch its
//! signature's count and at most one reservoir slot. The totals come first and
//! lock the experiment's row, so the rest of the transaction runs one at a time
//! per experiment across every node: the signature limit and the reservoir's
//! count are never read stale.

use deadpool_postgres::{Client, GenericClient};
use offload_core::Timestamp;
use offload_core::experiment::{
    CONTROL, Candidate, ExperimentConfig, ExperimentName, ExperimentUpdate, Mismatch, bounds,
    latency, reservoir_slot,
};
use offload_store::{ObservationRecord, Recorded, minute_of};

use crate::error::{DbError, DbResult};
use crate::experiment_read;
use crate::sql;

/// What the overflow signature's row says instead of fields.
const OVERFLOW_FIELDS: &str = r#"["(more kinds of mismatch than the store keeps apart)"]"#;

/// Records one observation; see `Store::experiment_record`.
pub(crate) async fn record(client: &mut Client, rec: &ObservationRecord) -> DbResult<Recorded> {
    let tx = client.transaction().await?;
    let name = rec.experiment.as_str();
    let matched = rec.matched();
    let cap = add_totals(&tx, rec, matched).await?;
    add_minute(&tx, name, rec.at, matched).await?;
    add_latency(&tx, name, CONTROL, rec.observation.control.duration_ms).await?;
    for candidate in &rec.observation.candidates {
        add_latency(&tx, name, &candidate.name, candidate.observed.duration_ms).await?;
    }
    let mut kept = 0;
    for (candidate, verdict) in rec.observation.candidates.iter().zip(&rec.verdicts) {
        if let Some(mismatch) = verdict.mismatch() {
            kept += u32::from(offer(&tx, rec, candidate, mismatch, cap).await?);
        }
    }
    tx.commit().await?;
    Ok(Recorded { matched, kept })
}

/// Adds the observation to the experiment's totals, creating it with the
/// defaults if needed, and returns its cap per signature.
async fn add_totals<C: GenericClient>(
    tx: &C,
    rec: &ObservationRecord,
    matched: bool,
) -> DbResult<u32> {
    let d = ExperimentConfig::new(rec.experiment.clone());
    let row = sql::query_one(
        tx,
        "INSERT INTO experiments AS e (name, enabled, percent, comparison, normalize, \
         cap_per_signature, created_at, matched, mismatched, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7) \
         ON CONFLICT (name) DO UPDATE SET matched = e.matched + excluded.matched, \
         mismatched = e.mismatched + excluded.mismatched, \
         last_seen_at = GREATEST(e.last_seen_at, excluded.last_seen_at) \
         RETURNING cap_per_signature",
        &[
            &d.name.as_str(),
            &d.enabled,
            &d.percent,
            &d.comparison.as_str(),
            &serde_json::to_string(&d.normalize)?,
            &sql::int(d.cap_per_signature),
            &rec.at.0,
            &i64::from(matched),
            &i64::from(!matched),
        ],
    )
    .await?;
    let cap: i32 = row.try_get(0)?;
    Ok(u32::try_from(cap).unwrap_or(1))
}

/// Counts the observation in its minute; opening a new minute drops the
/// minutes that have left the history.
async fn add_minute<C: GenericClient>(
    tx: &C,
    name: &str,
    at: Timestamp,
    matched: bool,
) -> DbResult<()> {
    let minute = minute_of(at).0;
    let (m, x) = (i64::from(matched), i64::from(!matched));
    let updated = sql::execute(
        tx,
        "UPDATE experiment_minutes SET matched = matched + $3, mismatched = mismatched + $4 \
         WHERE experiment = $1 AND minute = $2",
        &[&name, &minute, &m, &x],
    )
    .await?;
    if updated > 0 {
        return Ok(());
    }
    sql::execute(
        tx,
        "INSERT INTO experiment_minutes (experiment, minute, matched, mismatched) \
         VALUES ($1, $2, $3, $4)",
        &[&name, &minute, &m, &x],
    )
    .await?;
    let oldest = minute_of(at).minus(bounds::HISTORY).0;
    sql::execute(
        tx,
        "DELETE FROM experiment_minutes WHERE experiment = $1 AND minute < $2",
        &[&name, &oldest],
    )
    .await?;
    Ok(())
}

/// Counts one duration of `behaviour` in its latency bucket.
async fn add_latency<C: GenericClient>(
    tx: &C,
    name: &str,
    behaviour: &str,
    ms: f64,
) -> DbResult<()> {
    let bucket = i32::from(latency::bucket(ms));
    sql::execute(
        tx,
        "INSERT INTO experiment_latency AS l (experiment, behaviour, bucket, count) \
         VALUES ($1, $2, $3, 1) \
         ON CONFLICT (experiment, behaviour, bucket) DO UPDATE SET count = l.count + 1",
        &[&name, &behaviour, &bucket],
    )
    .await?;
    Ok(())
}

/// Counts a mismatch under its signature and offers it to the reservoir;
/// returns whether it was kept.
async fn offer<C: GenericClient>(
    tx: &C,
    rec: &ObservationRecord,
    candidate: &Candidate,
    mismatch: &Mismatch,
    cap: u32,
) -> DbResult<bool> {
    let name = rec.experiment.as_str();
    let fields = serde_json::to_string(&mismatch.fields)?;
    let signature = signature_for(tx, name, &mismatch.signature).await?;
    let row_fields = if signature == bounds::OVERFLOW_SIGNATURE {
        OVERFLOW_FIELDS
    } else {
        &fields
    };
    let row = sql::query_one(
        tx,
        "INSERT INTO experiment_signatures AS s (experiment, signature, fields, count, last_seen_at) \
         VALUES ($1, $2, $3, 1, $4) \
         ON CONFLICT (experiment, signature) DO UPDATE SET count = s.count + 1, \
         last_seen_at = GREATEST(s.last_seen_at, excluded.last_seen_at) RETURNING count",
        &[&name, &signature, &row_fields, &rec.at.0],
    )
    .await?;
    let n = u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0);
    let Some(slot) = reservoir_slot(n, cap, rec.draw) else {
        return Ok(false);
    };
    sql::execute(
        tx,
        "INSERT INTO experiment_samples AS x (experiment, signature, slot, candidate, control, \
         observed, context, fields, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (experiment, signature, slot) DO UPDATE SET candidate = excluded.candidate, \
         control = excluded.control, observed = excluded.observed, context = excluded.context, \
         fields = excluded.fields, at = excluded.at",
        &[
            &name,
            &signature,
            &sql::int(slot),
            &candidate.name,
            &serde_json::to_string(&rec.observation.control)?,
            &serde_json::to_string(&candidate.observed)?,
            &serde_json::to_string(&rec.observation.context)?,
            &fields,
            &rec.at.0,
        ],
    )
    .await?;
    Ok(true)
}

/// The signature to count a mismatch under: its own if known or if there is
/// room for another, otherwise the overflow.
async fn signature_for<'a, C: GenericClient>(
    tx: &C,
    name: &str,
    signature: &'a str,
) -> DbResult<&'a str> {
    let known = sql::query_opt(
        tx,
        "SELECT 1 FROM experiment_signatures WHERE experiment = $1 AND signature = $2",
        &[&name, &signature],
    )
    .await?;
    if known.is_some() {
        return Ok(signature);
    }
    let row = sql::query_one(
        tx,
        "SELECT count(*) FROM experiment_signatures WHERE experiment = $1 AND signature <> $2",
        &[&name, &bounds::OVERFLOW_SIGNATURE],
    )
    .await?;
    let kinds: i64 = row.try_get(0)?;
    if kinds >= i64::from(bounds::MAX_SIGNATURES) {
        return Ok(bounds::OVERFLOW_SIGNATURE);
    }
    Ok(signature)
}

/// Applies `update`, creating the experiment with the defaults first if needed.
/// The row is read `FOR UPDATE`, so two updates at once apply one after the other.
pub(crate) async fn update(
    client: &mut Client,
    name: &ExperimentName,
    update: &ExperimentUpdate,
    now: Timestamp,
) -> DbResult<ExperimentConfig> {
    let tx = client.transaction().await?;
    let d = ExperimentConfig::new(name.clone());
    sql::execute(
        &tx,
        "INSERT INTO experiments (name, enabled, percent, comparison, normalize, \
         cap_per_signature, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (name) DO NOTHING",
        &[
            &name.as_str(),
            &d.enabled,
            &d.percent,
            &d.comparison.as_str(),
            &serde_json::to_string(&d.normalize)?,
            &sql::int(d.cap_per_signature),
            &now.0,
        ],
    )
    .await?;
    let current = experiment_read::config_locked(&tx, name)
        .await?
        .ok_or_else(|| DbError::Corrupt(format!("experiment {name} vanished")))?;
    let next = update.apply(&current);
    write_config(&tx, &next).await?;
    tx.commit().await?;
    Ok(next)
}

/// Writes every setting of `config`, and drops kept mismatches past its cap.
async fn write_config<C: GenericClient>(tx: &C, config: &ExperimentConfig) -> DbResult<()> {
    let name = config.name.as_str();
    let cap = sql::int(config.cap_per_signature);
    sql::execute(
        tx,
        "UPDATE experiments SET enabled = $2, percent = $3, comparison = $4, normalize = $5, \
         cap_per_signature = $6 WHERE name = $1",
        &[
            &name,
            &config.enabled,
            &config.percent,
            &config.comparison.as_str(),
            &serde_json::to_string(&config.normalize)?,
            &cap,
        ],
    )
    .await?;
    sql::execute(
        tx,
        "DELETE FROM experiment_samples WHERE experiment = $1 AND slot >= $2",
        &[&name, &cap],
    )
    .await?;
    Ok(())
}
