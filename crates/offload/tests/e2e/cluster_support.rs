//! Fixtures for multi-node tests: a fresh PostgreSQL database per test, and
//! servers and workers as separate processes sharing it.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{Server, bin};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A database created for one test and dropped after it.
pub struct Database {
    pub url: String,
    name: String,
    admin: String,
}

impl Database {
    /// A fresh database, or `None` (with a loud line) when no PostgreSQL is configured.
    pub fn create() -> Option<Database> {
        let Ok(admin) = std::env::var("OFFLOAD_TEST_PG") else {
            eprintln!(
                "SKIPPED: OFFLOAD_TEST_PG not set; the multi-node PostgreSQL test did not run"
            );
            return None;
        };
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let name = format!("offload_e2e_{}_{n}", std::process::id());
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Some(Database {
            url: format!("{base}/{name}"),
            name,
            admin,
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        psql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args(["-q", "-d", url, "-c", sql])
        .status()
        .unwrap();
    assert!(status.success(), "psql failed: {sql}");
}

/// One token file for every server of a cluster, world-readable by nobody but us.
pub fn token_file(dir: &Path) -> PathBuf {
    dir.join("cluster-token")
}

/// Starts an API-only server on the shared store.
pub fn server(db: &Database, dir: &Path, name: &str) -> Server {
    let data = dir.join(name);
    let token = token_file(dir);
    let extra = [
        "--store",
        &db.url,
        "--token-file",
        token.to_str().unwrap(),
        "--lease",
        "3s",
    ];
    Server::start_on_with(&data, 0, &extra)
}

/// A running `offload worker`, killed on drop.
pub struct Worker {
    pub child: Child,
}

impl Worker {
    /// Starts a worker on the shared store; its jobs run at T0 so they can write
    /// their side effects to host files.
    pub fn start(db: &Database, work_root: &Path, concurrency: usize) -> Worker {
        let child = Command::new(bin())
            .args([
                "worker",
                "--store",
                &db.url,
                "--max-tier",
                "t0",
                "--lease",
                "2s",
            ])
            .args(["--concurrency", &concurrency.to_string(), "--work-root"])
            // The sandbox makes its work root private, so it is not the shared scratch dir.
            .arg(work_root.join(format!("work-{}", NEXT.fetch_add(1, Ordering::SeqCst))))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Worker { child }
    }

    /// `kill -9`.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
