//! The single writer: one thread owns the only read-write connection and commits
//! every write call in groups.
//!
//! SQLite allows one writer at a time, and a commit in `synchronous=FULL` costs an
//! `fsync`. Rather than have many connections queue on the lock and sync once per
//! job, every write call is sent here as a closure. The thread takes everything
//! that is pending, runs it in ONE transaction, commits, and only then answers each
//! caller. An answer therefore always means "durable".
//!
//! Each call must stay atomic on its own: a call that fails (a key conflict, say)
//! must undo its own writes and none of its neighbours'. Savepoints give that, but
//! they cost a copy of every page a call touches. So the group first runs without
//! them; only if some call fails is the whole transaction rolled back and the group
//! run again with one savepoint per call. Calls are therefore `FnMut`: the slow
//! path may run a call twice, and only the second run's effects and answer count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use offload_store::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::error::DbResult;

/// One write call, erased, with the answer of its latest run.
trait Call: Send {
    /// Runs the call in the open transaction; returns whether it succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Runs the call inside its own savepoint, so a failure undoes only its writes.
    fn run_alone(&mut self, conn: &Connection);
    /// Answers the caller: the kept result, or `failed` if the group did not commit.
    fn answer(self: Box<Self>, failed: Option<&rusqlite::Error>);
}

/// A typed call: the closure, its latest result, and where to send it.
struct Pending<T, F> {
    op: F,
    result: Option<DbResult<T>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Call for Pending<T, F>
where
    T: Send + 'static,
    F: FnMut(&Connection) -> DbResult<T> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let result = (self.op)(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn run_alone(&mut self, conn: &Connection) {
        self.result = Some(in_savepoint(conn, &mut self.op));
    }

    fn answer(self: Box<Self>, failed: Option<&rusqlite::Error>) {
        let answer = match (failed, self.result) {
            (Some(err), _) => Err(StoreError::Unavailable(format!(
                "write group failed: {err}"
            ))),
            (None, Some(result)) => result.map_err(StoreError::from),
            (None, None) => Err(StoreError::Internal("write call was never run".into())),
        };
        // The caller may have gone away (its future was dropped); the write is
        // committed all the same, which is what at-least-once needs.
        let _ = self.reply.send(answer);
    }
}

type WriteOp = Box<dyn Call>;

/// How much grouping the writer achieved, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Transactions committed (or attempted).
    pub groups: u64,
    /// Write calls run in those transactions.
    pub calls: u64,
}

/// The counters behind [`WriterStats`], shared with the thread.
#[derive(Debug, Default)]
struct Counters {
    groups: AtomicU64,
    calls: AtomicU64,
}

/// The handle that sends write calls to the writer thread.
#[derive(Debug)]
pub(crate) struct Writer {
    sender: Option<mpsc::Sender<WriteOp>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl Writer {
    /// Starts the writer thread on `conn`, committing at most `max_batch` calls at once.
    pub(crate) fn start(conn: Connection, max_batch: usize) -> std::io::Result<Writer> {
        let (sender, receiver) = mpsc::channel(max_batch.max(1) * 4);
        let counters = Arc::new(Counters::default());
        let shared = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name("offload-sqlite-writer".into())
            .spawn(move || run(&conn, receiver, max_batch.max(1), &shared))?;
        Ok(Writer {
            sender: Some(sender),
            thread: Some(thread),
            counters,
        })
    }

    /// Calls sent but not yet taken by the thread.
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.sender
            .as_ref()
            .map_or(0, |s| s.max_capacity() - s.capacity())
    }

    /// Groups and calls so far.
    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            groups: self.counters.groups.load(Ordering::Relaxed),
            calls: self.counters.calls.load(Ordering::Relaxed),
        }
    }

    /// Runs `op` in the next group transaction and returns its result once committed.
    ///
    /// `op` may run twice (see the module docs); only the last run counts.
    pub(crate) async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> DbResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let call: WriteOp = Box::new(Pending {
            op,
            result: None,
            reply,
        });
        let sender = self.sender.as_ref().ok_or_else(stopped)?;
        sender.send(call).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    /// Closes the channel and waits for the thread, so every accepted write is
    /// committed and the file is closed before the store is gone.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the sqlite writer thread has stopped".into())
}

/// The thread's loop: block for one call, take all that are pending, commit them.
fn run(
    conn: &Connection,
    mut receiver: mpsc::Receiver<WriteOp>,
    max_batch: usize,
    counters: &Counters,
) {
    let mut batch: Vec<WriteOp> = Vec::with_capacity(max_batch);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        counters.groups.fetch_add(1, Ordering::Relaxed);
        counters
            .calls
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        commit_group(conn, std::mem::take(&mut batch));
    }
}

/// Runs a group of calls in one transaction and answers each after the commit.
fn commit_group(conn: &Connection, mut calls: Vec<WriteOp>) {
    let outcome = run_group(conn, &mut calls).and_then(|()| conn.execute_batch("COMMIT"));
    if outcome.is_err() && !conn.is_autocommit() {
        // A failed statement or COMMIT may leave the transaction open; without
        // this the next group's BEGIN would fail too.
        let _ = conn.execute_batch("ROLLBACK");
    }
    let failed = outcome.as_ref().err();
    calls.into_iter().for_each(|call| call.answer(failed));
}

/// Runs every call in one open transaction: all at once if they all succeed,
/// otherwise again from scratch with one savepoint per call.
fn run_group(conn: &Connection, calls: &mut [WriteOp]) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    if calls.iter_mut().all(|call| call.run(conn)) {
        return Ok(());
    }
    conn.execute_batch("ROLLBACK")?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    calls.iter_mut().for_each(|call| call.run_alone(conn));
    Ok(())
}

/// Runs `op` inside a savepoint so that its failure undoes only its own writes.
fn in_savepoint<T>(
    conn: &Connection,
    op: &mut impl FnMut(&Connection) -> DbResult<T>,
) -> DbResult<T> {
    conn.execute_batch("SAVEPOINT op")?;
    match op(conn) {
        Ok(value) => {
            conn.execute_batch("RELEASE op")?;
            Ok(value)
        }
        Err(err) => {
            conn.execute_batch("ROLLBACK TO op; RELEASE op")?;
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests;
