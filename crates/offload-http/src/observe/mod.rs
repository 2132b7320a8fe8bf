//! What the server watches about itself: the event journal for resumable streams,
//! queue depth, event-loop lag and the Prometheus registry that exports them.
//!
//! The engine's own counters live in `offload_engine::metrics`; this module adds
//! the ones only a server has, under these names (also in `docs/metrics.md`):
//! - `offload_queue_depth{queue,state}`: waiting and running jobs, from events;
//! - `offload_sandbox_tier_info{tier}`: 1 for the isolation tier jobs run under;
//! - `offload_event_loop_lag_seconds`: how late the runtime woke a probe task.

mod depth;
mod journal;

use std::sync::Arc;
use std::time::Duration;

use offload_engine::{Engine, JobEvent};
use offload_pool::{LagProbe, LagProbeConfig, LagStats};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

pub(crate) use self::depth::Depths;
pub use self::journal::JournalConfig;
pub(crate) use self::journal::{Entry, Journal};
use crate::routes::stream_event;

/// How the server observes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObserveConfig {
    /// What the event journal keeps for resuming streams.
    pub journal: JournalConfig,
    /// How often queue depth is re-read from the store to correct any drift.
    pub depth_resync: Duration,
    /// How the event-loop lag probe samples.
    pub lag: LagProbeConfig,
    /// The sandbox's isolation tier, exported as `offload_sandbox_tier_info`.
    pub sandbox_tier: Option<String>,
    /// The name `/v1/stats` gives this server's worker (`host-pid`).
    pub worker: String,
}

impl Default for ObserveConfig {
    fn default() -> Self {
        ObserveConfig {
            journal: JournalConfig::default(),
            depth_resync: Duration::from_secs(60),
            lag: LagProbeConfig::default(),
            sandbox_tier: None,
            worker: "local".to_owned(),
        }
    }
}

/// Labels of `offload_sandbox_tier_info`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TierLabel {
    tier: String,
}

/// The running observers of one server; their tasks stop when it is dropped.
pub(crate) struct Observer {
    pub(crate) journal: Arc<Journal>,
    pub(crate) depths: Arc<Depths>,
    lag: Option<LagProbe>,
    pub(crate) registry: Registry,
    tasks: Vec<JoinHandle<()>>,
}

impl Observer {
    /// Starts observing `engine`. Outside a tokio runtime nothing is started and
    /// the observer stays empty, which only tests of pure routing do.
    pub(crate) fn start(engine: &Engine, config: &ObserveConfig) -> Observer {
        let journal = Arc::new(Journal::new(config.journal));
        let depths = Arc::new(Depths::default());
        let mut observer = Observer {
            journal: journal.clone(),
            depths: depths.clone(),
            lag: None,
            registry: Registry::default(),
            tasks: Vec::new(),
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let events = engine.subscribe();
            observer
                .tasks
                .push(tokio::spawn(feed_journal(events, journal)));
            // Subscribing here, not in the task, means no event is missed while
            // the task waits to be first scheduled.
            let depth_events = engine.subscribe();
            let depth_task = depth::run(engine.clone(), depths, config.depth_resync, depth_events);
            observer.tasks.push(tokio::spawn(depth_task));
            observer.lag = LagProbe::start(config.lag.clone()).ok();
        }
        observer.register(engine, config);
        observer
    }

    fn register(&mut self, engine: &Engine, config: &ObserveConfig) {
        engine.metrics().register(&mut self.registry);
        self.registry.register(
            "offload_queue_depth",
            "Waiting and running jobs by queue and state",
            self.depths.gauges.clone(),
        );
        if let Some(tier) = &config.sandbox_tier {
            let family = Family::<TierLabel, Gauge>::default();
            family
                .get_or_create(&TierLabel { tier: tier.clone() })
                .set(1);
            self.registry.register(
                "offload_sandbox_tier_info",
                "The sandbox isolation tier jobs run under",
                family,
            );
        }
        if let Some(lag) = &self.lag {
            lag.register_metrics(&mut self.registry);
        }
    }

    /// Event-loop lag quantiles, when the probe runs.
    pub(crate) fn lag(&self) -> Option<LagStats> {
        self.lag.as_ref().map(LagProbe::stats)
    }

    /// The registry in the OpenMetrics text format.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Copies every engine event into the journal, numbered, until the bus closes.
async fn feed_journal(
    mut events: tokio::sync::broadcast::Receiver<JobEvent>,
    journal: Arc<Journal>,
) {
    loop {
        match events.recv().await {
            Ok(event) => {
                let (job, body) = stream_event(&event);
                journal.push(job, body);
            }
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "event journal lagged; resuming streams may miss events"
                );
            }
            Err(RecvError::Closed) => return,
        }
    }
}
