//! The attempts this engine is running now, so they can be stopped and heartbeated,
//! and the last progress each reported, so a reader sees how far a job is.

use std::collections::HashMap;

use offload_core::JobId;
use offload_sandbox::Progress;
use offload_store::Heartbeat;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Why a running attempt was stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// A user cancelled the job.
    Cancel,
    /// The server is shutting down; the job is re-queued.
    Shutdown,
    /// Another party owns the job now; this attempt must not complete it.
    LeaseLost,
}

/// One running attempt.
#[derive(Debug)]
struct Entry {
    attempt: u32,
    token: CancellationToken,
    reason: Option<StopReason>,
    progress: Option<Progress>,
}

/// The registry of running attempts.
#[derive(Debug, Default)]
pub(crate) struct Running {
    entries: Mutex<HashMap<JobId, Entry>>,
    emptied: Notify,
}

impl Running {
    /// Registers an attempt and returns the token that stops it.
    pub(crate) fn insert(&self, id: JobId, attempt: u32) -> CancellationToken {
        let token = CancellationToken::new();
        let entry = Entry {
            attempt,
            token: token.clone(),
            reason: None,
            progress: None,
        };
        self.entries.lock().insert(id, entry);
        token
    }

    /// Removes an attempt and returns why it was stopped, if it was.
    pub(crate) fn remove(&self, id: JobId) -> Option<StopReason> {
        let mut entries = self.entries.lock();
        let reason = entries.remove(&id).and_then(|e| e.reason);
        if entries.is_empty() {
            self.emptied.notify_waiters();
        }
        reason
    }

    /// Stops one attempt; the first reason given wins. Returns whether it was running here.
    pub(crate) fn stop(&self, id: JobId, reason: StopReason) -> bool {
        let mut entries = self.entries.lock();
        let Some(entry) = entries.get_mut(&id) else {
            return false;
        };
        entry.reason.get_or_insert(reason);
        entry.token.cancel();
        true
    }

    /// Records the latest progress of an attempt, if that attempt still runs here.
    pub(crate) fn set_progress(&self, id: JobId, attempt: u32, progress: &Progress) {
        if let Some(entry) = self.entries.lock().get_mut(&id)
            && entry.attempt == attempt
        {
            entry.progress = Some(progress.clone());
        }
    }

    /// The latest progress of a job running here, with the attempt that reported it.
    pub(crate) fn progress(&self, id: JobId) -> Option<(u32, Progress)> {
        let entries = self.entries.lock();
        let entry = entries.get(&id)?;
        Some((entry.attempt, entry.progress.clone()?))
    }

    /// Stops every attempt.
    pub(crate) fn stop_all(&self, reason: StopReason) {
        for entry in self.entries.lock().values_mut() {
            entry.reason.get_or_insert(reason);
            entry.token.cancel();
        }
    }

    /// The leases to renew.
    pub(crate) fn heartbeats(&self) -> Vec<Heartbeat> {
        let entries = self.entries.lock();
        entries
            .iter()
            .map(|(id, e)| Heartbeat {
                id: *id,
                attempt: e.attempt,
            })
            .collect()
    }

    /// How many attempts run now.
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// Resolves once no attempt runs.
    pub(crate) async fn wait_empty(&self) {
        loop {
            let emptied = self.emptied.notified();
            if self.len() == 0 {
                return;
            }
            emptied.await;
        }
    }
}
