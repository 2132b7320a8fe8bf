//! Publishing results off the hot path.
//!
//! Results go into a bounded channel with `try_send`; a full channel drops the
//! result and counts it instead of blocking or growing. One plain OS thread
//! drains the channel into the [`Publisher`], so a slow or panicking publisher
//! never touches the caller or the async runtime. Publisher errors and panics
//! go to the `on_internal_error` hook.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::error::{InternalError, Operation, PublishError, panic_message};
use crate::result::ExperimentResult;

/// Receives every published result, on the publishing thread.
pub trait Publisher: Send + Sync + 'static {
    /// Handles one result; an error is reported to `on_internal_error`.
    fn publish(&self, result: &ExperimentResult) -> Result<(), PublishError>;
}

impl<P: Publisher + ?Sized> Publisher for Arc<P> {
    fn publish(&self, result: &ExperimentResult) -> Result<(), PublishError> {
        (**self).publish(result)
    }
}

/// The callback for errors inside the library.
pub type InternalErrorHook = Arc<dyn Fn(&InternalError) + Send + Sync>;

/// A publisher that keeps results in memory, for tests.
#[derive(Debug)]
pub struct MemoryPublisher {
    results: Mutex<Vec<ExperimentResult>>,
    count: watch::Sender<usize>,
}

impl Default for MemoryPublisher {
    fn default() -> Self {
        MemoryPublisher {
            results: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
        }
    }
}

impl MemoryPublisher {
    /// A copy of every result published so far.
    pub fn results(&self) -> Vec<ExperimentResult> {
        self.results.lock().clone()
    }

    /// Waits, without polling or sleeping, until at least `count` results
    /// have arrived, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<ExperimentResult> {
        let mut receiver = self.count.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = receiver.wait_for(|published| *published >= count).await;
        self.results()
    }
}

impl Publisher for MemoryPublisher {
    fn publish(&self, result: &ExperimentResult) -> Result<(), PublishError> {
        let mut results = self.results.lock();
        results.push(result.clone());
        self.count.send_replace(results.len());
        Ok(())
    }
}

/// The sending side of the publish channel.
pub(crate) struct PublishQueue {
    sender: SyncSender<ExperimentResult>,
    dropped: AtomicU64,
}

impl PublishQueue {
    /// Starts the publishing thread with a channel of `capacity` results.
    pub(crate) fn start(
        capacity: usize,
        publisher: Box<dyn Publisher>,
        hook: InternalErrorHook,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = sync_channel(capacity);
        std::thread::Builder::new()
            .name("offload-experiment-publish".to_owned())
            .spawn(move || drain(&receiver, publisher.as_ref(), &hook))?;
        Ok(PublishQueue {
            sender,
            dropped: AtomicU64::new(0),
        })
    }

    /// Hands a result over without ever blocking; counts it when the
    /// channel is full.
    pub(crate) fn try_publish(&self, result: ExperimentResult) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            self.sender.try_send(result)
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many results were dropped because the channel was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The publishing thread's loop; it ends when every sender is gone.
fn drain(
    receiver: &Receiver<ExperimentResult>,
    publisher: &dyn Publisher,
    hook: &InternalErrorHook,
) {
    for result in receiver {
        let outcome = catch_unwind(AssertUnwindSafe(|| publisher.publish(&result)));
        let message = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(error)) => error.to_string(),
            Err(payload) => format!("publisher panicked: {}", panic_message(payload.as_ref())),
        };
        report(hook, &result.experiment, Operation::Publish, message);
    }
}

/// Calls the hook, shielding the library from a panicking hook.
pub(crate) fn report(
    hook: &InternalErrorHook,
    experiment: &str,
    operation: Operation,
    message: String,
) {
    let error = InternalError {
        experiment: experiment.to_owned(),
        operation,
        message,
    };
    let _ = catch_unwind(AssertUnwindSafe(|| hook(&error)));
}
