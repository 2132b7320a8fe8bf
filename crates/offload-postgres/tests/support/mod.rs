//! The fixture every PostgreSQL test uses: the server's URL from
//! `OFFLOAD_TEST_PG` (or a loud skip without it), and a fresh schema per test,
//! dropped when the test ends, so that tests run in parallel on one database.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::io::Write;

use offload_postgres::{PostgresConfig, PostgresStore};

/// The environment variable that names the test server.
pub const URL_VAR: &str = "OFFLOAD_TEST_PG";

/// The test server's URL, or `None` after printing a loud skip line.
///
/// The line goes straight to the process's stderr, past the test harness's
/// capture, so that a run without PostgreSQL says so even when every test passes.
pub fn test_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let _ = writeln!(std::io::stderr(), "SKIPPED: {URL_VAR} not set");
            None
        }
    }
}

/// A schema name no other test uses.
pub fn fresh_schema() -> String {
    format!("offload_test_{:016x}", rand::random::<u64>())
}

/// A test's schema; dropping it drops the schema and everything in it.
#[derive(Debug)]
pub struct Schema {
    pub url: String,
    pub name: String,
}

impl Schema {
    /// A new, not yet created, schema on the server at `url`.
    pub fn new(url: &str) -> Schema {
        Schema {
            url: url.to_owned(),
            name: fresh_schema(),
        }
    }

    /// The URL with the schema's name as the application name, so that the
    /// guard can find (and end) every session a test left behind.
    pub fn url(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}application_name={}", self.url, self.name)
    }

    /// The store configuration for this schema.
    pub fn config(&self) -> PostgresConfig {
        PostgresConfig {
            schema: self.name.clone(),
            pool_size: 4,
            ..PostgresConfig::default()
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on, so the
        // DROP runs on a thread of its own with a runtime of its own.
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(drop_schema(&url, &name))
        })
        .join();
        if let Ok(Err(err)) = dropped {
            let _ = writeln!(
                std::io::stderr(),
                "could not drop test schema {}: {err}",
                self.name
            );
        }
    }
}

async fn drop_schema(url: &str, name: &str) -> std::io::Result<()> {
    let to_io = |err: tokio_postgres::Error| std::io::Error::other(err.to_string());
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(to_io)?;
    let driver = tokio::spawn(connection);
    // A test that panicked may have left a session idle in a transaction: its
    // runtime is unwinding and will never send the ROLLBACK. Its locks would block
    // the DROP for ever, so its sessions are ended first.
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
            &[&name],
        )
        .await
        .map_err(to_io)?;
    client
        .batch_execute(&format!(
            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {name} CASCADE"
        ))
        .await
        .map_err(to_io)?;
    drop(client);
    let _ = driver.await;
    Ok(())
}

/// A store on a fresh schema, and the guard that drops the schema.
pub async fn fresh_store(url: String) -> (PostgresStore, Schema) {
    let schema = Schema::new(&url);
    let store = PostgresStore::connect(&schema.url(), schema.config())
        .await
        .expect("connect to the test server and migrate a fresh schema");
    (store, schema)
}
