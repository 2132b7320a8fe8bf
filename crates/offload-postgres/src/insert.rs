//! `job_insert_many`: new jobs, with idempotency keys checked in the same transaction.
//!
//! The whole batch is one transaction, so a key conflict on any item leaves none
//! of the batch written. Keys of earlier items in the same batch are visible to
//! later ones, so a batch that repeats a key inserts one job.
//!
//! Two servers may insert the same key at the same moment. Each batch first takes
//! a transaction-scoped advisory lock per key (in a fixed order, so two batches
//! never wait on each other in a cycle), then reads the live holders: the second
//! batch waits for the first to commit and then sees its job as the holder.
//!
//! Rows go in with one `INSERT … SELECT FROM unnest(…)` per batch, whatever its
//! size, and the same statement notifies `<schema>_jobs` once per queue that got a
//! runnable job, so idle producers wake at once. PostgreSQL delivers notifications
//! only on commit.

use std::collections::{BTreeSet, HashMap};

use deadpool_postgres::{Client, Transaction};
use offload_core::{JobId, JobState, Timestamp};
use offload_store::{Inserted, NewJob, StoreError};

use crate::columns::StateColumns;
use crate::error::DbResult;
use crate::sql::{self, millis};

/// Where the job of one batch item comes from.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// An existing job holds the item's key with the same spec.
    Existing(JobId),
    /// The item is inserted under the id allocated for its index.
    New(usize),
    /// An earlier item of the batch (at this index) holds the key with the same spec.
    Repeat(usize),
}

/// Inserts `jobs` at `now`, returning one [`Inserted`] per job in order.
pub(crate) async fn insert_many(
    client: &mut Client,
    schema: &str,
    jobs: &[NewJob],
    now: Timestamp,
) -> DbResult<Vec<Inserted>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let tx = client.transaction().await?;
    let held = lock_and_read_keys(&tx, schema, jobs, now).await?;
    let ids = allocate_ids(&tx, jobs.len()).await?;
    let slots = plan(jobs, &held, &ids)?;
    let fresh: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, slot)| matches!(slot, Slot::New(_)).then_some(i))
        .collect();
    insert_rows(&tx, schema, jobs, &fresh, &ids, now).await?;
    write_keys(&tx, jobs, &fresh, &ids, now).await?;
    tx.commit().await?;
    Ok(slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Existing(id) => Inserted { id, created: false },
            Slot::New(i) => Inserted {
                id: ids[i],
                created: true,
            },
            Slot::Repeat(i) => Inserted {
                id: ids[i],
                created: false,
            },
        })
        .collect())
}

/// Locks every key named in the batch and returns the live holders: key to
/// (job, spec hash).
async fn lock_and_read_keys(
    tx: &Transaction<'_>,
    schema: &str,
    jobs: &[NewJob],
    now: Timestamp,
) -> DbResult<HashMap<String, (JobId, String)>> {
    let keys: BTreeSet<&str> = jobs
        .iter()
        .filter_map(|j| j.spec.idempotency.as_ref().map(|i| i.key.as_str()))
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<&str> = keys.into_iter().collect();
    // The schema is part of the lock key, so stores in other schemas of the same
    // database never wait on each other's keys.
    let prefix = format!("offload.key.{schema}.");
    sql::query(
        tx,
        "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended($2 || k, 0) AS h \
         FROM unnest($1::text[]) AS k ORDER BY h) AS locks",
        &[&keys, &prefix],
    )
    .await?;
    let rows = sql::query(
        tx,
        "SELECT key, job_id, spec_hash FROM idempotency_keys WHERE key = ANY($1) AND expires_at > $2",
        &[&keys, &now.0],
    )
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, (JobId(row.try_get(1)?), row.try_get(2)?))))
        .collect()
}

/// Decides each item's slot: an existing holder with the same spec, a new row, or
/// (for a live key with another spec) a conflict that fails the whole batch.
///
/// A conflict with an earlier item of the same batch names the id that item was
/// given; the batch is rolled back, so no job keeps that id.
fn plan(
    jobs: &[NewJob],
    held: &HashMap<String, (JobId, String)>,
    ids: &[JobId],
) -> DbResult<Vec<Slot>> {
    // Holders created earlier in this batch, by key: (index, spec hash).
    let mut in_batch: HashMap<&str, (usize, &str)> = HashMap::new();
    let mut slots = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let Some(idem) = &job.spec.idempotency else {
            slots.push(Slot::New(index));
            continue;
        };
        let holder = match held.get(&idem.key) {
            Some((id, hash)) => Some((Slot::Existing(*id), *id, hash.as_str())),
            None => in_batch
                .get(idem.key.as_str())
                .map(|&(first, hash)| (Slot::Repeat(first), ids[first], hash)),
        };
        match holder {
            Some((slot, _, hash)) if hash == job.spec_hash => slots.push(slot),
            Some((_, existing, _)) => {
                return Err(StoreError::KeyConflict {
                    index,
                    key: idem.key.clone(),
                    existing,
                }
                .into());
            }
            None => {
                in_batch.insert(&idem.key, (index, &job.spec_hash));
                slots.push(Slot::New(index));
            }
        }
    }
    Ok(slots)
}

