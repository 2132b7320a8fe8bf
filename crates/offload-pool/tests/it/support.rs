//! Helpers that hold worker threads at a known point until a test lets go.

use std::sync::Arc;

use offload_pool::{BlockingPool, JobHandle, PoolConfig};
use parking_lot::{Condvar, Mutex};
use tokio::sync::mpsc;

/// A latch that held jobs block on until the test opens it.
#[derive(Default)]
pub struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    /// Blocks the calling (worker) thread until [`Gate::open`] is called.
    pub fn wait(&self) {
        let mut open = self.open.lock();
        while !*open {
            self.opened.wait(&mut open);
        }
    }

    /// Releases every current and future waiter.
    pub fn open(&self) {
        *self.open.lock() = true;
        self.opened.notify_all();
    }
}

/// A pool plus the means to hold its workers busy.
pub struct Held {
    pub pool: BlockingPool,
    pub gate: Arc<Gate>,
    started_tx: mpsc::UnboundedSender<()>,
    started_rx: mpsc::UnboundedReceiver<()>,
}

impl Held {
    /// Builds a pool named `name` with the given size.
    pub fn new(name: &str, threads: usize, queue_capacity: usize) -> Self {
        let pool = BlockingPool::new(PoolConfig {
            name: name.to_owned(),
            threads,
            queue_capacity,
            ..PoolConfig::default()
        })
        .expect("valid test pool config");
        let (started_tx, started_rx) = mpsc::unbounded_channel();
        Self {
            pool,
            gate: Arc::default(),
            started_tx,
            started_rx,
        }
    }

    /// Submits a job that announces its start, waits on the gate, then
    /// returns `value`.
    pub fn hold<T: Send + 'static>(&self, value: T) -> JobHandle<T> {
        let gate = Arc::clone(&self.gate);
        let started = self.started_tx.clone();
        let job = move || {
            let _ = started.send(());
            gate.wait();
            value
        };
        self.pool.try_submit(job).expect("room for a held job")
    }

    /// Waits until `count` more held jobs have started running.
    pub async fn started(&mut self, count: usize) {
        for _ in 0..count {
            self.started_rx.recv().await.expect("sender kept by Held");
        }
    }

    /// Fills every thread with a running held job and the queue with queued
    /// ones; returns all their handles, running ones first.
    pub async fn fill(&mut self, threads: usize, queue_capacity: usize) -> Vec<JobHandle<usize>> {
        let mut handles: Vec<_> = (0..threads).map(|index| self.hold(index)).collect();
        self.started(threads).await;
        handles.extend((threads..threads + queue_capacity).map(|index| self.hold(index)));
        handles
    }
}
