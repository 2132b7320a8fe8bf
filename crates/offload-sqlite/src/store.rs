//! [`SqliteStore`]: opening the file, and the [`Store`] trait routed to the writer
//! thread or the read pool.
//!
//! Every call that changes a row goes to the writer (so it is group-committed and
//! serialised with every other write); every call that only reads goes to the read
//! pool. The per-verb modules hold the SQL; this file only decides where it runs.

use std::path::Path;

use async_trait::async_trait;
use offload_core::experiment::{ExperimentConfig, ExperimentName, ExperimentUpdate};
use offload_core::{CancelOutcome, Job, JobId, QueueName, Timestamp, WorkerId};
use offload_store::*;
use rusqlite::Connection;

use crate::config::SqliteConfig;
use crate::error::DbResult;
use crate::readers::Readers;
use crate::writer::{Writer, WriterStats};
use crate::{
    cancel, claim, complete, dead, experiment, experiment_read, insert, maintain, migrate, queue,
    read,
};

/// The embedded store: one SQLite file in WAL mode.
///
/// Dropping it waits for the writer thread to commit what it has accepted and
/// close the file.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// This is synchronous: it opens the file, applies migrations and starts the
    /// writer thread, none of which waits on other work. A database written by a
    /// newer offload fails with [`StoreError::SchemaMismatch`].
    pub fn open(path: &Path, config: SqliteConfig) -> Result<SqliteStore, StoreError> {
        check_config(&config)?;
        let conn = open_writer(path, &config)?;
        let writer = Writer::start(conn, config.max_batch).map_err(|err| {
            StoreError::Unavailable(format!("cannot start the writer thread: {err}"))
        })?;
        let readers = Readers::new(path.to_owned(), config.readers, config.busy_timeout);
        Ok(SqliteStore { writer, readers })
    }

    /// How many transactions the writer committed for how many write calls: the
    /// ratio is the group-commit factor.
    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }
}

/// Refuses settings that would stop the store from working, naming the field.
fn check_config(config: &SqliteConfig) -> Result<(), StoreError> {
    let zero = [("max_batch", config.max_batch), ("readers", config.readers)]
        .into_iter()
        .find(|(_, value)| *value == 0);
    match zero {
        Some((field, _)) => Err(StoreError::Internal(format!(
            "SqliteConfig.{field} must be at least 1"
        ))),
        None => Ok(()),
    }
}

/// The read-write connection, in WAL mode with the configured durability.
fn open_writer(path: &Path, config: &SqliteConfig) -> Result<Connection, StoreError> {
    let setup = || -> DbResult<Connection> {
        let mut conn = Connection::open(path).map_err(|err| {
            StoreError::Unavailable(format!("cannot open {}: {err}", path.display()))
        })?;
        conn.busy_timeout(config.busy_timeout)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(crate::error::DbError::Corrupt(format!(
                "journal_mode is {mode}, not wal"
            )));
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {}; PRAGMA temp_store = MEMORY;",
            config.durability.pragma()
        ))?;
        conn.set_prepared_statement_cache_capacity(64);
        migrate::migrate(&mut conn)?;
        Ok(conn)
    };
    setup().map_err(StoreError::from)
}

#[async_trait]
impl Store for SqliteStore {
    async fn job_insert_many(
        &self,
        jobs: Vec<NewJob>,
        now: Timestamp,
    ) -> Result<Vec<Inserted>, StoreError> {
        self.writer
            .write(move |conn| insert::insert_many(conn, &jobs, now))
            .await
    }

    async fn job_get(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        self.readers.read(move |conn| read::get(conn, id)).await
    }

    async fn job_list(&self, filter: &JobFilter) -> Result<JobPage, StoreError> {
        let filter = filter.clone();
        self.readers
            .read(move |conn| read::list(conn, &filter))
            .await
    }

    async fn job_output(&self, id: JobId) -> Result<Option<JobOutput>, StoreError> {
        self.readers.read(move |conn| read::output(conn, id)).await
    }

