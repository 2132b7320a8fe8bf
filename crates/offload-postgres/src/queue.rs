//! Queues: their settings (pause, concurrency) and their job counts.
//!
//! The counts cover the live states only (queued, scheduled, running), read through
//! the state index, so listing queues costs the same however long the history is;
//! finished jobs are counted by the engine's metrics instead.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use offload_core::{QueueName, StateName};
use offload_store::{QueueInfo, QueueUpdate};
use tokio_postgres::Row;

use crate::error::{DbError, DbResult};
use crate::sql;

/// Every known queue with its settings and counts, by name.
pub(crate) async fn list<C: GenericClient>(client: &C) -> DbResult<Vec<QueueInfo>> {
    let rows = sql::query(
        client,
        "SELECT name, paused, concurrency FROM queues ORDER BY name",
        &[],
    )
    .await?;
    let mut infos = BTreeMap::new();
    for row in &rows {
        let info = settings(row)?;
        infos.insert(info.name.as_str().to_owned(), info);
    }
    let counts = sql::query(
        client,
        "SELECT queue, state, count(*) FROM jobs \
         WHERE state IN ('queued', 'scheduled', 'running') GROUP BY queue, state",
        &[],
    )
    .await?;
    for row in &counts {
        let queue: &str = row.try_get(0)?;
        if let Some(info) = infos.get_mut(queue) {
            add_count(info, row.try_get(1)?, row.try_get(2)?)?;
        }
    }
    Ok(infos.into_values().collect())
}

/// Applies `update` to `name`, creating the queue if needed, and returns it.
pub(crate) async fn update<C: GenericClient>(
    client: &C,
    name: &QueueName,
    update: &QueueUpdate,
) -> DbResult<QueueInfo> {
    let set_concurrency = update.concurrency.is_some();
    let concurrency = update.concurrency.flatten().map(i64::from);
    let row = sql::query_one(
        client,
        "INSERT INTO queues AS q (name, paused, concurrency) VALUES ($1, COALESCE($2, false), $4) \
         ON CONFLICT (name) DO UPDATE SET paused = COALESCE($2, q.paused), \
         concurrency = CASE WHEN $3 THEN $4 ELSE q.concurrency END \
         RETURNING name, paused, concurrency",
        &[
            &name.as_str(),
            &update.paused,
            &set_concurrency,
            &concurrency,
        ],
    )
    .await?;
    let mut info = settings(&row)?;
    let counts = sql::query(
        client,
        "SELECT state, count(*) FROM jobs \
         WHERE queue = $1 AND state IN ('queued', 'scheduled', 'running') GROUP BY state",
        &[&name.as_str()],
    )
    .await?;
    for row in &counts {
        add_count(&mut info, row.try_get(0)?, row.try_get(1)?)?;
    }
    Ok(info)
}

/// A `queues` row (name, paused, concurrency) with empty counts.
fn settings(row: &Row) -> DbResult<QueueInfo> {
    let name: String = row.try_get(0)?;
    let concurrency: Option<i64> = row.try_get(2)?;
    Ok(QueueInfo {
        name: QueueName::new(name).map_err(DbError::Corrupt)?,
        paused: row.try_get(1)?,
        concurrency: concurrency.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
        counts: BTreeMap::new(),
    })
}

fn add_count(info: &mut QueueInfo, state: &str, n: i64) -> DbResult<()> {
    let state = StateName::parse(state)
        .ok_or_else(|| DbError::Corrupt(format!("jobs.state holds {state:?}")))?;
    info.counts.insert(state, u64::try_from(n).unwrap_or(0));
    Ok(())
}
