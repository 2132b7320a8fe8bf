//! Queues: their settings (pause, concurrency) and their job counts.
//!
//! The counts cover the live states only (queued, scheduled, running), read through
//! the state index, so listing queues costs the same however long the history is;
//! finished jobs are counted by the engine's metrics instead.

use std::collections::BTreeMap;

use offload_core::{QueueName, StateName};
use offload_store::{QueueInfo, QueueUpdate};
use rusqlite::{Connection, Row, params};

use crate::error::{DbError, DbResult};

/// Every known queue with its settings and counts, by name.
pub(crate) fn list(conn: &Connection) -> DbResult<Vec<QueueInfo>> {
    let mut infos = settings(conn, None)?;
    let mut stmt = conn.prepare_cached(
        "SELECT queue, state, count(*) FROM jobs INDEXED BY jobs_state \
         WHERE state IN ('queued', 'scheduled', 'running') GROUP BY queue, state",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let queue: String = row.get(0)?;
        if let Some(info) = infos.get_mut(&queue) {
            add_count(info, row, 1)?;
        }
    }
    Ok(infos.into_values().collect())
}

/// Applies `update` to `name`, creating the queue if needed, and returns it.
pub(crate) fn update(
    conn: &Connection,
    name: &QueueName,
    update: &QueueUpdate,
) -> DbResult<QueueInfo> {
    conn.prepare_cached("INSERT OR IGNORE INTO queues (name) VALUES (?1)")?
        .execute([name.as_str()])?;
    if let Some(paused) = update.paused {
        conn.prepare_cached("UPDATE queues SET paused = ?2 WHERE name = ?1")?
            .execute(params![name.as_str(), paused])?;
    }
    if let Some(concurrency) = update.concurrency {
        conn.prepare_cached("UPDATE queues SET concurrency = ?2 WHERE name = ?1")?
            .execute(params![name.as_str(), concurrency])?;
    }
    info(conn, name)
}

/// One queue with its counts.
fn info(conn: &Connection, name: &QueueName) -> DbResult<QueueInfo> {
    let mut infos = settings(conn, Some(name.as_str()))?;
    let mut info = infos
        .remove(name.as_str())
        .ok_or_else(|| DbError::Corrupt(format!("queue {name} vanished")))?;
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*) FROM jobs INDEXED BY jobs_queue_state \
         WHERE queue = ?1 AND state IN ('queued', 'scheduled', 'running') GROUP BY state",
    )?;
    let mut rows = stmt.query([name.as_str()])?;
    while let Some(row) = rows.next()? {
        add_count(&mut info, row, 0)?;
    }
    Ok(info)
}

/// Records one (state, count) pair read at column `at` of `row`.
fn add_count(info: &mut QueueInfo, row: &Row<'_>, at: usize) -> DbResult<()> {
    let state: String = row.get(at)?;
    let n: i64 = row.get(at + 1)?;
    let state = StateName::parse(&state).ok_or_else(|| DbError::Corrupt(state.clone()))?;
    info.counts.insert(state, u64::try_from(n).unwrap_or(0));
    Ok(())
}

/// The settings of every queue (or of `only`), keyed by name, with empty counts.
fn settings(conn: &Connection, only: Option<&str>) -> DbResult<BTreeMap<String, QueueInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, paused, concurrency FROM queues WHERE ?1 IS NULL OR name = ?1 ORDER BY name",
    )?;
    let mut rows = stmt.query([only])?;
    let mut infos = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let queue = QueueName::new(name.clone()).map_err(DbError::Corrupt)?;
        infos.insert(
            name,
            QueueInfo {
                name: queue,
                paused: row.get(1)?,
                concurrency: row.get(2)?,
                counts: BTreeMap::new(),
            },
        );
    }
    Ok(infos)
}