    async fn job_claim(&self, claim: &Claim) -> Result<Vec<ClaimedJob>, StoreError> {
        let claim = claim.clone();
        self.writer
            .write(move |conn| claim::claim(conn, &claim))
            .await
    }

    async fn job_complete_many(
        &self,
        completions: Vec<Completion>,
    ) -> Result<Vec<Completed>, StoreError> {
        self.writer
            .write(move |conn| complete::complete_many(conn, &completions))
            .await
    }

    async fn job_heartbeat(
        &self,
        worker: &WorkerId,
        beats: &[Heartbeat],
        lease_expires_at: Timestamp,
    ) -> Result<Vec<HeartbeatResult>, StoreError> {
        let (worker, beats) = (worker.clone(), beats.to_vec());
        self.writer
            .write(move |conn| complete::heartbeat(conn, &worker, &beats, lease_expires_at))
            .await
    }

    async fn job_cancel(&self, id: JobId, now: Timestamp) -> Result<CancelOutcome, StoreError> {
        self.writer
            .write(move |conn| cancel::cancel(conn, id, now))
            .await
    }

    async fn job_get_stuck(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        self.readers
            .read(move |conn| maintain::stuck(conn, now, limit))
            .await
    }

    async fn job_promote_due(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        self.writer
            .write(move |conn| maintain::promote_due(conn, now, limit))
            .await
    }

    async fn job_next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.readers.read(maintain::next_due).await
    }

    async fn job_delete_finished(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.writer
            .write(move |conn| maintain::delete_finished(conn, before, limit))
            .await
    }

    async fn job_expire_output(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        self.writer
            .write(move |conn| maintain::expire_output(conn, now, limit))
            .await
    }

    /// `now` is not stored: a retried dead letter keeps its original enqueue time,
    /// and its attempts keep their own timestamps.
    async fn dead_retry(&self, which: DeadSelector, _now: Timestamp) -> Result<u64, StoreError> {
        self.writer
            .write(move |conn| dead::retry(conn, which))
            .await
    }

    async fn dead_purge(&self) -> Result<u64, StoreError> {
        self.writer.write(dead::purge).await
    }

    async fn queue_list(&self) -> Result<Vec<QueueInfo>, StoreError> {
        self.readers.read(queue::list).await
    }

    async fn queue_update(
        &self,
        name: &QueueName,
        update: &QueueUpdate,
    ) -> Result<QueueInfo, StoreError> {
        let (name, update) = (name.clone(), update.clone());
        self.writer
            .write(move |conn| queue::update(conn, &name, &update))
            .await
    }

    async fn experiment_record(&self, record: ObservationRecord) -> Result<Recorded, StoreError> {
        self.writer
            .write(move |conn| experiment::record(conn, &record))
            .await
    }

    async fn experiment_config(
        &self,
        name: &ExperimentName,
    ) -> Result<Option<ExperimentConfig>, StoreError> {
        let name = name.clone();
        self.readers
            .read(move |conn| experiment_read::config(conn, &name))
            .await
    }

    async fn experiment_update(
        &self,
        name: &ExperimentName,
        update: &ExperimentUpdate,
        now: Timestamp,
    ) -> Result<ExperimentConfig, StoreError> {
        let (name, update) = (name.clone(), update.clone());
        self.writer
            .write(move |conn| experiment::update(conn, &name, &update, now))
            .await
    }

    async fn experiment_list(&self) -> Result<Vec<ExperimentSummary>, StoreError> {
        self.readers.read(experiment_read::list).await
    }

    async fn experiment_get(
        &self,
        name: &ExperimentName,
        query: &ExperimentQuery,
    ) -> Result<Option<ExperimentReport>, StoreError> {
        let (name, query) = (name.clone(), *query);
        self.readers
            .read(move |conn| experiment_read::get(conn, &name, &query))
            .await
    }
}
