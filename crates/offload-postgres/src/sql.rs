//! Thin helpers over the driver: every statement goes through the connection's
//! prepared-statement cache, and every error becomes a [`DbError`].
//!
//! Preparing once per connection matters on the hot paths (claim, complete,
//! heartbeat), which run the same few statements thousands of times a second.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::error::DbResult;

/// The parameters of one statement.
pub(crate) type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Runs `sql` and returns its rows.
pub(crate) async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<Vec<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query(&stmt, params).await?)
}

/// Runs `sql` and returns its only row, if it returned one.
pub(crate) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<Option<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&stmt, params).await?)
}

/// Runs `sql` and returns its one row.
pub(crate) async fn query_one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<Row> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_one(&stmt, params).await?)
}

/// Runs `sql` and returns how many rows it changed.
pub(crate) async fn execute<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<u64> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.execute(&stmt, params).await?)
}

/// A count or limit as PostgreSQL takes it.
pub(crate) fn sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Milliseconds as stored; durations beyond i64 saturate.
pub(crate) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// An unsigned number as a `bigint`, saturating.
pub(crate) fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An attempt number as an `integer`, saturating.
pub(crate) fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
