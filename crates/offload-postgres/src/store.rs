//! [`PostgresStore`]: connecting and migrating, and the [`Store`] trait routed to
//! the per-verb modules, which hold the SQL.
//!
//! Calls that change several rows together run in a transaction on one pooled
//! connection; calls that are one statement run on a pooled connection directly
//! (a single statement is atomic by itself).

use std::sync::Arc;

use async_trait::async_trait;
use deadpool_postgres::{Client, Pool};
use offload_core::experiment::{ExperimentConfig, ExperimentName, ExperimentUpdate};
use offload_core::{CancelOutcome, Job, JobId, QueueName, Timestamp, WorkerId};
use offload_store::*;

use crate::config::PostgresConfig;
use crate::error::{DbError, DbResult};
use crate::leader::LeaderSession;
use crate::listener::Listener;
use crate::migrate::{Migrated, migrate};
use crate::{
    cancel, claim, complete, connect, dead, experiment, experiment_read, insert, maintain, queue,
    read,
};

/// The scale-out store: any number of offload servers share one PostgreSQL database.
///
/// Cloning is cheap and shares the pool, the listener and the leader session.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    pg: tokio_postgres::Config,
    config: PostgresConfig,
    listener: Arc<Listener>,
    leader: Arc<tokio::sync::Mutex<Option<LeaderSession>>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The driver config holds the password, so it is left out.
        f.debug_struct("PostgresStore")
            .field("config", &self.config)
            .field("pool", &self.pool.status())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`) and,
    /// as `config.migrations` says, migrates or checks its schema.
    ///
    /// An unreachable server fails within `config.connect_timeout` with
    /// [`StoreError::Unavailable`]; a schema newer than this binary fails with
    /// [`StoreError::SchemaMismatch`]; a bad `config` fails naming the field.
    pub async fn connect(url: &str, config: PostgresConfig) -> Result<PostgresStore, StoreError> {
        config
            .validate()
            .map_err(|err| StoreError::Internal(err.to_string()))?;
        let pg = connect::pg_config(url, &config)?;
        let pool = connect::pool(pg.clone(), &config)?;
        let store = PostgresStore {
            pool,
            pg,
            config,
            listener: Arc::default(),
            leader: Arc::default(),
        };
        let mut client = store.client().await?;
        migrate(&mut client, &store.config.schema, store.config.migrations).await?;
        Ok(store)
    }

    /// Applies every missing migration to the database at `url` (for `offload
    /// migrate`), under the migration lock, and says what it found and left.
    pub async fn migrate(url: &str, config: PostgresConfig) -> Result<Migrated, StoreError> {
        config
            .validate()
            .map_err(|err| StoreError::Internal(err.to_string()))?;
        let config = PostgresConfig {
            pool_size: 1,
            migrations: crate::MigrationPolicy::Apply,
            ..config
        };
        let pool = connect::pool(connect::pg_config(url, &config)?, &config)?;
        let mut client = pool.get().await.map_err(DbError::from)?;
        Ok(migrate(&mut client, &config.schema, config.migrations).await?)
    }

    /// The settings this store was opened with.
    pub fn config(&self) -> &PostgresConfig {
        &self.config
    }

    /// The driver configuration, for connections outside the pool (the listener
    /// and the leader lock each hold one of their own).
    pub(crate) fn pg_config(&self) -> &tokio_postgres::Config {
        &self.pg
    }

    /// The listener shared by every clone of this store.
    pub(crate) fn listener(&self) -> &Listener {
        &self.listener
    }

    /// The leader session, if this store leads.
    pub(crate) fn leader_slot(&self) -> &tokio::sync::Mutex<Option<LeaderSession>> {
        &self.leader
    }

    /// A pooled connection, or [`StoreError::Unavailable`] within the timeouts.
    async fn client(&self) -> DbResult<Client> {
        Ok(self.pool.get().await?)
    }

    fn schema(&self) -> &str {
        &self.config.schema
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn job_insert_many(
        &self,
        jobs: Vec<NewJob>,
        now: Timestamp,
    ) -> Result<Vec<Inserted>, StoreError> {
        let mut client = self.client().await?;
        Ok(insert::insert_many(&mut client, self.schema(), &jobs, now).await?)
    }

    async fn job_get(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        Ok(read::get(&self.client().await?, id).await?)
    }

    async fn job_list(&self, filter: &JobFilter) -> Result<JobPage, StoreError> {
        Ok(read::list(&self.client().await?, filter).await?)
    }

    async fn job_output(&self, id: JobId) -> Result<Option<JobOutput>, StoreError> {
        Ok(read::output(&self.client().await?, id).await?)
    }

    async fn job_claim(&self, request: &Claim) -> Result<Vec<ClaimedJob>, StoreError> {
        let mut client = self.client().await?;
        Ok(claim::claim(&mut client, request).await?)
    }

    async fn job_complete_many(
        &self,
        completions: Vec<Completion>,
    ) -> Result<Vec<Completed>, StoreError> {
        Ok(complete::complete_many(&self.client().await?, &completions).await?)
    }

    async fn job_heartbeat(
        &self,
        worker: &WorkerId,
        beats: &[Heartbeat],
        lease_expires_at: Timestamp,
    ) -> Result<Vec<HeartbeatResult>, StoreError> {
        let client = self.client().await?;
        Ok(complete::heartbeat(&client, worker, beats, lease_expires_at).await?)
    }

    async fn job_cancel(&self, id: JobId, now: Timestamp) -> Result<CancelOutcome, StoreError> {
        let mut client = self.client().await?;
        Ok(cancel::cancel(&mut client, self.schema(), id, now).await?)
    }

    async fn job_get_stuck(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        Ok(maintain::stuck(&self.client().await?, now, limit).await?)
    }

    async fn job_promote_due(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        Ok(maintain::promote_due(&self.client().await?, self.schema(), now, limit).await?)
    }

    async fn job_next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(maintain::next_due(&self.client().await?).await?)
    }

    async fn job_delete_finished(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError> {
        Ok(maintain::delete_finished(&self.client().await?, before, limit).await?)
    }

    async fn job_expire_output(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        Ok(maintain::expire_output(&self.client().await?, now, limit).await?)
    }

    async fn dead_retry(&self, which: DeadSelector, _now: Timestamp) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        Ok(dead::retry(&mut client, self.schema(), which).await?)
    }

    async fn dead_purge(&self) -> Result<u64, StoreError> {
        Ok(dead::purge(&self.client().await?).await?)
    }

    async fn queue_list(&self) -> Result<Vec<QueueInfo>, StoreError> {
        Ok(queue::list(&self.client().await?).await?)
    }

    async fn queue_update(
        &self,
        name: &QueueName,
        update: &QueueUpdate,
    ) -> Result<QueueInfo, StoreError> {
        Ok(queue::update(&self.client().await?, name, update).await?)
    }

    async fn experiment_record(&self, record: ObservationRecord) -> Result<Recorded, StoreError> {
        let mut client = self.client().await?;
        Ok(experiment::record(&mut client, &record).await?)
    }

    async fn experiment_config(
        &self,
        name: &ExperimentName,
    ) -> Result<Option<ExperimentConfig>, StoreError> {
        Ok(experiment_read::config(&self.client().await?, name).await?)
    }

    async fn experiment_update(
        &self,
        name: &ExperimentName,
        update: &ExperimentUpdate,
        now: Timestamp,
    ) -> Result<ExperimentConfig, StoreError> {
        let mut client = self.client().await?;
        Ok(experiment::update(&mut client, name, update, now).await?)
    }

    async fn experiment_list(&self) -> Result<Vec<ExperimentSummary>, StoreError> {
        Ok(experiment_read::list(&self.client().await?).await?)
    }

    async fn experiment_get(
        &self,
        name: &ExperimentName,
        query: &ExperimentQuery,
    ) -> Result<Option<ExperimentReport>, StoreError> {
        Ok(experiment_read::get(&self.client().await?, name, query).await?)
    }

    async fn leader_attempt_elect(&self, node: &WorkerId) -> Result<bool, StoreError> {
        self.try_leader(&node.0).await
    }

    fn subscribe(&self) -> Option<tokio::sync::broadcast::Receiver<offload_store::Notification>> {
        Some(self.store_notifications())
    }
}
