//! What survives the process: acknowledged writes across a clean reopen and
//! across `kill -9`, and the refusal of a schema newer than this binary.
//!
//! The kill test runs a real child process: this same test binary, re-run with
//! `OFFLOAD_SQLITE_CHILD` set so that only [`child_writer`] does work. The child
//! inserts jobs in a loop and prints each id once its insert is acknowledged; the
//! parent SIGKILLs it mid-stream and checks that every acknowledged id is on disk.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use offload_core::{JobId, JobSpec, Outcome, Timestamp, WorkerId};
use offload_sqlite::{SCHEMA_VERSION, SqliteConfig, SqliteStore};
use offload_store::{Claim, Completion, JobOutput, NewJob, Store, StoreError};

const CHILD_ENV: &str = "OFFLOAD_SQLITE_CHILD";
const T0: Timestamp = Timestamp(1_700_000_000_000);

fn new_job(word: &str) -> NewJob {
    let spec = JobSpec {
        command: vec!["echo".into(), word.into()],
        ..JobSpec::default()
    };
    let spec_hash = offload_core::dedupe::spec_hash(&spec);
    NewJob { spec, spec_hash }
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteConfig::default()).expect("open")
}

#[tokio::test]
async fn acknowledged_writes_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offload.db");
    let store = open(&path);
    let id = store.job_insert_many(vec![new_job("x")], T0).await.unwrap()[0].id;
    let claim = Claim {
        worker: WorkerId("w".into()),
        limit: 1,
        queues: None,
        now: T0,
        lease: std::time::Duration::from_secs(30),
    };
    let job = store.job_claim(&claim).await.unwrap().remove(0);
    let output = JobOutput {
        stdout: b"hello".to_vec(),
        ..JobOutput::default()
    };
    let completion = Completion {
        id,
        attempt: job.attempt,
        next: offload_core::JobState::Succeeded { finished_at: T0 },
        outcome: Outcome::Exited { code: 0 },
        finished_at: T0,
        cpu_ms: None,
        peak_memory: None,
        tier: None,
        output: Some(output.clone()),
    };
    store.job_complete_many(vec![completion]).await.unwrap();
    let before = store.job_get(id).await.unwrap().expect("stored");
    drop(store);
    let reopened = open(&path);
    assert_eq!(reopened.job_get(id).await.unwrap(), Some(before));
    assert_eq!(reopened.job_output(id).await.unwrap(), Some(output));
}

// The child is this test binary itself, not a user job, so it needs none of the
// sandbox's limits; spawning it directly is what makes the kill real.
#[allow(clippy::disallowed_methods)]
#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offload.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the child writer");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    for line in lines {
        let line = line.expect("child output");
        if let Some(id) = line.strip_prefix("acked ") {
            acked.push(JobId(id.parse().expect("an id")));
        }
        if acked.len() == 500 {
            break;
        }
    }
    child
        .kill()
        .expect("SIGKILL the child while it still writes");
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the child was killed, not finished: {status:?}"
    );
    assert_eq!(acked.len(), 500, "the child acknowledged enough writes");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = open(&path);
    for id in acked {
        let found = runtime.block_on(store.job_get(id)).unwrap();
        assert!(found.is_some(), "acknowledged job {id} was lost");
    }
}

/// The child half of [`acknowledged_writes_survive_kill_9`]; without the
/// environment variable it is not a child and does nothing.
#[tokio::test]
async fn child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = SqliteStore::open(Path::new(&path), SqliteConfig::default()).unwrap();
    // Bounded, so a child whose parent died stops by itself.
    for i in 0..100_000 {
        let batch = vec![new_job(&format!("a{i}")), new_job(&format!("b{i}"))];
        for inserted in store.job_insert_many(batch, T0).await.unwrap() {
            println!("acked {}", inserted.id);
        }
    }
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offload.db");
    drop(open(&path));
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        [SCHEMA_VERSION + 1],
    )
    .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path, SqliteConfig::default()).unwrap_err();
    match err {
        StoreError::SchemaMismatch { found, expected } => {
            assert_eq!((found, expected), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaMismatch, got {other:?}"),
    }
}

#[test]
fn reopening_does_not_reapply_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offload.db");
    drop(open(&path));
    drop(open(&path));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(rows, SCHEMA_VERSION);
}

#[test]
fn zero_sized_config_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = SqliteConfig {
        max_batch: 0,
        ..SqliteConfig::default()
    };
    let err = SqliteStore::open(&dir.path().join("x.db"), config).unwrap_err();
    assert!(
        err.to_string().contains("max_batch must be at least 1"),
        "{err}"
    );
}

#[test]
fn an_unopenable_path_is_unavailable_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("offload.db");
    let err = SqliteStore::open(&path, SqliteConfig::default()).unwrap_err();
    assert_eq!(err.kind(), offload_store::ErrorKind::Unavailable);
    assert!(err.to_string().contains("missing-dir"), "{err}");
}
