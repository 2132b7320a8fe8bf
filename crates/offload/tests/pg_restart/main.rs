//! PostgreSQL restarted under load: the server reconnects by itself, a submit during
//! the outage gets a clear 503, and every acknowledged job still finishes.
//!
//! This is its own test binary because it restarts the machine's PostgreSQL, which
//! other tests use; cargo runs test binaries one at a time.
#![allow(clippy::disallowed_methods)]

use std::process::Command;
use std::time::Duration;

use offload_core::JobId;
use offload_http::client::{Client, ClientError};
use offload_http::wire::JobSpecBody;

// Only the server fixture of the e2e support module is used here.
#[allow(dead_code)]
#[path = "../e2e/support.rs"]
mod support;

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args(["-q", "-d", url, "-c", sql])
        .status()
        .unwrap();
    assert!(status.success(), "psql failed: {sql}");
}

fn restart_postgres() {
    let version = std::fs::read_dir("/etc/postgresql")
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let version = version.to_str().unwrap().to_owned();
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart"])
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctlcluster restart failed");
}

fn job() -> JobSpecBody {
    JobSpecBody {
        command: vec!["true".into()],
        ..JobSpecBody::default()
    }
}

/// Submits one job: `Some(id)` if acknowledged, `None` if refused with 503.
async fn submit(client: &Client) -> Option<i64> {
    match client.submit(&job()).await {
        Ok(answer) => Some(answer.id),
        Err(ClientError::Api {
            status: 503, code, ..
        }) => {
            assert_eq!(code, "unavailable");
            None
        }
        Err(other) => panic!("a submit during the outage must be acknowledged or get 503: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_loses_no_acknowledged_job() {
    let Ok(admin) = std::env::var("OFFLOAD_TEST_PG") else {
        eprintln!("SKIPPED: OFFLOAD_TEST_PG not set; the PostgreSQL restart test did not run");
        return;
    };
    let name = format!("offload_restart_{}", std::process::id());
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
    psql(&admin, &format!("CREATE DATABASE {name}"));
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let server = support::Server::start_with(2, &["--store", &url, "--max-tier", "t0"]);
    let client = Client::new(&server.url, &server.token).unwrap();
    let mut acknowledged: Vec<i64> = Vec::new();
    for _ in 0..20 {
        acknowledged.extend(submit(&client).await);
    }
    let restart = tokio::task::spawn_blocking(restart_postgres);
    let mut refused = 0;
    while !restart.is_finished() {
        match submit(&client).await {
            Some(id) => acknowledged.push(id),
            None => refused += 1,
        }
    }
    restart.await.unwrap();
    // After the restart the server must accept work again by itself.
    let mut after = None;
    for _ in 0..10_000 {
        if let Some(id) = submit(&client).await {
            after = Some(id);
            break;
        }
        refused += 1;
    }
    acknowledged.push(after.expect("the server never reconnected after the restart"));
    for id in &acknowledged {
        let job = loop {
            match client.wait(JobId(*id), Duration::from_secs(60)).await {
                Ok(job) if job.state.is_terminal() => break job,
                Ok(_) => {}
                Err(ClientError::Api { status: 503, .. }) => {}
                Err(other) => panic!("waiting for job {id}: {other}"),
            }
        };
        assert_eq!(support::state_of(&job), "succeeded", "job {id}");
    }
    eprintln!(
        "{} jobs acknowledged and finished; {refused} submits refused with 503",
        acknowledged.len()
    );
    drop(server);
    psql(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}
