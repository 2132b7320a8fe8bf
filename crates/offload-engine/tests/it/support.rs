//! The test fixture: an engine on a fresh data dir that is removed on drop.

use std::sync::Arc;
use std::time::Duration;

use offload_core::{Clock, JobId, JobSpec, ManualClock, StateName, Timestamp};
use offload_engine::{Engine, EngineConfig, JobEvent, Submission, SystemClock};
use offload_sandbox::{Sandbox, SandboxConfig};
use offload_sqlite::{SqliteConfig, SqliteStore};
use offload_store::Store;
use tokio::sync::broadcast;

/// Long enough for any honest wait on this machine; a test that hits it has failed.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// An engine over a temporary directory.
pub struct Fixture {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub clock: Option<Arc<ManualClock>>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// An engine on the system clock.
    pub fn new(config: EngineConfig) -> Fixture {
        Self::build(config, None)
    }

    /// An engine on a clock the test moves.
    pub fn with_manual_clock(config: EngineConfig) -> Fixture {
        let clock = Arc::new(ManualClock::at(SystemClock.now()));
        Self::build(config, Some(clock))
    }

    /// An engine whose sandbox stays at T0, for tests whose jobs must reach host
    /// files (T1's read-only root hides them by design).
    pub fn at_t0(config: EngineConfig) -> Fixture {
        Self::build_with(config, None, Some(offload_sandbox::Tier::T0))
    }

    fn build(config: EngineConfig, manual: Option<Arc<ManualClock>>) -> Fixture {
        Self::build_with(config, manual, None)
    }

    fn build_with(
        config: EngineConfig,
        manual: Option<Arc<ManualClock>>,
        max_tier: Option<offload_sandbox::Tier>,
    ) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&dir.path().join("db.sqlite"), SqliteConfig::default()).unwrap(),
        );
        let sandbox = Sandbox::new(SandboxConfig {
            work_root: dir.path().join("work"),
            max_tier,
            ..SandboxConfig::default()
        })
        .unwrap();
        let clock: Arc<dyn Clock> = match &manual {
            Some(c) => c.clone(),
            None => Arc::new(SystemClock),
        };
        let engine = Engine::start(store.clone(), Arc::new(sandbox), clock, config);
        Fixture {
            engine,
            store,
            clock: manual,
            _dir: dir,
        }
    }

    /// Submits one spec and returns its id.
    pub async fn submit(&self, spec: JobSpec) -> JobId {
        let inserted = self
            .engine
            .submit(vec![Submission {
                spec,
                dedupe: false,
            }])
            .await
            .unwrap();
        inserted[0].id
    }

    /// Waits until the job is terminal and returns it.
    pub async fn finish(&self, id: JobId) -> offload_core::Job {
        let job = self.engine.wait(id, PATIENCE).await.unwrap();
        assert!(
            job.state.name().is_terminal(),
            "job {id} did not finish: {:?}",
            job.state
        );
        job
    }

    /// The time on the fixture's clock.
    pub fn now(&self) -> Timestamp {
        self.clock
            .as_ref()
            .map_or_else(|| SystemClock.now(), |c| c.now())
    }
}

/// A config for tests: small, with maintenance on.
pub fn config(slots: usize) -> EngineConfig {
    EngineConfig {
        slots,
        ..EngineConfig::default()
    }
}

/// A spec running `argv` with no retries.
pub fn cmd(argv: &[&str]) -> JobSpec {
    let mut spec = JobSpec {
        command: argv.iter().map(|s| s.to_string()).collect(),
        ..JobSpec::default()
    };
    spec.retry.max_retries = 0;
    spec
}

/// Waits for `id` to enter `state` on the bus.
pub async fn until_state(events: &mut broadcast::Receiver<JobEvent>, id: JobId, state: StateName) {
    let wait = async {
        loop {
            match events.recv().await.unwrap() {
                JobEvent::State { id: got, state: s } if got == id && s == state => return,
                _ => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .expect("state event never came");
}
