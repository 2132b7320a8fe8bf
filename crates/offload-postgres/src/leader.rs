//! Leader election by advisory lock: at most one node runs the cluster-wide
//! services (scheduler, rescuer, cleaner) at a time.
//!
//! The leader holds a session-level advisory lock, keyed by the schema, on a
//! connection of its own outside the pool. PostgreSQL releases the lock when that
//! session ends for any reason (the node exits, crashes, or loses its network),
//! so a dead leader is replaced without any lease to expire. The session's
//! `application_name` is `offload-leader:<node>`, so an operator can see in
//! `pg_stat_activity` which node leads.
//!
//! The services are correct without a leader too (their writes use `SKIP
//! LOCKED`); the election only keeps nodes from doing the same work twice.

use offload_store::StoreError;
use tokio::task::JoinHandle;
use tokio_postgres::NoTls;

use crate::error::DbError;
use crate::store::PostgresStore;

/// The session that holds the leader lock.
#[derive(Debug)]
pub(crate) struct LeaderSession {
    client: tokio_postgres::Client,
    driver: JoinHandle<()>,
}

impl Drop for LeaderSession {
    fn drop(&mut self) {
        // Ending the driver closes the connection, which releases the lock.
        self.driver.abort();
    }
}

impl PostgresStore {
    /// Tries to become (or stay) the leader, as `node`. Returns whether this store
    /// leads now.
    ///
    /// Call it on every tick of the leader-only services: it costs one round trip
    /// while leading, and finds out then if the leader session was lost (after
    /// which another node may lead, and this call tries to win it back).
    pub async fn try_leader(&self, node: &str) -> Result<bool, StoreError> {
        let mut held = self.leader_slot().lock().await;
        if let Some(session) = held.as_ref() {
            if session.client.simple_query("SELECT 1").await.is_ok() {
                return Ok(true);
            }
            *held = None;
        }
        let session = self.open_leader_session(node).await?;
        let key = format!("offload.leader.{}", self.config().schema);
        let won: bool = session
            .client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                &[&key],
            )
            .await
            .map_err(DbError::from)?
            .get(0);
        if won {
            *held = Some(session);
        }
        Ok(won)
    }

    /// Gives up leadership (if held), so another node can take it at once.
    pub async fn resign(&self) {
        *self.leader_slot().lock().await = None;
    }

    async fn open_leader_session(&self, node: &str) -> Result<LeaderSession, StoreError> {
        let mut pg = self.pg_config().clone();
        pg.application_name(format!("offload-leader:{node}"));
        let timeout = self.config().connect_timeout;
        let (client, connection) = tokio::time::timeout(timeout, pg.connect(NoTls))
            .await
            .map_err(|_| {
                StoreError::Unavailable("timed out opening the leader session".to_owned())
            })?
            .map_err(DbError::from)?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(LeaderSession { client, driver })
    }
}
