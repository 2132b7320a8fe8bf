//! LISTEN/NOTIFY: wake a node the moment work arrives or a cancel is requested,
//! instead of at its next poll.
//!
//! Inserts, promotions and dead-letter retries notify `<schema>_jobs` with the
//! queue name; a kill request notifies `<schema>_cancel` with the job id. Both
//! are sent inside the writing transaction, so PostgreSQL delivers them only if
//! it commits. [`PostgresStore::subscribe`] starts (once per store) a task that
//! holds one dedicated connection, LISTENs on both channels and broadcasts each
//! notification as a [`Notification`].
//!
//! Notifications are a hint, not a queue: one sent while the listener is
//! reconnecting is lost. So the listener says [`Notification::Connected`] each
//! time it is (again) listening, and a subscriber must poll once then. Engines
//! keep their poll loop as the fallback and use notifications only to poll early.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use offload_core::{JobId, QueueName};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::store::PostgresStore;

/// How many notifications a slow subscriber may fall behind before it sees
/// `RecvError::Lagged` (and should poll).
const CAPACITY: usize = 1024;

/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Something another node (or this one) did that is worth waking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// The listener is listening, for the first time or after a reconnection.
    /// Notifications sent before may have been missed: poll once now.
    Connected,
    /// The listener lost its connection; it reconnects by itself.
    Disconnected,
    /// Runnable jobs arrived in this queue.
    JobsAvailable(QueueName),
    /// A cancel was requested for this running job; its worker should kill it.
    CancelRequested(JobId),
}

/// The broadcast side of the listener, shared by every clone of a store.
#[derive(Debug)]
pub(crate) struct Listener {
    sender: broadcast::Sender<Notification>,
    task: Mutex<Option<AbortOnDrop>>,
    /// The same notifications in the engine's vocabulary, made on first use.
    mapped: Mutex<Option<broadcast::Sender<offload_store::Notification>>>,
}

impl Default for Listener {
    fn default() -> Self {
        Listener {
            sender: broadcast::channel(CAPACITY).0,
            task: Mutex::new(None),
            mapped: Mutex::new(None),
        }
    }
}

/// Stops the listening task when the last clone of the store is dropped.
#[derive(Debug)]
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl PostgresStore {
    /// Notifications from every node, starting the listening connection on the
    /// first call. Must be called within a tokio runtime.
    ///
    /// The first message a new subscriber sees from a new listener is
    /// [`Notification::Connected`]; a subscriber that joins later should poll
    /// once on its own.
    pub fn subscribe(&self) -> broadcast::Receiver<Notification> {
        let listener = self.listener();
        let receiver = listener.sender.subscribe();
        let mut task = listener
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if task.is_none() {
            let run = listen_forever(
                self.pg_config().clone(),
                self.config().clone(),
                listener.sender.clone(),
            );
            *task = Some(AbortOnDrop(tokio::spawn(run)));
        }
        receiver
    }
}

/// Listens, and reconnects with a growing pause whenever the connection is lost.
async fn listen_forever(
    pg: tokio_postgres::Config,
    config: crate::PostgresConfig,
    sender: broadcast::Sender<Notification>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let connected = session(&pg, &config, &sender).await;
        let _ = sender.send(Notification::Disconnected);
        backoff = if connected {
            Duration::from_millis(100)
        } else {
            (backoff * 2).min(MAX_BACKOFF)
        };
        // A pause between attempts, so a server that is down is not hammered.
        tokio::time::sleep(backoff).await;
    }
}

/// One connection's life: LISTEN, then forward notifications until it ends.
/// Returns whether it got as far as listening.
async fn session(
    pg: &tokio_postgres::Config,
    config: &crate::PostgresConfig,
    sender: &broadcast::Sender<Notification>,
) -> bool {
    let Ok(Ok((client, mut connection))) =
        tokio::time::timeout(config.connect_timeout, pg.connect(NoTls)).await
    else {
        return false;
    };
    let listening = AtomicBool::new(false);
    let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
    let listen = async {
        let schema = &config.schema;
        let sql = format!("LISTEN {schema}_jobs; LISTEN {schema}_cancel");
        if client.batch_execute(&sql).await.is_ok() {
            listening.store(true, Ordering::Relaxed);
            let _ = sender.send(Notification::Connected);
            // Keep the client (and so the connection) alive while messages flow.
            std::future::pending::<()>().await;
        }
    };
    let forward = async {
        while let Some(Ok(message)) = messages.next().await {
            let AsyncMessage::Notification(n) = message else {
                continue;
            };
            if let Some(parsed) = parse(&config.schema, n.channel(), n.payload()) {
                let _ = sender.send(parsed);
            }
        }
    };
    tokio::select! {
        () = listen => {}
        () = forward => {}
    }
    listening.load(Ordering::Relaxed)
}

/// The notification for a payload on one of the store's channels.
fn parse(schema: &str, channel: &str, payload: &str) -> Option<Notification> {
    let kind = channel.strip_prefix(schema)?.strip_prefix('_')?;
    match kind {
        "jobs" => QueueName::new(payload)
            .ok()
            .map(Notification::JobsAvailable),
        "cancel" => payload
            .parse()
            .ok()
            .map(|id| Notification::CancelRequested(JobId(id))),
        _ => None,
    }
}

impl PostgresStore {
    /// The notifications as the engine sees them (`offload_store::Notification`),
    /// for `Store::subscribe`. A reconnection may have missed notifications, so it
    /// is reported as `Lagged`, which makes workers poll once.
    pub(crate) fn store_notifications(&self) -> broadcast::Receiver<offload_store::Notification> {
        let listener = self.listener();
        let mut mapped = listener
            .mapped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = mapped.as_ref() {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(CAPACITY);
        tokio::spawn(forward(self.subscribe(), sender.clone()));
        *mapped = Some(sender);
        receiver
    }
}

/// Translates the listener's notifications until the listener goes away.
async fn forward(
    mut source: broadcast::Receiver<Notification>,
    sink: broadcast::Sender<offload_store::Notification>,
) {
    use offload_store::Notification as Engine;
    loop {
        let mapped = match source.recv().await {
            Ok(Notification::JobsAvailable(_)) => Engine::JobsAvailable,
            Ok(Notification::CancelRequested(id)) => Engine::CancelRequested(id),
            Ok(Notification::Connected | Notification::Disconnected) => Engine::Lagged,
            Err(broadcast::error::RecvError::Lagged(_)) => Engine::Lagged,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        // Nobody listening is fine: the engine subscribes when it starts.
        let _ = sink.send(mapped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_parsed_by_channel() {
        let queue = QueueName::new("gpu").unwrap();
        assert_eq!(
            parse("offload", "offload_jobs", "gpu"),
            Some(Notification::JobsAvailable(queue))
        );
        assert_eq!(
            parse("offload", "offload_cancel", "42"),
            Some(Notification::CancelRequested(JobId(42)))
        );
        assert_eq!(parse("offload", "offload_cancel", "x"), None);
        assert_eq!(parse("offload", "other_jobs", "gpu"), None);
        assert_eq!(parse("offload", "offload_jobs", "bad/queue"), None);
    }
}
