//! The [`Lab`] holds what all experiments of a process share: the shadow
//! runtime that detached candidates run on, the global in-flight cap, and the
//! publishing thread.

use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};
use tokio::sync::Semaphore;

use crate::error::BuildError;
use crate::experiment::ExperimentBuilder;
use crate::publish::{InternalErrorHook, MemoryPublisher, PublishQueue, Publisher};

/// Where detached candidates run.
#[derive(Debug, Clone, Default)]
pub enum ShadowRuntime {
    /// The tokio runtime that is current when the lab is built.
    #[default]
    Current,
    /// A runtime of its own with this many worker threads, so CPU-heavy or
    /// blocking candidates cannot steal the control's workers.
    Dedicated {
        /// Worker threads, 1 to 256.
        threads: usize,
    },
    /// A runtime the application already owns.
    Handle(Handle),
}

/// Sizes of the lab's shared resources.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// The most candidates in flight across all experiments.
    pub max_in_flight: usize,
    /// The most results waiting for the publisher before new ones are dropped.
    pub publish_capacity: usize,
    /// Where detached candidates run.
    pub shadow_runtime: ShadowRuntime,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            max_in_flight: 256,
            publish_capacity: 4_096,
            shadow_runtime: ShadowRuntime::Current,
        }
    }
}

/// A dedicated runtime that is shut down without blocking, because dropping a
/// runtime inside async code would panic.
struct OwnedRuntime(Option<Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

pub(crate) struct LabInner {
    pub(crate) handle: Handle,
    pub(crate) global: Arc<Semaphore>,
    pub(crate) queue: PublishQueue,
    pub(crate) hook: InternalErrorHook,
    _runtime: OwnedRuntime,
}

/// Shared state of all experiments in a process; cheap to clone.
#[derive(Clone)]
pub struct Lab {
    pub(crate) inner: Arc<LabInner>,
}

impl Lab {
    /// Builds a lab that publishes to `publisher` and reports internal errors
    /// to `on_internal_error`.
    pub fn new(
        config: &LabConfig,
        publisher: impl Publisher,
        on_internal_error: impl Fn(&crate::InternalError) + Send + Sync + 'static,
    ) -> Result<Lab, BuildError> {
        check_at_least_one(
            "lab.max_in_flight",
            config.max_in_flight,
            Semaphore::MAX_PERMITS,
        )?;
        check_at_least_one("lab.publish_capacity", config.publish_capacity, 1 << 24)?;
        let (handle, runtime) = shadow_handle(&config.shadow_runtime)?;
        let hook: InternalErrorHook = Arc::new(on_internal_error);
        let queue = PublishQueue::start(config.publish_capacity, Box::new(publisher), hook.clone())
            .map_err(|_| BuildError::Conflict {
                field: "lab",
                reason: "the publishing thread could not start",
            })?;
        let global = Arc::new(Semaphore::new(config.max_in_flight));
        let inner = LabInner {
            handle,
            global,
            queue,
            hook,
            _runtime: OwnedRuntime(runtime),
        };
        Ok(Lab {
            inner: Arc::new(inner),
        })
    }

    /// A lab with default sizes on the current runtime, publishing into the
    /// returned memory publisher and ignoring internal errors: for tests.
    pub fn in_memory() -> Result<(Lab, Arc<MemoryPublisher>), BuildError> {
        let publisher = Arc::new(MemoryPublisher::default());
        let lab = Lab::new(&LabConfig::default(), publisher.clone(), |_| {})?;
        Ok((lab, publisher))
    }

    /// Starts defining an experiment whose candidates take an input `I` and,
    /// like the control, return `Result<T, E>`.
    pub fn experiment<I, T, E>(&self, name: &str) -> ExperimentBuilder<I, T, E>
    where
        I: Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        ExperimentBuilder::new(self.clone(), name)
    }

    /// How many results were dropped because the publish channel was full.
    pub fn dropped_publishes(&self) -> u64 {
        self.inner.queue.dropped()
    }
}

fn check_at_least_one(field: &'static str, value: usize, max: usize) -> Result<(), BuildError> {
    if value == 0 || value > max {
        return Err(BuildError::OutOfRange {
            field,
            value: value as f64,
            min: 1.0,
            max: max as f64,
        });
    }
    Ok(())
}

fn shadow_handle(choice: &ShadowRuntime) -> Result<(Handle, Option<Runtime>), BuildError> {
    match choice {
        ShadowRuntime::Current => {
            Handle::try_current()
                .map(|handle| (handle, None))
                .map_err(|_| BuildError::Conflict {
                    field: "lab.shadow_runtime",
                    reason: "Current needs a running tokio runtime",
                })
        }
        ShadowRuntime::Handle(handle) => Ok((handle.clone(), None)),
        ShadowRuntime::Dedicated { threads } => {
            check_at_least_one("lab.shadow_runtime.threads", *threads, 256)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(*threads)
                .thread_name("offload-experiment-shadow")
                .enable_all()
                .build()
                .map_err(|_| BuildError::Conflict {
                    field: "lab.shadow_runtime",
                    reason: "the runtime could not start",
                })?;
            Ok((runtime.handle().clone(), Some(runtime)))
        }
    }
}
