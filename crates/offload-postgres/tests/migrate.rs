//! Migrations: applied once under the lock when servers start together,
//! idempotent, and a database newer than the binary is refused.

mod support;

use offload_postgres::{MigrationPolicy, PostgresConfig, PostgresStore, SCHEMA_VERSION};
use offload_store::StoreError;
use support::Schema;

async fn raw_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn concurrent_starts_migrate_once() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let url = schema.url();
    let starts = (0..4).map(|_| PostgresStore::migrate(&url, schema.config()));
    let results = futures::future::join_all(starts).await;
    let mut froms: Vec<i64> = results
        .into_iter()
        .map(|r| r.expect("every start succeeds").from)
        .collect();
    froms.sort();
    assert_eq!(
        froms,
        vec![0, SCHEMA_VERSION, SCHEMA_VERSION, SCHEMA_VERSION],
        "exactly one migrated"
    );
    let client = raw_client(&schema.url()).await;
    let sql = format!("SELECT count(*) FROM {}.schema_version", schema.name);
    let rows: i64 = client.query_one(&sql, &[]).await.unwrap().get(0);
    assert_eq!(rows, SCHEMA_VERSION, "one row per migration");
}

#[tokio::test]
async fn migrate_again_changes_nothing() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let first = PostgresStore::migrate(&schema.url(), schema.config())
        .await
        .unwrap();
    assert_eq!((first.from, first.to), (0, SCHEMA_VERSION));
    let second = PostgresStore::migrate(&schema.url(), schema.config())
        .await
        .unwrap();
    assert_eq!((second.from, second.to), (SCHEMA_VERSION, SCHEMA_VERSION));
}

#[tokio::test]
async fn newer_database_is_refused() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    PostgresStore::migrate(&schema.url(), schema.config())
        .await
        .unwrap();
    let client = raw_client(&url).await;
    let future = SCHEMA_VERSION + 1;
    let sql = format!(
        "INSERT INTO {}.schema_version (version, name) VALUES ($1, 'from_the_future')",
        schema.name
    );
    client.execute(&sql, &[&future]).await.unwrap();
    let err = PostgresStore::connect(&schema.url(), schema.config())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaMismatch { found, expected } if found == future && expected == SCHEMA_VERSION),
        "{err:?}"
    );
    assert!(err.to_string().contains("offload migrate"), "{err}");
}

#[tokio::test]
async fn verify_refuses_an_unmigrated_schema_and_creates_nothing() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let verify = PostgresConfig {
        migrations: MigrationPolicy::Verify,
        ..schema.config()
    };
    let err = PostgresStore::connect(&schema.url(), verify.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaMismatch { found: 0, .. }),
        "{err:?}"
    );
    let client = raw_client(&url).await;
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema.name],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!exists, "verify created nothing");
    PostgresStore::migrate(&schema.url(), schema.config())
        .await
        .unwrap();
    PostgresStore::connect(&schema.url(), verify)
        .await
        .expect("a current schema verifies");
}
