//! The writer's grouping, made deterministic: a first call holds the thread until
//! the test has queued the rest, so the test knows which calls share a group.

use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{Writer, WriterStats};
use crate::error::{DbError, DbResult};

/// A writer on an in-memory database with one table of integers.
fn writer() -> Arc<Writer> {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL)")
        .unwrap();
    Arc::new(Writer::start(conn, 64).unwrap())
}

/// Occupies the writer thread until the returned sender is used or dropped.
async fn hold(writer: &Arc<Writer>) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started, running) = oneshot::channel();
    let mut started = Some(started);
    let w = Arc::clone(writer);
    let task = tokio::spawn(async move {
        w.write(move |_| {
            if let Some(started) = started.take() {
                let _ = started.send(());
            }
            let _ = released.recv();
            Ok(())
        })
        .await
        .unwrap();
    });
    running.await.unwrap();
    (release, task)
}

/// Spawns a write call that runs `op`; [`until_queued`] tells when it is sent.
fn spawn_write<F>(
    writer: &Arc<Writer>,
    op: F,
) -> tokio::task::JoinHandle<Result<(), offload_store::StoreError>>
where
    F: FnMut(&Connection) -> DbResult<()> + Send + 'static,
{
    let w = Arc::clone(writer);
    tokio::spawn(async move { w.write(op).await })
}

/// Yields until `n` calls wait in the channel: a condition, not a timed wait.
async fn until_queued(writer: &Writer, n: usize) {
    while writer.queued() < n {
        tokio::task::yield_now().await;
    }
}

fn insert(n: i64) -> impl FnMut(&Connection) -> DbResult<()> + Send + 'static {
    move |conn| {
        conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
        Ok(())
    }
}

async fn rows(writer: &Writer) -> Vec<i64> {
    writer
        .write(|conn| {
            let mut stmt = conn.prepare("SELECT n FROM t ORDER BY n")?;
            let rows = stmt.query_map([], |row| row.get(0))?;
            Ok(rows.collect::<Result<Vec<i64>, _>>()?)
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn pending_calls_commit_in_one_group() {
    let writer = writer();
    let (release, holder) = hold(&writer).await;
    let calls: Vec<_> = (0..10).map(|n| spawn_write(&writer, insert(n))).collect();
    until_queued(&writer, 10).await;
    release.send(()).unwrap();
    holder.await.unwrap();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        writer.stats(),
        WriterStats {
            groups: 2,
            calls: 11
        }
    );
    assert_eq!(rows(&writer).await, (0..10).collect::<Vec<_>>());
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_call_rolls_back_alone() {
    let writer = writer();
    let (release, holder) = hold(&writer).await;
    let ok_before = spawn_write(&writer, insert(1));
    let failing = spawn_write(&writer, |conn| {
        conn.execute("INSERT INTO t (n) VALUES (2)", [])?;
        Err(DbError::Corrupt("the test fails this call".into()))
    });
    let ok_after = spawn_write(&writer, insert(3));
    until_queued(&writer, 3).await;
    release.send(()).unwrap();
    holder.await.unwrap();
    ok_before.await.unwrap().unwrap();
    let err = failing.await.unwrap().unwrap_err();
    assert!(
        err.to_string().contains("the test fails this call"),
        "{err}"
    );
    ok_after.await.unwrap().unwrap();
    assert_eq!(writer.stats().groups, 2, "all three shared one group");
    assert_eq!(rows(&writer).await, vec![1, 3]);
}