/// Draws one id per item from the sequence, ascending, so that ids follow the
/// order of the batch (claims break priority ties by id).
async fn allocate_ids(tx: &Transaction<'_>, n: usize) -> DbResult<Vec<JobId>> {
    let rows = sql::query(
        tx,
        "SELECT nextval('jobs_id_seq') AS id FROM generate_series(1, $1::bigint) ORDER BY id",
        &[&sql::sql_count(n)],
    )
    .await?;
    rows.iter().map(|row| Ok(JobId(row.try_get(0)?))).collect()
}

/// Inserts the rows of the items at `fresh` and notifies their runnable queues.
async fn insert_rows(
    tx: &Transaction<'_>,
    schema: &str,
    jobs: &[NewJob],
    fresh: &[usize],
    ids: &[JobId],
    now: Timestamp,
) -> DbResult<()> {
    if fresh.is_empty() {
        return Ok(());
    }
    let mut rows = Rows::default();
    for &i in fresh {
        rows.push(ids[i], &jobs[i], now)?;
    }
    let channel = format!("{schema}_jobs");
    sql::query(
        tx,
        "WITH inserted AS (INSERT INTO jobs (id, state, queue, priority, run_at, enqueued_at, \
         spec, spec_hash, labels, result_ttl_ms) \
         SELECT id, state, queue, priority, run_at, $10, spec, spec_hash, labels::jsonb, ttl \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::bigint[], \
         $6::text[], $7::text[], $8::text[], $9::bigint[]) \
         AS t(id, state, queue, priority, run_at, spec, spec_hash, labels, ttl) \
         RETURNING queue, state), \
         registered AS (INSERT INTO queues (name) SELECT DISTINCT queue FROM inserted \
         ON CONFLICT (name) DO NOTHING) \
         SELECT pg_notify($11, queue) FROM (SELECT DISTINCT queue FROM inserted \
         WHERE state = 'queued') AS runnable",
        &[
            &rows.id,
            &rows.state,
            &rows.queue,
            &rows.priority,
            &rows.run_at,
            &rows.spec,
            &rows.spec_hash,
            &rows.labels,
            &rows.ttl,
            &now.0,
            &channel,
        ],
    )
    .await?;
    Ok(())
}

/// The columns of new rows, one array per column, as `unnest` takes them.
#[derive(Default)]
struct Rows {
    id: Vec<i64>,
    state: Vec<&'static str>,
    queue: Vec<String>,
    priority: Vec<i32>,
    run_at: Vec<Option<i64>>,
    spec: Vec<String>,
    spec_hash: Vec<String>,
    labels: Vec<String>,
    ttl: Vec<Option<i64>>,
}

impl Rows {
    fn push(&mut self, id: JobId, job: &NewJob, now: Timestamp) -> DbResult<()> {
        let spec = &job.spec;
        let state = StateColumns::of(&JobState::initial(spec.run_at, now));
        self.id.push(id.0);
        self.state.push(state.name);
        self.queue.push(spec.queue.as_str().to_owned());
        self.priority.push(spec.priority);
        self.run_at.push(state.run_at);
        self.spec.push(serde_json::to_string(spec)?);
        self.spec_hash.push(job.spec_hash.clone());
        self.labels.push(serde_json::to_string(&spec.labels)?);
        self.ttl.push(spec.result_ttl.map(millis));
        Ok(())
    }
}

/// Records the keys of the new items, replacing expired holders of the same key.
async fn write_keys(
    tx: &Transaction<'_>,
    jobs: &[NewJob],
    fresh: &[usize],
    ids: &[JobId],
    now: Timestamp,
) -> DbResult<()> {
    let (mut keys, mut job_ids, mut hashes, mut expiries) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &i in fresh {
        if let Some(idem) = &jobs[i].spec.idempotency {
            keys.push(idem.key.as_str());
            job_ids.push(ids[i].0);
            hashes.push(jobs[i].spec_hash.as_str());
            expiries.push(now.plus(idem.ttl).0);
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    sql::execute(
        tx,
        "INSERT INTO idempotency_keys (key, job_id, spec_hash, expires_at) \
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) \
         ON CONFLICT (key) DO UPDATE SET job_id = EXCLUDED.job_id, \
         spec_hash = EXCLUDED.spec_hash, expires_at = EXCLUDED.expires_at",
        &[&keys, &job_ids, &hashes, &expiries],
    )
    .await?;
    Ok(())
}
