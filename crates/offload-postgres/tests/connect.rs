//! Connecting: an unreachable server fails quickly as `Unavailable`, never hangs,
//! and bad settings fail naming the field. None of these needs a PostgreSQL server.

use std::net::TcpListener;
use std::time::Duration;

use offload_postgres::{PostgresConfig, PostgresStore};
use offload_store::{ErrorKind, StoreError};

fn quick() -> PostgresConfig {
    PostgresConfig {
        connect_timeout: Duration::from_millis(300),
        ..PostgresConfig::default()
    }
}

/// A port that nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn refused_connection_is_unavailable() {
    let url = format!("postgres://postgres@127.0.0.1:{}/test", closed_port());
    let err = PostgresStore::connect(&url, quick()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
}

/// A server that accepts the TCP connection and then never speaks: the driver's
/// connect timeout alone would not end the startup handshake, the pool's does.
#[tokio::test]
async fn silent_server_times_out_as_unavailable() {
    // The kernel completes the handshake for the backlog; nothing ever answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("postgres://postgres@{}/test", silent.local_addr().unwrap());
    let err = PostgresStore::connect(&url, quick()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.to_string().contains("Timeout"), "{err}");
}

#[tokio::test]
async fn malformed_url_is_refused() {
    let err = PostgresStore::connect("postgres://[broken", quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Internal(m) if m.contains("invalid PostgreSQL URL")),
        "{err}"
    );
}

#[tokio::test]
async fn bad_config_names_the_field() {
    let config = PostgresConfig {
        pool_size: 0,
        ..quick()
    };
    let err = PostgresStore::connect("postgres://postgres@127.0.0.1/test", config)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("PostgresConfig.pool_size"),
        "{err}"
    );
}
