//! [`HttpPublisher`]: results posted to an offload server's
//! `POST /v1/experiments/{name}/results` (feature `http`).
//!
//! The server compares, stores a sample of the mismatches and shows them on its
//! dashboard, so many processes' results land in one place. Posting must never
//! slow or fail the service, so [`Publisher::publish`] only offers the result to
//! a bounded queue with `try_send` and returns; a full queue drops the result
//! and counts it. One thread of its own, with a small runtime, drains the queue
//! and posts one result at a time with a timeout; a failed post is counted and
//! its message kept, never retried, never reported to the caller.
//!
//! The publisher speaks the wire format only, through reqwest: it depends on no
//! server crate. For `https://` URLs, enable one of reqwest's TLS features in
//! the service's own `Cargo.toml`.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use reqwest::Url;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::error::PublishError;
use crate::outcome::Outcome;
use crate::publish::Publisher;
use crate::result::ExperimentResult;

/// Where and how an [`HttpPublisher`] posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPublisherConfig {
    /// The server's base URL, such as `http://127.0.0.1:8787`.
    pub url: String,
    /// The server's API token, sent as `Authorization: Bearer`.
    pub token: String,
    /// How many results may wait to be posted; more are dropped and counted.
    pub queue: usize,
    /// How long one post may take before it counts as failed.
    pub timeout: Duration,
}

impl Default for HttpPublisherConfig {
    fn default() -> Self {
        HttpPublisherConfig {
            url: "http://127.0.0.1:8787".to_owned(),
            token: String::new(),
            queue: 1024,
            timeout: Duration::from_secs(5),
        }
    }
}

/// What an [`HttpPublisher`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpPublisherStats {
    /// Results queued for posting.
    pub queued: u64,
    /// Results the server accepted.
    pub sent: u64,
    /// Posts that failed (unreachable, timed out, or refused by the server).
    pub failed: u64,
    /// Results dropped because the queue was full.
    pub dropped: u64,
    /// Results not posted because no candidate was judged (all skipped).
    pub unjudged: u64,
}

/// One result ready to post: the URL and the body.
struct Post {
    url: Url,
    body: Value,
}

/// What the caller's side and the posting thread share.
struct Shared {
    stats: watch::Sender<HttpPublisherStats>,
    last_error: Mutex<Option<String>>,
}

/// A [`Publisher`] that posts results to an offload server, off the caller's path.
pub struct HttpPublisher {
    base: Url,
    sender: mpsc::Sender<Post>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HttpPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of debug output, and so out of logs.
        f.debug_struct("HttpPublisher")
            .field("base", &self.base.as_str())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl HttpPublisher {
    /// Starts the posting thread. Fails only for a URL that is not `http(s)://`,
    /// a zero-sized queue, or a thread that cannot start.
    pub fn start(config: &HttpPublisherConfig) -> Result<HttpPublisher, PublishError> {
        let bad = |message: String| PublishError { message };
        let base =
            Url::parse(&config.url).map_err(|e| bad(format!("url {:?}: {e}", config.url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(bad(format!(
                "url {:?}: must be http:// or https://",
                config.url
            )));
        }
        if config.queue == 0 {
            return Err(bad("queue: must be at least 1".to_owned()));
        }
        let (sender, receiver) = mpsc::channel(config.queue);
        let shared = Arc::new(Shared {
            stats: watch::channel(HttpPublisherStats::default()).0,
            last_error: Mutex::new(None),
        });
        let worker = Worker::new(config, Arc::clone(&shared))?;
        std::thread::Builder::new()
            .name("offload-experiment-http".to_owned())
            .spawn(move || worker.run(receiver))
            .map_err(|e| bad(format!("cannot start the posting thread: {e}")))?;
        Ok(HttpPublisher {
            base,
            sender,
            shared,
        })
    }

    /// The counters so far.
    pub fn stats(&self) -> HttpPublisherStats {
        *self.shared.stats.borrow()
    }

    /// Why the latest failed post failed, if one did.
    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().clone()
    }

    /// Waits, without polling, until the counters satisfy `done`, and returns them.
    pub async fn wait_until(
        &self,
        done: impl Fn(&HttpPublisherStats) -> bool,
    ) -> HttpPublisherStats {
        let mut receiver = self.shared.stats.subscribe();
        // The sender lives in `self.shared`, so the channel cannot close while we wait.
        let _ = receiver.wait_for(|stats| done(stats)).await;
        self.stats()
    }

    /// Queues `result` if it has a judged candidate; never blocks.
    fn offer(&self, result: &ExperimentResult) {
        let Some(body) = judged_body(result) else {
            self.shared.stats.send_modify(|s| s.unjudged += 1);
            return;
        };
        let url = results_url(&self.base, &result.experiment);
        match self.sender.try_send(Post { url, body }) {
            Ok(()) => self.shared.stats.send_modify(|s| s.queued += 1),
            Err(_) => self.shared.stats.send_modify(|s| s.dropped += 1),
        }
    }
}

impl Publisher for HttpPublisher {
    /// Offers the result to the queue and returns at once; a full queue drops
    /// it and counts it, so this never fails.
    fn publish(&self, result: &ExperimentResult) -> Result<(), PublishError> {
        self.offer(result);
        Ok(())
    }
}

/// `{base}/v1/experiments/{name}/results`, the name as one encoded path segment.
fn results_url(base: &Url, experiment: &str) -> Url {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["v1", "experiments", experiment, "results"]);
    }
    url
}

/// The wire body of `result` without the candidates that were skipped (not
/// run, or not judged), or `None` when none is left: the server would read a
/// skipped candidate's missing value as a mismatch.
fn judged_body(result: &ExperimentResult) -> Option<Value> {
    let mut body = result.http_body();
    let judged: Vec<bool> = result
        .candidates
        .iter()
        .map(|c| !matches!(c.outcome, Outcome::Skipped { .. }))
        .collect();
    let candidates = body.get_mut("candidates")?.as_array_mut()?;
    let mut keep = judged.iter();
    candidates.retain(|_| keep.next().copied().unwrap_or(false));
    (!candidates.is_empty()).then_some(body)
}

/// The posting thread: a client and a small runtime of its own.
struct Worker {
    client: reqwest::Client,
    token: String,
    shared: Arc<Shared>,
}

impl Worker {
    fn new(config: &HttpPublisherConfig, shared: Arc<Shared>) -> Result<Worker, PublishError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| PublishError {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Worker {
            client,
            token: config.token.clone(),
            shared,
        })
    }

    /// Posts every queued result until every sender is gone.
    fn run(self, mut receiver: mpsc::Receiver<Post>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let Ok(runtime) = runtime else {
            *self.shared.last_error.lock() = Some("cannot start the posting runtime".to_owned());
            return;
        };
        runtime.block_on(async {
            while let Some(post) = receiver.recv().await {
                let outcome = self.post(post).await;
                self.count(outcome);
            }
        });
    }

    async fn post(&self, post: Post) -> Result<(), String> {
        let response = self
            .client
            .post(post.url.clone())
            .bearer_auth(&self.token)
            .json(&post.body)
            .send()
            .await
            .map_err(|e| format!("POST {}: {e}", post.url))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(format!("POST {}: {status}: {text}", post.url))
    }

    fn count(&self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.shared.stats.send_modify(|s| s.sent += 1),
            Err(message) => {
                *self.shared.last_error.lock() = Some(message);
                self.shared.stats.send_modify(|s| s.failed += 1);
            }
        }
    }
}
