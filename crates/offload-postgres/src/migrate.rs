//! Schema migrations: the `.sql` files in `migrations/`, applied in order under
//! a migration lock.
//!
//! Several servers may start at once against one database. Each runs the whole
//! migration in one transaction that first takes a transaction-scoped advisory
//! lock keyed by the schema name: the first applies the missing migrations, the
//! others wait on the lock, then find the schema current and apply nothing.
//! PostgreSQL's DDL is transactional, so a migration that fails leaves no half
//! of itself behind.
//!
//! The applied versions are kept in `schema_version`. A database whose version is
//! newer than the newest migration this binary carries was written by a newer
//! offload; using it would misread its rows, so it is refused with
//! [`StoreError::SchemaMismatch`].

use deadpool_postgres::{Client, Transaction};
use offload_store::StoreError;

use crate::config::MigrationPolicy;
use crate::error::DbResult;
use crate::sql;

/// One migration: its version, its file name and its SQL.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, in order.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "0002_attempt_tier",
        sql: include_str!("../migrations/0002_attempt_tier.sql"),
    },
    Migration {
        version: 3,
        name: "0003_experiments",
        sql: include_str!("../migrations/0003_experiments.sql"),
    },
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// What a migration run found and left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// The version found before the run (0 for an empty schema).
    pub from: i64,
    /// The version after the run: [`SCHEMA_VERSION`].
    pub to: i64,
}

/// Brings `schema` to [`SCHEMA_VERSION`], or with [`MigrationPolicy::Verify`]
/// only checks that it is there.
pub(crate) async fn migrate(
    client: &mut Client,
    schema: &str,
    policy: MigrationPolicy,
) -> DbResult<Migrated> {
    let tx = client.transaction().await?;
    let lock_key = format!("offload.migrate.{schema}");
    sql::query(
        &tx,
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&lock_key],
    )
    .await?;
    let from = current_version(&tx).await?;
    let mismatch = |found| StoreError::SchemaMismatch {
        found,
        expected: SCHEMA_VERSION,
    };
    if from > SCHEMA_VERSION || (policy == MigrationPolicy::Verify && from != SCHEMA_VERSION) {
        return Err(mismatch(from).into());
    }
    if from < SCHEMA_VERSION {
        apply_missing(&tx, schema, from).await?;
    }
    tx.commit().await?;
    Ok(Migrated {
        from,
        to: SCHEMA_VERSION,
    })
}

/// Creates the schema and version table if needed and applies every migration after `from`.
async fn apply_missing(tx: &Transaction<'_>, schema: &str, from: i64) -> DbResult<()> {
    // The schema name was checked by `PostgresConfig::validate` to be a plain
    // identifier, which is what makes interpolating it safe.
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}; \
         CREATE TABLE IF NOT EXISTS schema_version (version bigint PRIMARY KEY, \
         name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
    ))
    .await?;
    for migration in MIGRATIONS.iter().filter(|m| m.version > from) {
        tx.batch_execute(migration.sql).await?;
        sql::execute(
            tx,
            "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
            &[&migration.version, &migration.name],
        )
        .await?;
    }
    Ok(())
}

/// The newest applied migration, or 0 when the schema or its version table is missing.
async fn current_version(tx: &Transaction<'_>) -> DbResult<i64> {
    let exists =
        sql::query_one(tx, "SELECT to_regclass('schema_version') IS NOT NULL", &[]).await?;
    if !exists.try_get::<_, bool>(0)? {
        return Ok(0);
    }
    // Not prepared through the cache: the table may have just been created.
    let row = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::bigint FROM schema_version",
            &[],
        )
        .await?;
    Ok(row.try_get(0)?)
}
