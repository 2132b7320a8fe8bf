//! Opening the pool: the driver settings every connection gets, and the timeouts
//! that make an unreachable server fail fast.
//!
//! The driver's own `connect_timeout` bounds only the TCP connect; a server that
//! accepts the connection and then says nothing would still hang the startup
//! handshake. The pool's *create* timeout bounds the whole of opening a
//! connection, so both cases end in [`offload_store::StoreError::Unavailable`].

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use offload_store::StoreError;
use tokio_postgres::NoTls;

use crate::config::PostgresConfig;

/// The driver configuration: `url` plus the schema's `search_path` and timeouts.
pub(crate) fn pg_config(
    url: &str,
    config: &PostgresConfig,
) -> Result<tokio_postgres::Config, StoreError> {
    // The driver's parse error does not repeat the URL, so no password leaks.
    let mut pg: tokio_postgres::Config = url
        .parse()
        .map_err(|err| StoreError::Internal(format!("invalid PostgreSQL URL: {err}")))?;
    pg.options(format!("-c search_path={}", config.schema));
    pg.connect_timeout(config.connect_timeout);
    pg.keepalives(true);
    if pg.get_application_name().is_none() {
        pg.application_name("offload");
    }
    Ok(pg)
}

/// A pool of at most `config.pool_size` connections; none is opened yet.
pub(crate) fn pool(
    pg: tokio_postgres::Config,
    config: &PostgresConfig,
) -> Result<Pool, StoreError> {
    let manager = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(config.pool_size)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(config.connect_timeout))
        .recycle_timeout(Some(config.connect_timeout))
        .wait_timeout(Some(config.acquire_timeout))
        .build()
        .map_err(|err| StoreError::Internal(format!("cannot build the connection pool: {err}")))
}
