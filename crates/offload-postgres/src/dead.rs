//! Dead letters: failed jobs can be queued again with a fresh budget, or purged.
//!
//! Their attempts, output and idempotency keys go with them: the child tables
//! reference `jobs` with `ON DELETE CASCADE`.

use deadpool_postgres::Client;
use offload_core::JobId;
use offload_store::{DeadSelector, StoreError};

use crate::error::DbResult;
use crate::sql;

/// Queues the selected failed jobs again with `budget_used = 0`, and wakes the
/// producers of their queues.
///
/// `One` of an unknown id is [`StoreError::NotFound`]; `One` of a job that is not
/// failed changes nothing and counts 0.
pub(crate) async fn retry(client: &mut Client, schema: &str, which: DeadSelector) -> DbResult<u64> {
    let tx = client.transaction().await?;
    let only = match which {
        DeadSelector::All => None,
        DeadSelector::One(id) => {
            ensure_exists(&tx, id).await?;
            Some(id.0)
        }
    };
    let rows = sql::query(
        &tx,
        "WITH requeued AS (UPDATE jobs SET state = 'queued', budget_used = 0, finished_at = NULL, \
         output_expires_at = NULL WHERE state = 'failed' AND ($1::bigint IS NULL OR id = $1) \
         RETURNING queue), \
         woken AS (SELECT pg_notify($2, queue) FROM (SELECT DISTINCT queue FROM requeued) AS q) \
         SELECT (SELECT count(*) FROM requeued), (SELECT count(*) FROM woken)",
        &[&only, &format!("{schema}_jobs")],
    )
    .await?;
    let requeued: i64 = rows[0].try_get(0)?;
    tx.commit().await?;
    Ok(u64::try_from(requeued).unwrap_or(0))
}

async fn ensure_exists(tx: &deadpool_postgres::Transaction<'_>, id: JobId) -> DbResult<()> {
    match sql::query_opt(tx, "SELECT 1 FROM jobs WHERE id = $1", &[&id.0]).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound(id).into()),
    }
}

/// Deletes every failed job with its attempts, output and key.
pub(crate) async fn purge(client: &Client) -> DbResult<u64> {
    sql::execute(client, "DELETE FROM jobs WHERE state = 'failed'", &[]).await
}
