//! Choosing the store: embedded SQLite in the data dir, or a shared PostgreSQL.
//!
//! `--store sqlite` (the default) keeps everything in one file that one process
//! owns; `--store postgres://user@host/db` lets many servers and workers share work.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use offload_postgres::{PostgresConfig, PostgresStore};
use offload_sqlite::{SqliteConfig, SqliteStore};
use offload_store::Store;

/// An opened store and whether this process owns it alone.
pub struct Opened {
    /// The store.
    pub store: Arc<dyn Store>,
    /// True for SQLite: no other process uses it, so orphans can be rescued at start.
    pub exclusive: bool,
}

/// Whether `store` names a PostgreSQL database.
pub fn is_postgres(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// Opens the store that `--store` names, with SQLite inside `data`.
pub async fn open(store: &str, data: &Path) -> Result<Opened> {
    if is_postgres(store) {
        let pg = PostgresStore::connect(store, PostgresConfig::default())
            .await
            .with_context(|| format!("cannot use the PostgreSQL store at {}", redact(store)))?;
        return Ok(Opened {
            store: Arc::new(pg),
            exclusive: false,
        });
    }
    anyhow::ensure!(
        store == "sqlite",
        "--store {store:?}: use \"sqlite\" or a postgres:// URL"
    );
    let path = data.join("offload.db");
    let sqlite = SqliteStore::open(&path, SqliteConfig::default())
        .with_context(|| format!("cannot open the store {}", path.display()))?;
    Ok(Opened {
        store: Arc::new(sqlite),
        exclusive: true,
    })
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/jobs"),
            "postgres://app:***@db:5432/jobs"
        );
        assert_eq!(redact("postgres://db/jobs"), "postgres://db/jobs");
    }
}
