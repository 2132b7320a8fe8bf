//! Schema migrations: the `.sql` files in `migrations/`, applied in order at open.
//!
//! The applied version is kept in `schema_version`. A database whose version is
//! newer than the newest migration this binary carries was written by a newer
//! offload; opening it would misread its rows, so it is refused with
//! [`StoreError::SchemaMismatch`] instead.

use offload_store::StoreError;
use rusqlite::Connection;

use crate::error::DbResult;

/// Every migration, in order: its version and its SQL.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_attempt_tier.sql")),
    (3, include_str!("../migrations/0003_experiments.sql")),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Brings the database up to [`SCHEMA_VERSION`], each migration in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> DbResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaMismatch {
            found,
            expected: SCHEMA_VERSION,
        }
        .into());
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// The newest applied migration, or 0 for a new database.
pub(crate) fn current_version(conn: &Connection) -> DbResult<i64> {
    let version = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |row| row.get(0),
    )?;
    Ok(version)
}
